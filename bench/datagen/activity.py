"""The restorative activity of a prepared case: pre-conference risk assessments and the conference, or indirect
communication; then the outcome agreement (about 3 items in varied follow-up states), signatures, copies, updates
to the person harmed and the feedback calls (about 85% of persons harmed satisfied).

Called from pathway.pathway; each returns when and how the case ends, or None while it is still open.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from bench.datagen import records, words
from bench.datagen.timebase import MINUTES

if TYPE_CHECKING:
    from bench.datagen.cases import Builder, CaseState, Person

DAY = MINUTES
Ending = tuple[int | None, str, str, str]
OPEN: Ending = (None, "", "", "")
RISK_YES = {"low": 0, "medium": 2, "high": 4}  # checklist items answered "yes, a risk" at each rating
PLAN = {
    "low": "Two facilitators present; separate arrival times; breaks offered.",
    "medium": "Discussed with the RJ manager. Separate waiting rooms, staggered arrival, agreed ground rules.",
    "high": "Discussed with the RJ manager and probation. Extra facilitator, exit plan, supporters briefed.",
}
SIDE_LABEL = {"victim": "person harmed", "offender": "person responsible"}
FEEDBACK = (
    "id question_set_id conference_id indirect_id activity_on called_on answers satisfied would_recommend "
    "worry_raised recorded_at recorded_by_id participant_id"
)


def makers(b: Builder) -> dict[str, Any]:
    """The row makers of this module's tables, built once per builder."""
    cached = getattr(b, "_activity_makers", None)
    if cached is not None:
        return cached
    t = b.t
    m = {
        "assessment": t["assessment"].maker(
            "id case_id subject victim_id offender_id point version status template_id rating rating_reasons "
            "management_plan risk_manageable facilitator_ratio discussed_with_manager prison_security_consulted "
            "created_at created_by_id submitted_at submitted_by_id decided_at decided_by_id decision_comment"
        ),
        "answer": t["answer"].maker("id assessment_id item_id risk management"),
        "conference": t["conference"].maker(
            "id case_id status date start_time end_time venue_kind venue_name video_link lead_facilitator_id "
            "lead_facilitator_agency second_facilitator_id second_facilitator_agency venue_visited venue_accessible "
            "separate_waiting_rooms break_out_room venue_safe security_liaison visitor_list_sent id_requirements "
            "arrival_plan held_start_time held_end_time background how_it_went lessons_learnt "
            "video_worked_for_victim video_worked_for_offender video_how_we_know recorded_at recorded_by_id "
            "created_at created_by_id confirmed_at confirmed_by_id"
        ),
        "conference_victims": t["conference_victims"].maker("id conference_id victim_id"),
        "conference_offenders": t["conference_offenders"].maker("id conference_id offender_id"),
        "attendee": t["attendee"].maker("id conference_id kind name relationship_or_organisation agreement_recorded"),
        "indirect": t["indirect"].maker(
            "id case_id kind started_on completed_on effective how_we_know created_at created_by_id"
        ),
        "message": t["message"].maker(
            "id communication_id direction victim_id offender_id content received_on review_outcome reviewed_at "
            "reviewed_by_id passed_on recorded_at recorded_by_id"
        ),
        "agreement": t["agreement"].maker(
            "id case_id conference_id indirect_id status activity_on agreed_on copies_due_on victim_wants_updates "
            "victim_updates victim_updates_until closed_on created_at created_by_id"
        ),
        "agreement_victims": t["agreement_victims"].maker("id outcomeagreement_id victim_id"),
        "agreement_offenders": t["agreement_offenders"].maker("id outcomeagreement_id offender_id"),
        "signature": t["signature"].maker("id agreement_id victim_id offender_id signed_on recorded_at recorded_by_id"),
        "item": t["item"].maker(
            "id agreement_id number kind description responsible responsible_victim_id responsible_offender_id "
            "target_date status outcome_on outcome_comment outcome_recorded_at outcome_recorded_by_id signed_off_at "
            "signed_off_by_id"
        ),
        "copy": t["copy"].maker(
            "id agreement_id recipient victim_id offender_id recipient_name version method sent_on recorded_at "
            "recorded_by_id"
        ),
        "victim_update": t["victim_update"].maker(
            "id agreement_id item_id participant_id informed_on method what_was_said recorded_at recorded_by_id"
        ),
        "victim_feedback": t["victim_feedback"].maker(FEEDBACK),
        "offender_feedback": t["offender_feedback"].maker(FEEDBACK),
    }
    b._activity_makers = m  # type: ignore[attr-defined]
    return m


# --- Risk assessments ---------------------------------------------------------------------------


def risk_assessment(
    b: Builder, c: CaseState, subject: str, person: Person | None, started: int, lead: int, manager: int
) -> int | None:
    """A pre-conference assessment: a draft, submitted, then approved by a manager. The approval moment, if any."""
    rng, tb, cut = b.rng, b.tb, c.cut
    if started >= cut:
        return None
    m = makers(b)
    submitted = b.later(started, 1, 5)
    decided = b.later(submitted, 1, 7)
    status = "approved" if decided < cut else "submitted" if submitted < cut else "draft"
    sent = status != "draft"
    approved = status == "approved"
    rating = rng.choice(("low", "low", "low", "medium", "medium", "high"))
    side = person.side if person is not None else ""
    table = b.t["assessment"]
    assessment_id = table.new_id()
    table.add(
        m["assessment"](
            id=assessment_id,
            case_id=c.id,
            subject=subject,
            victim_id=person.id if side == "victim" else None,
            offender_id=person.id if side == "offender" else None,
            point="pre_conference",
            version=1,
            status=status,
            template_id=c.service.template_id,
            rating=rating,
            rating_reasons=f"Overall {rating} after the checklist and the interviews.",
            management_plan=PLAN[rating],
            risk_manageable=True,
            facilitator_ratio="2 facilitators to 4 attendees",
            discussed_with_manager=rating != "low",
            prison_security_consulted=any(p.custody for p in c.offenders),
            created_at=tb.ts(started),
            created_by_id=lead,
            submitted_at=tb.ts(submitted) if sent else None,
            submitted_by_id=lead if sent else None,
            decided_at=tb.ts(decided) if approved else None,
            decided_by_id=manager if approved else None,
            decision_comment="Approved." if approved else "",
        )
    )
    answers = b.t["answer"]
    for index, item in enumerate(c.service.checklist[subject]):
        risky = index < RISK_YES[rating]
        management = "Managed through the plan." if risky else ""
        answers.add(m["answer"](answers.new_id(), assessment_id, item, risky, management))
    if sent:
        b.event(c, submitted, lead, "risk", "Pre-conference risk assessment submitted", person)
        for user in c.service.managers:
            b.task(
                c,
                user,
                "review_assessment",
                f"Review a risk assessment on {c.ref}",
                submitted // DAY,
                submitted,
                decided if approved else None,
                manager,
                person=person,
                dedupe=f"risk-assessment:{assessment_id}:submitted:{user}:{rng.getrandbits(48):012x}",
                step="Review the risk assessment",
            )
        if person is not None:
            b.plog(submitted, lead, "alteration", person, c.id, "RiskAssessment", assessment_id, "Assessment submitted")
    if approved:
        b.event(c, decided, manager, "risk", "Pre-conference risk assessment approved", person)
        if person is not None:
            b.plog(decided, manager, "alteration", person, c.id, "RiskAssessment", assessment_id, "Assessment approved")
    return decided if approved else None


# --- Conference ---------------------------------------------------------------------------------


def conference(b: Builder, c: CaseState, prepared: int, lead: int, second: int | None) -> Ending:
    """Approved assessments for every attending person (and the venue), then the conference, its write-up,
    the agreement and the feedback calls."""
    rng, tb, cut = b.rng, b.tb, c.cut
    m = makers(b)
    people = (*c.victims, *c.offenders)
    manager = rng.choice(c.service.managers)
    started = b.later(prepared, 3, 15)
    approvals = [risk_assessment(b, c, p.side, p, started + rng.randint(0, 120), lead, manager) for p in people]
    risk_assessment(b, c, "venue", None, started + 180, lead, manager)
    if None in approvals:
        return OPEN
    ready = max(a for a in approvals if a is not None) + 30
    for person in people:
        person.set_status("ready", ready, cut)
    planned = b.later(ready, 1, 5)
    confirmed = b.later(planned, 1, 5)
    day = tb.next_working(confirmed // DAY + rng.randint(5, 25))
    held = day * DAY + rng.choice((10 * 60, 11 * 60, 13 * 60, 14 * 60))
    if not b.set_stage(c, planned, "activity", lead):
        return OPEN
    status = "held" if held + 180 < cut else "confirmed" if confirmed < cut else "planned"
    done = status == "held"
    custody = any(p.custody for p in c.offenders)
    video = rng.random() < 0.1
    recorded = min(held + rng.randint(3, 72) * 60, cut - 1)
    table = b.t["conference"]
    conference_id = table.new_id()
    table.add(
        m["conference"](
            id=conference_id,
            case_id=c.id,
            status=status,
            date=tb.day(day),
            start_time=tb.time(held),
            end_time=tb.time(held + 120),
            venue_kind="prison" if custody else "community",
            venue_name=words.PRISONS[c.id % len(words.PRISONS)] if custody else rng.choice(words.CONFERENCE_VENUES),
            video_link=video,
            lead_facilitator_id=lead,
            lead_facilitator_agency=c.service.name,
            second_facilitator_id=second,
            second_facilitator_agency=c.service.name if second else "",
            venue_visited=True,
            venue_accessible=True,
            separate_waiting_rooms=True,
            break_out_room=True,
            venue_safe=True,
            security_liaison="Security department briefed; visit booked" if custody else "",
            visitor_list_sent=custody,
            id_requirements="Photo ID for every visitor" if custody else "",
            arrival_plan="Staggered arrival and leaving" if custody else "",
            held_start_time=tb.time(held + 5) if done else None,
            held_end_time=tb.time(held + rng.randint(75, 150)) if done else None,
            background=words.WRITE_UP_BACKGROUND if done else "",
            how_it_went=rng.choice(words.WRITE_UP_WENT) if done else "",
            lessons_learnt=rng.choice(words.WRITE_UP_LESSONS) if done else "",
            video_worked_for_victim=(rng.random() < 0.85) if done and video else None,
            video_worked_for_offender=(rng.random() < 0.9) if done and video else None,
            video_how_we_know="Asked them at the feedback call" if done and video else "",
            recorded_at=tb.ts(recorded) if done else None,
            recorded_by_id=lead if done else None,
            created_at=tb.ts(planned),
            created_by_id=lead,
            confirmed_at=tb.ts(confirmed) if status != "planned" else None,
            confirmed_by_id=manager if status != "planned" else None,
        )
    )
    b.event(c, planned, lead, "conference", "Conference planned")
    b.event(c, confirmed, manager, "conference", "Conference confirmed")
    for person in people:
        through = b.t[f"conference_{person.side}s"]
        through.rows.append(m[f"conference_{person.side}s"](through.new_id(), conference_id, person.id))
        attendees = b.t["attendee"]
        for name in person.supporters:
            kind = f"{person.side}_supporter"
            attendees.add(m["attendee"](attendees.new_id(), conference_id, kind, name, "Friend", True))
    if not done:
        return OPEN
    b.event(c, recorded, lead, "conference", "Conference held and written up")
    for person in people:
        person.set_status("taking_part", held, cut)
    last = held
    if rng.random() < 0.95:
        last = max(last, agreement(b, c, held, lead, conference_id=conference_id))
    else:
        b.set_stage(c, held + 200, "follow_up", lead)
    last = max(last, feedback_calls(b, c, held, lead, "conference", conference_id, people))
    end = b.later(last, 3, 15)
    for person in people:
        person.set_status("completed", end, cut)
    return end, "conference", "", ""


# --- Indirect communication ---------------------------------------------------------------------


def indirect(b: Builder, c: CaseState, prepared: int, lead: int) -> Ending:
    """Letters, shuttle mediation or recorded messages, each reviewed before it is passed on."""
    rng, tb, cut = b.rng, b.tb, c.cut
    m = makers(b)
    outcome = b.pick_indirect_outcome()
    kind = "recorded_message" if outcome == "shuttle" and rng.random() < 0.2 else outcome
    started = b.later(prepared, 5, 20)
    if not b.set_stage(c, started, "activity", lead):
        return OPEN
    messages = []
    moment = started
    for number in range(rng.randint(1, 4)):
        moment = b.later(moment, 5, 20)
        messages.append((moment, "to_victim" if number % 2 == 0 else "to_offender"))
    completed = b.later(moment, 2, 10)
    done = completed < cut
    table = b.t["indirect"]
    indirect_id = table.new_id()
    table.add(
        m["indirect"](
            id=indirect_id,
            case_id=c.id,
            kind=kind,
            started_on=tb.day(started // DAY),
            completed_on=tb.day(completed // DAY) if done else None,
            effective=(rng.random() < 0.8) if done else None,
            how_we_know="Both said so at the feedback call" if done else "",
            created_at=tb.ts(started),
            created_by_id=lead,
        )
    )
    b.event(c, started, lead, "conference", f"Indirect communication started: {kind.replace('_', ' ')}")
    victim, offender = c.victims[0], c.offenders[0]
    for person in (*c.victims, *c.offenders):
        person.set_status("taking_part", started, cut)
    table = b.t["message"]
    for received, direction in messages:
        if received >= cut:
            break
        reviewed = received + rng.randint(60, 2 * DAY)
        passed = reviewed + rng.randint(1, 3) * DAY
        ok = reviewed < cut
        sender = offender if direction == "to_victim" else victim
        records.contact(b, c, sender, received - rng.randint(1, 3) * DAY, lead, purpose="Worked on their message")
        table.add(
            m["message"](
                id=table.new_id(),
                communication_id=indirect_id,
                direction=direction,
                victim_id=victim.id,
                offender_id=offender.id,
                content=words.MESSAGE_TEXT[direction],
                received_on=tb.day(received // DAY),
                review_outcome="approved" if ok else "pending",
                reviewed_at=tb.ts(reviewed) if ok else None,
                reviewed_by_id=lead if ok else None,
                passed_on=tb.day(passed // DAY) if ok and passed < cut else None,
                recorded_at=tb.ts(received),
                recorded_by_id=lead,
            )
        )
        b.event(c, received, lead, "conference", "Message received")
    if not done:
        return OPEN
    b.event(c, completed, lead, "conference", f"Indirect communication completed: {kind.replace('_', ' ')}")
    last = completed
    if rng.random() < 0.35:
        last = max(last, agreement(b, c, completed, lead, indirect_id=indirect_id))
    last = max(last, feedback_calls(b, c, completed, lead, "indirect", indirect_id, (victim, offender)))
    end = b.later(last, 5, 30)
    for person in (*c.victims, *c.offenders):
        person.set_status("completed", end, cut)
    return end, outcome, "", ""


# --- Outcome agreements -------------------------------------------------------------------------


def _item_outcome(b: Builder, target: int) -> tuple[str, int]:
    """Done on time (62%), done late (15%), partly done (8%) or not done (15%), and the day it was recorded."""
    rng = b.rng
    roll = rng.random()
    if roll < 0.62:
        return "done", target - rng.randint(0, 10)
    if roll < 0.77:
        return "done", target + rng.randint(1, 30)
    if roll < 0.85:
        return "partly_done", target + rng.randint(0, 14)
    return "not_done", target + rng.randint(1, 21)


def agreement(
    b: Builder, c: CaseState, activity: int, lead: int, *, conference_id: int | None = None,
    indirect_id: int | None = None,
) -> int:  # fmt: skip
    """The agreement, its items with their follow-up, signatures, copies and updates. Returns the last moment
    anything happened on it (an item still open when the cut-off comes keeps the case open)."""
    rng, tb, cut = b.rng, b.tb, c.cut
    m = makers(b)
    day = activity // DAY
    signed = activity + 150
    copies_due = tb.add_working_days(day, 3)
    wants_updates = rng.random() < 0.8
    victim, offender = c.victims[0], c.offenders[0]
    agreement_id = b.t["agreement"].new_id()
    link = b.links["agreement"].format(agreement_id)
    last = signed
    b.set_stage(c, signed + 10, "follow_up", lead)
    b.event(c, signed, lead, "agreement", "Outcome agreement signed by everyone named on it")

    items = b.t["item"]
    resolved_all = True
    resolved = []
    for number, (kind, responsible, text) in enumerate(rng.sample(words.ITEM_TEXTS, rng.choice((2, 3, 3, 3, 4))), 1):
        target = day + rng.randint(14, 90)
        status, outcome_day = _item_outcome(b, target)
        outcome_day = max(outcome_day, day + 1)
        recorded = b.at(outcome_day)
        signed_off = b.later(recorded, 0, 5)
        done = recorded < cut
        off = done and signed_off < cut
        resolved_all = resolved_all and off
        item_id = items.new_id()
        items.add(
            m["item"](
                id=item_id,
                agreement_id=agreement_id,
                number=number,
                kind=kind,
                description=text,
                responsible=responsible,
                responsible_victim_id=victim.id if responsible == "victim" else None,
                responsible_offender_id=offender.id if responsible == "offender" else None,
                target_date=tb.day(target),
                status=status if done else "open",
                outcome_on=tb.day(outcome_day) if done else None,
                outcome_comment="Confirmed with the person responsible" if done else "",
                outcome_recorded_at=tb.ts(recorded) if done else None,
                outcome_recorded_by_id=lead if done else None,
                signed_off_at=tb.ts(signed_off) if off else None,
                signed_off_by_id=lead if off else None,
            )
        )
        if done:
            last = max(last, signed_off if off else recorded)
            resolved.append((item_id, number, status, recorded))
        else:
            b.task(
                c,
                lead,
                "follow_up_item",
                f"Follow up agreement item {number} on {c.ref}",
                target,
                signed,
                dedupe=f"item:{item_id}:follow:bench",
                link=f"{link}#item-{item_id}",
                step=f"Follow up agreement item {number}",
            )
    b.t["agreement"].add(
        m["agreement"](
            id=agreement_id,
            case_id=c.id,
            conference_id=conference_id,
            indirect_id=indirect_id,
            status="closed" if resolved_all else "agreed",
            activity_on=tb.day(day),
            agreed_on=tb.day(day),
            copies_due_on=tb.day(copies_due),
            victim_wants_updates=wants_updates,
            victim_updates="Told by phone how each item went" if wants_updates else "",
            victim_updates_until=tb.day(day + 180) if wants_updates else None,
            closed_on=tb.day(last // DAY) if resolved_all else None,
            created_at=tb.ts(activity + 120),
            created_by_id=lead,
        )
    )
    signatures = b.t["signature"]
    for person in (*c.victims, *c.offenders):
        through = b.t[f"agreement_{person.side}s"]
        through.rows.append(m[f"agreement_{person.side}s"](through.new_id(), agreement_id, person.id))
        victim_id = person.id if person.side == "victim" else None
        offender_id = person.id if person.side == "offender" else None
        signatures.rows.append(
            m["signature"](signatures.new_id(), agreement_id, victim_id, offender_id, tb.day(day), tb.ts(signed), lead)
        )

    # Copies: each party's own version, and the offender manager's and the VLO's
    at_conference = conference_id is not None and rng.random() < 0.7
    sent_day = day if at_conference else tb.add_working_days(day, rng.choice((1, 2, 2, 3, 3, 4, 5)))
    sent = signed + 30 if at_conference else b.at(sent_day)
    if sent < cut:
        _copies(b, c, agreement_id, sent_day, sent, lead, "at_conference" if at_conference else "")
        last = max(last, sent)
    b.task(
        c,
        lead,
        "send_copies",
        f"Send copies of the agreement on {c.ref}",
        copies_due,
        signed,
        sent,
        lead,
        dedupe=f"agreement-copies:{agreement_id}",
        link=f"{link}#copies",
    )

    # The person harmed told how each item went, as they asked
    if wants_updates:
        updates = b.t["victim_update"]
        for item_id, number, status, recorded in resolved:
            told = b.later(recorded, 1, 5)
            if told >= cut:
                continue
            row = m["victim_update"](
                id=updates.new_id(),
                agreement_id=agreement_id,
                item_id=item_id,
                participant_id=victim.id,
                informed_on=tb.day(told // DAY),
                method="phone",
                what_was_said=f"Item {number}: {status.replace('_', ' ')}.",
                recorded_at=tb.ts(told),
                recorded_by_id=lead,
            )
            updates.add(row)
            reason = "Person harmed told how the agreement is going"
            b.event(c, told, lead, "agreement", reason, victim)
            b.plog(told, lead, "collection", victim, c.id, "VictimUpdate", row[0], reason)
            last = max(last, told)
    return last


def _copies(b: Builder, c: CaseState, agreement_id: int, sent_day: int, sent: int, lead: int, method: str) -> None:
    """A copy for each party (their own side's version), and one for their offender manager or VLO."""
    tb, m, table, names = b.tb, makers(b), b.t["copy"], b.world.names
    method = method or b.rng.choice(("post", "email", "secure_email"))
    for person in (*c.victims, *c.offenders):
        linked = person.om if person.side == "offender" else person.vlo
        recipients = [(person.side, person.id, "", method)]
        if linked is not None:
            recipients.append(
                ("offender_manager" if person.side == "offender" else "vlo", None, names[linked], "email")
            )
        for recipient, person_id, name, how in recipients:
            table.add(
                m["copy"](
                    id=table.new_id(),
                    agreement_id=agreement_id,
                    recipient=recipient,
                    victim_id=person_id if recipient == "victim" else None,
                    offender_id=person_id if recipient == "offender" else None,
                    recipient_name=name,
                    version=person.side,
                    method="secure_email" if name else how,
                    sent_on=tb.day(sent_day),
                    recorded_at=tb.ts(sent),
                    recorded_by_id=lead,
                )
            )
            if name:
                b.plog(sent, lead, "disclosure", person, c.id, "OutcomeAgreement", agreement_id,
                       "Copy of the outcome agreement given", recipient=name)  # fmt: skip


# --- Feedback calls ------------------------------------------------------------------------------


def _answers(b: Builder, side: str) -> tuple[str, bool | None, bool | None, bool]:
    """Answers keyed by question key, and the measures they give (satisfied, would recommend, worry)."""
    rng = b.rng
    satisfied = rng.random() < (0.85 if side == "victim" else 0.80)
    # 78% of persons harmed and 74% of persons responsible would recommend (RJC research), mostly the satisfied
    recommend = rng.random() < ((0.8735 if side == "victim" else 0.8625) if satisfied else 0.25)
    worry = rng.random() < 0.03
    chosen = {
        "how_it_went": ["went_well", "said_what_i_wanted", "pleased_outcome"] if satisfied else ["went_badly"],
        "pleased_by": {"answer": "yes" if satisfied else "no", "details": "Being listened to" if satisfied else ""},
        "disappointed_by": {"answer": "no", "details": ""},
        "felt_straight_after": [rng.choice(("relieved", "really_pleased"))] if satisfied else ["low"],
        "feel_now": ["reassured"] if satisfied else ["worried"],
        "worries": ["may_find_or_contact"] if worry else ["none"],
        "overall_impact": "positive" if satisfied else rng.choice(("none", "dont_know", "negative")),
        "overall_satisfaction": (
            rng.choice(("very_satisfied", "satisfied"))
            if satisfied
            else rng.choice(("neither", "dissatisfied", "very_dissatisfied"))
        ),
        "received_agreement": "yes",
        "felt_prepared": "yes" if satisfied else "partly",
        "felt_supported": "yes" if satisfied else "partly",
        "would_recommend": "yes" if recommend else rng.choice(("no", "not_sure")),
        "compared_justice": rng.choice(("better", "better", "same", "no_earlier")),
        "evaluation_consent": rng.choice(("yes", "no")),
        "talk_to_others": ["neither"],
    }
    answers = {key: value for key, value in chosen.items() if key in b.questions}
    return (json.dumps(answers), *b.questions_measures(answers))


def feedback_calls(
    b: Builder, c: CaseState, activity: int, lead: int, kind: str, activity_id: int, people: tuple[Person, ...]
) -> int:
    """The feedback call to each party within 7 days (some late, some never made). Returns the last call."""
    rng, tb, cut = b.rng, b.tb, c.cut
    day = activity // DAY
    last = activity
    for person in people:
        side = person.side
        call = b.at(day + rng.choice((1, 2, 3, 3, 4, 5, 6, 7, 8, 10)))
        will_call = rng.random() < (0.9 if side == "victim" else 0.8)
        b.task(
            c,
            lead,
            "feedback_call",
            f"Make the feedback call to the {SIDE_LABEL[side]} on {c.ref}",
            day + 7,
            activity + 240,
            call if will_call else None,
            lead,
            person=person,
            dedupe=f"feedback-call:{kind}:{activity_id}:{side}:{person.id}",
            link=f"{b.links[side + '_feedback'].format(person.id)}?{kind}={activity_id}",
            step="Make the feedback call",
        )
        if not will_call or call >= cut:
            continue
        answers, satisfied, recommend, worry = _answers(b, side)
        table = b.t[f"{side}_feedback"]
        row = makers(b)[f"{side}_feedback"](
            id=table.new_id(),
            question_set_id=b.question_set_id,
            conference_id=activity_id if kind == "conference" else None,
            indirect_id=activity_id if kind == "indirect" else None,
            activity_on=tb.day(day),
            called_on=tb.day(call // DAY),
            answers=answers,
            satisfied=satisfied,
            would_recommend=recommend,
            worry_raised=worry,
            recorded_at=tb.ts(call),
            recorded_by_id=lead,
            participant_id=person.id,
        )
        table.add(row)
        b.event(c, call, lead, "feedback", "Feedback recorded", person)
        b.plog(call, lead, "collection", person, c.id, table.model.__name__, row[0], "Feedback call recorded")
        if worry:
            b.event(c, call, lead, "feedback", "Worry raised in feedback", person)
            b.task(
                c,
                lead,
                "safeguarding",
                f"Act on a worry raised in feedback on {c.ref}",
                call // DAY,
                call,
                b.later(call, 0, 2),
                lead,
                person=person,
                dedupe=f"feedback-worry:{side}:{row[0]}:{lead}",
                step="Act on a worry raised",
            )
        last = max(last, call)
    return last

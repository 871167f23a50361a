"""A case's pathway from allocation: first contact and assessment of the person responsible, then of the person
harmed, preparation, and the hand-over to the activity (activity.py). Also suitability rows and safeguarding.

Called by cases.Builder.build once a case is allocated; returns when and how the case ends, or None while it is
still open at the cut-off.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bench.datagen import activity, records, words
from bench.datagen.shares import CONFERENCE, OFFENDER_OUT, VICTIM_OUT, WITHDRAWN
from bench.datagen.timebase import MINUTES

if TYPE_CHECKING:
    from bench.datagen.cases import Builder, CaseState, Person

DAY = MINUTES
Ending = tuple[int | None, str, str, str]  # (end moment or None while open, outcome, reason, withdrawn by)
OPEN: Ending = (None, "", "", "")


def makers(b: Builder) -> dict[str, Any]:
    """The row makers of this module's tables, built once per builder."""
    cached = getattr(b, "_pathway_makers", None)
    if cached is not None:
        return cached
    t = b.t
    m = {
        "offender_suitability": t["offender_suitability"].maker(
            "id assessed_on outcome outcome_reason recorded_at recorded_by_id updated_at participant_id "
            "who_was_affected what_they_would_say responsibility repairing_harm who_they_would_bring "
            "victim_feelings knows_victim history_between denies_involvement revictimising_attitudes "
            "unsafe_mental_health immovably_resistant accepts_some_responsibility told_no_effect_on_sentence"
        ),
        "victim_suitability": t["victim_suitability"].maker(
            "id assessed_on outcome recorded_at recorded_by_id updated_at participant_id readiness motivation "
            "expectations expectations_realistic relationship_id support_available preferred_activity "
            "consent_informed_and_free decision recontact_on vlo_liaison_done"
        ),
        "safeguarding": t["safeguarding"].maker(
            "id case_id victim_id offender_id concern at_risk agency agency_details passed_by passed_at "
            "acknowledged_at acknowledgement escalate_rosh recorded_at recorded_by_id"
        ),
    }
    b._pathway_makers = m  # type: ignore[attr-defined]
    return m


def pathway(b: Builder, c: CaseState, fate: int, allocated: int, lead: int, second: int | None) -> Ending:
    """Contacts, assessments and activity from allocation on."""
    rng, tb, cut = b.rng, b.tb, c.cut
    offenders, victims = c.offenders, c.victims

    # First contact with the person responsible, then their assessment
    first = b.later(allocated, 2, 20)
    due = tb.add_working_days(allocated // DAY, 15)
    b.task(c, lead, "first_contact", f"Make first contact on {c.ref}", due, allocated, first, lead)
    if rng.random() < 0.25:
        records.contact(b, c, offenders[0], first - rng.randint(1, 3) * DAY, lead, attempt=True)
    for index, person in enumerate(offenders):
        moment = first + index * 90
        records.contact(b, c, person, moment, lead, purpose=words.CONTACT_PURPOSES[0])
        person.set_status("in_contact", moment, cut)
        records.consultation(b, c, person, moment + 30, lead)
    b.set_stage(c, first, "assessment", lead)
    decided = b.later(first, 7, 40)
    for person in offenders:
        person.set_status("assessing", first + DAY, cut)
        for _ in range(rng.randint(1, 3)):
            moment = b.at(rng.randint(first // DAY + 1, decided // DAY))
            records.contact(b, c, person, moment, lead, purpose="Assessment interview")
    if rng.random() < 0.03:
        safeguarding(b, c, rng.choice(offenders), b.later(first, 1, 20), lead)

    if fate == OFFENDER_OUT:
        reason = b.pick_offender_reason()
        end = b.later(decided, 0, 10)
        status = {"offender_declined": "declined", "offender_unavailable": "withdrawn"}.get(reason, "unsuitable")
        for person in offenders:
            offender_suitability(b, c, person, first, decided, lead, suitable=False, reason=reason)
            person.set_status(status, decided, cut)
            records.contact(b, c, person, end - DAY // 2, lead, purpose="Told them of the decision")
        outcome = "not_proceeding" if reason in ("offender_declined", "offender_unavailable") else "rejected_unsuitable"
        return end, outcome, reason, ""

    # The rest of the plan: the person harmed is contacted only once a person responsible is suitable
    victim_first = b.later(decided, 3, 20)
    victim_decided = b.later(victim_first, 7, 40)
    prepared = victim_decided + 60
    withdrawn_at = b.later(prepared, 10, 60) if fate == WITHDRAWN else None
    withdrawn_by = b.pick_withdrawn_by() if fate == WITHDRAWN else ""
    for person in offenders:
        offender_suitability(b, c, person, first, decided, lead, suitable=True)
        person.set_status("suitable", decided, cut)
        withdrawn = withdrawn_at if withdrawn_by == "offender" else None
        records.consent(b, c, person, "take_part", decided + 30, lead, withdrawn)

    if fate == VICTIM_OUT and rng.random() < 0.35:  # never reached: calls and letters go unanswered
        moment = victim_first
        for _ in range(rng.randint(3, 5)):
            for person in victims:
                records.contact(b, c, person, moment, lead, attempt=True, purpose="First contact", kind="phone")
            moment = b.later(moment, 5, 12)
        return moment, "not_proceeding", "victim_not_contactable", ""
    if rng.random() < 0.3:
        records.contact(b, c, victims[0], victim_first - rng.randint(1, 3) * DAY, lead, attempt=True, kind="phone")
    for index, person in enumerate(victims):
        moment = victim_first + index * 60
        if person.vlo is not None:
            b.event(c, moment - DAY, lead, "note", "Liaised with the victim liaison officer before contact")
        records.contact(b, c, person, moment, lead, purpose=words.CONTACT_PURPOSES[0], kind="phone")
        person.set_status("in_contact", moment, cut)
        person.set_status("assessing", moment + DAY, cut)
        records.consultation(b, c, person, moment + 20, lead)
    for person in victims:
        for _ in range(rng.randint(1, 3)):
            moment = b.at(rng.randint(victim_first // DAY + 1, victim_decided // DAY))
            records.contact(b, c, person, moment, lead, purpose="Assessment interview")
    if fate == VICTIM_OUT:
        end = b.later(victim_decided, 0, 10)
        for person in victims:
            victim_suitability(b, c, person, victim_first, victim_decided, lead, "declines")
            person.set_status("declined", victim_decided, cut)
        for person in offenders:
            records.contact(b, c, person, end - DAY // 2, lead, purpose="Told them the other party will not take part")
        return end, "not_proceeding", "victim_declined", ""
    if victim_decided >= cut and victim_first + 8 * DAY < cut and rng.random() < 0.3:
        # Still thinking it over: a dated re-contact reminder
        thought = min(cut - DAY, b.later(victim_first, 7, 14))
        recontact = cut // DAY + rng.randint(-3, 21)
        for person in victims:
            victim_suitability(b, c, person, victim_first, thought, lead, "time_to_think", recontact=recontact)
            person.set_status("thinking", thought, cut)
        return OPEN
    meeting = fate == CONFERENCE or (fate == WITHDRAWN and rng.random() < 0.6)
    for person in victims:
        victim_suitability(
            b, c, person, victim_first, victim_decided, lead, "prepare_conference" if meeting else "prefers_indirect"
        )
        person.set_status("suitable", victim_decided, cut)
        withdrawn = withdrawn_at if withdrawn_by == "victim" else None
        records.consent(b, c, person, "take_part", victim_decided + 30, lead, withdrawn)

    # Preparation
    b.set_stage(c, prepared, "preparation", lead)
    for person in (*victims, *offenders):
        person.set_status("preparing", prepared, cut)
        base = prepared + rng.randint(1, 5) * DAY
        if rng.random() < 0.25:
            records.need(b, c, person, base, lead)
        if rng.random() < (0.35 if person.side == "victim" else 0.2):
            records.supporter(b, c, person, base + 60, lead)
        if rng.random() < 0.5:
            records.consent(b, c, person, "share_information", base + 90, lead)
        if rng.random() < 0.6:
            records.consent(b, c, person, "evaluation", base + 100, lead)
        if person.side == "victim" and rng.random() < 0.5:
            records.disclosure(b, c, person, "impact", base + 120, lead)
        if person.side == "offender" and rng.random() < 0.4:
            records.disclosure(b, c, person, "taking_part", base + 120, lead)
        for _ in range(rng.randint(1, 3)):
            moment = b.later(base, 1, 12)
            if withdrawn_at is None or moment < withdrawn_at - 60:
                records.contact(b, c, person, moment, lead, purpose="Preparation meeting")
    if rng.random() < 0.02:
        safeguarding(b, c, rng.choice(victims), b.later(prepared, 1, 10), lead)

    if withdrawn_at is not None:
        for person in {"victim": victims, "offender": offenders}.get(withdrawn_by, []):
            person.set_status("withdrawn", withdrawn_at, cut)
        return withdrawn_at, "not_proceeding", "withdrawn", withdrawn_by
    if fate == CONFERENCE:
        return activity.conference(b, c, prepared, lead, second)
    return activity.indirect(b, c, prepared, lead)


# --- Suitability -------------------------------------------------------------------------------


def offender_suitability(
    b: Builder, c: CaseState, person: Person, first: int, decided: int, by: int, *, suitable: bool, reason: str = ""
) -> None:
    """The assessment interview (DOMAIN §2.4): in progress from the day after first contact, then decided."""
    tb = b.tb
    start = first + DAY
    if start >= c.cut:
        return
    done = decided < c.cut
    when = decided if done else start
    table = b.t["offender_suitability"]
    row = makers(b)["offender_suitability"](
        id=table.new_id(),
        assessed_on=tb.day(when // DAY),
        outcome=("suitable" if suitable else "unsuitable") if done else "in_progress",
        outcome_reason=words.OUTCOME_REASONS.get(reason, "") if done else "",
        recorded_at=tb.ts(start),
        recorded_by_id=by,
        updated_at=tb.ts(when),
        participant_id=person.id,
        who_was_affected="The person harmed and their family.",
        what_they_would_say="That they are sorry and want to explain.",
        responsibility="Accepts it was their fault.",
        repairing_harm="Would like to apologise.",
        who_they_would_bring="A family member.",
        victim_feelings="Probably nervous.",
        knows_victim="No.",
        history_between="None.",
        denies_involvement=done and reason == "offender_declined",
        revictimising_attitudes=done and reason == "offender_unsuitable_risk",
        unsafe_mental_health=done and reason == "offender_unsuitable_capacity",
        immovably_resistant=done and reason == "offender_declined",
        accepts_some_responsibility=True if suitable or not done else None,
        told_no_effect_on_sentence=True,
    )
    table.add(row)
    b.plog(start, by, "collection", person, c.id, "OffenderSuitability", row[0], "Suitability assessment recorded")
    if done:
        label = "suitable" if suitable else "unsuitable"
        b.event(c, decided, by, "suitability", f"Suitability assessment: found {label}", person)


def victim_suitability(
    b: Builder,
    c: CaseState,
    person: Person,
    first: int,
    decided: int,
    by: int,
    decision: str,
    *,
    recontact: int | None = None,
) -> None:
    """The assessment of a person harmed (DOMAIN §2.5); their decision is theirs alone."""
    rng, tb = b.rng, b.tb
    start = first + DAY
    if start >= c.cut:
        return
    done = decided < c.cut
    when = decided if done else start
    if not done:
        decision = "undecided"
    preferred = {"prepare_conference": "conference", "prefers_indirect": rng.choice(("letter", "shuttle"))}
    table = b.t["victim_suitability"]
    row = makers(b)["victim_suitability"](
        id=table.new_id(),
        assessed_on=tb.day(when // DAY),
        outcome="suitable" if decision in ("prepare_conference", "prefers_indirect") else "in_progress",
        recorded_at=tb.ts(start),
        recorded_by_id=by,
        updated_at=tb.ts(when),
        participant_id=person.id,
        readiness="Ready to go ahead",
        motivation="Wants to ask why it happened",
        expectations="Answers and an apology",
        expectations_realistic=True,
        relationship_id=b.codes["relationship"][rng.choice(("stranger", "stranger", "neighbour", "acquaintance"))],
        support_available="Partner and a friend",
        preferred_activity=preferred.get(decision, "not_sure"),
        consent_informed_and_free=True if done else None,
        decision=decision,
        recontact_on=tb.day(recontact) if recontact else None,
        vlo_liaison_done=person.vlo is not None,
    )
    table.add(row)
    b.plog(start, by, "collection", person, c.id, "VictimSuitability", row[0], "Suitability assessment recorded")
    if recontact is not None:
        b.task(
            c,
            c.lead or by,
            "recontact",
            f"Contact again on {c.ref}",
            recontact,
            when,
            person=person,
            dedupe=f"suitability-recontact:{row[0]}:{tb.day(recontact)}",
            step="Contact the person harmed again",
        )
    if done and decision != "undecided":
        b.event(c, decided, by, "suitability", "Suitability assessment recorded", person)


# --- Safeguarding -------------------------------------------------------------------------------


def safeguarding(b: Builder, c: CaseState, person: Person, at: int, by: int, *, escalate: bool = False) -> None:
    """A concern passed to an agency (R10) and acknowledged; an escalation pauses the case until resolved."""
    rng, tb = b.rng, b.tb
    if at >= c.cut:
        return
    acknowledged = at + rng.randint(2, 48) * 60
    ok = acknowledged < c.cut and not escalate
    agency = "probation" if escalate else rng.choice(("police", "childrens_services", "offender_manager", "vlo"))
    table = b.t["safeguarding"]
    row = makers(b)["safeguarding"](
        id=table.new_id(),
        case_id=c.id,
        victim_id=person.id if person.side == "victim" else None,
        offender_id=person.id if person.side == "offender" else None,
        concern=rng.choice(words.SAFEGUARDING_CONCERNS),
        at_risk="victim" if person.side == "victim" else rng.choice(("offender", "child", "other")),
        agency=agency,
        agency_details="Duty team (fictional)",
        passed_by="secure_email",
        passed_at=tb.ts(at),
        acknowledged_at=tb.ts(acknowledged) if ok else None,
        acknowledgement="Received and logged" if ok else "",
        escalate_rosh=escalate,
        recorded_at=tb.ts(at),
        recorded_by_id=by,
    )
    table.add(row)
    b.event(c, at, by, "safeguarding", "Safeguarding concern passed on", person)
    b.plog(at, by, "disclosure", person, c.id, "SafeguardingDisclosure", row[0], "Safeguarding concern passed on",
           recipient="Duty team (fictional)")  # fmt: skip
    if escalate:
        b.event(c, at, by, "safeguarding", "Case paused: a rising risk of serious harm was escalated to probation")
        for manager in c.service.managers:
            b.task(
                c,
                manager,
                "resolve_escalation",
                f"Resolve the risk of serious harm escalation on {c.ref}",
                at // DAY,
                at,
                dedupe=f"safeguarding-rosh:{row[0]}:{manager}",
                step="Resolve the safeguarding escalation",
            )


def escalate(b: Builder, c: CaseState, lead: int) -> None:
    """Pause an open case: an unresolved escalation of a rising risk of serious harm."""
    at = max(c.stage_at + 60, c.cut - b.rng.randint(1, 20) * DAY)
    if at < c.cut:
        safeguarding(b, c, c.offenders[0], at, lead, escalate=True)
        c.paused = True

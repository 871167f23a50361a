"""Fictional demonstration data for held conferences, outcome agreements and their follow-up.

Runs after the cases and risk loaders (core.demo.DEMO_LOADERS) on Northshire cases in follow-up,
writing only through the services with the clock set back to when each step happened: held
conferences, agreements with copies and follow-up at different points, and feedback calls.
Idempotent: it does nothing once any demo agreement exists.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from agreements.models import OutcomeAgreement
from agreements.services import conferences, feedback, outcome
from cases.models import Case, Stage
from core import clock
from risk.demo import _assess, _suitable
from risk.models import AssessmentPoint, RiskLevel

VENUE = "Northtown Community Centre (fictional)"


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _weekday(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


def _held_conference(case: Case, lead: User, manager: User, day: dt.date):
    """Suitability, approved pre-conference assessments, then the conference planned, confirmed and held."""
    victims, offenders = list(case.victims.all()), list(case.offenders.all())
    with clock.use(lambda: _at(day - dt.timedelta(days=12), 11)):
        _suitable(case, lead)
    with clock.use(lambda: _at(day - dt.timedelta(days=7), 10)):
        for person in [*offenders, *victims]:
            _assess(case, person, lead=lead, manager=manager, level=RiskLevel.LOW, state="approved",
                    point=AssessmentPoint.PRE_CONFERENCE)  # fmt: skip
        conference = conferences.conference_plan(
            case=case,
            actor=lead,
            data={
                "date": day,
                "start_time": dt.time(10, 0),
                "end_time": dt.time(12, 0),
                "venue_kind": "community",
                "venue_name": VENUE,
                "venue_visited": True,
                "venue_accessible": True,
                "separate_waiting_rooms": True,
                "break_out_room": True,
                "venue_safe": True,
            },
            victims=victims,
            offenders=offenders,
        )
        conferences.conference_confirm(conference=conference, actor=lead)
    with clock.use(lambda: _at(day, 15)):
        conference = conferences.conference_record_held(
            conference=conference,
            actor=lead,
            data={
                "held_start_time": dt.time(10, 5),
                "held_end_time": dt.time(11, 55),
                "background": "A break-in at the family home while they were away (fictional).",
                "how_it_went": "A slow start. Hearing about the children's fear was the turning point.",
                "lessons_learnt": "Plan a longer break before agreeing the actions.",
            },
        )
    return conference


ITEMS = (
    ("action", "Write a letter to the family explaining what happened and why", 14),
    ("action", "Complete 20 hours of work with the community garden project", 28),
    ("statement", "Apologised to the family in person at the meeting", None),
)


def _agreement(case: Case, lead: User, conference, day: dt.date) -> OutcomeAgreement:
    with clock.use(lambda: _at(day, 16)):
        agreement = outcome.agreement_start(case=case, actor=lead, conference=conference)
        for kind, text, days in ITEMS:
            outcome.item_add(
                agreement=agreement,
                actor=lead,
                data={
                    "kind": kind,
                    "description": text,
                    "responsible": "offender",
                    "target_date": day + dt.timedelta(days=days) if days else None,
                },
            )
        outcome.agreement_update(
            agreement=agreement,
            actor=lead,
            data={
                "victim_wants_updates": True,
                "victim_updates": "A phone call after each target date, failures as well as successes.",
                "victim_updates_until": day + dt.timedelta(days=90),
            },
        )
        outcome.signatures_record(
            agreement=agreement,
            actor=lead,
            signed_on=day,
            victims=list(agreement.victims.all()),
            offenders=list(agreement.offenders.all()),
        )
    return agreement


def _copies(agreement: OutcomeAgreement, lead: User, day: dt.date, *, who: tuple[str, ...]) -> None:
    with clock.use(lambda: _at(day, 12)):
        for victim in agreement.victims.all() if "victim" in who else []:
            outcome.copy_record(
                agreement=agreement, actor=lead, data={"recipient": "victim", "victim": victim, "method": "post",
                                                        "sent_on": day})  # fmt: skip
        for offender in agreement.offenders.all() if "offender" in who else []:
            outcome.copy_record(
                agreement=agreement, actor=lead, data={"recipient": "offender", "offender": offender,
                                                        "method": "in_person", "sent_on": day})  # fmt: skip


def _follow_up(agreement: OutcomeAgreement, lead: User, number: int, status: str, comment: str, *, sign=True) -> None:
    item = agreement.items.get(number=number)
    day = item.target_date
    if day is None or day > timezone.localdate():
        return
    with clock.use(lambda: _at(day, 14)):
        outcome.item_outcome_record(item=item, actor=lead, status=status, outcome_on=day, comment=comment)
        for victim in agreement.victims.all():
            outcome.victim_update_record(
                agreement=agreement,
                actor=lead,
                victim=victim,
                item=item,
                data={"informed_on": day, "method": "phone", "what_was_said": f"Told them: {comment.lower()}"},
            )
        if sign:
            outcome.item_sign_off(item=item, actor=lead)


def _feedback(conference, lead: User, day: dt.date, *, satisfied: bool) -> None:
    """Feedback calls a few days after the conference, from everyone who attended."""
    answers = {
        "how_it_went": ["went_well", "said_what_i_wanted", "pleased_outcome"],
        "felt_straight_after": ["relieved"],
        "feel_now": ["reassured"],
        "worries": ["none"],
        "overall_impact": "positive" if satisfied else "dont_know",
        "overall_satisfaction": "very_satisfied" if satisfied else "neither",
        "received_agreement": "yes",
        "felt_prepared": "yes",
        "felt_supported": "yes" if satisfied else "partly",
        "would_recommend": "yes" if satisfied else "no",
    }
    with clock.use(lambda: _at(day + dt.timedelta(days=4), 11)):
        for person in [*conference.attending_victims.all(), *conference.attending_offenders.all()]:
            feedback.feedback_record(
                participant=person, actor=lead, activity=conference, called_on=day + dt.timedelta(days=4),
                answers=answers,
            )  # fmt: skip


def load_agreements(users: dict[str, User]) -> None:
    if OutcomeAgreement.objects.filter(case__service__code="NS").exists():
        return
    manager = users["manager"]
    cases = list(
        Case.objects.filter(service__code="NS", stage=Stage.FOLLOW_UP, is_paused=False)
        .exclude(lead_facilitator=None)
        .select_related("lead_facilitator")
        .order_by("pk")[:3]
    )
    today = timezone.localdate()
    for index, case in enumerate(cases):
        lead = case.lead_facilitator
        day = _weekday(today - dt.timedelta(days=45 - 12 * index))
        with transaction.atomic():
            conference = _held_conference(case, lead, manager, day)
            agreement = _agreement(case, lead, conference, day)
            if index == 0:
                # Copies given, the letter written, the garden work not finished.
                _copies(agreement, lead, day + dt.timedelta(days=1), who=("victim", "offender"))
                _feedback(conference, lead, day, satisfied=True)
                _follow_up(agreement, lead, 1, "done", "The letter arrived and was passed on after review")
                _follow_up(agreement, lead, 2, "partly_done", "12 of the 20 hours done", sign=False)
            elif index == 1:
                # The person harmed has a copy; the letter is overdue: it shows on the managers' list.
                _copies(agreement, lead, day + dt.timedelta(days=2), who=("victim",))
                _feedback(conference, lead, day, satisfied=False)
            # The third agreement's copies have not been recorded yet.

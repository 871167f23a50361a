"""Fictional demonstration data for suitability, risk assessments, safeguarding and conferences.

Runs after the cases loader (core.demo.DEMO_LOADERS) on the Northshire demo cases, writing only
through the services. Idempotent: it does nothing once any demo risk assessment exists.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from accounts.models import User
from agreements.services.conferences import conference_confirm, conference_plan
from cases.models import Case, Stage
from core import clock
from risk.models import AssessmentPoint, RiskAssessment, RiskLevel, RiskSubject
from risk.services.assessments import (
    assessment_approve,
    assessment_return,
    assessment_start,
    assessment_submit,
    assessment_update,
    new_risk_record,
)
from risk.services.safeguarding import safeguarding_record
from risk.services.suitability import suitability_record

PLAN = {
    RiskLevel.LOW: "Two facilitators present; separate arrival times; breaks offered.",
    RiskLevel.MEDIUM: "Discussed with the RJ manager. Separate waiting rooms, staggered arrival, agreed ground rules.",
    RiskLevel.HIGH: "Discussed with the RJ manager and probation. Extra facilitator, exit plan, supporters briefed.",
}


def _answers(assessment: RiskAssessment, level: str) -> dict[int, tuple[bool, str]]:
    """Yes on a few items for higher levels, each with how it will be managed."""
    items = [answer.item for answer in assessment.answers.select_related("item").order_by("item__position")]
    risky = {RiskLevel.LOW: 0, RiskLevel.MEDIUM: 2, RiskLevel.HIGH: 4}[level]
    return {
        item.pk: (True, "Managed through the plan below and reviewed before the meeting.")
        if index < risky
        else (False, "")
        for index, item in enumerate(items)
    }


def _fill(assessment: RiskAssessment, actor: User, level: str, *, manageable: bool = True) -> None:
    assessment_update(
        assessment=assessment,
        actor=actor,
        answers=_answers(assessment, level),
        data={
            "rating": level,
            "rating_reasons": f"Overall {level} after the checklist and the interviews.",
            "management_plan": PLAN[level],
            "risk_manageable": manageable,
            "facilitator_ratio": "2 facilitators to 4 attendees"
            if assessment.point == AssessmentPoint.PRE_CONFERENCE
            else "",
            "discussed_with_manager": level != RiskLevel.LOW,
            "prison_security_consulted": True,
        },
    )


def _assess(case: Case, person, *, lead: User, manager: User, level: str, state: str, point: str, manageable=True):
    subject = RiskSubject.VICTIM if person.__class__.__name__ == "Victim" else RiskSubject.OFFENDER
    assessment = assessment_start(case=case, actor=lead, subject=subject, person=person, point=point)
    _fill(assessment, lead, level, manageable=manageable)
    if state == "draft":
        return assessment
    assessment_submit(assessment=assessment, actor=lead)
    if state == "submitted":
        return assessment
    if state == "returned":
        return assessment_return(
            assessment=assessment, actor=manager, comment="Say how the supporters will be briefed, then resubmit."
        )
    return assessment_approve(assessment=assessment, actor=manager, comment="Approved.")


def _suitable(case: Case, lead: User) -> None:
    today = clock.today()
    for offender in case.offenders.all():
        suitability_record(
            participant=offender,
            actor=lead,
            data={
                "assessed_on": today - dt.timedelta(days=10),
                "who_was_affected": "The household, and their children who were at home.",
                "what_they_would_say": "That they are sorry and want to explain.",
                "responsibility": "Accepts it was their choice.",
                "accepts_some_responsibility": True,
                "told_no_effect_on_sentence": True,
                "outcome": "suitable",
            },
        )
    for victim in case.victims.all():
        suitability_record(
            participant=victim,
            actor=lead,
            data={
                "assessed_on": today - dt.timedelta(days=5),
                "readiness": "Ready, wants answers.",
                "motivation": "To ask why their home was chosen.",
                "expectations": "An apology and an explanation.",
                "expectations_realistic": True,
                "support_available": "Their sister will come with them.",
                "preferred_activity": "conference",
                "consent_informed_and_free": True,
                "coercion_check_notes": "Seen alone; no sign of pressure.",
                "decision": "prepare_conference",
                "outcome": "suitable",
            },
        )


def load_risk(users: dict[str, User]) -> None:
    if RiskAssessment.objects.filter(case__service__code="NS").exists():
        return
    lead, manager = users["facilitator"], users["manager"]
    cases = list(
        Case.objects.filter(
            service__code="NS",
            lead_facilitator=lead,
            stage__in=[Stage.ASSESSMENT, Stage.PREPARATION, Stage.ACTIVITY],
            is_paused=False,
        ).order_by("pk")
    )
    # (level, state, point, manageable) for the offender's assessment, case by case
    plans = [
        (RiskLevel.LOW, "approved", AssessmentPoint.PRE_CONFERENCE, True),
        (RiskLevel.MEDIUM, "submitted", AssessmentPoint.PRE_CONFERENCE, True),
        (RiskLevel.HIGH, "submitted", AssessmentPoint.PRE_CONFERENCE, True),
        (RiskLevel.MEDIUM, "returned", AssessmentPoint.PRE_CONFERENCE, True),
        (RiskLevel.LOW, "draft", AssessmentPoint.INITIAL, True),
        (RiskLevel.HIGH, "approved", AssessmentPoint.PRE_CONFERENCE, False),
        (RiskLevel.MEDIUM, "approved", AssessmentPoint.ONGOING, True),
    ]
    for case, (level, state, point, manageable) in zip(cases, plans, strict=False):
        with transaction.atomic():
            _suitable(case, lead)
            for offender in case.offenders.all():
                _assess(case, offender, lead=lead, manager=manager, level=level, state=state, point=point,
                        manageable=manageable)  # fmt: skip
            for victim in case.victims.all():
                _assess(case, victim, lead=lead, manager=manager, level=RiskLevel.LOW, state="approved",
                        point=AssessmentPoint.PRE_CONFERENCE)  # fmt: skip
            if state == "approved" and level == RiskLevel.LOW:
                # Everyone has a current approved assessment: a conference is planned and confirmed.
                conference = conference_plan(
                    case=case,
                    actor=lead,
                    data={
                        "date": clock.today() + dt.timedelta(days=14),
                        "start_time": dt.time(10, 0),
                        "end_time": dt.time(12, 0),
                        "venue_kind": "community",
                        "venue_name": "Northtown Community Centre (fictional)",
                    },
                    victims=list(case.victims.all()),
                    offenders=list(case.offenders.all()),
                )
                conference_confirm(conference=conference, actor=lead)
            if state == "approved" and level == RiskLevel.MEDIUM:
                # New information after approval: the assessment is no longer current.
                new_risk_record(
                    person=case.offenders.first(),
                    actor=lead,
                    description="Reported contact with the person harmed's family on social media.",
                )
    if cases:
        case = cases[-1]
        with transaction.atomic():
            safeguarding_record(
                case=case,
                actor=lead,
                person=case.offenders.first(),
                data={
                    "concern": "Said during a visit that younger children at home are left alone overnight.",
                    "at_risk": "child",
                    "agency": "childrens_services",
                    "agency_details": "Northshire children's services duty team (fictional)",
                    "passed_by": "phone",
                    "passed_at": clock.now() - dt.timedelta(hours=3),
                    "escalate_rosh": False,
                },
            )

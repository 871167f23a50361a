"""Reads of risk assessments, filtered in the database by what the user may see."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.models import User
from cases.models import Case, Offender, Victim
from risk.models import AssessmentStatus, RiskAssessment, RiskSubject


def case_assessments(*, case: Case, victims: list[Victim], offenders: list[Offender], case_visible: bool) -> QuerySet:
    """The case's assessments about the given people (those the user may see) and, if
    `case_visible`, about the venue and staff safety. One query."""
    condition = Q(victim__in=[v.pk for v in victims]) | Q(offender__in=[o.pk for o in offenders])
    if case_visible:
        condition |= Q(subject__in=[RiskSubject.VENUE, RiskSubject.STAFF])
    return (
        RiskAssessment.objects.filter(case=case)
        .filter(condition)
        .select_related("case")
        .order_by("subject", "victim_id", "offender_id", "point", "-version", "-id")
    )


def approvals_queue(*, user: User) -> QuerySet:
    """Submitted assessments of the manager's service, for keyset pagination on submitted_at."""
    if not user.is_authenticated or not user.service_id:
        return RiskAssessment.objects.none()
    return (
        RiskAssessment.objects.filter(case__service_id=user.service_id, status=AssessmentStatus.SUBMITTED)
        .select_related("case")
        .only(
            "id",
            "subject",
            "point",
            "version",
            "rating",
            "submitted_at",
            "status",
            "case__id",
            "case__reference",
        )
    )


def answers_for(assessment: RiskAssessment) -> list:
    return list(assessment.answers.select_related("item").order_by("item__position"))

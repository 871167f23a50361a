"""Access to risk records follows access to the person they are about (cases.permissions).

A victim's assessments are victim-side data; an offender's are offender-side data, readable by
their offender manager only where the service allows it; venue and staff-safety assessments
belong to the case. Missing and forbidden both answer 404. An assessment open to the user only through
their service's team grant needs a break-glass reason first (audit.breakglass); so does a person's
assessment for a facilitator covering the case (cases.permissions.may_break_glass), who may then read it,
never change it. Venue and staff-safety assessments need the permission to work the case: a reason never
opens them.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from accounts.models import User
from audit.breakglass import gate
from cases import permissions
from risk.checklist import settings_for
from risk.models import AssessmentStatus, RiskAssessment, RiskSubject


def assessment_perm(assessment: RiskAssessment, *, write: bool) -> tuple[object, str]:
    if assessment.subject == RiskSubject.VICTIM:
        return assessment.victim, permissions.VICTIM_CHANGE if write else permissions.VICTIM_VIEW
    if assessment.subject == RiskSubject.OFFENDER:
        return assessment.offender, permissions.OFFENDER_CHANGE if write else permissions.OFFENDER_VIEW
    # Venue and staff-safety assessments are read and written by those who work the case.
    return assessment.case, permissions.CASE_CHANGE


def can_read(user: User, assessment: RiskAssessment) -> bool:
    target, perm = assessment_perm(assessment, write=False)
    if permissions.has_object_perm(user, perm, target):
        return True
    return (
        assessment.subject == RiskSubject.OFFENDER
        and assessment.status == AssessmentStatus.APPROVED
        and settings_for(assessment.case.service).om_sees_offender_assessments
        and permissions.has_object_perm(user, permissions.OFFENDER_SUMMARY, assessment.offender)
    )


def can_write(user: User, assessment: RiskAssessment) -> bool:
    target, perm = assessment_perm(assessment, write=True)
    return permissions.has_object_perm(user, perm, target)


def get_assessment_for_user(
    user: User, pk: int, *, write: bool = False, queryset: QuerySet | None = None
) -> RiskAssessment:
    qs = queryset if queryset is not None else RiskAssessment.objects.all()
    assessment = qs.select_related("case", "case__service", "victim", "offender").filter(pk=pk).first()
    allowed = assessment is not None and (can_write(user, assessment) if write else can_read(user, assessment))
    if assessment is not None and not allowed and not write:
        person = assessment.victim or assessment.offender
        if person is not None and permissions.read_with_reason(user, person):
            return assessment
    if assessment is None or not allowed:
        permissions.security_log.warning(
            "refused or missing object", extra={"model": "RiskAssessment", "object_id": pk, "user_id": user.pk}
        )
        raise Http404("Not found")
    gate(user, case=assessment.case, person=assessment.victim or assessment.offender)
    return assessment

"""Template tags for risk information shown outside the risk pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import Q

from cases import permissions
from risk.models import AtRisk, SafeguardingAgency, SafeguardingDisclosure

register = template.Library()


def child_concerns_for_offender_manager(case: Any, user: Any) -> list[dict[str, Any]]:
    """Concerns about a risk to a child that the offender's offender manager may know were passed on.

    Only concerns about their own offender, or about the case as a whole, and only the date, the
    agency and whether it was acknowledged: never the concern's text, never a person harmed's
    details. Someone who manages no offender on the case (a victim liaison officer) gets nothing.
    """
    if not getattr(user, "is_authenticated", False):
        return []
    offender_ids = list(
        permissions.visible(case.offenders.all(), user, permissions.OFFENDER_SUMMARY).values_list("pk", flat=True)
    )
    if not offender_ids:
        return []
    rows = (
        SafeguardingDisclosure.objects.filter(case=case, at_risk=AtRisk.CHILD)
        .filter(Q(victim__isnull=True, offender__isnull=True) | Q(offender__in=offender_ids))
        .order_by("-passed_at", "-id")
        .values("passed_at", "agency", "acknowledged_at")
    )
    return [
        {
            "passed_at": row["passed_at"],
            "agency": SafeguardingAgency(row["agency"]).label,
            "acknowledged_at": row["acknowledged_at"],
        }
        for row in rows
    ]


@register.inclusion_tag("risk/safeguarding/_progress_concerns.html")
def child_safeguarding_concerns(case: Any, user: Any) -> dict[str, Any]:
    """{% child_safeguarding_concerns case user %} on the case progress page."""
    return {"concerns": child_concerns_for_offender_manager(case, user)}


def offender_assessments_for_offender_manager(case: Any, user: Any) -> list[Any]:
    """Risk assessments of the offenders this offender manager manages, where the service allows it."""
    from risk.checklist import settings_for
    from risk.models import RiskAssessment

    if not getattr(user, "is_authenticated", False) or not settings_for(case.service).om_sees_offender_assessments:
        return []
    offender_ids = permissions.visible(case.offenders.all(), user, permissions.OFFENDER_SUMMARY).values("pk")
    from risk.models.assessments import RATING_TAG_CLASSES

    rows = list(
        RiskAssessment.objects.filter(case=case, offender__in=offender_ids, status="approved")
        .select_related("offender")
        .order_by("offender_id", "point", "-version")
    )
    for row in rows:
        row.rating_tag = RATING_TAG_CLASSES.get(row.rating, "")
    return rows


@register.inclusion_tag("risk/assessments/_progress_assessments.html")
def offender_risk_assessments(case: Any, user: Any) -> dict[str, Any]:
    """{% offender_risk_assessments case user %} on the case progress page (offender managers only)."""
    return {"assessments": offender_assessments_for_offender_manager(case, user)}

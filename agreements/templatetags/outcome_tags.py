"""Template tags for outcome agreements on other pages: the case's section and the progress page."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.inclusion_tag("agreements/_agreements_section.html")
def agreements_section(case: Any, user: Any) -> dict[str, Any]:
    from agreements.views.agreements import case_section

    return case_section(case, user)


@register.inclusion_tag("agreements/_offender_summary.html")
def offender_agreement_summary(case: Any, user: Any) -> dict[str, Any]:
    from agreements.views.agreements import offender_side_summary

    return offender_side_summary(case, user)


@register.inclusion_tag("agreements/_agreement_link.html", takes_context=True)
def agreement_link(context: dict, activity: Any) -> dict[str, Any]:
    """On a conference or indirect communication page: its agreement, or the button to write one."""
    from agreements.models import Conference, ConferenceStatus
    from agreements.views.agreements import activity_agreement
    from cases import permissions

    user = context["request"].user
    agreement = activity_agreement(activity)
    is_conference = isinstance(activity, Conference)
    ready = activity.status == ConferenceStatus.HELD if is_conference else activity.completed_on is not None
    case = activity.case
    may_write = (
        agreement is None
        and ready
        and case.is_open
        and permissions.has_object_perm(user, permissions.CASE_CHANGE, case)
    )
    action = "agreements:agreement_from_conference" if is_conference else "agreements:agreement_from_indirect"
    return {
        "agreement": agreement,
        "may_write": may_write,
        "action": action,
        "activity": activity,
        "csrf_token": context.get("csrf_token"),
    }

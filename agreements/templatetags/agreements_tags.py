"""Template tags for the case's "Conference or indirect" section."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.inclusion_tag("agreements/indirect/_section.html")
def indirect_section(case: Any, user: Any) -> dict[str, Any]:
    """The case's indirect communications, shown only to someone who sees every person on the case."""
    from agreements.views.indirect import case_section

    return case_section(case, user)


@register.inclusion_tag("agreements/feedback/_section.html")
def feedback_section(case: Any, user: Any) -> dict[str, Any]:
    """The feedback calls on the case, for the people the user sees, if they may work the case."""
    from agreements.views.feedback import case_section

    return case_section(case, user)

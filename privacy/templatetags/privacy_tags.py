"""The case page's note of the people whose personal data has been erased (for the service's RJ managers)."""

from __future__ import annotations

from typing import Any

from django import template

from privacy.erasure import erased_people

register = template.Library()


@register.inclusion_tag("privacy/_erased_people.html", takes_context=True)
def erased_people_note(context: dict[str, Any], case) -> dict[str, Any]:
    user = context["request"].user
    may_see = user.has_perm("privacy.manage_personal_data") and user.service_id == case.service_id
    return {"erasures": erased_people(case) if may_see else []}

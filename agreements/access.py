"""Who may open the records of the "Conference or indirect" section.

These records name both sides, so only people who see every person on the case (the allocated
facilitators and the service's managers) open them. Everyone else gets 404, as for a record that
does not exist; writes also need the permission to work the case.
"""

from __future__ import annotations

from django.db.models import Count
from django.http import Http404

from accounts.models import User
from cases import permissions, selectors
from cases.models import Case, Side

CASE_RELATED = ("lead_facilitator", "second_facilitator", "service")


def refused(model: str, pk: int, user: User) -> Http404:
    permissions.security_log.warning(
        "refused or missing object", extra={"model": model, "object_id": pk, "user_id": user.pk}
    )
    return Http404("Not found")


def sees_everyone(case: Case, user: User, people: dict[str, list]) -> bool:
    """True when the user sees every person on the case (both sides), and there is someone to see."""
    counts = case.victims.aggregate(n=Count("pk"))["n"], case.offenders.aggregate(n=Count("pk"))["n"]
    seen = len(people[Side.VICTIM]), len(people[Side.OFFENDER])
    return seen == counts and any(seen)


def case_for_team(user: User, pk: int, *, write: bool) -> tuple[Case, dict[str, list]]:
    """The case, if the user holds the case permission and sees every person on it (404 otherwise)."""
    perm = permissions.CASE_CHANGE if write else permissions.CASE_VIEW
    case = permissions.get_case_for_user(user, pk, perm, queryset=Case.objects.select_related(*CASE_RELATED))
    people = selectors.case_people(case=case, user=user)
    if not sees_everyone(case, user, people):
        raise refused("Case", pk, user)
    return case, people

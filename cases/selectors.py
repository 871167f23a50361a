"""Reads for the cases app. Every list is filtered in the database by the user's permissions."""

from __future__ import annotations

import re

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery

from accounts.models import User
from cases import permissions
from cases.code_cache import with_codes
from cases.models import (
    Case,
    CaseEvent,
    CaseUserObjectPermission,
    Offender,
    Side,
    Task,
    Victim,
)
from cases.models.case import OPEN_STAGES

# The columns of a line of My cases (reference, stage, next step, next due, last contact) and its ordering.
MY_CASE_FIELDS = ("id", "reference", "stage", "last_contact_at", "created_at")
# The columns of a line of the service case list, with the facilitators' names.
_NAME_FIELDS = ("first_name", "last_name", "username")
CASE_LIST_FIELDS = (
    "id",
    "reference",
    "stage",
    "referral_date",
    "last_contact_at",
    "created_at",
    "lead_facilitator",
    "second_facilitator",
    *(f"{who}__{name}" for who in ("lead_facilitator", "second_facilitator") for name in _NAME_FIELDS),
)
# A line of search results: reference and stage (and the police reference, to say what matched).
SEARCH_LINE_FIELDS = ("id", "reference", "police_reference", "stage", "created_at")
# A case reference: the service's code, the year and the number (cases.services.referrals._next_reference).
REFERENCE_SHAPE = re.compile(r"^[\w-]+-\d{4}-\d{5,}$")


def _soonest_open_task(field: str) -> Subquery:
    open_tasks = Task.objects.filter(case=OuterRef("pk"), done_at__isnull=True).order_by("due_on", "id")
    return Subquery(open_tasks.values(field)[:1])


def with_next_due(cases: QuerySet[Case]) -> QuerySet[Case]:
    """`cases` with `next_due_on`: the due date of each case's soonest open task (None when it has none), read
    from the tasks by the task_open_by_case index, one entry a case, so it is never out of date."""
    return cases.annotate(next_due_on=_soonest_open_task("due_on"))


def with_next_step(cases: QuerySet[Case]) -> QuerySet[Case]:
    """with_next_due, and `next_step`: that task's title."""
    return with_next_due(cases).annotate(next_step=_soonest_open_task("title"))


def case_list_for_user(*, user: User) -> QuerySet[Case]:
    """Every case the user may open as a member of the RJ team."""
    cases = permissions.visible_list(Case.objects.all(), user, permissions.CASE_VIEW)
    return with_next_due(cases.select_related("lead_facilitator", "second_facilitator").only(*CASE_LIST_FIELDS))


def my_cases(*, user: User) -> QuerySet[Case]:
    """Open cases allocated to the user (their own permission rows, not their team's).

    One query, which PostgreSQL starts from the user's permission rows (bench/README.md, "Plans after the fixes").
    """
    allocated = CaseUserObjectPermission.objects.filter(
        content_object=OuterRef("pk"), user=user, permission__codename=permissions.CASE_CHANGE
    )
    return with_next_step(Case.objects.filter(Exists(allocated), stage__in=OPEN_STAGES).only(*MY_CASE_FIELDS))


def referrals_for_user(*, user: User) -> QuerySet[Case]:
    """Cases an offender manager or VLO may follow (stage and dates only), from their permission rows."""
    return permissions.visible_by_rows(Case.objects.all(), user, permissions.CASE_PROGRESS)


def offenders_for_offender_manager(*, user: User, case: Case) -> QuerySet[Offender]:
    return permissions.visible(case.offenders.all(), user, permissions.OFFENDER_SUMMARY)


# What a task line needs (title, due date, where it is done), and no more.
TASK_LINE_FIELDS = ("id", "kind", "title", "due_on", "link", "case_id", "victim_id", "offender_id")


def tasks_for_user(*, user: User) -> QuerySet[Task]:
    """The user's open tasks, soonest first (from the partial index on open tasks by assignee and due date)."""
    return Task.objects.filter(assignee=user, done_at__isnull=True).only(*TASK_LINE_FIELDS).order_by("due_on", "id")


def case_people(*, case: Case, user: User) -> dict[str, list]:
    """The people on a case that the user may see, by side (with a break-glass reason: cases.permissions)."""
    victims = permissions.visible_on_case(case.victims.all(), user, permissions.VICTIM_VIEW, case)
    offenders = permissions.visible_on_case(case.offenders.all(), user, permissions.OFFENDER_VIEW, case)
    return {
        Side.VICTIM: with_codes(victims, "ethnicity", "sex"),
        Side.OFFENDER: with_codes(offenders, "ethnicity", "sex", "tier"),
    }


def case_timeline(*, case: Case, user: User, limit: int = 200) -> list[CaseEvent]:
    """Timeline entries the user may see: case-wide ones, and each side's only if they may see that person."""
    victim_ids = permissions.visible_on_case(case.victims.all(), user, permissions.VICTIM_VIEW, case).values("pk")
    offender_ids = permissions.visible_on_case(case.offenders.all(), user, permissions.OFFENDER_VIEW, case).values("pk")
    return list(
        case.events.filter(Q(side="") | Q(victim__in=victim_ids) | Q(offender__in=offender_ids))
        .select_related("actor")
        .order_by("-occurred_at", "-id")[:limit]
    )


def search_person_filters(query: str) -> tuple[Q, Q]:
    """Filters for offenders (names and identifiers) and victims (names) matching every word of `query`."""
    offender_match = Q()
    victim_match = Q()
    for term in query.split():
        offender_match &= (
            Q(first_name__icontains=term)
            | Q(last_name__icontains=term)
            | Q(pnc_id__iexact=term)
            | Q(prison_number__iexact=term)
            | Q(crn__iexact=term)
        )
        victim_match &= Q(first_name__icontains=term) | Q(last_name__icontains=term)
    return offender_match, victim_match


def search_matches(*, user: User, query: str) -> QuerySet:
    """The ids of cases whose reference contains `query` or whose police reference is `query`, and of cases with
    a person the user may see whose names or identifiers match every word of it (one subquery).

    Victim names match only where the user may see that victim; offender names and identifiers only where the
    user may see that offender. On PostgreSQL each part is an index lookup (trigram indexes on the names and
    references, expression indexes on the identifiers: cases migration 0007), so the search costs the same
    whatever the number of cases; the ids are then narrowed to the cases the user may open.
    """
    offender_match, victim_match = search_person_filters(query)
    by_reference = Case.objects.filter(Q(reference__icontains=query) | Q(police_reference__iexact=query))
    offenders = permissions.visible(Offender.objects.filter(offender_match), user, permissions.OFFENDER_VIEW)
    victims = permissions.visible(Victim.objects.filter(victim_match), user, permissions.VICTIM_VIEW)
    return (
        by_reference.order_by()
        .values("pk")
        .union(offenders.order_by().values("case_id"), victims.order_by().values("case_id"), all=True)
    )


def search_cases(*, user: User, query: str) -> QuerySet[Case]:
    """Cases matching a reference, name or identifier (search_matches), among those the user may open.

    The matches lead: each is then checked against the user's permission rows by index.
    """
    query = query.strip()
    if not query:
        return Case.objects.none()
    found = Case.objects.filter(pk__in=search_matches(user=user, query=query))
    return permissions.visible(found, user, permissions.CASE_VIEW).only(*SEARCH_LINE_FIELDS)


def case_to_open_with_reason(*, user: User, query: str) -> Case | None:
    """The case whose reference is exactly `query`, when the user may open it only with a break-glass reason
    (a facilitator of its service who is not on it: cases.permissions.may_break_glass).

    Search shows its reference alone, with a link to the reason page; no name, and no other case the user
    cannot open, ever appears in a list or search.
    """
    query = query.strip()
    if not REFERENCE_SHAPE.match(query):
        return None
    case = permissions.openable_with_reason(Case.objects.filter(reference__iexact=query), user).first()
    if case is None or not permissions.may_break_glass(user, case):
        return None
    return case

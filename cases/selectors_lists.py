"""Reads for the case lists, the allocation picker and search results.

Each function here runs a fixed number of queries whatever the number of rows, so
list pages cost the same with 5 cases as with 5,000.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from accounts.models import Skill, User
from cases import permissions, selectors
from cases.models import Case, Offender, Stage, Task, Victim
from cases.models.case import OPEN_STAGES
from cases.services.allocation import FACILITATING_ROLES

# Case flags and the facilitator skill each one calls for.
SKILL_FOR_FLAG: tuple[tuple[str, str], ...] = (
    ("flag_domestic_abuse", Skill.DOMESTIC_ABUSE),
    ("flag_sexual", Skill.SEXUAL_HARM),
    ("flag_hate_crime", Skill.HATE_CRIME),
    ("flag_caused_death", Skill.BEREAVEMENT),
    ("flag_child_victim", Skill.YOUTH),
    ("youth_route", Skill.YOUTH),
)

# Flags a manager can filter the service's case list by: (value, label, model field).
FLAG_FILTERS: tuple[tuple[str, str, str], ...] = (
    ("domestic_abuse", "Domestic abuse", "flag_domestic_abuse"),
    ("sexual", "Sexual offence", "flag_sexual"),
    ("hate_crime", "Hate crime", "flag_hate_crime"),
    ("caused_death", "Offence caused death", "flag_caused_death"),
    ("child_victim", "Child victim", "flag_child_victim"),
    ("youth", "Youth justice route", "youth_route"),
    ("paused", "Paused", "is_paused"),
)

# What happens next, in words an offender manager or VLO can be told. Nothing here is about a person.
REFERRER_NEXT_STEP = {
    Stage.REFERRAL: "The RJ team will check the referral against the service's criteria",
    Stage.ELIGIBILITY: "The RJ manager will choose facilitators for the case",
    Stage.ALLOCATED: "A facilitator will make first contact",
    Stage.ASSESSMENT: "The facilitators are checking whether restorative justice is suitable",
    Stage.PREPARATION: "The facilitators are preparing everyone who is taking part",
    Stage.ACTIVITY: "The restorative activity is being arranged or taking place",
    Stage.FOLLOW_UP: "The facilitators are following up what was agreed",
    Stage.CLOSED: "Nothing: the case is closed",
    Stage.WITHDRAWN: "Nothing: the case was withdrawn",
    Stage.NOT_PROCEEDING: "Nothing: the case is not going ahead",
}

# What the RJ team usually does next at each stage, when nobody has written a next step.
TEAM_NEXT_STEP = {
    Stage.REFERRAL: "Screen the referral",
    Stage.ELIGIBILITY: "Allocate facilitators",
    Stage.ALLOCATED: "Make first contact",
    Stage.ASSESSMENT: "Assess suitability",
    Stage.PREPARATION: "Prepare the participants",
    Stage.ACTIVITY: "Hold the conference or indirect work",
    Stage.FOLLOW_UP: "Follow up the agreement",
}


def skills_needed(case: Case) -> list[str]:
    """Labels of the facilitator skills the case's flags call for, in a stable order."""
    codes: list[str] = []
    for flag, skill in SKILL_FOR_FLAG:
        if getattr(case, flag) and skill not in codes:
            codes.append(skill)
    return [Skill(code).label for code in codes]


def skill_labels(codes: list[str] | None) -> list[str]:
    valid = set(Skill.values)
    return [Skill(code).label for code in (codes or []) if code in valid]


def facilitator_candidates(*, case: Case) -> QuerySet[User]:
    """The service's active facilitators and managers, each with `open_cases`: open cases allocated to them.

    One aggregate query: a case counts when the person holds change_case on it directly (an allocation).
    """
    allocated = Q(
        caseuserobjectpermission__permission__codename=permissions.CASE_CHANGE,
        caseuserobjectpermission__content_object__stage__in=OPEN_STAGES,
    )
    return (
        User.objects.filter(service_id=case.service_id, role__in=FACILITATING_ROLES, is_active=True)
        .annotate(open_cases=Count("caseuserobjectpermission", filter=allocated, distinct=True))
        .order_by("last_name", "first_name", "id")
    )


@dataclass
class Candidate:
    user: User
    open_cases: int
    skills: list[str]
    is_volunteer: bool
    has_needed_skills: bool
    conflict: str = ""


def candidate_rows(*, case: Case, candidates: QuerySet[User]) -> list[Candidate]:
    """The picker rows: caseload, skills and any conflict of interest (three queries in all)."""
    om_ids = set(case.offenders.exclude(offender_manager=None).values_list("offender_manager_id", flat=True))
    vlo_ids = set(case.victims.exclude(vlo=None).values_list("vlo_id", flat=True))
    needed = set(skills_needed(case))
    rows = []
    for user in candidates:
        skills = skill_labels(user.skills)
        conflict = ""
        if user.pk in om_ids:
            conflict = "Offender manager for someone on this case"
        elif user.pk in vlo_ids:
            conflict = "Victim liaison officer on this case"
        rows.append(
            Candidate(
                user=user,
                open_cases=user.open_cases,
                skills=skills,
                is_volunteer=user.is_volunteer,
                has_needed_skills=bool(needed) and needed <= set(skills),
                conflict=conflict,
            )
        )
    return rows


def allocation_history(*, case: Case) -> list:
    return list(case.allocations.select_related("lead_facilitator", "second_facilitator", "allocated_by"))


def allocation_queue(*, user: User) -> QuerySet[Case]:
    """Eligible cases of the manager's service waiting for facilitators, among those the manager may work."""
    if getattr(user, "service_id", None) is None:
        return Case.objects.none()
    waiting = Case.objects.filter(service_id=user.service_id, stage=Stage.ELIGIBILITY)
    return permissions.visible(waiting, user, permissions.CASE_CHANGE)


@dataclass
class MyTasks:
    due: list[Task] = field(default_factory=list)
    upcoming: list[Task] = field(default_factory=list)


def my_tasks(*, user: User, today: dt.date, due_limit: int = 100, upcoming_limit: int = 20) -> MyTasks:
    """Open tasks: overdue and due today first (up to `due_limit`), then the next few upcoming.

    One query, soonest first: it holds every task due by today and the upcoming ones after them unless more than
    `due_limit` are due, when a second query fetches the upcoming ones.
    """
    tasks = selectors.tasks_for_user(user=user)
    fetched = due_limit + upcoming_limit
    soonest = list(tasks[:fetched])
    due = [task for task in soonest if task.due_on <= today]
    upcoming = [task for task in soonest if task.due_on > today]
    if len(upcoming) < upcoming_limit and len(soonest) == fetched:
        upcoming = list(tasks.filter(due_on__gt=today)[:upcoming_limit])  # more than `due_limit` tasks are due
    return MyTasks(due=due[:due_limit], upcoming=upcoming[:upcoming_limit])


def my_cases_matching(*, user: User, query: str) -> QuerySet[Case]:
    """The user's own open cases, narrowed to those matching a search when one is given."""
    cases = selectors.my_cases(user=user)
    query = query.strip()
    if query:
        cases = permissions.visible(cases, user, permissions.CASE_VIEW)
        cases = cases.filter(pk__in=selectors.search_matches(user=user, query=query))
    return cases


def case_list_filtered(
    *,
    user: User,
    stages: list[str] | None = None,
    facilitator: User | None = None,
    unallocated: bool = False,
    flags: list[str] | None = None,
) -> QuerySet[Case]:
    """The service case list for managers and administrators, with the MOJ filter's choices applied."""
    cases = selectors.case_list_for_user(user=user)
    if stages:
        cases = cases.filter(stage__in=stages)
    if facilitator is not None:
        cases = cases.filter(Q(lead_facilitator=facilitator) | Q(second_facilitator=facilitator))
    if unallocated:
        cases = cases.filter(lead_facilitator__isnull=True)
    fields = {value: model_field for value, _, model_field in FLAG_FILTERS}
    for flag in flags or []:
        if flag in fields:
            cases = cases.filter(**{fields[flag]: True})
    return cases


def filterable_facilitators(*, user: User) -> QuerySet[User]:
    if user.service_id is None:
        return User.objects.none()
    return User.objects.filter(service_id=user.service_id, role__in=FACILITATING_ROLES).order_by(
        "last_name", "first_name", "id"
    )


def search_match_labels(*, user: User, query: str, cases: list[Case]) -> dict[int, list[str]]:
    """For each case found, which part matched, without naming anyone (two queries).

    A side is reported only where the user may see a matching person on that side.
    """
    query = query.strip()
    ids = [case.pk for case in cases]
    if not query or not ids:
        return {}
    offender_match, victim_match = selectors.search_person_filters(query)
    offender_cases = set(
        permissions.visible(
            Offender.objects.filter(offender_match, case_id__in=ids), user, permissions.OFFENDER_VIEW
        ).values_list("case_id", flat=True)
    )
    victim_cases = set(
        permissions.visible(
            Victim.objects.filter(victim_match, case_id__in=ids), user, permissions.VICTIM_VIEW
        ).values_list("case_id", flat=True)
    )
    lowered = query.lower()
    labels: dict[int, list[str]] = {}
    for case in cases:
        found = []
        if lowered in case.reference.lower():
            found.append("Case reference")
        if case.police_reference and case.police_reference.lower() == lowered:
            found.append("Police reference")
        if case.pk in offender_cases:
            found.append("Person responsible")
        if case.pk in victim_cases:
            found.append("Person harmed")
        labels[case.pk] = found
    return labels


def referrals_for_referrer(*, user: User) -> QuerySet[Case]:
    """An offender manager's or VLO's referrals: stage and dates only (no related rows are loaded)."""
    return selectors.referrals_for_user(user=user).only(
        "id", "reference", "stage", "referral_date", "stage_changed_at", "created_at"
    )


__all__ = [
    "FLAG_FILTERS",
    "REFERRER_NEXT_STEP",
    "TEAM_NEXT_STEP",
    "Candidate",
    "MyTasks",
    "allocation_history",
    "allocation_queue",
    "candidate_rows",
    "case_list_filtered",
    "facilitator_candidates",
    "filterable_facilitators",
    "my_cases_matching",
    "my_tasks",
    "referrals_for_referrer",
    "search_match_labels",
    "skills_needed",
]

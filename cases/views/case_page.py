"""The case page: its header, tabs and actions, the overview, the timeline, the history,
and the progress page offender managers and victim liaison officers follow a case on.

Other case sections build their header with `case_header_context(case, user, active_tab)`,
or call `case_tabs` and `case_actions` themselves.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Exists, Model, OuterRef, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.views.decorators.http import require_GET

from accounts.models import User
from audit.models import Operation
from audit.services import log_processing
from cases import permissions, selectors
from cases.code_cache import attach_codes
from cases.models import (
    Case,
    Code,
    ConsentKind,
    DisclosureKind,
    Offender,
    Side,
    Stage,
    Task,
    Victim,
    VictimDisclosure,
)
from cases.models.case import TERMINAL_STAGES, allowed_transitions
from cases.services.participants import SIDE_MODELS
from core.access import require_capability

CASE_RELATED = ("lead_facilitator", "second_facilitator")
# The case's coded fields, set from cases.code_cache rather than joined.
CASE_CODES = (
    "referral_source",
    "initiator",
    "cj_stage",
    "main_offence",
    "hate_strand",
    "co_defendants",
    "outcome",
    "not_proceeding_reason",
)

Perms = dict[tuple[type[Model], int], set[str]]


# --- Header, tabs and actions ------------------------------------------------------------------


def case_perms(case: Case, user: User, people: dict[str, list] | None = None) -> Perms:
    """The user's permissions on the case and on each person on it they may see (constant queries)."""
    if people is None:
        people = selectors.case_people(case=case, user=user)
    return permissions.perms_on(user, [case, *people[Side.VICTIM], *people[Side.OFFENDER]])


def _visible_ids(perms: Perms, model: type[Model], perm: str) -> list[int]:
    return sorted(pk for (kind, pk), codes in perms.items() if kind is model and perm in codes)


def _case_codes(perms: Perms, case: Case) -> set[str]:
    return perms.get((Case, case.pk), set())


def case_tabs(case: Case, user: User, perms: Perms | None = None) -> list[dict[str, str]]:
    """The case's sections this user may open. A section they may not see is left out, not greyed.

    `perms` is `case_perms(case, user)` (a permissions.perms_on mapping over the case and its people).
    """
    if perms is None:
        perms = case_perms(case, user)
    if permissions.CASE_VIEW not in _case_codes(perms, case):
        return []
    tabs = [{"key": "overview", "label": "Overview", "url": reverse("cases:case_detail", args=[case.pk])}]
    victim_ids = _visible_ids(perms, Victim, permissions.VICTIM_VIEW)
    if victim_ids:
        tabs.append(
            {"key": "victim", "label": "Victim side", "url": reverse("cases:victim_detail", args=[victim_ids[0]])}
        )
    offender_ids = _visible_ids(perms, Offender, permissions.OFFENDER_VIEW)
    if offender_ids:
        tabs.append(
            {
                "key": "offender",
                "label": "Offender side",
                "url": reverse("cases:offender_detail", args=[offender_ids[0]]),
            }
        )
    if victim_ids or offender_ids:
        for key, label, name in (
            ("assessments", "Assessments", "risk:case_assessments"),
            ("activity", "Conference or indirect", "agreements:case_activity"),
        ):
            url = _url(name, case.pk)
            if url:
                tabs.append({"key": key, "label": label, "url": url})
    tabs.append({"key": "timeline", "label": "Timeline", "url": reverse("cases:case_timeline", args=[case.pk])})
    if user.has_perm("core.view_access_log"):
        tabs.append({"key": "history", "label": "History", "url": reverse("cases:case_history", args=[case.pk])})
    return tabs


def _url(name: str, *args: Any) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def case_actions(case: Case, user: User, perms: Perms | None = None) -> list[dict[str, str]]:
    """Actions the user may take on the case, as links (pages other sections provide)."""
    if perms is None:
        perms = permissions.perms_on(user, [case])
    may_change = permissions.CASE_CHANGE in _case_codes(perms, case)
    wanted: list[tuple[str, str]] = []
    if case.is_open:
        if case.stage == Stage.REFERRAL and user.has_perm("core.screen_referrals"):
            wanted.append(("Screen referral", "cases:eligibility"))
        if case.stage != Stage.REFERRAL and user.has_perm("core.allocate_cases"):
            wanted.append(("Reallocate" if case.lead_facilitator_id else "Allocate", "cases:allocate"))
        forward = [s for s in allowed_transitions(case.stage) if s not in TERMINAL_STAGES]
        if may_change and case.lead_facilitator_id and forward:
            wanted.append(("Change stage", "cases:case_stage"))
        if may_change:
            wanted.append(("Safeguarding concerns", "risk:safeguarding_list"))
            wanted.append(("Close case", "cases:case_close"))
    actions = []
    for label, name in wanted:
        url = _url(name, case.pk)
        if url:
            actions.append({"label": label, "url": url})
    return actions


def case_header_context(case: Case, user: User, active_tab: str, perms: Perms | None = None) -> dict[str, Any]:
    """Everything templates/cases/_case_header.html needs."""
    if perms is None:
        perms = case_perms(case, user)
    return {
        "case": case,
        "active_tab": active_tab,
        "case_tabs": case_tabs(case, user, perms),
        "case_actions": case_actions(case, user, perms),
    }


def _case_queryset():
    return Case.objects.select_related(*CASE_RELATED)


def _case_for(request: HttpRequest, pk: int) -> Case:
    """The case, if the user may see it, with its facilitators and its coded fields."""
    case = permissions.get_case_for_user(request.user, pk, permissions.CASE_VIEW, queryset=_case_queryset())
    attach_codes([case], *CASE_CODES)
    return case


# --- Overview --------------------------------------------------------------------------------


def _status(done: bool, *, label: str = "Completed", todo: str = "Not yet started") -> dict[str, str]:
    if done:
        return {"text": label, "tag": ""}
    return {"text": todo, "tag": "govuk-tag--blue"}


def pathway_tasks(side: str, people: list[Victim | Offender]) -> dict[int, list[dict[str, Any]]]:
    """Each person's pathway as GOV.UK task list rows, from one query per side."""
    if not people:
        return {}
    models = SIDE_MODELS[side]
    ref = OuterRef("pk")
    take_part = models["consent"].objects.filter(participant=ref, kind=ConsentKind.TAKE_PART)
    needs = models["need"].objects.filter(participant=ref)
    rows = (
        models["participant"]
        .objects.filter(pk__in=[p.pk for p in people])
        .annotate(
            contacted=Exists(models["contact"].objects.filter(participant=ref, is_attempt=False)),
            consented=Exists(take_part.filter(withdrawn_on__isnull=True)),
            consent_withdrawn=Exists(take_part.filter(withdrawn_on__isnull=False)),
            has_needs=Exists(needs),
            open_needs=Exists(needs.filter(Q(action_taken="") | Q(action_on__isnull=True))),
            disclosure=Exists(models["disclosure"].objects.filter(participant=ref, withdrawn_on__isnull=True)),
        )
        .values("pk", "contacted", "consented", "consent_withdrawn", "has_needs", "open_needs", "disclosure")
    )
    detail = "cases:victim_detail" if side == Side.VICTIM else "cases:offender_detail"
    result: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        url = reverse(detail, args=[row["pk"]])
        if row["consented"]:
            consent = _status(True)
        elif row["consent_withdrawn"]:
            consent = {"text": "Withdrawn", "tag": "govuk-tag--red"}
        else:
            consent = _status(False)
        if not row["has_needs"]:
            needs_status = {"text": "None recorded", "tag": ""}
        else:
            needs_status = _status(not row["open_needs"], todo="In progress")
        result[row["pk"]] = [
            {"key": "contacted", "label": "Contacted", "url": f"{url}#contacts", "status": _status(row["contacted"])},
            {"key": "consented", "label": "Consented to take part", "url": f"{url}#consents", "status": consent},
            {"key": "needs", "label": "Needs addressed", "url": f"{url}#needs", "status": needs_status},
            {
                "key": "disclosure",
                "label": "Agreed what may be shared",
                "url": f"{url}#disclosures",
                "status": _status(row["disclosure"]),
            },
        ]
    return result


def _people_count(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _open_tasks(case: Case, people: dict[str, list]) -> list[Task]:
    """Open tasks on the case, leaving out those about a person the user may not see."""
    victim_ids = [p.pk for p in people[Side.VICTIM]]
    offender_ids = [p.pk for p in people[Side.OFFENDER]]
    return list(
        case.tasks.filter(done_at__isnull=True)
        .filter(Q(victim__isnull=True, offender__isnull=True) | Q(victim__in=victim_ids) | Q(offender__in=offender_ids))
        .select_related("assignee")
        .order_by("due_on", "id")
    )


@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_for(request, pk)
    people = selectors.case_people(case=case, user=request.user)
    perms = case_perms(case, request.user, people)
    may_change = permissions.CASE_CHANGE in _case_codes(perms, case) and case.is_open
    # Only people the user may see are counted: a count can identify someone too.
    counts = {Side.VICTIM: len(people[Side.VICTIM]), Side.OFFENDER: len(people[Side.OFFENDER])}
    victim_tasks = pathway_tasks(Side.VICTIM, people[Side.VICTIM])
    offender_tasks = pathway_tasks(Side.OFFENDER, people[Side.OFFENDER])
    sides = [
        {
            "key": Side.VICTIM,
            "heading": "People harmed",
            "count": _people_count(counts[Side.VICTIM], "person harmed", "people harmed"),
            "people": [(p, victim_tasks.get(p.pk, [])) for p in people[Side.VICTIM]],
            "add_label": "Add a person harmed",
        },
        {
            "key": Side.OFFENDER,
            "heading": "People responsible",
            "count": _people_count(counts[Side.OFFENDER], "person responsible", "people responsible"),
            "people": [(p, offender_tasks.get(p.pk, [])) for p in people[Side.OFFENDER]],
            "add_label": "Add a person responsible",
        },
    ]
    context = {
        **case_header_context(case, request.user, "overview", perms),
        "other_offences": list(case.other_offences.all()),
        "sides": sides,
        "may_add_people": may_change,
        "open_tasks": _open_tasks(case, people),
    }
    return render(request, "cases/case/detail.html", context)


# --- Timeline and history --------------------------------------------------------------------


@require_GET
def case_timeline(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_for(request, pk)
    context = {
        **case_header_context(case, request.user, "timeline"),
        "events": selectors.case_timeline(case=case, user=request.user),
    }
    return render(request, "cases/case/timeline.html", context)


HISTORY_HIDDEN = {"id", "service", "created_at", "created_by", "stage_changed_at"}


def _history_value(field, value: Any, codes: dict[int, str], users: dict[int, str]) -> str:
    if value in (None, ""):
        return "Not set"
    if field.is_relation:
        lookup = users if field.related_model is User else codes
        return lookup.get(value, "Removed entry")
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.datetime):
        return f"{value:%-d %B %Y %H:%M}"
    if isinstance(value, dt.date):
        return f"{value:%-d %B %Y}"
    return str(value)


def case_changes(case: Case) -> list[dict[str, Any]]:
    """The case's own recorded changes, newest first: who, when, and each changed field (old and new)."""
    records = list(case.history.select_related("history_user").order_by("history_date", "history_id"))
    pairs = []
    for index, record in enumerate(records):
        previous = records[index - 1] if index else None
        changes = [] if previous is None else record.diff_against(previous).changes
        pairs.append((record, [c for c in changes if c.field not in HISTORY_HIDDEN]))
    fields = {f.name: f for f in Case._meta.get_fields() if getattr(f, "concrete", False)}
    code_ids: set[int] = set()
    user_ids: set[int] = set()
    for _, changes in pairs:
        for change in changes:
            field = fields[change.field]
            if field.is_relation:
                target = user_ids if field.related_model is User else code_ids
                target.update(v for v in (change.old, change.new) if v)
    codes = dict(Code.objects.filter(pk__in=code_ids).values_list("pk", "label")) if code_ids else {}
    users = {u.pk: u.display_name for u in User.objects.filter(pk__in=user_ids)} if user_ids else {}
    entries = []
    for record, changes in pairs:
        if record.history_type == "~" and not changes:
            continue
        entries.append(
            {
                "when": record.history_date,
                "who": record.history_user.display_name if record.history_user else "",
                "what": {"+": "Case created", "~": "Case changed", "-": "Case deleted"}[record.history_type],
                "reason": record.history_change_reason or "",
                "changes": [
                    {
                        "field": str(fields[c.field].verbose_name).capitalize(),
                        "old": _history_value(fields[c.field], c.old, codes, users),
                        "new": _history_value(fields[c.field], c.new, codes, users),
                    }
                    for c in changes
                ],
            }
        )
    entries.reverse()
    return entries


@require_capability("core.view_access_log")
@require_GET
def case_history(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_for(request, pk)
    context = {
        **case_header_context(case, request.user, "history"),
        "entries": case_changes(case),
        "allocations": list(case.allocations.select_related("lead_facilitator", "second_facilitator", "allocated_by")),
    }
    return render(request, "cases/case/history.html", context)


# --- Progress page for offender managers and victim liaison officers -------------------------


@require_GET
def case_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """Stage and dates for the people who referred or follow a case from outside the RJ team.

    An offender manager sees their own offender's record, and nothing about any victim except
    that a person harmed is taking part, when that person agreed it may be shared.
    A victim liaison officer sees their own victim's name, scheme membership and progress.
    """
    user = request.user
    case = permissions.get_case_for_user(
        user,
        pk,
        permissions.CASE_PROGRESS,
        queryset=Case.objects.select_related("lead_facilitator", "second_facilitator"),
    )
    offenders = list(
        selectors.offenders_for_offender_manager(user=user, case=case).select_related("tier", "sentence_type")
    )
    victims = list(permissions.visible(case.victims.all(), user, permissions.VICTIM_SHARED))
    victim_taking_part = bool(offenders) and (
        VictimDisclosure.objects.filter(
            participant__case=case, kind=DisclosureKind.TAKING_PART, withdrawn_on__isnull=True
        ).exists()
    )
    for kind, people in ((Side.OFFENDER, offenders), (Side.VICTIM, victims)):
        if people:
            log_processing(
                user=user,
                operation=Operation.CONSULTATION,
                person_kind=kind,
                person_ids=[p.pk for p in people],
                case_id=case.pk,
                object_type=type(people[0]).__name__,
                reason="Progress page",
                request=request,
            )
    side = Side.OFFENDER if offenders and not victims else Side.VICTIM if victims and not offenders else None
    context = {
        "case": case,
        "offenders": offenders,
        "victims": victims,
        "victim_taking_part": victim_taking_part,
        "side": side,
    }
    return render(request, "cases/case/progress.html", context)


urlpatterns: list[URLPattern] = [
    path("<int:pk>/", case_detail, name="case_detail"),
    path("<int:pk>/timeline/", case_timeline, name="case_timeline"),
    path("<int:pk>/history/", case_history, name="case_history"),
    path("<int:pk>/progress/", case_progress, name="case_progress"),
]

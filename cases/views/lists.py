"""Lists of cases: My work, the service case list (and its CSV download), My referrals and search."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from audit.models import Operation, PersonKind
from audit.services import log_processing_of_people
from cases import exports, selectors, selectors_lists
from cases.forms.allocation import CaseFilterForm, SearchForm
from cases.models import Case, Offender, Task, TaskKind, Victim
from core import clock
from core.access import require_capability
from core.pagination import KeysetPage, keyset_page
from reporting.csv_export import stream_csv

PAGE_SIZE = 25
FILTER_NAMES = ("stage", "facilitator", "unallocated", "flags")


# --- Links shared by the case list pages ------------------------------------------------------


def url_or(name: str, *args: Any, default: str = "#") -> str:
    """reverse(), or `default` while the page it names is not built yet."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return default


def case_url(pk: int, default: str = "#") -> str:
    return url_or("cases:case_detail", pk, default=default)


def task_url(task: Task) -> str:
    """Where to go to do the task: the page it names, the allocation page, the person's record, or the case."""
    if task.link:
        return task.link
    if task.kind == TaskKind.ALLOCATE:
        return url_or("cases:allocate", task.case_id)
    url = ""
    if task.victim_id:
        url = url_or("cases:victim_detail", task.victim_id, default="")
    elif task.offender_id:
        url = url_or("cases:offender_detail", task.offender_id, default="")
    return url or case_url(task.case_id)


def page_links(request: HttpRequest, page: KeysetPage) -> dict[str, str]:
    """Previous and next links that keep the page's other query parameters (filters, search)."""

    def link(token: str | None) -> str:
        if not token:
            return ""
        params = request.GET.copy()
        params["page"] = token
        return f"?{params.urlencode()}"

    return {"previous_url": link(page.previous_token), "next_url": link(page.next_token if page.has_next else None)}


def _with_case_urls(cases: list[Case]) -> list[Case]:
    for case in cases:
        case.url = case_url(case.pk)
    return cases


def require_any_capability(*perms: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Like core.access.require_capability, for a page open to several roles' capabilities."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated or not any(user.has_perm(perm) for perm in perms):
                raise Http404("Page not found")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


# --- Views ----------------------------------------------------------------------------------


@require_capability("core.view_my_work")
@require_GET
def my_work(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    today = timezone.localdate()
    tasks = selectors_lists.my_tasks(user=request.user, today=today)
    for task in [*tasks.due, *tasks.upcoming]:
        task.url = task_url(task)
    cases = selectors_lists.my_cases_matching(user=request.user, query=query)
    page = keyset_page(cases, field="created_at", token=request.GET.get("page", ""), size=PAGE_SIZE)
    for case in _with_case_urls(page.rows):
        case.next_step_text = case.next_step or selectors_lists.TEAM_NEXT_STEP.get(case.stage, "")
    context = {
        "form": form,
        "query": query,
        "tasks": tasks,
        "today": today,
        "page": page,
        **page_links(request, page),
    }
    return render(request, "cases/my_work.html", context, status=422 if form.errors else 200)


def _case_list_filtered(request: HttpRequest) -> tuple[CaseFilterForm, dict[str, Any], QuerySet[Case]]:
    """The case list's filter form and the cases it selects (a value that is not valid is left out)."""
    facilitators = selectors_lists.filterable_facilitators(user=request.user)
    form = CaseFilterForm(request.GET or None, facilitators=facilitators)
    form.is_valid()
    chosen = getattr(form, "cleaned_data", {})
    cases = selectors_lists.case_list_filtered(
        user=request.user,
        stages=chosen.get("stage"),
        facilitator=chosen.get("facilitator"),
        unallocated=bool(chosen.get("unallocated")),
        flags=chosen.get("flags"),
    )
    return form, chosen, cases


def _case_list_page(
    request: HttpRequest, form: CaseFilterForm, chosen: dict[str, Any], cases: QuerySet[Case]
) -> HttpResponse:
    page = keyset_page(cases, field="created_at", token=request.GET.get("page", ""), size=PAGE_SIZE)
    _with_case_urls(page.rows)
    filtering = any(chosen.get(name) for name in FILTER_NAMES)
    filters = QueryDict(mutable=True)
    for name in FILTER_NAMES:
        values = [value for value in request.GET.getlist(name) if value]
        if values:
            filters.setlist(name, values)
    csv_url = reverse("cases:case_list_csv") + (f"?{filters.urlencode()}" if filters else "")
    context = {
        "form": form,
        "page": page,
        "filtering": filtering,
        "csv_url": "" if form.errors else csv_url,
        **page_links(request, page),
    }
    return render(request, "cases/lists/case_list.html", context, status=422 if form.errors else 200)


def _filters_in_words(chosen: dict[str, Any]) -> str:
    """The filters as codes and record numbers, never names: the processing log is never erased."""
    parts = []
    if chosen.get("stage"):
        parts.append("stage " + ", ".join(chosen["stage"]))
    if chosen.get("facilitator") is not None:
        parts.append(f"facilitator user {chosen['facilitator'].pk}")
    if chosen.get("unallocated"):
        parts.append("without facilitators")
    if chosen.get("flags"):
        parts.append("flags " + ", ".join(chosen["flags"]))
    return "; ".join(parts) or "none"


def _log_csv_download(request: HttpRequest, chosen: dict[str, Any], cases: QuerySet[Case]) -> int:
    """A disclosure of every person on the cases the file holds: its rows name nobody, but each ties a case
    reference to facts about its people (flags such as a child victim), so "who has seen this record" must show
    the download. One row per person, written by the database (audit.services.log_processing_of_people).
    Returns how many cases the file holds."""
    count = cases.count()
    log_processing_of_people(
        user=request.user,
        operation=Operation.DISCLOSURE,
        people=[
            (PersonKind.VICTIM, Victim.objects.filter(case__in=cases.order_by().values("pk"))),
            (PersonKind.OFFENDER, Offender.objects.filter(case__in=cases.order_by().values("pk"))),
        ],
        object_type="CaseList",
        reason=f"Case list downloaded as CSV: {count} cases; filters: {_filters_in_words(chosen)}",
        request=request,
    )
    return count


@require_capability("core.screen_referrals")
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    return _case_list_page(request, *_case_list_filtered(request))


@require_capability("core.screen_referrals")
@require_GET
def case_list_csv(request: HttpRequest) -> HttpResponse:
    """Every case the list's filters select (all pages), as a CSV file sent as it is written."""
    form, chosen, cases = _case_list_filtered(request)
    if form.errors:
        return _case_list_page(request, form, chosen, cases)
    _log_csv_download(request, chosen, cases)
    name = exports.filename(request.user.service, clock.today())
    return stream_csv(name, exports.HEADER, exports.case_rows(cases))


@require_capability("core.view_my_referrals")
@require_GET
def my_referrals(request: HttpRequest) -> HttpResponse:
    cases = selectors_lists.referrals_for_referrer(user=request.user)
    page = keyset_page(cases, field="created_at", token=request.GET.get("page", ""), size=PAGE_SIZE)
    for case in page.rows:
        case.url = url_or("cases:case_progress", case.pk)
        case.referrer_next_step = selectors_lists.REFERRER_NEXT_STEP.get(case.stage, "")
    context = {"page": page, "refer_url": url_or("cases:referral_new"), **page_links(request, page)}
    return render(request, "cases/my_referrals.html", context)


@require_any_capability("core.view_my_work", "core.screen_referrals")
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    page = None
    labels: dict[int, list[str]] = {}
    reason_case = None
    if query:
        cases = selectors.search_cases(user=request.user, query=query)
        page = keyset_page(cases, field="created_at", token=request.GET.get("page", ""), size=PAGE_SIZE)
        _with_case_urls(page.rows)
        labels = selectors_lists.search_match_labels(user=request.user, query=query, cases=page.rows)
        for case in page.rows:
            case.matched = labels.get(case.pk, [])
        if not any(case.reference.lower() == query.lower() for case in page.rows):
            reason_case = selectors.case_to_open_with_reason(user=request.user, query=query)
    context = {
        "form": form,
        "query": query,
        "page": page,
        "reason_case": reason_case,
        "reason_url": reverse("audit:break_glass", args=[reason_case.pk]) if reason_case else "",
        **(page_links(request, page) if page else {}),
    }
    return render(request, "cases/lists/search.html", context, status=422 if form.errors else 200)


urlpatterns: list[URLPattern] = [
    path("", case_list, name="case_list"),
    path("export.csv", case_list_csv, name="case_list_csv"),
    path("my-work/", my_work, name="my_work"),
    path("my-referrals/", my_referrals, name="my_referrals"),
    path("search/", search, name="search"),
]

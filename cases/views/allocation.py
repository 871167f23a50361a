"""Allocation and reallocation of facilitators, stage moves and closure of a case."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from cases import permissions, selectors_lists
from cases.forms.allocation import AllocationForm, apply_service_errors
from cases.forms.lifecycle import CloseForm, StageForm
from cases.models import Case, Stage
from cases.services.allocation import allocation_problems, case_allocate
from cases.services.lifecycle import case_close, case_set_stage
from cases.views.lists import PAGE_SIZE, case_url, page_links
from core.access import require_capability
from core.pagination import keyset_page

CASE_HEADER_RELATED = ("lead_facilitator", "second_facilitator")
CLOSED_WORDS = {
    Stage.CLOSED: "closed",
    Stage.WITHDRAWN: "withdrawn",
    Stage.NOT_PROCEEDING: "marked as not proceeding",
}


def _case_for(request: HttpRequest, pk: int, perm: str) -> Case:
    return permissions.get_case_for_user(
        request.user, pk, perm, queryset=Case.objects.select_related(*CASE_HEADER_RELATED)
    )


def _header(case: Case) -> dict:
    """Context for templates/cases/_case_header.html (the case page's tabs arrive with the case page)."""
    return {"case": case, "active_tab": "", "case_tabs": [], "case_url": case_url(case.pk)}


# --- Allocation -----------------------------------------------------------------------------


@require_capability("core.allocate_cases")
@require_GET
def allocation_queue(request: HttpRequest) -> HttpResponse:
    cases = selectors_lists.allocation_queue(user=request.user)
    page = keyset_page(cases, field="created_at", descending=False, token=request.GET.get("page", ""), size=PAGE_SIZE)
    for case in page.rows:
        case.url = case_url(case.pk)
        case.allocate_url = reverse("cases:allocate", args=[case.pk])
        case.needs = selectors_lists.skills_needed(case)
    return render(request, "cases/allocation/queue.html", {"page": page, **page_links(request, page)})


def _allocation_blocked(case: Case) -> str:
    if not case.is_open:
        return "This case is closed, so it cannot be allocated."
    if case.stage == Stage.REFERRAL:
        return "This referral has not been screened yet. Screen it before allocating it."
    return ""


@require_capability("core.allocate_cases")
@require_http_methods(["GET", "POST"])
def allocate(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_for(request, pk, permissions.CASE_VIEW)
    reallocating = case.lead_facilitator_id is not None
    candidates = selectors_lists.facilitator_candidates(case=case)
    form = AllocationForm(
        request.POST if request.method == "POST" else None, candidates=candidates, reallocating=reallocating
    )
    if request.method == "POST" and form.is_valid():
        lead = form.cleaned_data["lead_facilitator"]
        second = form.cleaned_data["second_facilitator"]
        problems = allocation_problems(case=case, lead=lead, second=second)
        for field, message in problems.items():
            form.add_error(field if field in form.fields else None, message)
        if not problems:
            try:
                case_allocate(
                    case=case, actor=request.user, lead=lead, second=second, reason=form.cleaned_data.get("reason", "")
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                names = lead.display_name + (f" and {second.display_name}" if second else "")
                verb = "reallocated" if reallocating else "allocated"
                messages.success(request, f"Case {case.reference} {verb} to {names}")
                if reallocating:
                    return redirect(case_url(case.pk, default=reverse("cases:allocate", args=[case.pk])))
                return redirect("cases:allocation_queue")
    selected_lead = form["lead_facilitator"].value()
    context = {
        **_header(case),
        "form": form,
        "reallocating": reallocating,
        "blocked": _allocation_blocked(case),
        "candidates": selectors_lists.candidate_rows(case=case, candidates=candidates),
        "selected_lead": "" if selected_lead is None else str(selected_lead),
        "skills_needed": selectors_lists.skills_needed(case),
        "history": selectors_lists.allocation_history(case=case),
    }
    return render(request, "cases/allocation/allocate.html", context, status=422 if form.errors else 200)


# --- Stage moves and closure ----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def case_stage(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_for(request, pk, permissions.CASE_CHANGE)
    form = StageForm(request.POST if request.method == "POST" else None, case=case)
    if request.method == "POST" and form.is_valid():
        previous = case.get_stage_display()
        try:
            case_set_stage(case=case, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"Case {case.reference} moved from {previous} to {case.get_stage_display()}")
            return redirect(case_url(case.pk, default=request.path))
    context = {**_header(case), "form": form, "can_move": bool(form.fields["stage"].choices)}
    return render(request, "cases/lifecycle/stage.html", context, status=422 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def case_close_view(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_for(request, pk, permissions.CASE_CHANGE)
    form = CloseForm(
        request.POST if request.method == "POST" else None, case=case, initial={"closed_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            case_close(case=case, actor=request.user, **form.service_arguments())
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"Case {case.reference} {CLOSED_WORDS.get(case.stage, 'closed')}")
            return redirect(case_url(case.pk, default=request.path))
    context = {**_header(case), "form": form, "can_close": bool(form.fields["stage"].choices)}
    return render(request, "cases/lifecycle/close.html", context, status=422 if form.errors else 200)


urlpatterns: list[URLPattern] = [
    path("unallocated/", allocation_queue, name="allocation_queue"),
    path("<int:pk>/allocate/", allocate, name="allocate"),
    path("<int:pk>/stage/", case_stage, name="case_stage"),
    path("<int:pk>/close/", case_close_view, name="case_close"),
]

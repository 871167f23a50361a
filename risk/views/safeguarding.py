"""Safeguarding concerns on a case (R10): the list, recording one, its acknowledgement, and
resolving a risk of serious harm escalation.

Only the RJ team working the case (allocated facilitators and the service's managers) reaches
these pages. A concern about a person is shown only to someone who may see that person;
missing and forbidden both answer 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from audit.models import Operation, PersonKind
from audit.services import log_processing
from cases import permissions, selectors
from cases.models import Case, Side, Victim
from cases.views.case_page import case_header_context, case_perms
from cases.views.lists import page_links
from core.forms import add_service_errors
from core.pagination import keyset_page
from risk.forms.safeguarding import AcknowledgeForm, ResolveForm, SafeguardingForm
from risk.models import SafeguardingDisclosure
from risk.services import safeguarding as services

_CASE_RELATED = ("lead_facilitator", "second_facilitator", "service")
ACTIVE_TAB = "assessments"


# --- Access ----------------------------------------------------------------------------------


def _case_for_team(user: User, pk: int) -> tuple[Case, dict[str, list]]:
    """The case, if the user works it (change_case) and may see at least one person on it."""
    case = permissions.get_case_for_user(
        user, pk, permissions.CASE_CHANGE, queryset=Case.objects.select_related(*_CASE_RELATED)
    )
    people = selectors.case_people(case=case, user=user)
    if not people[Side.VICTIM] and not people[Side.OFFENDER]:
        raise Http404("Not found")
    return case, people


def _visible_filter(people: dict[str, list]) -> Q:
    """Case-wide concerns, and each side's only where the user may see that person."""
    return (
        Q(victim__isnull=True, offender__isnull=True)
        | Q(victim__in=[p.pk for p in people[Side.VICTIM]])
        | Q(offender__in=[p.pk for p in people[Side.OFFENDER]])
    )


def disclosure_for_user(user: User, pk: int) -> tuple[SafeguardingDisclosure, dict[str, list]]:
    """A concern on a case the user works, about nobody in particular or someone they may see."""
    case_id = SafeguardingDisclosure.objects.filter(pk=pk).values_list("case_id", flat=True).first()
    if case_id is None:
        permissions.security_log.warning(
            "refused or missing object", extra={"model": "SafeguardingDisclosure", "object_id": pk, "user_id": user.pk}
        )
        raise Http404("Not found")
    case, people = _case_for_team(user, case_id)
    disclosure = (
        SafeguardingDisclosure.objects.filter(pk=pk, case=case)
        .filter(_visible_filter(people))
        .select_related("victim", "offender", "recorded_by", "resolved_by")
        .first()
    )
    if disclosure is None:
        permissions.security_log.warning(
            "refused or missing object", extra={"model": "SafeguardingDisclosure", "object_id": pk, "user_id": user.pk}
        )
        raise Http404("Not found")
    disclosure.case = case
    return disclosure, people


def _side(disclosure: SafeguardingDisclosure) -> str | None:
    if disclosure.victim_id:
        return Side.VICTIM
    if disclosure.offender_id:
        return Side.OFFENDER
    return None


def _log_consultation(request: HttpRequest, disclosure: SafeguardingDisclosure) -> None:
    person = disclosure.victim or disclosure.offender
    if person is None:
        return  # a case-wide concern names nobody's record; its collection is logged against everyone
    log_processing(
        user=request.user,
        operation=Operation.CONSULTATION,
        person_kind=PersonKind.VICTIM if isinstance(person, Victim) else PersonKind.OFFENDER,
        person_ids=[person.pk],
        case_id=disclosure.case_id,
        object_type="SafeguardingDisclosure",
        object_id=disclosure.pk,
        reason="Safeguarding concern",
        request=request,
    )


def _status(disclosure: SafeguardingDisclosure) -> list[dict[str, str]]:
    tags = []
    if disclosure.escalate_rosh:
        if disclosure.resolved_at:
            tags.append({"text": "Escalation resolved", "css": "govuk-tag--green"})
        else:
            tags.append({"text": "Escalated: case paused", "css": "govuk-tag--red"})
    if disclosure.acknowledged_at:
        tags.append({"text": "Acknowledged", "css": "govuk-tag--green"})
    else:
        tags.append({"text": "Not acknowledged", "css": "govuk-tag--yellow"})
    return tags


# --- The list and a new concern ----------------------------------------------------------------


@require_GET
def safeguarding_list(request: HttpRequest, pk: int) -> HttpResponse:
    case, people = _case_for_team(request.user, pk)
    perms = case_perms(case, request.user, people)
    concerns = case.safeguarding.filter(_visible_filter(people)).select_related("victim", "offender")
    page = keyset_page(concerns, field="passed_at", token=request.GET.get("page", ""))
    rows = [
        {
            "disclosure": d,
            "about": (d.victim or d.offender or None),
            "side": _side(d),
            "tags": _status(d),
            "url": reverse("risk:safeguarding_detail", args=[d.pk]),
        }
        for d in page.rows
    ]
    context = {
        **case_header_context(case, request.user, ACTIVE_TAB, perms),
        "rows": rows,
        "may_record": case.is_open,
        **page_links(request, page),
    }
    return render(request, "risk/safeguarding/list.html", context)


@require_http_methods(["GET", "POST"])
def safeguarding_new(request: HttpRequest, pk: int) -> HttpResponse:
    case, people = _case_for_team(request.user, pk)
    form = SafeguardingForm(
        request.POST if request.method == "POST" else None, people=[*people[Side.VICTIM], *people[Side.OFFENDER]]
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                disclosure = services.safeguarding_record(
                    case=case, actor=request.user, person=data["person"], data=data
                )
            except ValidationError as exc:
                add_service_errors(form, exc, {"passed_at": "passed_time"})
            else:
                note = (
                    " The case is paused until a manager resolves the escalation." if disclosure.escalate_rosh else ""
                )
                messages.success(request, f"Safeguarding concern recorded.{note}")
                return redirect("risk:safeguarding_detail", pk=disclosure.pk)
        status = 422
    context = {
        **case_header_context(case, request.user, ACTIVE_TAB, case_perms(case, request.user, people)),
        "form": form,
        "back_url": reverse("risk:safeguarding_list", args=[case.pk]),
    }
    return render(request, "risk/safeguarding/form.html", context, status=status)


# --- One concern ---------------------------------------------------------------------------------


def _detail(
    request: HttpRequest,
    disclosure: SafeguardingDisclosure,
    *,
    acknowledge_form: AcknowledgeForm | None = None,
    resolve_form: ResolveForm | None = None,
    status: int = 200,
) -> HttpResponse:
    case = disclosure.case
    _log_consultation(request, disclosure)
    may_acknowledge = disclosure.acknowledged_at is None and case.is_open
    may_resolve = disclosure.is_open and services.is_manager_of(request.user, case)
    context: dict[str, Any] = {
        **case_header_context(case, request.user, ACTIVE_TAB),
        "disclosure": disclosure,
        "person": disclosure.victim or disclosure.offender,
        "side": _side(disclosure),
        "tags": _status(disclosure),
        "may_acknowledge": may_acknowledge,
        "may_resolve": may_resolve,
        "acknowledge_form": (acknowledge_form or AcknowledgeForm()) if may_acknowledge else None,
        "resolve_form": (resolve_form or ResolveForm()) if may_resolve else None,
        "back_url": reverse("risk:safeguarding_list", args=[case.pk]),
    }
    return render(request, "risk/safeguarding/detail.html", context, status=status)


@require_GET
def safeguarding_detail(request: HttpRequest, pk: int) -> HttpResponse:
    disclosure, _ = disclosure_for_user(request.user, pk)
    return _detail(request, disclosure)


@require_POST
def safeguarding_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    disclosure, _ = disclosure_for_user(request.user, pk)
    form = AcknowledgeForm(request.POST)
    if form.is_valid():
        try:
            services.safeguarding_acknowledge(
                disclosure=disclosure,
                actor=request.user,
                acknowledged_at=form.cleaned_data["acknowledged_at"],
                acknowledgement=form.cleaned_data["acknowledgement"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc, {"acknowledged_at": "acknowledged_time"})
        else:
            messages.success(request, "Acknowledgement recorded")
            return redirect("risk:safeguarding_detail", pk=disclosure.pk)
    if disclosure.acknowledged_at is not None:
        # Already acknowledged: there is no form on the page to show the error on.
        messages.error(request, "The acknowledgement has already been recorded.")
        return redirect("risk:safeguarding_detail", pk=disclosure.pk)
    return _detail(request, disclosure, acknowledge_form=form, status=422)


@require_POST
def safeguarding_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    disclosure, _ = disclosure_for_user(request.user, pk)
    if not services.is_manager_of(request.user, disclosure.case):
        raise Http404("Not found")
    if not disclosure.is_open:
        messages.error(request, "There is no open escalation on this concern to resolve.")
        return redirect("risk:safeguarding_detail", pk=disclosure.pk)
    form = ResolveForm(request.POST)
    if form.is_valid():
        try:
            services.safeguarding_resolve(
                disclosure=disclosure, actor=request.user, resolution=form.cleaned_data["resolution"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Escalation resolved")
            return redirect("risk:safeguarding_detail", pk=disclosure.pk)
    return _detail(request, disclosure, resolve_form=form, status=422)


urlpatterns: list[URLPattern] = [
    path("cases/<int:pk>/safeguarding/", safeguarding_list, name="safeguarding_list"),
    path("cases/<int:pk>/safeguarding/new/", safeguarding_new, name="safeguarding_new"),
    path("safeguarding/<int:pk>/", safeguarding_detail, name="safeguarding_detail"),
    path("safeguarding/<int:pk>/acknowledge/", safeguarding_acknowledge, name="safeguarding_acknowledge"),
    path("safeguarding/<int:pk>/resolve/", safeguarding_resolve, name="safeguarding_resolve"),
]

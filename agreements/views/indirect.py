"""Indirect communication: starting it, recording each message, reviewing it before it is passed
to the other side, and recording whether it was effective.

These records name both sides, so only people who may see every person on the case (the
allocated facilitators and the service's managers) open them. Everyone else gets 404, as for a
record that does not exist. Writes also need the permission to work the case.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_http_methods

from accounts.models import User
from agreements.access import case_for_team, refused, sees_everyone
from agreements.forms.indirect import CompleteForm, IndirectStartForm, MessageForm, PassOnForm, ReviewForm
from agreements.models import IndirectCommunication, IndirectMessage, ReviewOutcome
from agreements.services import indirect as services
from audit.models import Operation, PersonKind
from audit.services import log_processing
from cases import permissions, selectors
from cases.models import Case
from cases.views.case_page import case_header_context, case_perms
from core.forms import add_service_errors

REVIEW_TAGS = {
    ReviewOutcome.PENDING: "govuk-tag--blue",
    ReviewOutcome.APPROVED: "govuk-tag--green",
    ReviewOutcome.NEEDS_CHANGES: "govuk-tag--yellow",
}


# --- Access ----------------------------------------------------------------------------------


def communication_for_user(user: User, pk: int, *, write: bool = False) -> tuple[IndirectCommunication, dict]:
    communication = IndirectCommunication.objects.filter(pk=pk).select_related("created_by").first()
    if communication is None:
        raise refused("IndirectCommunication", pk, user)
    case, people = case_for_team(user, communication.case_id, write=write)
    communication.case = case
    return communication, people


def message_for_user(user: User, pk: int, *, write: bool = False) -> tuple[IndirectMessage, dict]:
    message = IndirectMessage.objects.filter(pk=pk).select_related("victim", "offender", "reviewed_by").first()
    if message is None:
        raise refused("IndirectMessage", pk, user)
    communication, people = communication_for_user(user, message.communication_id, write=write)
    message.communication = communication
    return message, people


def _log_consultation(request: HttpRequest, communication: IndirectCommunication, msgs: list, reason: str) -> None:
    """The page shows what each person said: a consultation of their records."""
    for kind, ids in (
        (PersonKind.VICTIM, sorted({m.victim_id for m in msgs})),
        (PersonKind.OFFENDER, sorted({m.offender_id for m in msgs})),
    ):
        if ids:
            log_processing(
                user=request.user,
                operation=Operation.CONSULTATION,
                person_kind=kind,
                person_ids=ids,
                case_id=communication.case_id,
                object_type="IndirectCommunication",
                object_id=communication.pk,
                reason=reason,
                request=request,
            )


def _detail_url(communication: IndirectCommunication) -> str:
    return reverse("agreements:indirect_detail", args=[communication.pk])


def _header(case: Case, user: User, people: dict) -> dict[str, Any]:
    return case_header_context(case, user, "activity", case_perms(case, user, people))


def _may_work(case: Case, user: User, people: dict) -> bool:
    perms = permissions.perms_on(user, [case])
    return case.is_open and permissions.CASE_CHANGE in perms.get((Case, case.pk), set())


# --- Starting and reading --------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def indirect_new(request: HttpRequest, pk: int) -> HttpResponse:
    case, people = case_for_team(request.user, pk, write=True)
    form = IndirectStartForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                communication = services.indirect_start(case=case, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"{communication.get_kind_display()} started")
                return redirect(_detail_url(communication))
        status = 422
    context = {
        **_header(case, request.user, people),
        "form": form,
        "back_url": reverse("agreements:case_activity", args=[case.pk]),
    }
    return render(request, "agreements/indirect/start_form.html", context, status=status)


def _pass_on_form(message: IndirectMessage, data: Any = None) -> PassOnForm:
    return PassOnForm(data, prefix=f"message-{message.pk}")


@require_http_methods(["GET"])
def indirect_detail(request: HttpRequest, pk: int) -> HttpResponse:
    communication, people = communication_for_user(request.user, pk)
    case = communication.case
    msgs = list(
        communication.messages.select_related("victim", "offender", "reviewed_by").order_by("received_on", "id")
    )
    _log_consultation(request, communication, msgs, "Indirect communication details")
    may_work = _may_work(case, request.user, people)
    is_open = communication.completed_on is None
    rows = [
        {
            "message": m,
            "tag": REVIEW_TAGS.get(m.review_outcome, ""),
            "sender": services.SENDER[m.direction],
            "recipient": services.RECIPIENT[m.direction],
            "pass_on_form": _pass_on_form(m)
            if may_work and is_open and m.review_outcome == ReviewOutcome.APPROVED and not m.passed_on
            else None,
            "may_review": may_work and is_open and not m.passed_on,
        }
        for m in msgs
    ]
    context = {
        **_header(case, request.user, people),
        "communication": communication,
        "rows": rows,
        "may_work": may_work and is_open,
        "back_url": reverse("agreements:case_activity", args=[case.pk]),
    }
    return render(request, "agreements/indirect/detail.html", context)


# --- Messages --------------------------------------------------------------------------------


def _visible_people(case: Case, user: User) -> tuple[QuerySet, QuerySet]:
    return (
        permissions.visible(case.victims.all(), user, permissions.VICTIM_VIEW).order_by("last_name", "id"),
        permissions.visible(case.offenders.all(), user, permissions.OFFENDER_VIEW).order_by("last_name", "id"),
    )


@require_http_methods(["GET", "POST"])
def message_new(request: HttpRequest, pk: int) -> HttpResponse:
    communication, people = communication_for_user(request.user, pk, write=True)
    case = communication.case
    victims, offenders = _visible_people(case, request.user)
    form = MessageForm(request.POST if request.method == "POST" else None, victims=victims, offenders=offenders)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.message_record(communication=communication, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "Message recorded. Review it before it is passed on.")
                return redirect(_detail_url(communication))
        status = 422
    context = {
        **_header(case, request.user, people),
        "communication": communication,
        "form": form,
        "back_url": _detail_url(communication),
    }
    return render(request, "agreements/indirect/message_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
def message_review(request: HttpRequest, pk: int) -> HttpResponse:
    message, people = message_for_user(request.user, pk, write=True)
    communication = message.communication
    initial = {"outcome": message.review_outcome, "notes": message.review_notes}
    if message.review_outcome == ReviewOutcome.PENDING:
        initial = {}
    form = ReviewForm(request.POST if request.method == "POST" else None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.message_review(message=message, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                if form.cleaned_data["outcome"] == ReviewOutcome.APPROVED:
                    messages.success(request, "Message approved. You can now pass it on.")
                else:
                    messages.success(request, "Review saved. The message needs changes before it can be passed on.")
                return redirect(_detail_url(communication))
        status = 422
    _log_consultation(request, communication, [message], "Indirect communication message review")
    context = {
        **_header(communication.case, request.user, people),
        "communication": communication,
        "message": message,
        "sender": services.SENDER[message.direction],
        "recipient": services.RECIPIENT[message.direction],
        "form": form,
        "back_url": _detail_url(communication),
    }
    return render(request, "agreements/indirect/review_form.html", context, status=status)


@require_http_methods(["POST"])
def message_pass_on(request: HttpRequest, pk: int) -> HttpResponse:
    message, people = message_for_user(request.user, pk, write=True)
    communication = message.communication
    form = _pass_on_form(message, request.POST)
    if form.is_valid():
        try:
            services.message_pass_on(message=message, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Message passed on to the {services.RECIPIENT[message.direction]}")
            return redirect(_detail_url(communication))
    context = {
        **_header(communication.case, request.user, people),
        "communication": communication,
        "message": message,
        "recipient": services.RECIPIENT[message.direction],
        "form": form,
        "back_url": _detail_url(communication),
    }
    return render(request, "agreements/indirect/pass_on_form.html", context, status=422)


# --- Completing ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def indirect_complete(request: HttpRequest, pk: int) -> HttpResponse:
    communication, people = communication_for_user(request.user, pk, write=True)
    form = CompleteForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.indirect_complete(communication=communication, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "Indirect communication completed")
                return redirect(_detail_url(communication))
        status = 422
    context = {
        **_header(communication.case, request.user, people),
        "communication": communication,
        "form": form,
        "back_url": _detail_url(communication),
    }
    return render(request, "agreements/indirect/complete_form.html", context, status=status)


# --- The case's section (used by the agreements_tags template tag) ----------------------------


def case_section(case: Case, user: User) -> dict[str, Any]:
    """The case's indirect communications, for someone who sees every person on the case (else hidden)."""
    people = selectors.case_people(case=case, user=user)
    if not permissions.has_object_perm(user, permissions.CASE_VIEW, case) or not sees_everyone(case, user, people):
        return {"show": False}
    communications = case.indirect_communications.annotate(
        message_count=Count("messages"),
        waiting_count=Count("messages", filter=Q(messages__passed_on__isnull=True)),
    )
    return {
        "show": True,
        "case": case,
        "communications": [
            {"communication": c, "url": _detail_url(c)} for c in communications.order_by("-started_on", "-id")
        ],
        "may_start": _may_work(case, user, people),
    }


urlpatterns: list[URLPattern] = [
    path("cases/<int:pk>/indirect/new/", indirect_new, name="indirect_new"),
    path("indirect/<int:pk>/", indirect_detail, name="indirect_detail"),
    path("indirect/<int:pk>/messages/new/", message_new, name="message_new"),
    path("indirect/<int:pk>/complete/", indirect_complete, name="indirect_complete"),
    path("messages/<int:pk>/review/", message_review, name="message_review"),
    path("messages/<int:pk>/pass-on/", message_pass_on, name="message_pass_on"),
]

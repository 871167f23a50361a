"""Suitability assessment pages: record, read and change the assessment of one person.

Access follows the person the assessment is about: their side's VIEW permission to read, CHANGE
to write (cases.permissions; 404 for missing and forbidden alike). Pages are on that person's
side and show its banner. Every page that shows an assessment writes a "consultation" row.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.dateformat import format as date_format
from django.views.decorators.http import require_http_methods

from accounts.models import User
from audit.models import Operation
from audit.services import log_processing
from cases import permissions
from cases.models import Offender, Side, Victim
from cases.views.case_page import case_header_context, case_perms

# Importing the participants views registers the "side" path converter (victim|offender).
from cases.views.participants import SIDES
from risk.forms.suitability import FORMS, SuitabilityForm, YesNoField
from risk.services import suitability as services
from risk.services.suitability import MODELS, Suitability

_PERSON_RELATED = ("case", "case__service", "case__initiator", "case__lead_facilitator", "case__second_facilitator")


def _person(user: User, side: str, pk: int, *, change: bool = False) -> Victim | Offender:
    spec = SIDES[side]
    queryset = spec.model.objects.select_related(*_PERSON_RELATED)
    return spec.get(user, pk, spec.change if change else spec.view, queryset=queryset)


def _assessment(user: User, side: str, pk: int, *, change: bool = False) -> tuple[Victim | Offender, Suitability]:
    """An assessment, only if the user may see (or change) the person it is about."""
    model = MODELS[side]
    participant_id = model.objects.filter(pk=pk).values_list("participant_id", flat=True).first()
    if participant_id is None:
        permissions.security_log.warning(
            "refused or missing object", extra={"model": model.__name__, "object_id": pk, "user_id": user.pk}
        )
        raise Http404("Not found")
    person = _person(user, side, participant_id, change=change)
    related = ("recorded_by", "relationship") if side == Side.VICTIM else ("recorded_by",)
    assessment = model.objects.select_related(*related).get(pk=pk, participant=person)
    assessment.participant = person
    return person, assessment


def _log_consultation(request: HttpRequest, person: Victim | Offender, assessment: Suitability, reason: str) -> None:
    log_processing(
        user=request.user,
        operation=Operation.CONSULTATION,
        person_kind=SIDES[person.side].key,
        person_ids=[person.pk],
        case_id=person.case_id,
        object_type=type(assessment).__name__,
        object_id=assessment.pk,
        reason=reason,
        request=request,
    )


def _add_service_errors(form: BaseForm, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error.messages)
    else:
        form.add_error(None, exc.messages)


def _form_page(
    request: HttpRequest,
    *,
    side: str,
    person: Victim | Offender,
    form: SuitabilityForm,
    assessment: Suitability | None,
) -> HttpResponse:
    case = person.case
    if assessment is None:
        back_url = person.get_absolute_url()
        order_problem = services.victim_order_problem(person) if side == Side.VICTIM else None  # type: ignore[arg-type]
    else:
        back_url = reverse("risk:suitability_detail", args=[side, assessment.pk])
        order_problem = None
    context = {
        "case": case,
        "side": side,
        "spec": SIDES[side],
        "person": person,
        "form": form,
        "assessment": assessment,
        "back_url": back_url,
        "case_problem": services.case_problem(case),
        "order_problem": order_problem,
        "coercion_warning": side == Side.VICTIM and (case.flag_domestic_abuse or case.flag_sexual),
    }
    status = 422 if request.method == "POST" else 200
    return render(request, "risk/suitability/form.html", context, status=status)


@require_http_methods(["GET", "POST"])
def suitability_new(request: HttpRequest, side: str, pk: int) -> HttpResponse:
    person = _person(request.user, side, pk, change=True)
    form = FORMS[side](request.POST if request.method == "POST" else None, person=person)
    if request.method == "POST" and form.is_valid():
        try:
            assessment = services.suitability_record(
                participant=person, actor=request.user, data=dict(form.cleaned_data)
            )
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, "Suitability assessment saved")
            return redirect("risk:suitability_detail", side, assessment.pk)
    return _form_page(request, side=side, person=person, form=form, assessment=None)


@require_http_methods(["GET", "POST"])
def suitability_edit(request: HttpRequest, side: str, pk: int) -> HttpResponse:
    person, assessment = _assessment(request.user, side, pk, change=True)
    form_class = FORMS[side]
    initial = form_class(person=person).initial_from(assessment)
    form = form_class(request.POST if request.method == "POST" else None, person=person, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.suitability_update(assessment=assessment, actor=request.user, data=dict(form.cleaned_data))
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, "Suitability assessment saved")
            return redirect("risk:suitability_detail", side, assessment.pk)
    if request.method == "GET":
        _log_consultation(request, person, assessment, "Change suitability assessment page")
    return _form_page(request, side=side, person=person, form=form, assessment=assessment)


def _display(field: Any, value: Any) -> str:
    if isinstance(field, YesNoField):
        return {True: "Yes", False: "No"}.get(value, "Not known yet")
    if value is True:
        return "Yes"
    if value is False:
        return "No"
    if value is None or value == "":
        return ""
    if hasattr(value, "isoformat"):
        return date_format(value, "j F Y")
    if hasattr(value, "pk"):
        return str(value)
    choices = dict(getattr(field, "choices", ()) or ())
    return str(choices.get(value, value))


def answer_sections(form: SuitabilityForm, assessment: Suitability) -> list[dict[str, Any]]:
    """Every answer of the assessment, in the fieldsets of its form, ready for GOV.UK summary lists."""
    sections = []
    for key, legend, fields in form.grouped():
        rows = [
            {"label": bound.label, "value": _display(bound.field, getattr(assessment, bound.name)), "name": bound.name}
            for bound in fields
        ]
        if rows:
            sections.append({"key": key, "legend": legend, "rows": rows})
    return sections


@require_http_methods(["GET"])
def suitability_detail(request: HttpRequest, side: str, pk: int) -> HttpResponse:
    person, assessment = _assessment(request.user, side, pk)
    case = person.case
    perms = case_perms(case, request.user)
    spec = SIDES[side]
    may_change = spec.change in perms.get((spec.model, person.pk), set()) and services.case_problem(case) is None
    context = {
        **case_header_context(case, request.user, "assessments", perms),
        "side": side,
        "spec": spec,
        "person": person,
        "assessment": assessment,
        "sections": answer_sections(FORMS[side](person=person), assessment),
        "may_change": may_change,
    }
    _log_consultation(request, person, assessment, "Suitability assessment page")
    return render(request, "risk/suitability/detail.html", context)


urlpatterns: list[URLPattern] = [
    path("suitability/<side:side>/<int:pk>/new/", suitability_new, name="suitability_new"),
    path("suitability/<side:side>/<int:pk>/", suitability_detail, name="suitability_detail"),
    path("suitability/<side:side>/<int:pk>/change/", suitability_edit, name="suitability_edit"),
]

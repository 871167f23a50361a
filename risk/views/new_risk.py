"""Recording new information about risk for one person on a case.

The person is fetched with their side's CHANGE permission (404 for missing and forbidden alike).
Recording new risk ends the currency of the person's approved risk assessments
(risk.services.assessments.new_risk_record), so a new assessment must be started.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_http_methods

from accounts.models import User
from audit.models import Operation
from audit.services import log_processing
from cases import permissions
from cases.models import Offender, Side, Victim
from cases.views.case_page import case_header_context

# Importing the participants views registers the "side" path converter (victim|offender).
from cases.views.participants import SIDES
from core.forms import Form
from risk.services import assessments as services

CLOSED_MESSAGE = "This case is closed: no new risk can be recorded."

_PERSON_RELATED = ("case", "case__service", "case__initiator", "case__lead_facilitator", "case__second_facilitator")


class NewRiskForm(Form):
    description = forms.CharField(
        label="What is the new information about risk?",
        help_text="Saving this ends the currency of this person's approved risk assessments: start a new assessment.",
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=5000,
        error_messages={"required": "Enter the new information about risk"},
    )


def _person(user: User, side: str, pk: int) -> Victim | Offender:
    queryset = SIDES[side].model.objects.select_related(*_PERSON_RELATED)
    if side == Side.VICTIM:
        return permissions.get_victim_for_user(user, pk, permissions.VICTIM_CHANGE, queryset=queryset)
    return permissions.get_offender_for_user(user, pk, permissions.OFFENDER_CHANGE, queryset=queryset)


def _add_service_errors(form: NewRiskForm, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error.messages)
    else:
        form.add_error(None, exc.messages)


@require_http_methods(["GET", "POST"])
def new_risk_new(request: HttpRequest, side: str, pk: int) -> HttpResponse:
    person = _person(request.user, side, pk)
    case = person.case
    form = NewRiskForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            if not case.is_open:
                raise ValidationError(CLOSED_MESSAGE)
            services.new_risk_record(person=person, actor=request.user, description=form.cleaned_data["description"])
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(
                request, f"New risk information recorded for the {SIDES[side].one}: start a new risk assessment"
            )
            return redirect("risk:case_assessments", pk=case.pk)
    if request.method == "GET":
        log_processing(
            user=request.user,
            operation=Operation.CONSULTATION,
            person_kind=side,
            person_ids=[person.pk],
            case_id=case.pk,
            object_type=type(person).__name__,
            object_id=person.pk,
            reason="Record new risk page",
            request=request,
        )
    context = {
        **case_header_context(case, request.user, "assessments"),
        "side": side,
        "spec": SIDES[side],
        "person": person,
        "form": form,
        "case_closed": not case.is_open,
        "back_url": reverse("risk:case_assessments", args=[case.pk]),
    }
    return render(request, "risk/new_risk/form.html", context, status=422 if form.is_bound else 200)


urlpatterns: list[URLPattern] = [
    path("new-risk/<side:side>/<int:pk>/", new_risk_new, name="new_risk_new"),
]

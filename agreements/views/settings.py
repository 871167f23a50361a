"""The service's follow-up settings: how early facilitators are reminded of agreement items (administrators)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_http_methods

from agreements.models import AgreementSettings
from agreements.reminders import (
    DEFAULT_NOTICE_WORKING_DAYS,
    NOTICE_MAX,
    NOTICE_MIN,
    agreement_settings_update,
    notice_working_days,
)
from core.access import require_capability
from core.forms import Form

CAPABILITY = "core.configure_service"
RANGE_MESSAGE = f"Enter a number of working days from {NOTICE_MIN} to {NOTICE_MAX}"


class ReminderSettingsForm(Form):
    item_notice_working_days = forms.IntegerField(
        label="Working days before an agreement item's target date to remind the facilitator",
        help_text="Bank holidays and weekends are not counted. For example, 3.",
        min_value=NOTICE_MIN,
        max_value=NOTICE_MAX,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-3"}),
        error_messages={
            "required": "Enter the number of working days",
            "invalid": "Enter the number of working days as a whole number, for example 3",
            "min_value": RANGE_MESSAGE,
            "max_value": RANGE_MESSAGE,
        },
    )


def _service(request: HttpRequest):
    if not request.user.service_id:
        raise Http404("Not found")
    return request.user.service


def _history(service) -> list[dict]:
    records = (
        AgreementSettings.history.filter(service_id=service.pk)
        .select_related("history_user", "changed_by")
        .order_by("-history_date", "-history_id")[:50]
    )
    rows = []
    for record in records:
        who = record.history_user or record.changed_by
        rows.append(
            {
                "when": record.history_date,
                "by": who.display_name if who else "The system",
                "days": record.item_notice_working_days,
            }
        )
    return rows


@require_capability(CAPABILITY)
@require_http_methods(["GET", "POST"])
def reminder_settings(request: HttpRequest) -> HttpResponse:
    service = _service(request)
    if request.method == "POST":
        form = ReminderSettingsForm(request.POST)
    else:
        form = ReminderSettingsForm(initial={"item_notice_working_days": notice_working_days(service)})
    if form.is_bound and form.is_valid():
        try:
            agreement_settings_update(service=service, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, "Follow-up settings saved")
            return redirect("agreements:settings")
    return render(
        request,
        "agreements/settings.html",
        {"form": form, "service": service, "history": _history(service), "default": DEFAULT_NOTICE_WORKING_DAYS},
        status=422 if form.is_bound else 200,
    )


urlpatterns: list[URLPattern] = [
    path("settings/", reminder_settings, name="settings"),
]

"""Filters for the dashboard and the compliance report (submitted with GET).

Areas and services are limited to the ones the user may see: anything else is a form error (422),
never a figure.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.http import QueryDict

from accounts.models import PccArea, Service, User
from core.forms import Form, ModelChoiceField
from reporting.access import dashboard_areas, dashboard_services
from reporting.metrics import Scope
from reporting.quarters import DEFAULT_SCHEDULE, Quarter

QUARTERS_SHOWN = 12


def quarters_offered(today: dt.date) -> list[Quarter]:
    """The quarter under way and the ones before it, newest first."""
    quarter = DEFAULT_SCHEDULE.quarter_containing(today)
    offered = []
    for _ in range(QUARTERS_SHOWN):
        offered.append(quarter)
        quarter = quarter.previous
    return offered


def default_quarter(today: dt.date) -> Quarter:
    return DEFAULT_SCHEDULE.last_ended(today)


class FigureFilterForm(Form):
    quarter = forms.ChoiceField(label="Quarter", error_messages={"invalid_choice": "Select a quarter from the list"})
    area = ModelChoiceField(
        queryset=PccArea.objects.none(),
        required=False,
        label="Area",
        empty_label="All your areas",
        error_messages={"invalid_choice": "Select an area from the list"},
    )
    service = ModelChoiceField(
        queryset=Service.objects.none(),
        required=False,
        label="Service",
        empty_label="All services",
        error_messages={"invalid_choice": "Select a service from the list"},
    )

    def __init__(self, data: QueryDict, *, user: User, today: dt.date, **kwargs: Any) -> None:
        values = data.copy()
        if not values.get("quarter"):
            values["quarter"] = default_quarter(today).key
        super().__init__(values, **kwargs)
        self.fields["quarter"].choices = [(q.key, q.label) for q in quarters_offered(today)]
        self.fields["area"].queryset = dashboard_areas(user)
        self.fields["service"].queryset = dashboard_services(user)
        self.user = user

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        area, service = cleaned.get("area"), cleaned.get("service")
        if area is not None and service is not None and service.area_id != area.pk:
            self.add_error("service", "Select a service in the area you chose, or all services")
        return cleaned

    @property
    def quarter_chosen(self) -> Quarter:
        return DEFAULT_SCHEDULE.parse(self.cleaned_data["quarter"])  # type: ignore[return-value]

    def services_chosen(self) -> list[Service]:
        services = self.fields["service"].queryset
        if self.cleaned_data.get("service") is not None:
            return [self.cleaned_data["service"]]
        if self.cleaned_data.get("area") is not None:
            services = services.filter(area=self.cleaned_data["area"])
        return list(services.order_by("name"))

    def scope(self, services: list[Service]) -> Scope:
        return Scope(tuple(service.pk for service in services), self.quarter_chosen)


class DashboardFilterForm(FigureFilterForm):
    compare = forms.BooleanField(required=False, label="Compare with the previous quarter")


class CasesBehindForm(Form):
    """The drill-down's quarter, and whether to list only the cases missing evidence."""

    quarter = forms.ChoiceField(label="Quarter", error_messages={"invalid_choice": "Select a quarter from the list"})
    show = forms.ChoiceField(
        label="Show",
        choices=[("missing", "Only cases missing evidence"), ("all", "Every case counted")],
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Select which cases to show"},
    )

    def __init__(self, data: QueryDict, *, today: dt.date, **kwargs: Any) -> None:
        values = data.copy()
        if not values.get("quarter"):
            values["quarter"] = default_quarter(today).key
        if not values.get("show"):
            values["show"] = "missing"
        super().__init__(values, **kwargs)
        self.fields["quarter"].choices = [(q.key, q.label) for q in quarters_offered(today)]

    @property
    def quarter_chosen(self) -> Quarter:
        return DEFAULT_SCHEDULE.parse(self.cleaned_data["quarter"])  # type: ignore[return-value]

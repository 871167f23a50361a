"""Forms for safeguarding concerns: recording one, its acknowledgement, and resolving an escalation."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from cases.forms.participants import TimeField
from cases.models import Offender, Victim
from core.forms import DateField, Form
from risk.models import AtRisk, SafeguardingAgency
from risk.models.safeguarding import PassedBy

WHOLE_CASE = "case"


def _aware(date: dt.date, time: dt.time) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(date, time))


def person_key(person: Victim | Offender) -> str:
    return f"{'victim' if isinstance(person, Victim) else 'offender'}-{person.pk}"


class SafeguardingForm(Form):
    person = forms.ChoiceField(
        label="Who is the concern from or about?",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select who the concern is from or about",
            "invalid_choice": "Select someone on this case, or the whole case",
        },
    )
    concern = forms.CharField(
        label="What is the concern?",
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Enter the concern"},
    )
    at_risk = forms.ChoiceField(
        label="Who is at risk?",
        choices=AtRisk.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select who is at risk"},
    )
    at_risk_details = forms.CharField(
        label="Details of who is at risk",
        required=False,
        max_length=300,
        help_text="Required if someone else is at risk",
    )
    agency = forms.ChoiceField(
        label="Which agency did you tell?",
        choices=SafeguardingAgency.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the agency you told"},
    )
    agency_details = forms.CharField(
        label="Who at the agency, and how to reach them",
        required=False,
        max_length=300,
    )
    passed_by = forms.ChoiceField(
        label="How did you tell them?",
        choices=PassedBy.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select how you told them"},
    )
    passed_on = DateField(label="Date you told them", past_only=True, help_text="For example, 27 3 2026")
    passed_time = TimeField(label="Time you told them", help_text="24-hour clock, for example 14:30")
    escalate_rosh = forms.BooleanField(
        label="The risk of serious harm is rising: escalated to probation",
        required=False,
        help_text="The case will pause until an RJ manager resolves the escalation.",
    )

    def __init__(self, *args: Any, people: list[Victim | Offender], **kwargs: Any) -> None:
        """`people`: those on the case the user may see."""
        super().__init__(*args, **kwargs)
        self._people = {person_key(p): p for p in people}
        choices = [(WHOLE_CASE, "The case as a whole")]
        for key, person in self._people.items():
            side = "person harmed" if isinstance(person, Victim) else "person responsible"
            choices.append((key, f"{person.full_name} ({side})"))
        self.fields["person"].choices = choices
        self.fields["passed_on"].error_messages["required"] = "Enter the date you told them"
        self.fields["passed_time"].error_messages["required"] = "Enter the time you told them"
        now = timezone.localtime()
        self.initial.setdefault("person", WHOLE_CASE)
        self.initial.setdefault("passed_on", now.date())
        self.initial.setdefault("passed_time", f"{now:%H:%M}")

    def clean_person(self) -> Victim | Offender | None:
        key = self.cleaned_data["person"]
        return None if key == WHOLE_CASE else self._people[key]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("at_risk") == AtRisk.OTHER and not data.get("at_risk_details", "").strip():
            self.add_error("at_risk_details", "Say who is at risk")
        if data.get("agency") == SafeguardingAgency.OTHER and not data.get("agency_details", "").strip():
            self.add_error("agency_details", "Say which agency you told")
        on, at = data.get("passed_on"), data.get("passed_time")
        if on and at:
            data["passed_at"] = _aware(on, at)
            if data["passed_at"] > timezone.now() + dt.timedelta(minutes=5):
                self.add_error("passed_time", "The time you told them must be now or in the past")
        return data


class AcknowledgeForm(Form):
    acknowledged_on = DateField(label="Date the agency acknowledged it", past_only=True)
    acknowledged_time = TimeField(label="Time", help_text="24-hour clock, for example 14:30")
    acknowledgement = forms.CharField(
        label="Who acknowledged it, and what did they say?",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter who acknowledged it and what they said"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["acknowledged_on"].error_messages["required"] = "Enter the date the agency acknowledged it"
        self.fields["acknowledged_time"].error_messages["required"] = "Enter the time the agency acknowledged it"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        on, at = data.get("acknowledged_on"), data.get("acknowledged_time")
        data["acknowledged_at"] = _aware(on, at) if on and at else None
        return data


class ResolveForm(Form):
    resolution = forms.CharField(
        label="How was the escalation resolved?",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="For example, what probation decided and what the RJ team will do next",
        error_messages={"required": "Enter how the escalation was resolved"},
    )

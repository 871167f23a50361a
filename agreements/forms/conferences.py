"""Forms for planning a conference."""

from __future__ import annotations

from typing import Any

from django import forms

from agreements.models import VenueKind
from cases.forms.participants import TimeField
from cases.models import Offender, Victim
from core.forms import DateField, Form, ModelMultipleChoiceField


class ConferencePlanForm(Form):
    date = DateField(label="Date of the conference", help_text="For example, 27 3 2026")
    start_time = TimeField(label="Start time", help_text="24-hour clock, for example 10:00")
    end_time = TimeField(label="End time", required=False, help_text="24-hour clock, for example 12:00")
    venue_kind = forms.ChoiceField(
        label="Kind of venue",
        choices=VenueKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the kind of venue"},
    )
    venue_name = forms.CharField(
        label="Venue",
        max_length=200,
        help_text="The name of the community venue or the prison",
        error_messages={"required": "Enter the name of the venue"},
    )
    video_link = forms.BooleanField(label="A video link will be used", required=False)
    victims = ModelMultipleChoiceField(
        label="People harmed attending",
        queryset=Victim.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    offenders = ModelMultipleChoiceField(
        label="People responsible attending",
        queryset=Offender.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, victims: Any, offenders: Any, **kwargs: Any) -> None:
        """`victims` and `offenders`: the people on the case the user may see (querysets)."""
        super().__init__(*args, **kwargs)
        self.fields["date"].error_messages["required"] = "Enter the date of the conference"
        self.fields["start_time"].error_messages["required"] = "Enter the start time"
        self.fields["victims"].queryset = victims
        self.fields["offenders"].queryset = offenders
        for name in ("victims", "offenders"):
            self.fields[name].error_messages["invalid_choice"] = "Select only people on this case"
        if not victims.exists():
            del self.fields["victims"]
        if not offenders.exists():
            del self.fields["offenders"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("start_time"), data.get("end_time")
        if start and end and end <= start:
            self.add_error("end_time", "The end time must be after the start time")
        if not data.get("victims") and not data.get("offenders") and not self.has_error("victims"):
            first = "victims" if "victims" in self.fields else "offenders" if "offenders" in self.fields else None
            self.add_error(first, "Select at least one person who will attend")
        return data

"""Forms for planning a conference."""

from __future__ import annotations

from typing import Any

from django import forms

from accounts.models import User
from agreements.models import AttendeeKind, VenueKind
from cases.forms.participants import TimeField
from cases.models import Offender, Victim
from core.forms import DateField, Form, ModelChoiceField, ModelMultipleChoiceField


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

    lead_facilitator = ModelChoiceField(
        label="Lead facilitator", queryset=User.objects.none(), required=False, empty_label="Not chosen yet"
    )
    lead_facilitator_agency = forms.CharField(label="Lead facilitator's agency", max_length=200, required=False)
    second_facilitator = ModelChoiceField(
        label="Second facilitator", queryset=User.objects.none(), required=False, empty_label="Not chosen yet"
    )
    second_facilitator_agency = forms.CharField(label="Second facilitator's agency", max_length=200, required=False)
    venue_visited = forms.BooleanField(label="The venue has been visited", required=False)
    venue_accessible = forms.BooleanField(label="It is accessible for everyone attending", required=False)
    separate_waiting_rooms = forms.BooleanField(label="There are separate waiting rooms", required=False)
    break_out_room = forms.BooleanField(label="There is a break-out room", required=False)
    venue_safe = forms.BooleanField(label="It is safe for everyone attending and for staff", required=False)
    venue_notes = forms.CharField(
        label="Notes about the venue", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    security_liaison = forms.CharField(
        label="Security liaison",
        max_length=300,
        required=False,
        help_text="Prison security contact and what was agreed",
    )
    visitor_list_sent = forms.BooleanField(label="The visitor list has been sent", required=False)
    id_requirements = forms.CharField(label="ID requirements", max_length=300, required=False)
    arrival_plan = forms.CharField(
        label="Arrival plan",
        required=False,
        help_text="Staggered arrival and leaving, waiting areas",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    GROUPS = (
        ("When and where", ("date", "start_time", "end_time", "venue_kind", "venue_name", "video_link")),
        ("Who is attending", ("victims", "offenders")),
        (
            "Facilitators",
            ("lead_facilitator", "lead_facilitator_agency", "second_facilitator", "second_facilitator_agency"),
        ),
        (
            "Venue checklist",
            (
                "venue_visited",
                "venue_accessible",
                "separate_waiting_rooms",
                "break_out_room",
                "venue_safe",
                "venue_notes",
            ),
        ),
        (
            "Custody arrangements",
            ("security_liaison", "visitor_list_sent", "id_requirements", "arrival_plan"),
        ),
    )

    def __init__(self, *args: Any, victims: Any, offenders: Any, facilitators: Any = None, **kwargs: Any) -> None:
        """`victims` and `offenders`: the people on the case the user may see (querysets).
        `facilitators`: the staff who may facilitate (without it the facilitator fields are left out)."""
        super().__init__(*args, **kwargs)
        if facilitators is None:
            for name in (
                "lead_facilitator",
                "lead_facilitator_agency",
                "second_facilitator",
                "second_facilitator_agency",
            ):
                del self.fields[name]
        else:
            for name in ("lead_facilitator", "second_facilitator"):
                self.fields[name].queryset = facilitators
                self.fields[name].label_from_instance = lambda user: user.display_name
                self.fields[name].error_messages["invalid_choice"] = "Select a facilitator or manager of this service"
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

    def groups(self) -> list[dict[str, Any]]:
        """The fields in fieldsets, for the template (custody shown as its own fieldset)."""
        return [
            {"legend": legend, "fields": [self[name] for name in names if name in self.fields]}
            for legend, names in self.GROUPS
            if any(name in self.fields for name in names)
        ]

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("victims", None)
        data.pop("offenders", None)
        return data


class AttendeeForm(Form):
    kind = forms.ChoiceField(
        label="Who is the person",
        choices=AttendeeKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select who the person is"},
    )
    name = forms.CharField(label="Name", max_length=200, error_messages={"required": "Enter the person's name"})
    relationship_or_organisation = forms.CharField(label="Relationship or organisation", max_length=200, required=False)
    agreement_recorded = forms.BooleanField(
        label="Everyone taking part agreed to this person being there",
        required=False,
        help_text="Required for observers and researchers",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("kind") in (AttendeeKind.OBSERVER, AttendeeKind.RESEARCHER) and not data.get("agreement_recorded"):
            self.add_error(
                "agreement_recorded", "Observers and researchers can attend only if everyone taking part agreed"
            )
        return data


class ReasonForm(Form):
    reason = forms.CharField(
        label="Reason",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter the reason", "max_length": "The reason must be 300 characters or fewer"},
    )

    def __init__(self, *args: Any, what: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = f"Why is the conference being {what}?"
        self.fields["reason"].error_messages["required"] = f"Enter why the conference is being {what}"


YES_NO = (("yes", "Yes"), ("no", "No"))


class HeldForm(Form):
    held_start_time = TimeField(
        label="Start time",
        help_text="When it actually started, for example 10:05",
        error_messages={"required": "Enter the time the conference started"},
    )
    held_end_time = TimeField(
        label="End time",
        help_text="When it actually ended, for example 12:10",
        error_messages={"required": "Enter the time the conference ended"},
    )
    background = forms.CharField(
        label="Background",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter the background"},
    )
    how_it_went = forms.CharField(
        label="How it went and its turning points",
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": "Enter how the conference went and its turning points"},
    )
    lessons_learnt = forms.CharField(
        label="Lessons learnt",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter the lessons learnt"},
    )
    video_worked_for_victim = forms.TypedChoiceField(
        label="Did the video link work for the person harmed?",
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        empty_value=None,
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether the video link worked for the person harmed"},
    )
    video_worked_for_offender = forms.TypedChoiceField(
        label="Did the video link work for the person responsible?",
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        empty_value=None,
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether the video link worked for the person responsible"},
    )
    video_how_we_know = forms.CharField(
        label="How do we know?",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter how we know whether the video link worked"},
    )

    def __init__(self, *args: Any, video_link: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not video_link:
            for name in ("video_worked_for_victim", "video_worked_for_offender", "video_how_we_know"):
                del self.fields[name]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("held_start_time"), data.get("held_end_time")
        if start and end and end <= start:
            self.add_error("held_end_time", "The end time must be after the start time")
        return data

"""Forms for a person's record: details, contacts, needs, consents, permissions to share, supporters.

Forms check input only. Views pass `service_data()` (or cleaned_data) to cases.services.participants.
Coded-list fields load every list the form needs from the kept codes (cases.code_cache) and hand the service Code
rows.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils import timezone

from accounts.models import Role, User
from cases.code_cache import codes_by_pk
from cases.models import (
    CaseEvent,
    Code,
    CodeList,
    ConsentKind,
    DisclosureKind,
    Offender,
    SupporterKind,
    Victim,
)
from cases.models.participants import ContactChannel
from core.forms import DateField, Form, ModelChoiceField, ModelForm, ModelMultipleChoiceField

# --- Coded lists ------------------------------------------------------------------------------


class CodeChoiceField(forms.ChoiceField):
    """One entry of a coded list, chosen by its id; cleans to the Code row (or None)."""

    def __init__(self, list_name: str, *, empty_label: str | None = "Select", **kwargs: Any) -> None:
        self.list_name = list_name
        self.empty_label = empty_label
        self.codes: dict[str, Code] = {}
        super().__init__(choices=(), **kwargs)

    def set_codes(self, codes: Iterable[Code]) -> None:
        self.codes = {str(c.pk): c for c in codes}
        grouped: dict[str, list[tuple[str, str]]] = {}
        for pk, c in self.codes.items():
            grouped.setdefault(c.group, []).append((pk, c.label))
        choices: list[Any] = [("", self.empty_label)] if self.empty_label is not None else []
        for group, items in grouped.items():
            if group:
                choices.append((group, items))
            else:
                choices.extend(items)
        self.choices = choices

    def prepare_value(self, value: Any) -> Any:
        return str(value.pk) if isinstance(value, Code) else value

    def to_python(self, value: Any) -> Any:
        value = super().to_python(value)
        return value or ""

    def validate(self, value: Any) -> None:
        if value in self.empty_values:
            if self.required:
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return
        if value not in self.codes:
            raise forms.ValidationError("Select one of the options", code="invalid_choice")

    def clean(self, value: Any) -> Code | None:
        value = self.to_python(value)
        self.validate(value)
        self.run_validators(value)
        return self.codes.get(value) if value else None

    def has_changed(self, initial: Any, data: Any) -> bool:
        initial = self.prepare_value(initial)
        return str(initial or "") != str(data or "")


class CodeListsMixin:
    """Fill every CodeChoiceField of the form from the kept codes (cases.code_cache): active entries, plus any
    already chosen."""

    def load_codes(self, keep: Iterable[int] = ()) -> dict[str, list[Code]]:
        fields = [f for f in self.fields.values() if isinstance(f, CodeChoiceField)]  # type: ignore[attr-defined]
        names = {f.list_name for f in fields}
        by_list: dict[str, list[Code]] = {name: [] for name in names}
        if names:
            keep = set(keep)
            rows = [
                c for c in codes_by_pk(needing=keep).values() if c.list_name in names and (c.active or c.pk in keep)
            ]
            for c in sorted(rows, key=lambda c: (c.list_name, c.sort_order, c.label)):
                by_list[c.list_name].append(c)
        for f in fields:
            f.set_codes(by_list[f.list_name])
        return by_list


def _code_pk(codes: list[Code], value: str) -> int | None:
    return next((c.pk for c in codes if c.code == value), None)


# --- Time ------------------------------------------------------------------------------------

_TIME = re.compile(r"^(?P<h>\d{1,2})[:.]?(?P<m>\d{2})$")


class TimeField(forms.CharField):
    """A 24-hour time typed as text, for example 14:30."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 5)
        super().__init__(**kwargs)
        self.widget.attrs.update({"class": "govuk-input--width-5", "inputmode": "numeric", "autocomplete": "off"})

    def clean(self, value: Any) -> dt.time | None:  # type: ignore[override]
        value = super().clean(value)
        if not value:
            return None
        match = _TIME.match(value.strip().replace(" ", ""))
        label = (self.label or "time").lower()
        if not match or int(match["h"]) > 23 or int(match["m"]) > 59:
            raise forms.ValidationError(f"Enter the {label} in 24-hour format, for example 14:30")
        return dt.time(int(match["h"]), int(match["m"]))


def _aware(date: dt.date, time: dt.time) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(date, time))


# --- Contacts --------------------------------------------------------------------------------


class InformsEventField(ModelChoiceField):
    def label_from_instance(self, obj: CaseEvent) -> str:
        return f"{obj.summary} ({timezone.localtime(obj.occurred_at):%-d %B %Y})"


class ContactForm(CodeListsMixin, Form):
    """One contact with a person, or a failed attempt (the 'Could not reach' button)."""

    contact_type = CodeChoiceField(CodeList.CONTACT_TYPE, label="Type of contact", empty_label=None)
    occurred_on = DateField(label="Date", past_only=True)
    occurred_time = TimeField(label="Time", help_text="24-hour clock, for example 14:30")
    direction = CodeChoiceField(
        CodeList.DIRECTION, label="Direction", empty_label=None, widget=forms.RadioSelect(attrs={"small": True})
    )
    with_whom = forms.CharField(label="With whom", max_length=200, required=False)
    purpose = forms.CharField(label="Purpose", max_length=300, required=False)
    appointment = CodeChoiceField(CodeList.APPOINTMENT, label="Appointment kept", empty_label=None)
    minutes_spent = forms.IntegerField(
        label="Time spent in minutes",
        required=False,
        min_value=0,
        max_value=1440,
        error_messages={
            "invalid": "Enter the time spent as a whole number of minutes, for example 15",
            "min_value": "Time spent must be 0 minutes or more",
            "max_value": "Time spent must be 1440 minutes (24 hours) or less",
        },
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-4", "inputmode": "numeric"}),
    )
    notes = forms.CharField(
        label="Notes",
        required=False,
        help_text="Write enough for a colleague to take over at short notice.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    informs_event = InformsEventField(
        queryset=CaseEvent.objects.none(),
        label="This tells the person about a decision",
        required=False,
        empty_label="No, it does not",
        error_messages={"invalid_choice": "Select a decision from the list, or 'No, it does not'"},
    )
    next_on = DateField(label="Next appointment date", required=False, future_only=True)
    next_time = TimeField(label="Next appointment time", required=False)
    next_with = forms.CharField(label="Next appointment with", max_length=200, required=False)
    next_where = forms.CharField(label="Where", max_length=200, required=False)
    next_type = CodeChoiceField(CodeList.CONTACT_TYPE, label="Type of next appointment", required=False)

    MAIN_FIELDS = ("contact_type", "occurred_on", "occurred_time", "direction", "with_whom", "purpose")
    MORE_FIELDS = ("appointment", "minutes_spent", "notes", "informs_event")
    NEXT_FIELDS = ("next_on", "next_time", "next_with", "next_where", "next_type")

    def __init__(
        self,
        *args: Any,
        events: list[CaseEvent] | None = None,
        attempt: bool = False,
        **kwargs: Any,
    ) -> None:
        self.attempt = attempt
        super().__init__(*args, **kwargs)
        codes = self.load_codes()
        now = timezone.localtime()
        self.initial.setdefault("occurred_on", now.date())
        self.initial.setdefault("occurred_time", f"{now:%H:%M}")
        self.initial.setdefault("contact_type", _code_pk(codes[CodeList.CONTACT_TYPE], "phone"))
        self.initial.setdefault("direction", _code_pk(codes[CodeList.DIRECTION], "outgoing"))
        self.initial.setdefault("appointment", _code_pk(codes[CodeList.APPOINTMENT], "not_applicable"))
        self._attempt_codes = {
            "direction": next((c for c in codes[CodeList.DIRECTION] if c.code == "attempt"), None),
            "appointment": next((c for c in codes[CodeList.APPOINTMENT] if c.code == "not_applicable"), None),
        }
        if events:
            field = self.fields["informs_event"]
            field.queryset = CaseEvent.objects.filter(pk__in=[e.pk for e in events])
            field.choices = [("", field.empty_label), *((e.pk, field.label_from_instance(e)) for e in events)]
        else:
            del self.fields["informs_event"]
        if attempt:
            self.fields["direction"].required = False
            self.fields["appointment"].required = False
        self.fields["contact_type"].error_messages["required"] = "Select the type of contact"
        self.fields["occurred_on"].error_messages["required"] = "Enter the date of the contact"
        self.fields["occurred_time"].error_messages["required"] = "Enter the time of the contact"
        self.fields["direction"].error_messages["required"] = "Select the direction of the contact"
        self.fields["appointment"].error_messages["required"] = "Select whether an appointment was kept"

    def with_autofocus(self) -> ContactForm:
        """Mark the first field so focus returns to it when the form is swapped in."""
        self.fields["contact_type"].widget.attrs["data-autofocus"] = True
        return self

    def fields_in(self, names: Iterable[str]) -> list[forms.BoundField]:
        return [self[name] for name in names if name in self.fields]

    def main_fields(self) -> list[forms.BoundField]:
        return self.fields_in(self.MAIN_FIELDS)

    def more_fields(self) -> list[forms.BoundField]:
        return self.fields_in(self.MORE_FIELDS)

    def next_fields(self) -> list[forms.BoundField]:
        return self.fields_in(self.NEXT_FIELDS)

    def next_has_errors(self) -> bool:
        return any(name in self.errors for name in self.NEXT_FIELDS)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.attempt:
            data["direction"] = self._attempt_codes["direction"]
            data["appointment"] = self._attempt_codes["appointment"]
        on, at = data.get("occurred_on"), data.get("occurred_time")
        if on and at and _aware(on, at) > timezone.now() + dt.timedelta(minutes=5):
            self.add_error("occurred_time", "The time of the contact must be now or in the past")
        next_on, next_time = data.get("next_on"), data.get("next_time")
        next_given = any(data.get(name) for name in ("next_time", "next_with", "next_where", "next_type"))
        if next_given and not next_on and "next_on" not in self.errors:
            self.add_error("next_on", "Enter the date of the next appointment, or clear its other details")
        if next_on and not next_time and "next_time" not in self.errors:
            self.add_error("next_time", "Enter the time of the next appointment")
        return data

    def service_data(self) -> dict[str, Any]:
        """The contact as cases.services.participants.contact_log expects it."""
        d = self.cleaned_data
        next_at = _aware(d["next_on"], d["next_time"]) if d.get("next_on") and d.get("next_time") else None
        return {
            "occurred_at": _aware(d["occurred_on"], d["occurred_time"]),
            "contact_type": d["contact_type"],
            "direction": d["direction"],
            "with_whom": d["with_whom"],
            "purpose": d["purpose"],
            "appointment": d["appointment"],
            "minutes_spent": d.get("minutes_spent") or 0,
            "notes": d["notes"],
            "next_appointment_at": next_at,
            "next_appointment_with": d["next_with"],
            "next_appointment_where": d["next_where"],
            "next_appointment_type": d.get("next_type"),
            "informs_event": d.get("informs_event"),
        }

    # Names of service errors -> the field that shows them.
    SERVICE_FIELDS = {"occurred_at": "occurred_time", "next_appointment_at": "next_on"}


# --- Needs, consents, permissions to share, supporters ---------------------------------------


class NeedForm(CodeListsMixin, Form):
    need = CodeChoiceField(CodeList.NEED, label="Need")
    details = forms.CharField(label="Details", max_length=300, required=False)
    action_taken = forms.CharField(label="Action taken", max_length=300, required=False)
    action_on = DateField(label="Date of the action", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.load_codes()
        self.fields["need"].error_messages["required"] = "Select the need"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("action_on") and not data.get("action_taken") and "action_taken" not in self.errors:
            self.add_error("action_taken", "Enter the action taken, or clear its date")
        return data


class NeedUpdateForm(Form):
    action_taken = forms.CharField(
        label="Action taken", max_length=300, error_messages={"required": "Enter the action taken"}
    )
    action_on = DateField(label="Date of the action", error_messages={"required": "Enter the date of the action"})


class ConsentForm(Form):
    kind = forms.ChoiceField(
        label="What did they consent to?",
        choices=ConsentKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select what they consented to"},
    )
    given_on = DateField(
        label="Date consent was given", past_only=True, error_messages={"required": "Enter the date consent was given"}
    )
    leaflet = forms.CharField(
        label="Information leaflet given", max_length=200, required=False, help_text="Its name and version."
    )
    data_sharing_explained = forms.BooleanField(label="The data-sharing notice was explained", required=False)
    notes = forms.CharField(label="Notes", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ConsentWithdrawForm(Form):
    withdrawn_on = DateField(
        label="Date consent was withdrawn",
        past_only=True,
        error_messages={"required": "Enter the date consent was withdrawn"},
    )
    reason = forms.CharField(
        label="Reason",
        max_length=500,
        required=False,
        help_text="Nobody has to give a reason. Record one only if the person gave it.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("withdrawn_on", timezone.localdate())


class DisclosureForm(Form):
    kind = forms.ChoiceField(
        label="What may be shared with the other party?",
        choices=DisclosureKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select what may be shared"},
    )
    content = forms.CharField(
        label="Exactly what may be passed on",
        help_text="Use the words agreed with the person.",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter exactly what may be passed on"},
    )
    granted_on = DateField(
        label="Date permission was given",
        past_only=True,
        error_messages={"required": "Enter the date permission was given"},
    )


class DisclosureWithdrawForm(Form):
    withdrawn_on = DateField(
        label="Date permission was withdrawn",
        past_only=True,
        error_messages={"required": "Enter the date permission was withdrawn"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("withdrawn_on", timezone.localdate())


class SupporterForm(CodeListsMixin, Form):
    kind = forms.ChoiceField(
        label="Who are they?",
        choices=SupporterKind.choices,
        initial=SupporterKind.SUPPORTER,
        widget=forms.RadioSelect,
        error_messages={"required": "Select who they are"},
    )
    name = forms.CharField(label="Name", max_length=200, error_messages={"required": "Enter their name"})
    relationship = CodeChoiceField(CodeList.SUPPORTER_RELATIONSHIP, label="Relationship", required=False)
    phone = forms.CharField(label="Phone", max_length=40, required=False)
    email = forms.EmailField(
        label="Email", required=False, error_messages={"invalid": "Enter an email address like name@example.com"}
    )
    address = forms.CharField(label="Address", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.load_codes()


# --- A person's details ----------------------------------------------------------------------

_PERSON_FIELDS = [
    ("Name", ["first_name", "last_name", "preferred_name", "date_of_birth"]),
    ("Contact details", ["address", "postcode", "phone", "email", "preferred_language"]),
    (
        "Safe contact",
        ["safe_channels", "safe_times", "no_voicemail", "no_letters", "contact_safety_notes"],
    ),
    ("Equality monitoring", ["sex", "sex_self_description", "ethnicity", "disability"]),
]

VICTIM_GROUPS = [
    ("Name", ["is_organisation", *_PERSON_FIELDS[0][1], "parent_guardian"]),
    *_PERSON_FIELDS[1:],
    ("Victim Contact Scheme", ["in_victim_contact_scheme", "vlo", "vlo_details"]),
]

OFFENDER_GROUPS = [
    *_PERSON_FIELDS,
    ("Identifiers", ["pnc_id", "prison_number", "crn"]),
    (
        "Supervision and status",
        [
            "tier",
            "special_statuses",
            "mappa_category",
            "mappa_level",
            "at_risk_of_custody",
            "in_custody",
            "prison_name",
            "release_date",
        ],
    ),
    (
        "Sentence",
        [
            "sentence_type",
            "sentence_length",
            "supervision_length",
            "sentence_date",
            "sentencing_court",
            "sentence_purpose",
            "requirement_1",
            "requirement_2",
            "requirement_3",
            "compensation",
            "psr_author",
        ],
    ),
    ("Offender manager", ["offender_manager", "om_details"]),
]


_SHORT = {"class": "govuk-!-width-one-half"}
PERSON_WIDGETS = {
    "address": forms.Textarea(attrs={"rows": 3}),
    "contact_safety_notes": forms.Textarea(attrs={"rows": 3}),
    "postcode": forms.TextInput(attrs={"class": "govuk-input--width-10", "autocomplete": "off"}),
    "phone": forms.TextInput(attrs={"class": "govuk-input--width-20", "autocomplete": "off"}),
    "preferred_language": forms.TextInput(attrs=_SHORT),
    "pnc_id": forms.TextInput(attrs={"class": "govuk-input--width-10"}),
    "prison_number": forms.TextInput(attrs={"class": "govuk-input--width-10"}),
    "crn": forms.TextInput(attrs={"class": "govuk-input--width-10"}),
}
PERSON_LABELS = {
    "sex_self_description": "If they self-describe, in their words",
    "safe_times": "Safe times to contact them",
    "contact_safety_notes": "Anything else about contacting them safely",
}


class ParticipantFormBase(CodeListsMixin, ModelForm):
    """A person's details. Never bound to the stored record: the service compares and saves."""

    groups: list[tuple[str, list[str]]] = []

    first_name = forms.CharField(label="First name", max_length=100, error_messages={"required": "Enter a first name"})
    last_name = forms.CharField(label="Last name", max_length=100, error_messages={"required": "Enter a last name"})
    date_of_birth = DateField(label="Date of birth", required=False, past_only=True)
    sex = CodeChoiceField(CodeList.SEX, label="Sex or gender", required=False)
    ethnicity = CodeChoiceField(CodeList.ETHNICITY, label="Ethnicity", required=False)
    disability = CodeChoiceField(CodeList.DISABILITY, label="Disability", required=False)
    email = forms.EmailField(
        label="Email", required=False, error_messages={"invalid": "Enter an email address like name@example.com"}
    )
    safe_channels = forms.MultipleChoiceField(
        label="Safe ways to contact them",
        choices=ContactChannel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    no_voicemail = forms.BooleanField(label="Do not leave voicemail", required=False)
    no_letters = forms.BooleanField(label="Do not send letters", required=False)

    def __init__(self, *args: Any, case=None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        keep = [v for k, v in self.initial.items() if isinstance(self.fields.get(k), CodeChoiceField) and v]
        self.load_codes(keep=keep)
        self.case = case

    def grouped(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(legend, [self[name] for name in names if name in self.fields]) for legend, names in self.groups]


def _staff(case, role: str, current_id: int | None) -> Any:
    qs = User.objects.filter(role=role, is_active=True)
    if case is not None:
        qs = qs.filter(service_id=case.service_id)
    if current_id:
        qs = qs | User.objects.filter(pk=current_id)
    return qs.order_by("last_name", "first_name")


class StaffChoiceField(ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.display_name}{f' ({obj.agency})' if obj.agency else ''}"


class VictimForm(ParticipantFormBase):
    groups = VICTIM_GROUPS

    is_organisation = forms.BooleanField(label="This is a business or organisation", required=False)
    in_victim_contact_scheme = forms.BooleanField(label="In the Victim Contact Scheme", required=False)
    vlo = StaffChoiceField(
        queryset=User.objects.none(), label="Victim liaison officer using rjcase", required=False, empty_label="None"
    )

    class Meta:
        model = Victim
        fields = [name for _, names in VICTIM_GROUPS for name in names]
        labels = {
            **PERSON_LABELS,
            "vlo_details": "Victim liaison officer's details",
            "parent_guardian": "Parent or guardian",
        }
        widgets = PERSON_WIDGETS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["vlo"].queryset = _staff(self.case, Role.VICTIM_LIAISON, self.initial.get("vlo"))


class OffenderForm(ParticipantFormBase):
    groups = OFFENDER_GROUPS

    tier = CodeChoiceField(CodeList.TIER, label="Tier", required=False)
    sentence_type = CodeChoiceField(CodeList.SENTENCE_TYPE, label="Sentence type", required=False)
    special_statuses = ModelMultipleChoiceField(
        queryset=Code.objects.filter(list_name=CodeList.SPECIAL_STATUS, active=True),
        label="Special status",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    at_risk_of_custody = forms.BooleanField(label="At risk of custody", required=False)
    in_custody = forms.BooleanField(label="In custody", required=False)
    release_date = DateField(label="Release date", required=False)
    sentence_date = DateField(label="Sentence date", required=False, past_only=True)
    offender_manager = StaffChoiceField(
        queryset=User.objects.none(), label="Offender manager using rjcase", required=False, empty_label="None"
    )

    class Meta:
        model = Offender
        fields = [name for _, names in OFFENDER_GROUPS for name in names]
        widgets = PERSON_WIDGETS
        labels = {
            **PERSON_LABELS,
            "pnc_id": "PNC ID",
            "crn": "CRN",
            "psr_author": "Pre-sentence report author",
            "om_details": "Offender manager's details",
            "mappa_category": "MAPPA category",
            "mappa_level": "MAPPA level",
            "requirement_1": "Requirement 1",
            "requirement_2": "Requirement 2",
            "requirement_3": "Requirement 3",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["offender_manager"].queryset = _staff(
            self.case, Role.OFFENDER_MANAGER, self.initial.get("offender_manager")
        )
        for name in ("mappa_category", "mappa_level"):
            self.fields[name].choices = [("", "None"), ("1", "1"), ("2", "2"), ("3", "3")]


PARTICIPANT_FORMS = {"victim": VictimForm, "offender": OffenderForm}

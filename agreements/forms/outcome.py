"""Forms for outcome agreements: items, signatures, copies, outcomes and updates to the person harmed."""

from __future__ import annotations

from typing import Any

from django import forms

from agreements.models import CopyMethod, CopyRecipient, CopyVersion, ItemKind, ItemStatus, Responsible, UpdateMethod
from cases.models import Offender, Victim
from core.forms import DateField, Form, ModelChoiceField, ModelMultipleChoiceField

_PERSON_ERRORS = {"invalid_choice": "Select a person on this agreement"}


def _people(field: forms.Field, queryset: Any) -> None:
    field.queryset = queryset
    field.label_from_instance = lambda person: person.full_name


class ItemForm(Form):
    kind = forms.ChoiceField(
        label="Is this an action or a statement?",
        choices=ItemKind.choices,
        widget=forms.RadioSelect(attrs={"inline": True}),
        error_messages={"required": "Select whether this is an action or a statement"},
    )
    description = forms.CharField(
        label="What was agreed",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text="In the words used at the conference, for example “Write a letter to explain what happened”",
        error_messages={"required": "Enter what was agreed"},
    )
    responsible = forms.ChoiceField(
        label="Who is responsible?",
        choices=Responsible.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select who is responsible for this item"},
    )
    responsible_offender = ModelChoiceField(
        label="Which person responsible",
        queryset=Offender.objects.none(),
        required=False,
        empty_label=None,
        error_messages=_PERSON_ERRORS,
    )
    responsible_victim = ModelChoiceField(
        label="Which person harmed",
        queryset=Victim.objects.none(),
        required=False,
        empty_label=None,
        error_messages=_PERSON_ERRORS,
    )
    responsible_other = forms.CharField(label="Name and role of the person responsible", required=False, max_length=200)
    target_date = DateField(
        label="Target date",
        required=False,
        help_text="Needed for an action. For example, 27 3 2027",
    )

    def __init__(self, *args: Any, victims: Any, offenders: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _people(self.fields["responsible_offender"], offenders)
        _people(self.fields["responsible_victim"], victims)
        if not offenders.exists():
            del self.fields["responsible_offender"]
        if not victims.exists():
            del self.fields["responsible_victim"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("kind") == ItemKind.ACTION and not data.get("target_date") and "target_date" not in self.errors:
            self.add_error("target_date", "Enter the date this action should be done by")
        if data.get("responsible") == Responsible.OTHER and not (data.get("responsible_other") or "").strip():
            self.add_error("responsible_other", "Enter who is responsible")
        return data


class UpdatesForm(Form):
    victim_wants_updates = forms.TypedChoiceField(
        label="Does the person harmed want to be told how each item goes?",
        choices=(("yes", "Yes"), ("no", "No")),
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect(attrs={"inline": True}),
        error_messages={"required": "Select whether the person harmed wants to be told how each item goes"},
    )
    victim_updates = forms.CharField(
        label="What they want to be told, and how",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example, “A phone call after each target date, failures as well as successes”",
    )
    victim_updates_until = DateField(
        label="Until when", required=False, help_text="The agreed end of updates. For example, 27 3 2027"
    )


class SignaturesForm(Form):
    signed_on = DateField(label="Date signed", past_only=True, help_text="For example, 27 3 2026")
    victims = ModelMultipleChoiceField(
        label="People harmed who signed",
        queryset=Victim.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Select only people on this agreement who have not signed yet"},
    )
    offenders = ModelMultipleChoiceField(
        label="People responsible who signed",
        queryset=Offender.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Select only people on this agreement who have not signed yet"},
    )

    def __init__(self, *args: Any, victims: Any, offenders: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["signed_on"].error_messages["required"] = "Enter the date it was signed"
        _people(self.fields["victims"], victims)
        _people(self.fields["offenders"], offenders)
        if not victims.exists():
            del self.fields["victims"]
        if not offenders.exists():
            del self.fields["offenders"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.errors and not data.get("victims") and not data.get("offenders"):
            first = "victims" if "victims" in self.fields else "offenders"
            self.add_error(first, "Select who signed the agreement")
        return data


class CopyForm(Form):
    recipient = forms.ChoiceField(
        label="Who received a copy?",
        choices=CopyRecipient.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select who received a copy"},
    )
    victim = ModelChoiceField(
        label="Which person harmed",
        queryset=Victim.objects.none(),
        required=False,
        empty_label=None,
        error_messages=_PERSON_ERRORS,
    )
    offender = ModelChoiceField(
        label="Which person responsible",
        queryset=Offender.objects.none(),
        required=False,
        empty_label=None,
        error_messages=_PERSON_ERRORS,
    )
    recipient_name = forms.CharField(
        label="Their name",
        required=False,
        max_length=200,
        help_text="For an offender manager, victim liaison officer or someone else",
    )
    version = forms.ChoiceField(
        label="Which version did they receive?",
        choices=CopyVersion.choices,
        required=False,
        widget=forms.RadioSelect,
        help_text="Only asked for someone else: the parties and their officers get their own side's version",
    )
    method = forms.ChoiceField(
        label="How was it given?",
        choices=CopyMethod.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select how the copy was given"},
    )
    sent_on = DateField(label="Date given or sent", past_only=True, help_text="For example, 27 3 2026")

    def __init__(self, *args: Any, victims: Any, offenders: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sent_on"].error_messages["required"] = "Enter the date the copy was given or sent"
        _people(self.fields["victim"], victims)
        _people(self.fields["offender"], offenders)
        if not victims.exists():
            del self.fields["victim"]
        if not offenders.exists():
            del self.fields["offender"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        recipient = data.get("recipient")
        named = recipient in (CopyRecipient.OFFENDER_MANAGER, CopyRecipient.VLO, CopyRecipient.OTHER)
        if named and not (data.get("recipient_name") or "").strip():
            self.add_error("recipient_name", "Enter the name of the person who received the copy")
        if recipient == CopyRecipient.OTHER and not data.get("version"):
            self.add_error("version", "Select which version of the agreement they received")
        return data


class OutcomeForm(Form):
    status = forms.ChoiceField(
        label="How did it go?",
        choices=[(value, label) for value, label in ItemStatus.choices if value != ItemStatus.OPEN],
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether the item was done, partly done or not done"},
    )
    outcome_on = DateField(label="Date of the outcome", past_only=True, help_text="For example, 27 3 2027")
    comment = forms.CharField(
        label="Comment",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text="What happened and how you know",
        error_messages={"required": "Enter a comment on how the item went"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["outcome_on"].error_messages["required"] = "Enter the date of the outcome"


class VictimUpdateForm(Form):
    victim = ModelChoiceField(
        label="Person harmed",
        queryset=Victim.objects.none(),
        empty_label=None,
        error_messages={"required": "Select the person harmed", **_PERSON_ERRORS},
    )
    informed_on = DateField(label="Date they were told", past_only=True, help_text="For example, 27 3 2027")
    method = forms.ChoiceField(
        label="How were they told?",
        choices=UpdateMethod.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select how they were told"},
    )
    what_was_said = forms.CharField(
        label="What they were told",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        error_messages={"required": "Enter what they were told"},
    )

    def __init__(self, *args: Any, victims: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["informed_on"].error_messages["required"] = "Enter the date they were told"
        _people(self.fields["victim"], victims)

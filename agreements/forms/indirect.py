"""Forms for indirect communication and its messages."""

from __future__ import annotations

from typing import Any

from django import forms

from agreements.models import IndirectKind, MessageDirection, ReviewOutcome
from cases.forms.referrals import yes_no_field
from cases.models import Offender, Victim
from core.forms import DateField, Form, ModelChoiceField


class IndirectStartForm(Form):
    kind = forms.ChoiceField(
        label="Kind of indirect communication",
        choices=IndirectKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the kind of indirect communication"},
    )
    started_on = DateField(label="Date it started", past_only=True, help_text="For example, 27 3 2026")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["started_on"].error_messages["required"] = "Enter the date it started"


class MessageForm(Form):
    direction = forms.ChoiceField(
        label="Who is the message from?",
        choices=MessageDirection.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select who the message is from"},
    )
    victim = ModelChoiceField(
        label="Person harmed",
        queryset=Victim.objects.none(),
        empty_label=None,
        error_messages={"required": "Select the person harmed", "invalid_choice": "Select a person on this case"},
    )
    offender = ModelChoiceField(
        label="Person responsible",
        queryset=Offender.objects.none(),
        empty_label=None,
        error_messages={
            "required": "Select the person responsible",
            "invalid_choice": "Select a person on this case",
        },
    )
    content = forms.CharField(
        label="Message",
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="The message, or a summary of it for a recording",
        error_messages={"required": "Enter the message, or a summary of it for a recording"},
    )
    received_on = DateField(label="Date received", past_only=True, help_text="For example, 27 3 2026")

    def __init__(self, *args: Any, victims: Any, offenders: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["victim"].queryset = victims
        self.fields["offender"].queryset = offenders
        self.fields["received_on"].error_messages["required"] = "Enter the date the message was received"


class ReviewForm(Form):
    outcome = forms.ChoiceField(
        label="Can the message be passed on?",
        choices=[
            (ReviewOutcome.APPROVED.value, ReviewOutcome.APPROVED.label),
            (ReviewOutcome.NEEDS_CHANGES.value, ReviewOutcome.NEEDS_CHANGES.label),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether the message can be passed on"},
    )
    notes = forms.CharField(
        label="Review notes",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Required if the message needs changes: say what must change",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("outcome") == ReviewOutcome.NEEDS_CHANGES and not (data.get("notes") or "").strip():
            self.add_error("notes", "Enter what needs to change before the message can be passed on")
        return data


class PassOnForm(Form):
    passed_on = DateField(label="Date passed on", past_only=True, help_text="For example, 27 3 2026")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["passed_on"].error_messages["required"] = "Enter the date the message was passed on"


class CompleteForm(Form):
    completed_on = DateField(label="Date completed", past_only=True, help_text="For example, 27 3 2026")
    effective = yes_no_field(
        "Was it effective?",
        required=True,
        error_messages={"required": "Select whether it was effective"},
    )
    how_we_know = forms.CharField(
        label="How do we know?",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="For example, what each person said afterwards",
        error_messages={"required": "Enter how we know whether it was effective"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["completed_on"].error_messages["required"] = "Enter the date it was completed"

"""Allocation forms, and the filter and search forms of the case lists."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from accounts.models import User
from cases.models import Stage
from cases.selectors_lists import FLAG_FILTERS
from core.forms import Form, ModelChoiceField


def apply_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: at the field where it names one, otherwise at the top."""
    if hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            target = name if name in form.fields else None
            for message in messages:
                form.add_error(target, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


def _candidate_label(user: User) -> str:
    count = getattr(user, "open_cases", None)
    parts = [user.display_name]
    if count is not None:
        parts.append(f"{count} open case{'s' if count != 1 else ''}")
    if user.is_volunteer:
        parts.append("volunteer")
    return ", ".join(parts)


class AllocationForm(Form):
    lead_facilitator = ModelChoiceField(
        queryset=User.objects.none(),
        widget=forms.RadioSelect,
        label="Lead facilitator",
        error_messages={
            "required": "Select the lead facilitator",
            "invalid_choice": "Select a lead facilitator from the list",
        },
    )
    second_facilitator = ModelChoiceField(
        queryset=User.objects.none(),
        required=False,
        label="Second facilitator",
        empty_label="No second facilitator",
        help_text="Cases are usually run by two facilitators. A volunteer must work alongside an accredited one.",
        error_messages={"invalid_choice": "Select a second facilitator from the list"},
    )
    reason = forms.CharField(
        label="Why is the case being reallocated?",
        help_text="For example, the facilitator has left or is on long-term leave.",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Enter why the case is being reallocated",
            "max_length": "Reason must be 300 characters or fewer",
        },
    )

    def __init__(self, *args: Any, candidates: QuerySet[User], reallocating: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lead_facilitator"].queryset = candidates
        second = self.fields["second_facilitator"]
        second.queryset = candidates
        second.label_from_instance = _candidate_label
        if not reallocating:
            del self.fields["reason"]


class CaseFilterForm(Form):
    """The MOJ filter on the service case list (submitted with GET)."""

    stage = forms.MultipleChoiceField(
        choices=Stage.choices, required=False, widget=forms.CheckboxSelectMultiple, label="Stage"
    )
    facilitator = ModelChoiceField(
        queryset=User.objects.none(),
        required=False,
        label="Facilitator",
        empty_label="Anyone",
        error_messages={"invalid_choice": "Select a facilitator from the list"},
    )
    unallocated = forms.BooleanField(required=False, label="Only cases without facilitators")
    flags = forms.MultipleChoiceField(
        choices=[(value, label) for value, label, _ in FLAG_FILTERS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Flags",
    )

    def __init__(self, *args: Any, facilitators: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["facilitator"].queryset = facilitators
        self.fields["facilitator"].label_from_instance = lambda user: user.display_name


class SearchForm(Form):
    q = forms.CharField(
        label="Search by case reference or name",
        help_text="A case reference, a name, or a PNC ID, CRN or prison number.",
        max_length=100,
        required=False,
        error_messages={"max_length": "Search must be 100 characters or fewer"},
    )

from __future__ import annotations

from typing import Any

from django import forms

from core.forms import Form
from privacy.policy import Policy, months_label


class ErasureForm(Form):
    reason = forms.CharField(
        label="Why is this person's personal data being erased?",
        help_text="For example, they asked for their data to be erased. Do not write their name: the reason is kept.",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Enter why this person's personal data is being erased",
            "max_length": "The reason must be 300 characters or fewer",
        },
    )


class RetentionForm(Form):
    months = forms.IntegerField(
        label="How many months are these records kept?",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-3"}),
        error_messages={
            "required": "Enter how many months these records are kept",
            "invalid": "Enter the number of months as a whole number, for example 72",
        },
    )
    reason = forms.CharField(
        label="Why the service keeps them for this long",
        help_text="Anyone who asks can be told this reason: write it in plain English.",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": "Enter why the service keeps these records for this long",
            "max_length": "The reason must be 1000 characters or fewer",
        },
    )

    def __init__(self, *args: Any, policy: Policy, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.policy = policy
        self.fields["months"].help_text = (
            f"Counted from {policy.counted_from}. From {policy.minimum} to {policy.maximum} months; "
            f"the default is {policy.default_months} ({months_label(policy.default_months)})."
        )

    def clean_months(self) -> int:
        months = self.cleaned_data["months"]
        policy = self.policy
        if not policy.minimum <= months <= policy.maximum:
            raise forms.ValidationError(
                f"Enter a number of months from {policy.minimum} to {policy.maximum} "
                f"({months_label(policy.minimum)} to {months_label(policy.maximum)})"
            )
        return months

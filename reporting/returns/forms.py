from __future__ import annotations

from django import forms

from core.forms import Form
from reporting.quarters import MONTHS


class ScheduleForm(Form):
    first_month = forms.TypedChoiceField(
        label="Month the first quarter of the year starts",
        help_text="Most services follow the financial year, which starts in April.",
        choices=[(index, name) for index, name in enumerate(MONTHS, start=1)],
        coerce=int,
        error_messages={
            "required": "Select the month the first quarter of the year starts",
            "invalid_choice": "Select the month the first quarter of the year starts",
        },
    )
    due_months_after_end = forms.IntegerField(
        label="Whole months after a quarter ends that its return is due",
        help_text="For example, 2: a quarter ending in June is due in September.",
        min_value=0,
        max_value=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-2"}),
        error_messages={
            "required": "Enter how many whole months after the quarter ends the return is due",
            "invalid": "Enter the number of months as a whole number, for example 2",
            "min_value": "Enter a number of months from 0 to 6",
            "max_value": "Enter a number of months from 0 to 6",
        },
    )
    due_day = forms.IntegerField(
        label="Day of that month the return is due",
        help_text="From 1 to 28. When it falls on a weekend, the return is due on the Friday before.",
        min_value=1,
        max_value=28,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-2"}),
        error_messages={
            "required": "Enter the day of the month the return is due",
            "invalid": "Enter the day as a whole number, for example 1",
            "min_value": "Enter a day of the month from 1 to 28",
            "max_value": "Enter a day of the month from 1 to 28",
        },
    )


class SubmitForm(Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=1_000_000)


class StartForm(Form):
    quarter = forms.ChoiceField(
        label="Quarter",
        help_text="Quarters that have ended and have no return yet.",
        widget=forms.RadioSelect,
        error_messages={"required": "Select a quarter", "invalid_choice": "Select a quarter"},
    )

    def __init__(self, *args, quarters=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["quarter"].choices = [(q.key, q.label) for q in quarters]

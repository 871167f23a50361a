"""Moving a case along its pathway, and closing it."""

from __future__ import annotations

from typing import Any

from django import forms

from cases.models import Case, Code, CodeList, Stage, WithdrawnBy
from cases.models.case import TERMINAL_STAGES, allowed_transitions
from core.forms import DateField, Form, ModelChoiceField

ENDINGS = (
    (Stage.CLOSED, "Closed", "The restorative work has finished."),
    (Stage.WITHDRAWN, "Withdrawn", "Someone withdrew from the process."),
    (Stage.NOT_PROCEEDING, "Not proceeding", "The case cannot go ahead, for example a person is unsuitable."),
)


def forward_stages(case: Case) -> list[tuple[str, str]]:
    """Stages a person may move the case to by hand (screening and allocation move it into theirs)."""
    from cases.services.lifecycle import SERVICE_ONLY_STAGES

    if case.lead_facilitator_id is None:
        return []
    return [
        (stage, Stage(stage).label)
        for stage in allowed_transitions(case.stage)
        if stage not in TERMINAL_STAGES and stage not in SERVICE_ONLY_STAGES
    ]


def ending_choices(case: Case) -> list[tuple[str, str]]:
    allowed = allowed_transitions(case.stage)
    return [(stage, f"{label}: {hint[0].lower()}{hint[1:]}") for stage, label, hint in ENDINGS if stage in allowed]


class StageForm(Form):
    stage = forms.ChoiceField(
        widget=forms.RadioSelect,
        label="Which stage is the case moving to?",
        error_messages={"required": "Select the stage", "invalid_choice": "Select a stage from the list"},
    )
    note = forms.CharField(
        label="Note for the timeline",
        help_text="Do not include names or contact details.",
        required=False,
        max_length=400,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": "Note must be 400 characters or fewer"},
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stage"].choices = forward_stages(case)


class CloseForm(Form):
    stage = forms.ChoiceField(
        widget=forms.RadioSelect,
        label="How does the case end?",
        error_messages={"required": "Select how the case ends", "invalid_choice": "Select how the case ends"},
    )
    outcome = ModelChoiceField(
        queryset=Code.objects.none(),
        required=False,
        label="Outcome",
        help_text="Needed if the case is closed.",
        empty_label="Select the outcome",
        error_messages={"invalid_choice": "Select an outcome from the list"},
    )
    not_proceeding_reason = ModelChoiceField(
        queryset=Code.objects.none(),
        required=False,
        label="Reason the case is not going ahead",
        help_text="Needed if the case is withdrawn or not proceeding.",
        empty_label="Select the reason",
        error_messages={"invalid_choice": "Select a reason from the list"},
    )
    withdrawn_by = forms.ChoiceField(
        choices=[("", "Select who withdrew"), *WithdrawnBy.choices],
        required=False,
        label="Who withdrew",
        help_text="Needed if the case is withdrawn.",
        error_messages={"invalid_choice": "Select who withdrew from the list"},
    )
    outcome_reason = forms.CharField(
        label="Why the case ended this way",
        help_text="For example, why it went to a conference, or why it was rejected.",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": "Enter why the case ended this way",
            "max_length": "Reasons must be 2000 characters or fewer",
        },
    )
    closed_on = DateField(
        label="Closure date",
        past_only=True,
        help_text="For example, 27 3 2026",
        error_messages={"required": "Enter the closure date"},
    )
    victim_contact_end_on = DateField(
        label="Planned end of contact with the person harmed",
        required=False,
        help_text="The date agreed for the last update to the person harmed, if any.",
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stage"].choices = ending_choices(case)
        self.fields["outcome"].queryset = Code.objects.filter(list_name=CodeList.OUTCOME, active=True)
        self.fields["not_proceeding_reason"].queryset = Code.objects.filter(
            list_name=CodeList.NOT_PROCEEDING, active=True
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        stage = data.get("stage")
        if stage == Stage.CLOSED and not data.get("outcome"):
            self.add_error("outcome", "Select the outcome")
        if stage in (Stage.WITHDRAWN, Stage.NOT_PROCEEDING) and not data.get("not_proceeding_reason"):
            self.add_error("not_proceeding_reason", "Select the reason the case is not going ahead")
        if stage == Stage.WITHDRAWN and not data.get("withdrawn_by"):
            self.add_error("withdrawn_by", "Select who withdrew")
        return data

    def service_arguments(self) -> dict[str, Any]:
        """cleaned_data in the shape cases.services.lifecycle.case_close takes."""
        data = self.cleaned_data
        outcome = data.get("outcome")
        reason = data.get("not_proceeding_reason")
        return {
            "stage": data["stage"],
            "outcome_code": outcome.code if outcome else None,
            "reason_code": reason.code if reason else None,
            "withdrawn_by": (data.get("withdrawn_by") or "") if data["stage"] == Stage.WITHDRAWN else "",
            "outcome_reason": data["outcome_reason"],
            "closed_on": data["closed_on"],
            "victim_contact_end_on": data.get("victim_contact_end_on"),
        }

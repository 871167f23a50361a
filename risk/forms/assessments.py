"""Forms for risk assessments and the service's risk settings. Input checks only: the rules are in the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from core.forms import Form, ModelForm
from risk.models import AssessmentPoint, RiskAnswer, RiskAssessment, RiskLevel, RiskSettings
from risk.services.assessments import parse_checklist_lines

YES_NO = [("yes", "Yes"), ("no", "No")]


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


class StartForm(Form):
    target = forms.ChoiceField(
        label="Who or what is the assessment about?",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose who or what the assessment is about"},
    )
    point = forms.ChoiceField(
        label="When is this assessment made?",
        choices=AssessmentPoint.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose when this assessment is made"},
    )

    def __init__(self, *args: Any, targets: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = targets
        self.fields["target"].error_messages["invalid_choice"] = "Choose one of the people, the venue or staff safety"
        self.fields["point"].error_messages["invalid_choice"] = (
            "Choose initial, ongoing, pre-conference or post-conference"
        )


class AssessmentForm(Form):
    """The checklist (each question: risk yes or no, and how it will be managed), then the overall view."""

    rating = forms.ChoiceField(
        label="Overall risk",
        choices=RiskLevel.choices,
        widget=forms.RadioSelect,
        required=False,
        error_messages={"invalid_choice": "Choose low, medium or high"},
    )
    rating_reasons = forms.CharField(
        label="Reasons for this rating", widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    management_plan = forms.CharField(
        label="Risk management plan", widget=forms.Textarea(attrs={"rows": 6}), required=False
    )
    risk_manageable = forms.ChoiceField(
        label="Can the risk be managed well enough for a face-to-face meeting?",
        help_text="If not, offer indirect communication instead.",
        choices=YES_NO,
        widget=forms.RadioSelect,
        required=False,
        error_messages={"invalid_choice": "Choose yes or no"},
    )
    facilitator_ratio = forms.CharField(
        label="Facilitators to attendees",
        help_text="Needed before a conference, for example 2 to 6.",
        max_length=60,
        required=False,
        error_messages={"max_length": "The ratio must be 60 characters or fewer"},
    )
    discussed_with_manager = forms.BooleanField(label="Discussed with the RJ manager", required=False)
    prison_security_consulted = forms.BooleanField(
        label="Discussed with the prison security manager",
        help_text="Needed for a medium or high risk when the person responsible is in custody.",
        required=False,
    )

    def __init__(self, *args: Any, answers: list[RiskAnswer], assessment: RiskAssessment, **kwargs: Any) -> None:
        if not args or args[0] is None:
            kwargs.setdefault("initial", self._initial(assessment, answers))
        super().__init__(*args, **kwargs)
        self.answer_rows = []
        checklist = {}
        for answer in answers:
            item = answer.item
            risk_name, management_name = f"item_{item.pk}", f"item_{item.pk}_management"
            checklist[risk_name] = forms.ChoiceField(
                label=f"{item.position}. {item.text}",
                help_text=item.guidance,
                choices=YES_NO,
                widget=forms.RadioSelect(attrs={"inline": True}),
                required=False,
                error_messages={"invalid_choice": f"Choose yes or no for question {item.position}"},
            )
            checklist[management_name] = forms.CharField(
                label=f"How the risk in question {item.position} will be managed",
                help_text="Needed when you answer yes.",
                widget=forms.Textarea(attrs={"rows": 3}),
                required=False,
            )
            self.answer_rows.append((item, risk_name, management_name))
        self.fields = {**checklist, **self.fields}
        # Re-apply the GOV.UK classes to the fields added after the mixin ran.
        for name in checklist:
            widget = self.fields[name].widget
            if isinstance(widget, forms.Textarea):
                widget.attrs["class"] = "govuk-textarea"

    @staticmethod
    def _initial(assessment: RiskAssessment, answers: list[RiskAnswer]) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "rating": assessment.rating,
            "rating_reasons": assessment.rating_reasons,
            "management_plan": assessment.management_plan,
            "risk_manageable": _yes_no(assessment.risk_manageable),
            "facilitator_ratio": assessment.facilitator_ratio,
            "discussed_with_manager": assessment.discussed_with_manager,
            "prison_security_consulted": assessment.prison_security_consulted,
        }
        for answer in answers:
            initial[f"item_{answer.item_id}"] = _yes_no(answer.risk)
            initial[f"item_{answer.item_id}_management"] = answer.management
        return initial

    def rows(self) -> list[tuple[Any, Any, Any]]:
        return [(item, self[risk], self[management]) for item, risk, management in self.answer_rows]

    def answers(self) -> dict[int, tuple[bool | None, str]]:
        data = self.cleaned_data
        result = {}
        for item, risk, management in self.answer_rows:
            value = data.get(risk) or ""
            result[item.pk] = ({"yes": True, "no": False}.get(value), data.get(management) or "")
        return result

    def assessment_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "rating": data.get("rating") or "",
            "rating_reasons": data.get("rating_reasons") or "",
            "management_plan": data.get("management_plan") or "",
            "risk_manageable": {"yes": True, "no": False}.get(data.get("risk_manageable") or ""),
            "facilitator_ratio": data.get("facilitator_ratio") or "",
            "discussed_with_manager": bool(data.get("discussed_with_manager")),
            "prison_security_consulted": bool(data.get("prison_security_consulted")),
        }


class ApproveForm(Form):
    comment = forms.CharField(
        label="Comment for the facilitators",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
        error_messages={"max_length": "The comment must be 2000 characters or fewer"},
    )


class ReturnForm(Form):
    comment = forms.CharField(
        label="What needs to change",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        error_messages={
            "required": "Say what needs to change before the assessment can be approved",
            "max_length": "The comment must be 2000 characters or fewer",
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "return")
        super().__init__(*args, **kwargs)


class RiskSettingsForm(ModelForm):
    approval_valid_days = forms.IntegerField(
        label="Days an approved pre-conference assessment stays current",
        min_value=1,
        max_value=730,
        error_messages={
            "required": "Enter the number of days",
            "invalid": "Enter the number of days as a whole number, for example 90",
            "min_value": "Enter a number of days of 1 or more",
            "max_value": "Enter a number of days of 730 or fewer",
        },
    )

    class Meta:
        model = RiskSettings
        fields = ["assessment_order", "om_sees_offender_assessments", "approval_valid_days"]
        labels = {
            "assessment_order": "Who is assessed first",
            "om_sees_offender_assessments": "Offender managers may read the risk assessments of the person they manage",
        }
        widgets = {"assessment_order": forms.RadioSelect}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assessment_order"].error_messages["required"] = "Choose who is assessed first"
        self.fields["assessment_order"].error_messages["invalid_choice"] = "Choose who is assessed first"


class ChecklistForm(Form):
    items = forms.CharField(
        label="Questions",
        help_text="One question a line. To add guidance, put a vertical bar after the question: Question | guidance.",
        widget=forms.Textarea(attrs={"rows": 20}),
        error_messages={"required": "Enter at least one question, one a line"},
    )
    notes = forms.CharField(
        label="What changed",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=1000,
        error_messages={"max_length": "The note must be 1000 characters or fewer"},
    )

    def clean_items(self) -> list[tuple[str, str]]:
        try:
            return parse_checklist_lines(self.cleaned_data["items"])
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["items"]) from None

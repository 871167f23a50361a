"""Forms for the feedback call and for a service's own version of the questions.

Both forms are built from a question set: the questions are data, so their fields are too.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from agreements.models import FeedbackQuestion, FeedbackQuestionSet, QuestionKind
from agreements.services.feedback import TEXT_MAX, answers_clean, required_message
from core.forms import DateField, Form, widget_css_class

YES_NO_CHOICES = [("yes", "Yes"), ("no", "No")]


def _style_added_fields(form: forms.Form) -> None:
    """The GOV.UK classes for fields added after the mixin styled the declared ones."""
    for field in form.fields.values():
        css = widget_css_class(field.widget)
        if css and css not in field.widget.attrs.get("class", ""):
            field.widget.attrs["class"] = f"{css} {field.widget.attrs.get('class', '')}".strip()


def answer_field_name(key: str) -> str:
    return f"answer_{key}"


def details_field_name(key: str) -> str:
    return f"answer_{key}_details"


class FeedbackForm(Form):
    """The call's date and one field per question (two for a yes or no question with details)."""

    called_on = DateField(label="Date of the call", past_only=True, help_text="For example, 27 3 2026")

    def __init__(self, *args: Any, questions: list[FeedbackQuestion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        self.fields["called_on"].error_messages["required"] = "Enter the date of the call"
        for question in questions:
            name = answer_field_name(question.key)
            choices = [(c["code"], c["label"]) for c in question.choices]
            common = {
                "label": question.text,
                "help_text": question.hint,
                "required": question.required,
                "error_messages": {
                    "required": required_message(question),
                    "invalid_choice": "Select one of the answers given",
                },
            }
            if question.kind == QuestionKind.ONE:
                field: forms.Field = forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)
            elif question.kind == QuestionKind.MANY:
                field = forms.MultipleChoiceField(choices=choices, widget=forms.CheckboxSelectMultiple, **common)
            elif question.kind == QuestionKind.YES_NO_TEXT:
                field = forms.ChoiceField(choices=choices or YES_NO_CHOICES, widget=forms.RadioSelect, **common)
                self.fields[details_field_name(question.key)] = forms.CharField(
                    label="Give details",
                    required=False,
                    max_length=TEXT_MAX,
                    widget=forms.Textarea(attrs={"rows": 3}),
                    error_messages={"max_length": f"The details must be {TEXT_MAX} characters or fewer"},
                )
            else:
                common["error_messages"]["max_length"] = f"The answer must be {TEXT_MAX} characters or fewer"
                field = forms.CharField(max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 4}), **common)
            self.fields[name] = field
        # The call's date goes last, after the questions.
        self.order_fields([name for name in self.fields if name != "called_on"] + ["called_on"])
        _style_added_fields(self)

    def clean(self) -> dict[str, Any]:
        """Check the answers the way the service will (e.g. "nothing worried me" on its own), so every
        problem shows at once."""
        data = super().clean()
        try:
            answers_clean(self.questions, self.answers())
        except ValidationError as exc:
            for key, errors in exc.message_dict.items():
                name = answer_field_name(key)
                if name in self.fields and name not in self.errors:
                    self.add_error(name, errors)
        return data

    def question_rows(self) -> list[dict[str, Any]]:
        """What the template needs to draw each question (radios, checkboxes, a conditional textarea)."""
        rows = []
        for question in self.questions:
            name = answer_field_name(question.key)
            rows.append(
                {
                    "question": question,
                    "kind": question.kind,
                    "field": self[name],
                    "details": self[details_field_name(question.key)]
                    if question.kind == QuestionKind.YES_NO_TEXT
                    else None,
                    "exclusive": [c["code"] for c in question.choices if c.get("exclusive")],
                }
            )
        return rows

    def answers(self) -> dict[str, Any]:
        """The cleaned answers in the form the service takes (see services.feedback.answers_clean)."""
        data = self.cleaned_data
        answers: dict[str, Any] = {}
        for question in self.questions:
            value = data.get(answer_field_name(question.key))
            if value in (None, "", []):
                continue
            if question.kind == QuestionKind.YES_NO_TEXT:
                answers[question.key] = {"answer": value, "details": data.get(details_field_name(question.key), "")}
            else:
                answers[question.key] = value
        return answers


def wording_field_name(key: str, part: str) -> str:
    """The field for a question's text ("text"), hint ("hint") or one answer's label (its code)."""
    return f"{key}__{part}"


def choice_meaning(choice: dict[str, Any]) -> str:
    """What an answer counts as, whatever its wording."""
    if choice.get("concern"):
        return "Counts as a worry or threat: raises a safeguarding task"
    if choice.get("positive"):
        return "Counts as a positive answer in the returns"
    if choice.get("exclusive"):
        return "Can only be chosen on its own"
    return ""


class QuestionSetForm(Form):
    """The wording of every question and answer of a version, to write the next version."""

    title = forms.CharField(
        label="Title",
        max_length=200,
        error_messages={"required": "Enter a title", "max_length": "The title must be 200 characters or fewer"},
    )

    def __init__(self, *args: Any, based_on: FeedbackQuestionSet, questions: list[FeedbackQuestion], **kwargs: Any):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("title", based_on.title)
        super().__init__(*args, **kwargs)
        self.questions = questions
        too_long = "This must be 300 characters or fewer"
        for number, question in enumerate(questions, start=1):
            self.fields[wording_field_name(question.key, "text")] = forms.CharField(
                label="Question",
                max_length=300,
                initial=question.text,
                error_messages={"required": f"Enter the wording of question {number}", "max_length": too_long},
            )
            self.fields[wording_field_name(question.key, "hint")] = forms.CharField(
                label="Hint",
                max_length=300,
                required=False,
                initial=question.hint,
                error_messages={"max_length": too_long},
            )
            for index, choice in enumerate(question.choices, start=1):
                self.fields[wording_field_name(question.key, choice["code"])] = forms.CharField(
                    label=f"Answer {index}",
                    help_text=choice_meaning(choice),
                    max_length=300,
                    initial=choice["label"],
                    error_messages={
                        "required": f"Enter the wording of this answer to question {number}",
                        "max_length": too_long,
                    },
                )
        _style_added_fields(self)

    def question_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "question": q,
                "number": number,
                "text": self[wording_field_name(q.key, "text")],
                "hint": self[wording_field_name(q.key, "hint")],
                "choices": [self[wording_field_name(q.key, c["code"])] for c in q.choices],
            }
            for number, q in enumerate(self.questions, start=1)
        ]

    def edits(self) -> dict[str, dict[str, Any]]:
        """The wording in the shape services.feedback.question_set_new takes."""
        data = self.cleaned_data
        return {
            q.key: {
                "text": data.get(wording_field_name(q.key, "text"), q.text),
                "hint": data.get(wording_field_name(q.key, "hint"), q.hint),
                "labels": {c["code"]: data.get(wording_field_name(q.key, c["code"]), c["label"]) for c in q.choices},
            }
            for q in self.questions
        }

"""GOV.UK Design System rendering for every Django form.

Forms stay plain Django forms: the renderer and the widget templates under
templates/django/forms/ give them GOV.UK markup, error messages and classes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.models import ModelChoiceIterator
from django.forms.renderers import TemplatesSetting
from django.utils import timezone

_INPUT_CLASSES = {
    forms.Textarea: "govuk-textarea",
    forms.Select: "govuk-select",
    forms.SelectMultiple: "govuk-select",
    forms.FileInput: "govuk-file-upload",
}


class GovUKFormRenderer(TemplatesSetting):
    form_template_name = "forms/govuk_form.html"
    field_template_name = "forms/govuk_field.html"


def widget_css_class(widget: forms.Widget) -> str:
    if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple | forms.CheckboxInput | DateInput):
        return ""
    for kind, css in _INPUT_CLASSES.items():
        if isinstance(widget, kind):
            return css
    return "govuk-input"


class DateInput(forms.MultiWidget):
    """GOV.UK date input: day, month and year boxes."""

    template_name = "forms/widgets/govuk_date.html"
    use_fieldset = True

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        part = {"inputmode": "numeric", "class": "govuk-input govuk-date-input__input"}
        widgets = {
            "day": forms.TextInput(attrs={**part, "class": part["class"] + " govuk-input--width-2"}),
            "month": forms.TextInput(attrs={**part, "class": part["class"] + " govuk-input--width-2"}),
            "year": forms.TextInput(attrs={**part, "class": part["class"] + " govuk-input--width-4"}),
        }
        super().__init__(widgets, attrs)

    def decompress(self, value: Any) -> list[Any]:
        if isinstance(value, dt.date):
            return [value.day, value.month, value.year]
        if isinstance(value, str) and value:
            try:
                parsed = dt.date.fromisoformat(value)
            except ValueError:
                return [None, None, None]
            return [parsed.day, parsed.month, parsed.year]
        return [None, None, None]

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        parts = [data.get(f"{name}_{suffix}", "").strip() for suffix in ("day", "month", "year")]
        if not any(parts):
            return None
        return parts

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        if isinstance(value, list | tuple):
            value = list(value)
        context = super().get_context(name, value, attrs)
        labels = ("Day", "Month", "Year")
        for subwidget, label in zip(context["widget"]["subwidgets"], labels, strict=True):
            subwidget["label"] = label
        return context


class DateField(forms.Field):
    """A date typed as day, month and year, with GOV.UK error messages."""

    widget = DateInput

    def __init__(self, *, past_only: bool = False, future_only: bool = False, **kwargs: Any) -> None:
        self.past_only = past_only
        self.future_only = future_only
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> dt.date | None:
        if value in (None, "", [None, None, None]):
            return None
        if isinstance(value, dt.date):
            return value
        day, month, year = (str(v or "").strip() for v in value)
        label = (self.label or "the date").lower()
        missing = [name for name, part in (("day", day), ("month", month), ("year", year)) if not part]
        if missing:
            raise forms.ValidationError(f"Enter {label} with a {' and '.join(missing)}")
        if not (day.isdigit() and month.isdigit() and year.isdigit()):
            raise forms.ValidationError(f"Enter {label} as numbers, for example 27 3 2026")
        if len(year) != 4:
            raise forms.ValidationError("Year must include 4 numbers")
        try:
            date = dt.date(int(year), int(month), int(day))
        except (ValueError, OverflowError):
            raise forms.ValidationError(f"Enter {label} as a real date") from None
        if date.year < 1900:
            raise forms.ValidationError(f"Enter {label} after 1900")
        return date

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value is None:
            return
        today = timezone.localdate()
        label = (self.label or "the date").capitalize()
        if self.past_only and value > today:
            raise forms.ValidationError(f"{label} must be today or in the past")
        if self.future_only and value < today:
            raise forms.ValidationError(f"{label} must be today or in the future")


class GovUKFormMixin:
    """Adds GOV.UK classes, error classes and aria-describedby to every widget."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        for field in self.fields.values():  # type: ignore[attr-defined]
            css = widget_css_class(field.widget)
            if css:
                existing = field.widget.attrs.get("class", "")
                field.widget.attrs["class"] = f"{css} {existing}".strip()

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        for name in self.errors:  # type: ignore[attr-defined]
            field = self.fields.get(name)  # type: ignore[attr-defined]
            if field is None:
                continue
            css = widget_css_class(field.widget)
            if css and "--error" not in field.widget.attrs.get("class", ""):
                field.widget.attrs["class"] += f" {css}--error"
            if not getattr(field.widget, "use_fieldset", False):
                auto_id = self[name].auto_id  # type: ignore[index]
                described = [f"{auto_id}_helptext"] if field.help_text else []
                field.widget.attrs["aria-describedby"] = " ".join([*described, f"{auto_id}-error"])


class Form(GovUKFormMixin, forms.Form):
    pass


class ModelForm(GovUKFormMixin, forms.ModelForm):
    pass


_MAX_ID = 2**63 - 1


def record_id(value: Any) -> int | None:
    """A record's id from submitted text, or None: plain ASCII digits only (str.isdigit() also accepts "²",
    which int() refuses) and a number the database can hold."""
    text = str(value)
    if text.isascii() and text.isdigit() and len(text) <= 19 and int(text) <= _MAX_ID:
        return int(text)
    return None


def _is_id(value: Any) -> bool:
    return record_id(value) is not None


class ListedChoiceIterator(ModelChoiceIterator):
    """The choices read in one plain query and kept with the field's queryset.

    Django's iterator reads them through `QuerySet.iterator()`, which on PostgreSQL opens a server-side cursor
    (three round trips) every time the field is rendered. Choice lists are short; one query is cheaper.
    """

    def __iter__(self) -> Iterator[Any]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)

    def __len__(self) -> int:
        return len(self.queryset) + (self.field.empty_label is not None)


class ModelChoiceField(forms.ModelChoiceField):
    """A model choice whose submitted id must be a whole number the database can hold.

    Django's own field passes any text to the database; a huge number then fails there
    (an error page) instead of being a clear form error.
    """

    iterator = ListedChoiceIterator

    def to_python(self, value: Any) -> Any:
        checkable = value not in self.empty_values and not self.to_field_name and not isinstance(value, models.Model)
        if checkable and not _is_id(value):
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Several model choices, each id checked as in ModelChoiceField."""

    iterator = ListedChoiceIterator

    def _check_values(self, value: Any) -> Any:
        if not self.to_field_name:
            for item in value:
                if not isinstance(item, models.Model) and not _is_id(item):
                    raise forms.ValidationError(
                        self.error_messages["invalid_choice"], code="invalid_choice", params={"value": item}
                    )
        return super()._check_values(value)


def add_service_errors(
    form: forms.BaseForm, exc: ValidationError, rename: dict[str, str] | Callable[[str], str] | None = None
) -> None:
    """Show a service's ValidationError on the form: each message at its field when the form has that
    field (after `rename` maps the service's name for it), otherwise at the top of the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    if isinstance(rename, dict):
        mapping = rename
        rename = lambda key: mapping.get(key, key)  # noqa: E731
    for key, errors in exc.error_dict.items():
        name = rename(key) if rename else key
        for error in errors:
            form.add_error(name if name in form.fields else None, error.messages)

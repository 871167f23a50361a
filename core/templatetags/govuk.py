from __future__ import annotations

from typing import Any

from django import template
from django.forms import BaseForm, BaseFormSet

register = template.Library()


def _form_errors(form: BaseForm) -> list[tuple[str, str]]:
    items: list[tuple[str, str]] = [("", str(error)) for error in form.non_field_errors()]
    for name, errors in form.errors.items():
        if name == "__all__" or name not in form.fields:
            continue
        bound = form[name]
        widget = form.fields[name].widget
        anchor = f"{bound.auto_id}_0" if getattr(widget, "use_fieldset", False) else bound.auto_id
        items.append((f"#{anchor}", str(errors[0])))
    return items


@register.inclusion_tag("includes/error_summary.html")
def error_summary(*forms: Any) -> dict[str, Any]:
    """The GOV.UK error summary for one or more forms or formsets (None is skipped)."""
    error_list: list[tuple[str, str]] = []
    for form in forms:
        if form is None:
            continue
        if isinstance(form, BaseFormSet):
            error_list.extend(("", str(e)) for e in form.non_form_errors())
            for sub in form.forms:
                error_list.extend(_form_errors(sub))
        elif form.is_bound:
            error_list.extend(_form_errors(form))
    return {"error_list": error_list}

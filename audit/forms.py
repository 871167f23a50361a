"""Forms of the audit pages."""

from __future__ import annotations

from django import forms

from core.forms import Form

REASON_MIN = 10
REASON_MAX = 300


class BreakGlassReasonForm(Form):
    reason = forms.CharField(
        label="Your reason",
        help_text=(
            "Your service's managers will see it, with every page you open on this case. "
            f"Use between {REASON_MIN} and {REASON_MAX} characters."
        ),
        widget=forms.Textarea(attrs={"rows": 4}),
        min_length=REASON_MIN,
        max_length=REASON_MAX,
        error_messages={
            "required": "Enter why you need to open this record",
            "min_length": f"Your reason must be {REASON_MIN} characters or more",
            "max_length": f"Your reason must be {REASON_MAX} characters or fewer",
        },
    )

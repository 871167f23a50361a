from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import forms as auth_forms
from django.core import validators

from accounts.two_factor import normalise_recovery_code
from core.forms import Form, GovUKFormMixin


class SignInForm(GovUKFormMixin, auth_forms.AuthenticationForm):
    error_messages = {
        "invalid_login": "Enter a correct username and password. Both are case-sensitive.",
        "inactive": "This account has been closed. Ask your RJ manager.",
    }

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        username.widget.attrs.update({"autocomplete": "username", "spellcheck": "false"})
        # Django sets the length limit after the field is made, so nothing enforces it: a longer name would
        # reach the sign-in attempt log (django-axes, 255 characters) and fail there on PostgreSQL.
        username.validators.append(
            validators.MaxLengthValidator(
                username.max_length, f"Username must be {username.max_length} characters or fewer"
            )
        )
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})


class PasswordChangeForm(GovUKFormMixin, auth_forms.PasswordChangeForm):
    pass


class PasswordResetForm(GovUKFormMixin, auth_forms.PasswordResetForm):
    pass


class SetPasswordForm(GovUKFormMixin, auth_forms.SetPasswordForm):
    pass


class _CodeForm(Form):
    def refuse(self, message: str) -> None:
        """Show a refusal decided after validation (a wrong code) at the field, styled as a field error."""
        self.add_error("code", message)
        widget = self.fields["code"].widget
        if "govuk-input--error" not in widget.attrs.get("class", ""):
            widget.attrs["class"] = widget.attrs.get("class", "") + " govuk-input--error"
        auto_id = self["code"].auto_id
        widget.attrs["aria-describedby"] = f"{auto_id}_helptext {auto_id}-error"


class AuthenticatorCodeForm(_CodeForm):
    code = forms.CharField(
        label="Code from your authenticator app",
        help_text="The 6-digit code your app shows now, for example 123456",
        max_length=20,
        error_messages={"required": "Enter the 6-digit code from your authenticator app"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs.update(
            {
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "spellcheck": "false",
                "class": self.fields["code"].widget.attrs.get("class", "") + " govuk-input--width-10",
            }
        )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split()).replace("-", "")
        if not (code.isascii() and code.isdigit() and len(code) == 6):
            raise forms.ValidationError("Enter the code as 6 numbers, for example 123456")
        return code


class RecoveryCodeForm(_CodeForm):
    code = forms.CharField(
        label="Recovery code",
        help_text="One of the recovery codes you were given when you set up two-factor authentication, "
        "for example abcd 2345",
        max_length=40,
        error_messages={"required": "Enter one of your recovery codes"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs.update(
            {
                "autocomplete": "off",
                "spellcheck": "false",
                "autocapitalize": "none",
                "class": self.fields["code"].widget.attrs.get("class", "") + " govuk-input--width-10",
            }
        )

    def clean_code(self) -> str:
        code = normalise_recovery_code(self.cleaned_data["code"])
        if len(code) != 8:
            raise forms.ValidationError("Enter the recovery code as 8 letters and numbers, for example abcd 2345")
        return code

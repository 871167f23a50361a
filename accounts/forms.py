from __future__ import annotations

from django.contrib.auth import forms as auth_forms

from core.forms import GovUKFormMixin


class SignInForm(GovUKFormMixin, auth_forms.AuthenticationForm):
    error_messages = {
        "invalid_login": "Enter a correct username and password. Both are case-sensitive.",
        "inactive": "This account has been closed. Ask your RJ manager.",
    }

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "spellcheck": "false"})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})


class PasswordChangeForm(GovUKFormMixin, auth_forms.PasswordChangeForm):
    pass


class PasswordResetForm(GovUKFormMixin, auth_forms.PasswordResetForm):
    pass


class SetPasswordForm(GovUKFormMixin, auth_forms.SetPasswordForm):
    pass

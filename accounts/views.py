from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.urls import reverse_lazy

from accounts import forms
from accounts.middleware import two_factor_url


class Unprocessable:
    """Re-render an invalid form with HTTP 422, as every form in rjcase does."""

    def form_invalid(self, form: Any) -> HttpResponse:
        response = super().form_invalid(form)  # type: ignore[misc]
        response.status_code = 422
        return response


class SignInView(Unprocessable, auth_views.LoginView):
    form_class = forms.SignInForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_success_url(self) -> str:
        """After the password, a code from the authenticator app (or setting one up) before anything else."""
        url = super().get_success_url()
        # Just after the password, request.user is the plain user django.contrib.auth.login() set: not verified.
        is_verified = getattr(self.request.user, "is_verified", None)
        if is_verified is not None and is_verified():
            return url
        return two_factor_url(self.request.user, url)


class SignOutView(auth_views.LogoutView):
    pass


class PasswordChangeView(Unprocessable, auth_views.PasswordChangeView):
    form_class = forms.PasswordChangeForm
    success_url = reverse_lazy("accounts:password_change_done")


class PasswordResetView(Unprocessable, auth_views.PasswordResetView):
    form_class = forms.PasswordResetForm
    success_url = reverse_lazy("accounts:password_reset_done")
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"


class PasswordResetConfirmView(Unprocessable, auth_views.PasswordResetConfirmView):
    form_class = forms.SetPasswordForm
    success_url = reverse_lazy("accounts:password_reset_complete")

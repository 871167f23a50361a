"""Two-factor authentication for every account.

TwoFactorRequiredMiddleware runs after django-otp's OTPMiddleware (which sets `request.user.otp_device`
from the session) and after LoginRequiredMiddleware. A person who has given their password but not yet a
code from their authenticator app (or a recovery code) may open only the pages that set up or check two-factor
authentication, and sign out. Everything else sends them to set up an authenticator app if they have none,
or to enter a code if they have one. Pages open to everyone (sign in, password reset, /healthz) stay open.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from accounts import two_factor

# Pages a signed-in person may open before giving a code.
OPEN_BEFORE_CODE = frozenset(
    {
        "accounts:two_factor_setup",
        "accounts:two_factor_verify",
        "accounts:two_factor_recovery",
        "accounts:logout",
    }
)


def two_factor_pending(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return user is not None and user.is_authenticated and not user.is_verified()


def two_factor_url(user: Any, next_url: str = "") -> str:
    """Where a signed-in person without a code goes: set up an authenticator app, or enter a code from it."""
    name = "accounts:two_factor_verify" if two_factor.has_authenticator(user) else "accounts:two_factor_setup"
    url = reverse(name)
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


class TwoFactorRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        if not getattr(view_func, "login_required", True):
            return None  # open to everyone: sign in, password reset, /healthz
        if not two_factor_pending(request):
            return None
        match = request.resolver_match
        if match is not None and match.view_name in OPEN_BEFORE_CODE:
            return None
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = two_factor_url(request.user)
            return response
        next_url = request.get_full_path() if request.method == "GET" else ""
        return redirect(two_factor_url(request.user, next_url))

"""Session limits and caching rules for signed-in pages.

SessionLimitsMiddleware ends a session 30 minutes after its last request (SESSION_IDLE_SECONDS) and
12 hours after sign-in (SESSION_ABSOLUTE_SECONDS), whatever the cookie says. It writes the time of
the last request at most once a minute, so a busy user does not cost a session write per request.

NoStoreMiddleware marks every response to a signed-in user `Cache-Control: no-store`: pages, PDFs and
exports may hold personal data and must not stay in a browser's or a proxy's cache.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

SIGNED_IN_AT = "rjcase_signed_in_at"
SEEN_AT = "rjcase_seen_at"
TOUCH_EVERY_SECONDS = 60


@receiver(user_logged_in)
def _remember_sign_in(sender, request: HttpRequest, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[SIGNED_IN_AT] = now
        request.session[SEEN_AT] = now


class SessionLimitsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            session = request.session
            signed_in = session.get(SIGNED_IN_AT, now)
            seen = session.get(SEEN_AT, now)
            idle = now - seen > settings.SESSION_IDLE_SECONDS
            expired = now - signed_in > settings.SESSION_ABSOLUTE_SECONDS
            if idle or expired:
                logout(request)
                messages.info(
                    request,
                    "You were signed out after 30 minutes without activity. Sign in again to carry on."
                    if idle
                    else "You were signed out 12 hours after signing in. Sign in again to carry on.",
                )
                if request.headers.get("HX-Request"):
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = reverse(settings.LOGIN_URL)
                    return response
                return redirect(f"{reverse(settings.LOGIN_URL)}?next={request.path}")
            if SIGNED_IN_AT not in session:
                session[SIGNED_IN_AT] = signed_in
            if now - seen >= TOUCH_EVERY_SECONDS or SEEN_AT not in session:
                session[SEEN_AT] = now
        return self.get_response(request)


class NoStoreMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response["Cache-Control"] = "no-store"
        return response

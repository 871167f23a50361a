"""Turn a BreakGlassRequired raised by an access helper into a trip to the reason page.

A page asks the browser to go to the reason page and come back afterwards. An htmx request gets an
`HX-Redirect` header instead, so the whole page changes rather than a fragment of it. A form sent while
the access was missing (it ended while the form was open) comes back to the page the form was on.

It also tells audit.breakglass whether the request only reads (GET or HEAD): a reason opens a colleague's
case to read, never to change.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode, urlsplit

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from audit.breakglass import BreakGlassRequired, answering


def local_path(request: HttpRequest, url: str) -> str:
    """`url` as a path on this site, or "" when it is empty or points elsewhere."""
    if not url or not url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return ""
    parts = urlsplit(url)
    if not parts.path.startswith("/") or parts.path.startswith("//"):
        return ""
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _come_back_to(request: HttpRequest, error: BreakGlassRequired) -> str:
    if request.headers.get("HX-Request"):
        found = local_path(request, request.headers.get("HX-Current-URL", ""))
    elif request.method in ("GET", "HEAD"):
        found = request.get_full_path()
    else:
        found = local_path(request, request.headers.get("Referer", ""))
    return found or error.case.get_absolute_url()


def reason_url(request: HttpRequest, error: BreakGlassRequired) -> str:
    params = {"next": _come_back_to(request, error)}
    if error.person is not None:
        params["side"] = error.person.side
        params["person"] = str(error.person.pk)
    return f"{reverse('audit:break_glass', args=[error.case.pk])}?{urlencode(params)}"


class BreakGlassMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        with answering(request.method, session.session_key if session is not None else None):
            return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, BreakGlassRequired):
            return None
        url = reason_url(request, exception)
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        return redirect(url)

"""The PDF summary's download: the file kept with the version (made in Celery, reporting.returns.pdf), never
drawn in the request.

Until it is kept the download answers a page saying it is being prepared (202), which polls its status with
htmx every 2 seconds and becomes a download link once it is ready; without JavaScript the page has a link to
load it again. If making it failed, the page says so and offers "Try again" (a POST). Who may open these is
who may download the spreadsheet: the return's service's core.manage_returns users; anyone else gets 404.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET, require_POST

from core.access import require_capability
from core.pdf import pdf_response
from reporting.models import ReturnVersion
from reporting.returns import exports
from reporting.returns.pdf import PREPARING, kept_pdf, return_pdf_request, return_pdf_retry
from reporting.returns.views import CAPABILITY, _log_download, version_for_user

POLL_SECONDS = 2
# The snapshot's rows are not needed here (tens of megabytes for a big service-quarter); `people` is, for the log
UNUSED = ("sections", "warnings", "counting_rules", "summary")


def _waiting(request: HttpRequest, template: str, version: ReturnVersion, state: str) -> HttpResponse:
    context = {
        "version": version,
        "quarterly_return": version.quarterly_return,
        "state": state,
        "poll_seconds": POLL_SECONDS,
    }
    return render(request, template, context)


@require_capability(CAPABILITY)
@require_GET
def version_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    version = version_for_user(request.user, pk, defer=UNUSED)
    content = kept_pdf(version)
    if content is not None:
        _log_download(request, version, "PDF summary")
        return pdf_response(content, filename=exports.filename(version, "summary.pdf"))
    state = return_pdf_request(version=version)
    response = _waiting(request, "reporting/returns/pdf_waiting.html", version, state)
    if state == PREPARING:
        response.status_code = 202
    return response


@require_capability(CAPABILITY)
@require_GET
def version_pdf_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Polled by the waiting page: still being prepared (polling on), ready (a download link) or failed."""
    version = version_for_user(request.user, pk, defer=UNUSED)
    return _waiting(request, "reporting/returns/_pdf_status.html", version, return_pdf_request(version=version))


@require_capability(CAPABILITY)
@require_POST
def version_pdf_retry(request: HttpRequest, pk: int) -> HttpResponse:
    version = version_for_user(request.user, pk, defer=UNUSED)
    return_pdf_retry(version=version)
    return redirect("reporting:version_pdf", pk=version.pk)


urlpatterns: list[URLPattern] = [
    path("returns/versions/<int:pk>/summary.pdf", version_pdf, name="version_pdf"),
    path("returns/versions/<int:pk>/summary/status/", version_pdf_status, name="version_pdf_status"),
    path("returns/versions/<int:pk>/summary/retry/", version_pdf_retry, name="version_pdf_retry"),
]

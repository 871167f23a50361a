from __future__ import annotations

import logging

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.models import Role
from core import selectors
from core.access import require_capability
from core.pdf import pdf_response, render_pdf

logger = logging.getLogger(__name__)

ROLE_HOME = {
    Role.FACILITATOR: "cases:my_work",
    Role.MANAGER: "risk:approvals",
    Role.ADMINISTRATOR: "reporting:returns",
    Role.COMMISSIONER: "reporting:dashboard",
    Role.OFFENDER_MANAGER: "cases:my_referrals",
    Role.VICTIM_LIAISON: "cases:my_referrals",
}


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Send each person to the page their role starts from."""
    return redirect(ROLE_HOME.get(request.user.role, "core:no_role"))


@require_GET
def no_role(request: HttpRequest) -> HttpResponse:
    return render(request, "core/no_role.html")


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and readiness: the database and the task broker answer. No personal data."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = "ok"
    except Exception:
        logger.exception("healthz: database check failed")
        checks["database"] = "error"
    try:
        from rjcase.celery import app

        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        checks["broker"] = "ok"
    except Exception:
        logger.exception("healthz: broker check failed")
        checks["broker"] = "error"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": checks, "time": timezone.now().isoformat()},
        status=200 if healthy else 503,
    )


@require_GET
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "core/accessibility.html")


@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "core/privacy.html")


@require_capability("core.view_service_summary")
@require_GET
def service_summary(request: HttpRequest) -> HttpResponse:
    summary = selectors.service_summary(service=request.user.service)
    return render(request, "core/service_summary.html", {"summary": summary})


@require_capability("core.view_service_summary")
@require_GET
def service_summary_pdf(request: HttpRequest) -> HttpResponse:
    summary = selectors.service_summary(service=request.user.service)
    pdf = render_pdf(
        "core/service_summary_pdf.html",
        {"summary": summary, "generated_at": timezone.now(), "generated_by": request.user},
    )
    return pdf_response(pdf, filename=f"service-summary-{summary.service.code.lower()}.pdf")

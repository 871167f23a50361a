from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from core.access import require_capability


@require_capability("core.approve_assessments")
@require_GET
def approvals(request: HttpRequest) -> HttpResponse:
    return render(request, "risk/approvals.html", {"assessments": []})

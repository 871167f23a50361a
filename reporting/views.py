from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from core.access import require_capability


@require_capability("core.manage_returns")
@require_GET
def returns(request: HttpRequest) -> HttpResponse:
    return render(request, "reporting/returns.html", {"returns": []})


@require_capability("core.view_dashboard")
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    areas = list(user.areas.all()) if user.is_commissioner else [user.service.area]
    return render(request, "reporting/dashboard.html", {"areas": areas})

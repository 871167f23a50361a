from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from core.access import require_capability


@require_capability("core.view_my_work")
@require_GET
def my_work(request: HttpRequest) -> HttpResponse:
    return render(request, "cases/my_work.html", {"tasks": [], "cases": []})


@require_capability("core.view_my_referrals")
@require_GET
def my_referrals(request: HttpRequest) -> HttpResponse:
    return render(request, "cases/my_referrals.html", {"referrals": []})

"""The commissioner dashboard and the National Minimum compliance report (pages and CSV downloads).

Commissioners see the services of their PCC areas, managers their own service; both see figures
only after suppression. Managers may also list the cases behind a compliance figure.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_GET

from accounts.models import Service
from cases import permissions
from core import clock
from core.access import require_capability
from core.pagination import keyset_page
from reporting.access import may_see_cases
from reporting.compliance import compliance_build
from reporting.csv_export import csv_response, section_rows
from reporting.dashboard import SECTION_KEYS, SUPPRESSION_NOTE, dashboard_build
from reporting.forms import CasesBehindForm, DashboardFilterForm, FigureFilterForm
from reporting.metrics import Scope
from reporting.metrics.compliance import OUTPUT_KEYS, cases_behind

PAGE_SIZE = 25


def _filters(form: FigureFilterForm) -> dict[str, str]:
    """The chosen filters, for links to downloads and to the other report."""
    data = form.cleaned_data
    chosen = {"quarter": data["quarter"]}
    if data.get("area") is not None:
        chosen["area"] = str(data["area"].pk)
    if data.get("service") is not None:
        chosen["service"] = str(data["service"].pk)
    if data.get("compare"):
        chosen["compare"] = "on"
    return chosen


def _covering(services: list[Service]) -> str:
    return ", ".join(service.name for service in services) or "No services"


def _refused(form: FigureFilterForm) -> HttpResponse:
    messages = "; ".join(str(error) for errors in form.errors.values() for error in errors)
    return HttpResponse(f"Check the filters: {messages}", status=422, content_type="text/plain; charset=utf-8")


# --- Dashboard ----------------------------------------------------------------------------------


@require_capability("core.view_dashboard")
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    form = DashboardFilterForm(request.GET, user=request.user, today=clock.today())
    if not form.is_valid():
        return render(request, "reporting/dashboard.html", {"form": form}, status=422)
    services = form.services_chosen()
    board = dashboard_build(scope=form.scope(services), compare=form.cleaned_data["compare"])
    filters = _filters(form)
    context = {
        "form": form,
        "board": board,
        "quarter": form.quarter_chosen,
        "covering": _covering(services),
        "query": urlencode(filters),
        "compliance_query": urlencode({k: v for k, v in filters.items() if k != "compare"}),
        "suppression_note": SUPPRESSION_NOTE,
    }
    return render(request, "reporting/dashboard.html", context)


@require_capability("core.view_dashboard")
@require_GET
def dashboard_csv(request: HttpRequest, section: str) -> HttpResponse:
    if section not in SECTION_KEYS:
        raise Http404("Page not found")
    form = DashboardFilterForm(request.GET, user=request.user, today=clock.today())
    if not form.is_valid():
        return _refused(form)
    services = form.services_chosen()
    board = dashboard_build(scope=form.scope(services), compare=form.cleaned_data["compare"])
    chosen = board.section(section)
    if chosen is None:
        raise Http404("Page not found")
    quarter = form.quarter_chosen
    preamble = [
        [chosen.title],
        ["Quarter", quarter.label],
        ["Services", _covering(services)],
        ["Suppression", SUPPRESSION_NOTE],
    ]
    return csv_response(f"rj-dashboard-{section}-{quarter.key}.csv", section_rows(chosen, preamble=preamble))


# --- Compliance ---------------------------------------------------------------------------------


@require_capability("core.view_dashboard")
@require_GET
def compliance(request: HttpRequest) -> HttpResponse:
    form = FigureFilterForm(request.GET, user=request.user, today=clock.today())
    if not form.is_valid():
        return render(request, "reporting/compliance.html", {"form": form}, status=422)
    services = form.services_chosen()
    quarter = form.quarter_chosen
    filters = _filters(form)
    context = {
        "form": form,
        "report": compliance_build(scope=form.scope(services), services=services),
        "quarter": quarter,
        "covering": _covering(services),
        "query": urlencode(filters),
        "cases_query": urlencode({"quarter": quarter.key}),
        "may_see_cases": may_see_cases(request.user),
        "suppression_note": SUPPRESSION_NOTE,
    }
    return render(request, "reporting/compliance.html", context)


@require_capability("core.view_dashboard")
@require_GET
def compliance_csv(request: HttpRequest) -> HttpResponse:
    form = FigureFilterForm(request.GET, user=request.user, today=clock.today())
    if not form.is_valid():
        return _refused(form)
    services = form.services_chosen()
    quarter = form.quarter_chosen
    report = compliance_build(scope=form.scope(services), services=services)
    rows: list[list[str]] = [
        ["National Minimum outputs: evidence rates"],
        ["Quarter", quarter.label],
        ["Suppression", SUPPRESSION_NOTE],
        [],
        ["Service", "Output", "Title", "Measure", "Evidence rate", "Based on", "Counting rule"],
    ]
    for entry in report:
        for row in entry.rows:
            output = row.output
            rows.append(
                [
                    entry.service.name,
                    output.code,
                    output.title,
                    output.measure,
                    row.rate.text,
                    row.base.text,
                    output.rule,
                ]
            )
    return csv_response(f"rj-compliance-{quarter.key}.csv", rows)


@require_capability("core.view_dashboard")
@require_GET
def compliance_cases(request: HttpRequest, output: str) -> HttpResponse:
    user = request.user
    chosen = OUTPUT_KEYS.get(output)
    if not may_see_cases(user) or chosen is None or chosen.sources is None:
        raise Http404("Page not found")
    form = CasesBehindForm(request.GET, today=clock.today())
    context = {"form": form, "output": chosen}
    if not form.is_valid():
        return render(request, "reporting/compliance_cases.html", context, status=422)
    quarter = form.quarter_chosen
    missing_only = form.cleaned_data["show"] == "missing"
    cases = cases_behind(chosen, Scope((user.service_id,), quarter), missing_only=missing_only)
    cases = permissions.visible(cases, user, permissions.CASE_VIEW)
    page = keyset_page(cases, field="created_at", token=request.GET.get("page", ""), size=PAGE_SIZE)
    for case in page.rows:
        case.url = reverse("cases:case_detail", args=[case.pk])

    def link(token: str | None) -> str:
        if not token:
            return ""
        params = request.GET.copy()
        params["page"] = token
        return f"?{params.urlencode()}"

    context.update(
        {
            "quarter": quarter,
            "missing_only": missing_only,
            "page": page,
            "previous_url": link(page.previous_token),
            "next_url": link(page.next_token if page.has_next else None),
            "report_query": urlencode({"quarter": quarter.key}),
        }
    )
    return render(request, "reporting/compliance_cases.html", context)


urlpatterns: list[URLPattern] = [
    path("dashboard/", dashboard, name="dashboard"),
    path("dashboard/download/<slug:section>/", dashboard_csv, name="dashboard_csv"),
    path("compliance/", compliance, name="compliance"),
    path("compliance/download/", compliance_csv, name="compliance_csv"),
    path("compliance/<slug:output>/cases/", compliance_cases, name="compliance_cases"),
]

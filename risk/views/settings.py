"""The service's settings for assessments and its versioned risk checklist (administrators)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET, require_http_methods

from core.access import require_capability
from core.pagination import keyset_page
from risk.checklist import current_template, settings_for
from risk.forms.assessments import ChecklistForm, RiskSettingsForm
from risk.models import ChecklistTemplate
from risk.services import assessments as services

CAPABILITY = "core.configure_service"


def _service(request: HttpRequest):
    if not request.user.service_id:
        raise Http404("Not found")
    return request.user.service


def _settings_history(settings) -> list[dict]:
    rows = []
    records = list(settings.history.select_related("history_user", "updated_by").order_by("-history_date")[:50])
    for record in records:
        who = record.history_user or record.updated_by
        rows.append(
            {
                "when": record.history_date,
                "by": who.display_name if who else "The system",
                "order": record.get_assessment_order_display(),
                "om": "Yes" if record.om_sees_offender_assessments else "No",
                "days": record.approval_valid_days,
            }
        )
    return rows


@require_capability(CAPABILITY)
@require_http_methods(["GET", "POST"])
def risk_settings(request: HttpRequest) -> HttpResponse:
    service = _service(request)
    settings = settings_for(service)
    form = RiskSettingsForm(request.POST if request.method == "POST" else None, instance=settings)
    if request.method == "POST" and form.is_valid():
        try:
            services.risk_settings_update(service=service, actor=request.user, data=form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, "Assessment settings saved")
            return redirect("risk:settings")
    settings.refresh_from_db()
    return render(
        request,
        "risk/settings/settings.html",
        {"form": form, "service": service, "history": _settings_history(settings)},
        status=422 if form.is_bound else 200,
    )


@require_capability(CAPABILITY)
@require_GET
def checklists(request: HttpRequest) -> HttpResponse:
    service = _service(request)
    current = current_template(service)
    page = keyset_page(
        ChecklistTemplate.objects.filter(service=service).select_related("created_by"),
        field="version",
        token=request.GET.get("page", ""),
    )
    return render(request, "risk/settings/checklists.html", {"current": current, "page": page})


@require_capability(CAPABILITY)
@require_http_methods(["GET", "POST"])
def checklist_new(request: HttpRequest) -> HttpResponse:
    service = _service(request)
    current = current_template(service)
    if request.method == "POST":
        form = ChecklistForm(request.POST)
    else:
        lines = [f"{i.text} | {i.guidance}" if i.guidance else i.text for i in current.items.all()]
        form = ChecklistForm(initial={"items": "\n".join(lines)})
    if request.method == "POST" and form.is_valid():
        try:
            template = services.checklist_publish(
                service=service, actor=request.user, items=form.cleaned_data["items"], notes=form.cleaned_data["notes"]
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, f"Risk checklist version {template.version} published")
            return redirect("risk:checklist_detail", version=template.version)
    return render(
        request,
        "risk/settings/checklist_new.html",
        {"form": form, "current": current},
        status=422 if form.is_bound else 200,
    )


@require_capability(CAPABILITY)
@require_GET
def checklist_detail(request: HttpRequest, version: int) -> HttpResponse:
    service = _service(request)
    current = current_template(service)  # version 1 exists from the first look on
    template = ChecklistTemplate.objects.filter(service=service, version=version).select_related("created_by").first()
    if template is None:
        raise Http404("Not found")
    return render(
        request,
        "risk/settings/checklist_detail.html",
        {"template": template, "items": list(template.items.all()), "current": current},
    )


urlpatterns: list[URLPattern] = [
    path("settings/", risk_settings, name="settings"),
    path("settings/checklists/", checklists, name="checklists"),
    path("settings/checklists/new/", checklist_new, name="checklist_new"),
    path("settings/checklists/<int:version>/", checklist_detail, name="checklist_detail"),
]

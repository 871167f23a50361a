"""Retention settings (RJ managers and administrators of the service), and for one person (RJ managers of the
case's service only): a subject access export and the erasure of their personal data.

Everyone else gets 404, as for a record that does not exist.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_GET, require_http_methods

import cases.views.participants  # noqa: F401 - registers the <side:…> path converter
from audit.models import Operation
from audit.services import log_processing
from cases import permissions
from cases.models import Offender, Side, Victim
from core import clock
from core.access import require_capability
from core.forms import add_service_errors
from privacy import policy
from privacy.erasure import erase_person, what_is_held
from privacy.forms import ErasureForm, RetentionForm
from privacy.models import Erasure, RetentionKind, RetentionRun, RetentionSetting
from privacy.subject_access import export_filename, export_zip

PERSONAL_DATA = "privacy.manage_personal_data"
RETENTION = "privacy.manage_retention"
DATA_SUBJECT = "The data subject"

SIDES = {
    Side.VICTIM: (Victim, permissions.get_victim_for_user, permissions.VICTIM_VIEW, "person harmed"),
    Side.OFFENDER: (Offender, permissions.get_offender_for_user, permissions.OFFENDER_VIEW, "person responsible"),
}


def _person(request: HttpRequest, side: str, pk: int) -> Victim | Offender:
    """The person, if the user is an RJ manager of their case's service (else 404)."""
    model, getter, perm, _ = SIDES[side]
    person = getter(request.user, pk, perm, queryset=model.objects.select_related("case", "case__service"))
    if person.case.service_id != request.user.service_id:
        permissions.security_log.warning(
            "refused or missing object", extra={"model": model.__name__, "object_id": pk, "user_id": request.user.pk}
        )
        raise Http404("Not found")
    return person


def _person_context(side: str, person: Victim | Offender) -> dict:
    return {
        "side": side,
        "person": person,
        "case": person.case,
        "one": SIDES[side][3],
        "person_url": reverse(f"cases:{side}_detail", args=[person.pk]),
    }


@require_capability(PERSONAL_DATA)
@require_http_methods(["GET", "POST"])
def erase(request: HttpRequest, side: str, pk: int) -> HttpResponse:
    person = _person(request, side, pk)
    form = ErasureForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        erase_person(person=person, by=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, f"Personal data erased: the {SIDES[side][3]} now shows as Erased")
        return redirect("cases:case_detail", person.case_id)
    context = {**_person_context(side, person), "form": form, "held": what_is_held(person)}
    return render(request, "privacy/erase.html", context, status=422 if form.is_bound else 200)


@require_capability(PERSONAL_DATA)
@require_GET
def subject_access(request: HttpRequest, side: str, pk: int) -> HttpResponse:
    person = _person(request, side, pk)
    context = {**_person_context(side, person), "held": what_is_held(person)}
    return render(request, "privacy/subject_access.html", context)


@require_capability(PERSONAL_DATA)
@require_GET
def subject_access_download(request: HttpRequest, side: str, pk: int) -> HttpResponse:
    person = _person(request, side, pk)
    made_at = clock.now()
    content = export_zip(person, made_by=request.user, made_at=made_at)
    log_processing(
        user=request.user,
        operation=Operation.DISCLOSURE,
        person_kind=side,
        person_ids=[person.pk],
        case_id=person.case_id,
        object_type="SubjectAccessExport",
        object_id=person.pk,
        reason="Subject access export",
        recipient=DATA_SUBJECT,
        request=request,
    )
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{export_filename(person, made_at)}"'
    response["Cache-Control"] = "no-store"
    return response


# --- Retention settings ------------------------------------------------------------------------


def _service(request: HttpRequest):
    if not request.user.service_id:
        raise Http404("Not found")
    return request.user.service


def _history(service) -> list[dict]:
    labels = dict(RetentionKind.choices)
    records = (
        RetentionSetting.history.filter(service_id=service.pk)
        .select_related("history_user", "changed_by")
        .order_by("-history_date", "-history_id")[:50]
    )
    rows = []
    for record in records:
        who = record.history_user or record.changed_by
        rows.append(
            {
                "when": record.history_date,
                "by": who.display_name if who else "The system",
                "kind": labels.get(record.kind, record.kind),
                "length": policy.months_label(record.months),
                "reason": record.reason,
            }
        )
    return rows


@require_capability(RETENTION)
@require_GET
def retention(request: HttpRequest) -> HttpResponse:
    service = _service(request)
    context = {
        "service": service,
        "periods": list(policy.periods_for(service).values()),
        "log_statement": policy.PROCESSING_LOG_STATEMENT,
        "history": _history(service),
        "last_run": RetentionRun.objects.filter(finished_at__isnull=False).first(),
        "erasures": list(
            Erasure.objects.filter(service=service)
            .select_related("case", "erased_by")
            .order_by("-erased_at", "-pk")[:20]
        ),
    }
    return render(request, "privacy/retention.html", context)


@require_capability(RETENTION)
@require_http_methods(["GET", "POST"])
def retention_edit(request: HttpRequest, kind: str) -> HttpResponse:
    service = _service(request)
    if kind not in policy.POLICIES:
        raise Http404("Not found")
    period = policy.periods_for(service)[kind]
    if request.method == "POST":
        form = RetentionForm(request.POST, policy=period.policy)
    else:
        form = RetentionForm(initial={"months": period.months, "reason": period.reason}, policy=period.policy)
    if form.is_bound and form.is_valid():
        try:
            policy.retention_update(service=service, actor=request.user, kind=kind, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Retention period saved: {period.label.lower()}")
            return redirect("privacy:retention")
    context = {"service": service, "period": period, "form": form}
    return render(request, "privacy/retention_edit.html", context, status=422 if form.is_bound else 200)


urlpatterns: list[URLPattern] = [
    path("retention/", retention, name="retention"),
    path("retention/<slug:kind>/", retention_edit, name="retention_edit"),
    path("<side:side>/<int:pk>/erase/", erase, name="erase"),
    path("<side:side>/<int:pk>/subject-access/", subject_access, name="subject_access"),
    path("<side:side>/<int:pk>/subject-access.zip", subject_access_download, name="subject_access_download"),
]

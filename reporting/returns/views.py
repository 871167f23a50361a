"""The returns pages: the list of quarters, a return with its warnings, rebuild and submit, the downloads, and
the service's return schedule.

Returns hold personal data: only people with core.manage_returns (the service's administrators and RJ
managers) open them, and only their own service's. Anything else answers 404, as for a return that does not
exist. Each CSV, XLSX or PDF download is written to the processing log. The PDF summary's download (made in
Celery and kept) is in reporting.returns.pdf_views.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from audit.models import Operation, PersonKind
from audit.services import log_processing
from cases.permissions import security_log
from core import clock
from core.access import require_capability
from core.forms import add_service_errors
from reporting.models import QuarterlyReturn, ReturnSchedule, ReturnStatus, ReturnVersion
from reporting.quarters import MONTHS, Quarter, Schedule
from reporting.returns import exports, services
from reporting.returns.columns import COUNTING_RULES, SECTIONS
from reporting.returns.forms import ScheduleForm, StartForm, SubmitForm

CAPABILITY = "core.manage_returns"
SETTINGS_CAPABILITY = "core.configure_service"
SUMMARY_FIELDS = (
    "pk",
    "quarterly_return_id",
    "number",
    "built_at",
    "built_by",
    "submitted_at",
    "submitted_by",
    "row_count",
    "warning_count",
    "checksum",
)
STATUS_TAGS = {
    ReturnStatus.DRAFT: "govuk-tag--grey",
    ReturnStatus.BUILDING: "",
    ReturnStatus.READY: "govuk-tag--yellow",
    ReturnStatus.SUBMITTED: "govuk-tag--green",
}
WARNINGS_SHOWN = 500  # the rest are in the warnings download
START_CHOICES = 4  # how many recent ended quarters without a return are offered


# --- Access ----------------------------------------------------------------------------------------


def _refused(model: str, pk: int, user: User) -> Http404:
    security_log.warning("refused or missing object", extra={"model": model, "object_id": pk, "user_id": user.pk})
    return Http404("Not found")


def _service(request: HttpRequest):
    if not request.user.service_id:
        raise Http404("Not found")
    return request.user.service


def return_for_user(user: User, pk: int) -> QuarterlyReturn:
    """The return, if it belongs to the user's service (the capability is checked by the view's decorator)."""
    found = QuarterlyReturn.objects.filter(pk=pk, service_id=user.service_id).select_related("service").first()
    if found is None or not user.service_id:
        raise _refused("QuarterlyReturn", pk, user)
    return found


def version_for_user(user: User, pk: int, *, defer: tuple[str, ...] = ()) -> ReturnVersion:
    """The version, if its return belongs to the user's service. `defer`: fields of the snapshot not needed."""
    found = (
        ReturnVersion.objects.filter(pk=pk, quarterly_return__service_id=user.service_id)
        .select_related("quarterly_return__service")
        .defer(*defer)
        .first()
    )
    if found is None or not user.service_id:
        raise _refused("ReturnVersion", pk, user)
    return found


# --- Presenting ------------------------------------------------------------------------------------


def _tag(quarterly_return: QuarterlyReturn, newest: ReturnVersion | None) -> dict[str, str]:
    status = quarterly_return.status
    text = ReturnStatus(status).label
    if status == ReturnStatus.BUILDING and not services.is_building(quarterly_return):
        return {"text": "Build did not finish", "css": "govuk-tag--grey"}
    if status == ReturnStatus.READY and newest is not None:
        text = f"Draft v{newest.number}: ready"
    elif status == ReturnStatus.SUBMITTED and newest is not None:
        text = f"Submitted v{newest.number}"
    return {"text": text, "css": STATUS_TAGS[status]}


def _row(quarterly_return: QuarterlyReturn, schedule: Schedule, today) -> dict[str, Any]:
    versions = list(quarterly_return.versions.all())  # prefetched, newest first
    newest = versions[0] if versions else None
    submitted = next((v for v in versions if v.is_submitted), None)
    due_on = quarterly_return.due_on(schedule)
    return {
        "object": quarterly_return,
        "quarter": quarterly_return.quarter,
        "tag": _tag(quarterly_return, newest),
        "newest": newest,
        "last_submitted": submitted,
        "due_on": due_on,
        "overdue": submitted is None and due_on < today,
        "warnings": newest.warning_count if newest else None,
    }


def _versions_prefetch() -> Prefetch:
    return Prefetch(
        "versions",
        queryset=ReturnVersion.objects.only(*SUMMARY_FIELDS).select_related("built_by", "submitted_by"),
    )


def _quarters_to_start(schedule: Schedule, existing: set) -> list[Quarter]:
    quarter, found = schedule.last_ended(clock.today()), []
    for _ in range(8):
        if quarter.start not in existing:
            found.append(quarter)
        if len(found) == START_CHOICES:
            break
        quarter = quarter.previous
    return found


def _list_context(request: HttpRequest, start_form: StartForm | None = None) -> dict[str, Any]:
    service = _service(request)
    schedule = services.schedule_for(service)
    today = clock.today()
    returns = list(
        QuarterlyReturn.objects.filter(service=service)
        .prefetch_related(_versions_prefetch())
        .order_by("-quarter_start")
    )
    rows = [_row(r, schedule, today) for r in returns]
    to_start = _quarters_to_start(schedule, {r.quarter_start for r in returns})
    if start_form is None:
        start_form = StartForm(quarters=to_start, initial={"quarter": to_start[0].key} if to_start else None)
    waiting = [row for row in rows if row["object"].status == ReturnStatus.READY]
    return {
        "service": service,
        "rows": rows,
        "waiting": waiting,
        "to_start": to_start,
        "start_form": start_form,
        "schedule": schedule,
        "may_configure": request.user.has_perm(SETTINGS_CAPABILITY),
    }


def _detail_context(request: HttpRequest, quarterly_return: QuarterlyReturn, **extra: Any) -> dict[str, Any]:
    schedule = services.schedule_for(quarterly_return.service)
    versions = list(
        quarterly_return.versions.only(*SUMMARY_FIELDS, "summary").select_related("built_by", "submitted_by")
    )
    newest = versions[0] if versions else None
    warnings = ReturnVersion.objects.filter(pk=newest.pk).values_list("warnings", flat=True).get() if newest else []
    earlier = [v for v in versions[1:] if v.is_submitted]
    return {
        "quarterly_return": quarterly_return,
        "quarter": quarterly_return.quarter,
        "tag": _tag(quarterly_return, newest),
        "due_on": quarterly_return.due_on(schedule),
        "newest": newest,
        "earlier_versions": earlier,
        "warnings": warnings[:WARNINGS_SHOWN],
        "warnings_total": len(warnings),
        "warnings_hidden": max(len(warnings) - WARNINGS_SHOWN, 0),
        "building": services.is_building(quarterly_return),
        "may_submit": newest is not None and not newest.is_submitted and not services.is_building(quarterly_return),
        "downloads": _downloads() if newest else [],
        "counting_rules": _counting_rules(newest),
        "submit_form": extra.pop("submit_form", None)
        or SubmitForm(initial={"version": newest.number if newest else 1}),
        **extra,
    }


def _downloads() -> list[dict[str, str]]:
    items = [{"key": key, "title": title} for key, (title, _) in SECTIONS.items()]
    items.append({"key": exports.WARNINGS, "title": "Data-quality warnings"})
    return items


def rules_paragraphs(text: str) -> list[str]:
    """The counting rules as paragraphs: each numbered rule (with its wrapped lines) is one."""
    paragraphs: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        first = line.split(" ", 1)[0]
        numbered = first.endswith(".") and first[:-1].isdigit()
        if len(paragraphs) > 1 and not numbered:
            paragraphs[-1] += " " + line
        else:
            paragraphs.append(line)
    return paragraphs


def _counting_rules(version: ReturnVersion | None) -> list[str]:
    if version is None:
        return rules_paragraphs(COUNTING_RULES)
    return rules_paragraphs(ReturnVersion.objects.filter(pk=version.pk).values_list("counting_rules", flat=True).get())


# --- Pages -----------------------------------------------------------------------------------------


@require_capability(CAPABILITY)
@require_GET
def returns(request: HttpRequest) -> HttpResponse:
    return render(request, "reporting/returns.html", _list_context(request))


@require_capability(CAPABILITY)
@require_POST
def return_start(request: HttpRequest) -> HttpResponse:
    service = _service(request)
    context = _list_context(request)
    form = StartForm(request.POST, quarters=context["to_start"])
    if form.is_valid():
        try:
            started = services.return_start(
                service=service, actor=request.user, quarter_key=form.cleaned_data["quarter"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Building the return for {started.quarter.label}")
            return redirect(started)
    context["start_form"] = form
    return render(request, "reporting/returns.html", context, status=422)


@require_capability(CAPABILITY)
@require_GET
def return_detail(request: HttpRequest, pk: int) -> HttpResponse:
    quarterly_return = return_for_user(request.user, pk)
    return render(request, "reporting/returns/detail.html", _detail_context(request, quarterly_return))


@require_capability(CAPABILITY)
@require_GET
def return_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The build's progress, polled by htmx every 2 seconds while it runs. Once done, the page reloads."""
    quarterly_return = return_for_user(request.user, pk)
    building = services.is_building(quarterly_return)
    response = render(
        request,
        "reporting/returns/_status.html",
        {"quarterly_return": quarterly_return, "building": building, "now": clock.now()},
    )
    if not building and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


@require_capability(CAPABILITY)
@require_POST
def return_rebuild(request: HttpRequest, pk: int) -> HttpResponse:
    quarterly_return = return_for_user(request.user, pk)
    try:
        services.return_rebuild_request(quarterly_return=quarterly_return, actor=request.user)
    except ValidationError as exc:
        quarterly_return.refresh_from_db()
        context = _detail_context(request, quarterly_return, action_errors=exc.messages)
        return render(request, "reporting/returns/detail.html", context, status=422)
    messages.success(request, "Building the return again. This page shows when it is ready.")
    return redirect(quarterly_return)


@require_capability(CAPABILITY)
@require_POST
def return_submit(request: HttpRequest, pk: int) -> HttpResponse:
    quarterly_return = return_for_user(request.user, pk)
    form = SubmitForm(request.POST)
    if form.is_valid():
        try:
            version = services.return_submit(
                quarterly_return=quarterly_return, actor=request.user, version_number=form.cleaned_data["version"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Version {version.number} submitted. It can no longer change.")
            return redirect(quarterly_return)
    else:
        form.add_error(None, "Reload the page and submit the return again")
    quarterly_return.refresh_from_db()
    context = _detail_context(request, quarterly_return, submit_form=form, action_errors=form.non_field_errors())
    return render(request, "reporting/returns/detail.html", context, status=422)


# --- Downloads -------------------------------------------------------------------------------------


def _log_download(request: HttpRequest, version: ReturnVersion, what: str) -> None:
    people = version.people or {}
    for kind, key in ((PersonKind.OFFENDER, "offender"), (PersonKind.VICTIM, "victim")):
        log_processing(
            user=request.user,
            operation=Operation.DISCLOSURE,
            person_kind=kind,
            person_ids=people.get(key, []),
            case_id=None,
            object_type="ReturnVersion",
            object_id=version.pk,
            reason=f"Quarterly return downloaded ({what})",
            request=request,
        )


def _download(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@require_capability(CAPABILITY)
@require_GET
def version_csv(request: HttpRequest, pk: int, section: str) -> HttpResponse:
    version = version_for_user(request.user, pk)
    if section not in exports.section_keys(version):
        raise Http404("Not found")
    content = exports.csv_bytes(version, section)
    _log_download(request, version, f"CSV, {exports.section_title(version, section).lower()}")
    return _download(content, "text/csv; charset=utf-8", exports.filename(version, f"{section}.csv"))


@require_capability(CAPABILITY)
@require_GET
def version_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    version = version_for_user(request.user, pk)
    content = exports.xlsx_for(version)
    _log_download(request, version, "XLSX")
    return _download(
        content,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        exports.filename(version, "return.xlsx"),
    )


# --- The schedule ----------------------------------------------------------------------------------


def _schedule_history(service) -> list[dict[str, Any]]:
    records = (
        ReturnSchedule.history.filter(service_id=service.pk)
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
                "first_month": MONTHS[record.first_month - 1],
                "lag": record.due_months_after_end,
                "day": record.due_day,
            }
        )
    return rows


@require_capability(SETTINGS_CAPABILITY)
@require_http_methods(["GET", "POST"])
def return_schedule(request: HttpRequest) -> HttpResponse:
    service = _service(request)
    schedule = services.schedule_for(service)
    if request.method == "POST":
        form = ScheduleForm(request.POST)
    else:
        form = ScheduleForm(
            initial={
                "first_month": schedule.first_month,
                "due_months_after_end": schedule.due_months_after_end,
                "due_day": schedule.due_day,
            }
        )
    if form.is_bound and form.is_valid():
        try:
            services.schedule_update(service=service, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Return schedule saved")
            return redirect("reporting:return_schedule")
    today = clock.today()
    upcoming = [schedule.quarter_containing(today).previous, schedule.quarter_containing(today)]
    return render(
        request,
        "reporting/returns/schedule.html",
        {
            "form": form,
            "service": service,
            "history": _schedule_history(service),
            "upcoming": upcoming,
        },
        status=422 if form.is_bound else 200,
    )


urlpatterns: list[URLPattern] = [
    path("returns/", returns, name="returns"),
    path("returns/start/", return_start, name="return_start"),
    path("returns/schedule/", return_schedule, name="return_schedule"),
    path("returns/<int:pk>/", return_detail, name="return_detail"),
    path("returns/<int:pk>/status/", return_status, name="return_status"),
    path("returns/<int:pk>/rebuild/", return_rebuild, name="return_rebuild"),
    path("returns/<int:pk>/submit/", return_submit, name="return_submit"),
    path("returns/versions/<int:pk>/<slug:section>.csv", version_csv, name="version_csv"),
    path("returns/versions/<int:pk>/return.xlsx", version_xlsx, name="version_xlsx"),
]

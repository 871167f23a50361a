"""The processing log for RJ managers: who has seen or changed one person's record, and a search
across their service's log. Both need the `core.view_access_log` capability (managers), and show
only entries about cases of the manager's own service.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

import cases.views.participants  # noqa: F401 - registers the <side:…> path converter
from accounts.models import User
from audit.models import BreakGlassAccess, Operation, PersonKind, ProcessingLogEntry
from cases import permissions
from cases.models import Case, Side
from cases.views.lists import page_links
from core.access import require_capability
from core.forms import DateField, Form
from core.pagination import keyset_page

PAGE_SIZE = 50
BREAK_GLASS_SHOWN = 20


def _service_cases(user: User):
    return Case.objects.filter(service_id=user.service_id).values("pk")


def _refused(request: HttpRequest, side: str, pk: int) -> Http404:
    permissions.security_log.warning(
        "refused or missing object", extra={"model": side, "object_id": pk, "user_id": request.user.pk}
    )
    return Http404("Not found")


def _rows(entries: list[ProcessingLogEntry]) -> list[ProcessingLogEntry]:
    """The page's entries with their case reference and, for break-glass entries, the reason typed (kept with
    the access, not in the log)."""
    cases = dict(Case.objects.filter(pk__in={e.case_id for e in entries if e.case_id}).values_list("pk", "reference"))
    access_ids = {e.break_glass_access_id for e in entries if e.break_glass_access_id}
    reasons = dict(BreakGlassAccess.objects.filter(pk__in=access_ids).values_list("pk", "reason")) if access_ids else {}
    for entry in entries:
        entry.case_reference = cases.get(entry.case_id, "")
        entry.break_glass_reason = reasons.get(entry.break_glass_access_id, "")
    return entries


@require_capability("core.view_access_log")
@require_GET
def person_log(request: HttpRequest, side: str, pk: int) -> HttpResponse:
    """Every entry about one person, newest first: who, when, what, which record and why.

    Reasons given to open the person's case outside one's own cases (break-glass) are listed first.
    """
    getter = permissions.get_victim_for_user if side == Side.VICTIM else permissions.get_offender_for_user
    person = getter(request.user, pk)
    if person.case.service_id != request.user.service_id:
        raise _refused(request, side, pk)
    entries = ProcessingLogEntry.objects.filter(
        person_kind=PersonKind.VICTIM if side == Side.VICTIM else PersonKind.OFFENDER, person_id=person.pk
    ).select_related("user")
    page = keyset_page(entries, field="at", token=request.GET.get("page", ""), size=PAGE_SIZE)
    # One reason opens the whole case, so every reason given on the person's case is shown.
    break_glass = BreakGlassAccess.objects.filter(case_id=person.case_id).select_related("user", "reviewed_by")
    context = {
        "break_glass": list(break_glass[:BREAK_GLASS_SHOWN]),
        "person": person,
        "side": side,
        "case": person.case,
        "rows": _rows(page.rows),
        "page": page,
        **page_links(request, page),
        "person_url": reverse(f"cases:{side}_detail", args=[person.pk]),
    }
    return render(request, "audit/person_log.html", context)


class LogSearchForm(Form):
    reference = forms.CharField(label="Case reference", required=False, max_length=20)
    username = forms.CharField(label="Username of the person who did it", required=False, max_length=150)
    operation = forms.ChoiceField(label="What they did", required=False, choices=[("", "Anything"), *Operation.choices])
    break_glass = forms.BooleanField(label="Only records opened outside the user's own cases", required=False)
    since = DateField(label="From", required=False, past_only=True, help_text="For example, 1 11 2026")
    until = DateField(label="To", required=False, help_text="For example, 30 11 2026")

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["until"] < data["since"]:
            self.add_error("until", "The end date must be on or after the start date")
        return data


@require_capability("core.view_access_log")
@require_GET
def log_search(request: HttpRequest) -> HttpResponse:
    form = LogSearchForm(request.GET or None)
    entries = ProcessingLogEntry.objects.filter(case_id__in=_service_cases(request.user)).select_related("user")
    status = 200
    if form.is_bound and not form.is_valid():
        status = 422
        entries = entries.none()
    elif form.is_bound:
        data = form.cleaned_data
        if data.get("reference"):
            entries = entries.filter(
                case_id__in=Case.objects.filter(
                    service_id=request.user.service_id, reference__iexact=data["reference"].strip()
                ).values("pk")
            )
        if data.get("username"):
            entries = entries.filter(user__username__iexact=data["username"].strip())
        if data.get("operation"):
            entries = entries.filter(operation=data["operation"])
        if data.get("break_glass"):
            entries = entries.filter(break_glass=True)
        zone = timezone.get_current_timezone()
        if data.get("since"):
            entries = entries.filter(at__gte=dt.datetime.combine(data["since"], dt.time.min, tzinfo=zone))
        if data.get("until"):
            day_after = data["until"] + dt.timedelta(days=1)
            entries = entries.filter(at__lt=dt.datetime.combine(day_after, dt.time.min, tzinfo=zone))
    page = keyset_page(entries, field="at", token=request.GET.get("page", ""), size=PAGE_SIZE)
    context = {"form": form, "rows": _rows(page.rows), "page": page, **page_links(request, page)}
    return render(request, "audit/log_search.html", context, status=status)


urlpatterns: list[URLPattern] = [
    path("log/", log_search, name="log_search"),
    path("log/<side:side>/<int:pk>/", person_log, name="person_log"),
]

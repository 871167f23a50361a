"""Break-glass pages: the reason asked before opening a record outside one's own work (audit.breakglass),
and the managers' list of those reasons, each of which a manager marks as reviewed.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from audit import services
from audit.breakglass import live_access, needs_reason
from audit.forms import BreakGlassReasonForm
from audit.middleware import local_path
from audit.models import BreakGlassAccess
from cases import permissions
from cases.models import Case, Offender, Side, Victim
from cases.views.lists import page_links
from core.access import require_capability
from core.forms import record_id
from core.middleware import SIGNED_IN_AT
from core.pagination import keyset_page

PAGE_SIZE = 50


def _refused(request: HttpRequest, model: str, pk: int) -> Http404:
    permissions.security_log.warning(
        "refused or missing object", extra={"model": model, "object_id": pk, "user_id": request.user.pk}
    )
    return Http404("Not found")


def _case_for_reason(request: HttpRequest, pk: int) -> Case:
    """The case, if the user's permissions already let them open it, or they are a facilitator of its service
    who may read it with a reason (cases.permissions.may_break_glass). 404 otherwise: a reason opens nothing
    to anyone else."""
    user = request.user
    cases = Case.objects.filter(pk=pk)
    case = permissions.visible(cases, user, permissions.CASE_VIEW).first()
    if case is None:
        case = permissions.openable_with_reason(cases, user).first()
        if case is not None and not permissions.may_break_glass(user, case):
            case = None
    if case is None:
        raise _refused(request, "Case", pk)
    return case


def _person_asked_for(request: HttpRequest, case: Case) -> Victim | Offender | None:
    """The person named in the query, if they are on the case and the user may see them (with a reason,
    for a facilitator who may break glass on the case)."""
    side, raw = request.GET.get("side", ""), request.GET.get("person", "")
    person_id = record_id(raw)
    if side not in (Side.VICTIM, Side.OFFENDER) or person_id is None:
        return None
    model, perm = (Victim, permissions.VICTIM_VIEW) if side == Side.VICTIM else (Offender, permissions.OFFENDER_VIEW)
    people = model.objects.filter(pk=person_id, case=case)
    if permissions.may_break_glass(request.user, case):
        return permissions.openable_with_reason(people, request.user).first()
    return permissions.visible(people, request.user, perm).first()


def _session_ends_at(request: HttpRequest) -> dt.datetime | None:
    signed_in = request.session.get(SIGNED_IN_AT)
    if not isinstance(signed_in, int):
        return None
    return dt.datetime.fromtimestamp(signed_in + settings.SESSION_ABSOLUTE_SECONDS, tz=dt.UTC)


@require_http_methods(["GET", "POST"])
def break_glass_reason(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Why do you need to open this record?" Asked once per case; the record opens straight after."""
    case = _case_for_reason(request, pk)
    person = _person_asked_for(request, case)
    next_url = local_path(request, request.GET.get("next", "")) or case.get_absolute_url()
    if not needs_reason(request.user, case, person) or live_access(request.user, case.pk) is not None:
        return redirect(next_url)
    form = BreakGlassReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        access = services.break_glass_open(
            user=request.user,
            case=case,
            person=person,
            reason=form.cleaned_data["reason"],
            session_ends_at=_session_ends_at(request),
            request=request,
        )
        until = timezone.localtime(access.expires_at)
        messages.success(
            request,
            f"Reason recorded. You can open the records of case {case.reference} "
            f"until {until:%H:%M} on {until:%-d %B %Y}.",
        )
        return redirect(next_url)
    context = {
        "form": form,
        "case": case,
        "person": person,
        "read_only": permissions.may_break_glass(request.user, case),
        "cancel_url": reverse("core:home"),
    }
    status = 422 if request.method == "POST" else 200
    return render(request, "audit/break_glass_reason.html", context, status=status)


def _service_accesses(user: User) -> QuerySet[BreakGlassAccess]:
    return BreakGlassAccess.objects.filter(case__service_id=user.service_id)


@require_capability("core.view_access_log")
@require_GET
def break_glass_list(request: HttpRequest) -> HttpResponse:
    """Every reason given on the cases of the manager's service, newest first."""
    accesses = _service_accesses(request.user).select_related("user", "case", "reviewed_by")
    page = keyset_page(accesses, field="at", token=request.GET.get("page", ""), size=PAGE_SIZE)
    context = {"rows": page.rows, "page": page, **page_links(request, page), "now": timezone.now()}
    return render(request, "audit/break_glass_list.html", context)


@require_capability("core.view_access_log")
@require_POST
def break_glass_reviewed(request: HttpRequest, pk: int) -> HttpResponse:
    access = _service_accesses(request.user).filter(pk=pk).first()
    if access is None:
        raise _refused(request, "BreakGlassAccess", pk)
    services.break_glass_review(access=access, actor=request.user)
    messages.success(request, "Marked as reviewed")
    return redirect(reverse("audit:break_glass_list") + f"#access-{access.pk}")


urlpatterns: list[URLPattern] = [
    path("cases/<int:pk>/reason/", break_glass_reason, name="break_glass"),
    path("break-glass/", break_glass_list, name="break_glass_list"),
    path("break-glass/<int:pk>/reviewed/", break_glass_reviewed, name="break_glass_reviewed"),
]

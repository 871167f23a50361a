"""The case's "Conference or indirect" section: planning a conference and confirming it.

Only the RJ team working the case reaches these pages. A conference is fetched by its id, then
the user must hold the case permission (view to read, change to write) and see every person
attending; otherwise the page answers 404, as for a conference that does not exist.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.views.decorators.http import require_http_methods

from accounts.models import User
from agreements.forms.conferences import AttendeeForm, ConferencePlanForm, HeldForm, ReasonForm
from agreements.models import AttendeeKind, Conference, ConferenceStatus
from agreements.services import conferences as services
from audit.models import Operation, PersonKind
from audit.services import log_processing
from cases import permissions, selectors
from cases.models import Case, Offender, Side, Victim
from cases.views.case_page import case_header_context, case_perms
from cases.views.lists import page_links
from core.forms import add_service_errors, record_id
from core.pagination import keyset_page

STATUS_TAGS = {
    ConferenceStatus.PLANNED: "govuk-tag--blue",
    ConferenceStatus.CONFIRMED: "govuk-tag--green",
    ConferenceStatus.HELD: "govuk-tag--turquoise",
    ConferenceStatus.POSTPONED: "govuk-tag--yellow",
    ConferenceStatus.CANCELLED: "govuk-tag--grey",
}

INDIRECT_OFFER = (
    "A face-to-face meeting is not safe. Offer indirect communication instead: a letter, "
    "messages passed by the facilitator, or a recorded message."
)

_CASE_RELATED = ("lead_facilitator", "second_facilitator", "service")


# --- Access ----------------------------------------------------------------------------------


def _visible_people(case: Case, user: User) -> tuple[QuerySet[Victim], QuerySet[Offender]]:
    return (
        permissions.visible(case.victims.all(), user, permissions.VICTIM_VIEW).order_by("last_name", "id"),
        permissions.visible(case.offenders.all(), user, permissions.OFFENDER_VIEW).order_by("last_name", "id"),
    )


def _case_for_activity(user: User, pk: int, perm: str) -> tuple[Case, dict[str, list]]:
    """The case, if the user holds `perm` on it and may see at least one person on it (404 otherwise)."""
    case = permissions.get_case_for_user(user, pk, perm, queryset=Case.objects.select_related(*_CASE_RELATED))
    people = selectors.case_people(case=case, user=user)
    if not people[Side.VICTIM] and not people[Side.OFFENDER]:
        raise Http404("Not found")
    return case, people


def _hidden_attendee(user: User, case: Case) -> tuple[Exists, Exists]:
    """Conditions true for a conference of `case` with an attendee the user may not see."""
    hidden_victims = Victim.objects.filter(conferences=OuterRef("pk")).exclude(
        permissions.visible_on_case_q(Victim, user, permissions.VICTIM_VIEW, case)
    )
    hidden_offenders = Offender.objects.filter(conferences=OuterRef("pk")).exclude(
        permissions.visible_on_case_q(Offender, user, permissions.OFFENDER_VIEW, case)
    )
    return Exists(hidden_victims), Exists(hidden_offenders)


def conference_for_user(user: User, pk: int, *, write: bool = False) -> Conference:
    """The conference, if the user may read (or, with write=True, work) its case and see everyone attending."""
    conference = Conference.objects.filter(pk=pk).select_related("confirmed_by", "created_by").first()
    if conference is None:
        permissions.security_log.warning(
            "refused or missing object", extra={"model": "Conference", "object_id": pk, "user_id": user.pk}
        )
        raise Http404("Not found")
    perm = permissions.CASE_CHANGE if write else permissions.CASE_VIEW
    case = permissions.get_case_for_user(
        user, conference.case_id, perm, queryset=Case.objects.select_related(*_CASE_RELATED)
    )
    hidden_victims, hidden_offenders = _hidden_attendee(user, case)
    if Conference.objects.filter(pk=pk).filter(hidden_victims | hidden_offenders).exists():
        permissions.security_log.warning(
            "refused or missing object", extra={"model": "Conference", "object_id": pk, "user_id": user.pk}
        )
        raise Http404("Not found")
    conference.case = case
    return conference


def _assessments_url(case: Case, person: Victim | Offender) -> str:
    try:
        url = reverse("risk:case_assessments", args=[case.pk])
    except NoReverseMatch:
        return ""
    return f"{url}#group-{'victim' if isinstance(person, Victim) else 'offender'}-{person.pk}"


def _attendees(conference: Conference) -> tuple[list[Victim], list[Offender]]:
    return list(conference.attending_victims.all()), list(conference.attending_offenders.all())


def _log_attendees(request: HttpRequest, conference: Conference, victims: list, offenders: list, reason: str) -> None:
    """The page names the people attending and their assessment state: a consultation of their records."""
    for kind, people in ((PersonKind.VICTIM, victims), (PersonKind.OFFENDER, offenders)):
        if people:
            log_processing(
                user=request.user,
                operation=Operation.CONSULTATION,
                person_kind=kind,
                person_ids=[p.pk for p in people],
                case_id=conference.case_id,
                object_type="Conference",
                object_id=conference.pk,
                reason=reason,
                request=request,
            )


# --- The case's section ----------------------------------------------------------------------


@require_http_methods(["GET"])
def case_activity(request: HttpRequest, pk: int) -> HttpResponse:
    case, people = _case_for_activity(request.user, pk, permissions.CASE_VIEW)
    perms = case_perms(case, request.user, people)
    hidden_victims, hidden_offenders = _hidden_attendee(request.user, case)
    conferences = (
        case.conferences.exclude(hidden_victims)
        .exclude(hidden_offenders)
        .annotate(
            victim_count=Count("attending_victims", distinct=True),
            offender_count=Count("attending_offenders", distinct=True),
        )
    )
    page = keyset_page(conferences, field="date", token=request.GET.get("page", ""))
    rows = [
        {
            "conference": c,
            "tag": STATUS_TAGS.get(c.status, ""),
            "url": reverse("agreements:conference_detail", args=[c.pk]),
        }
        for c in page.rows
    ]
    context = {
        **case_header_context(case, request.user, "activity", perms),
        "rows": rows,
        "page": page,
        **page_links(request, page),
        "may_plan": permissions.CASE_CHANGE in perms.get((Case, case.pk), set()) and case.is_open,
    }
    return render(request, "agreements/case_activity.html", context)


@require_http_methods(["GET", "POST"])
def conference_new(request: HttpRequest, pk: int) -> HttpResponse:
    case, people = _case_for_activity(request.user, pk, permissions.CASE_CHANGE)
    victims, offenders = _visible_people(case, request.user)
    form = ConferencePlanForm(
        request.POST if request.method == "POST" else None,
        victims=victims,
        offenders=offenders,
        facilitators=services.facilitator_choices(case),
        initial={
            "venue_kind": "community",
            "lead_facilitator": case.lead_facilitator_id,
            "lead_facilitator_agency": case.lead_facilitator.agency if case.lead_facilitator else "",
            "second_facilitator": case.second_facilitator_id,
            "second_facilitator_agency": case.second_facilitator.agency if case.second_facilitator else "",
        },
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                conference = services.conference_plan(
                    case=case,
                    actor=request.user,
                    data=data,
                    victims=data.get("victims") or [],
                    offenders=data.get("offenders") or [],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"Conference planned for {conference.date:%-d %B %Y}")
                return redirect("agreements:conference_detail", pk=conference.pk)
        status = 422
    context = {
        **case_header_context(case, request.user, "activity", case_perms(case, request.user, people)),
        "form": form,
        "back_url": reverse("agreements:case_activity", args=[case.pk]),
    }
    return render(request, "agreements/conference_form.html", context, status=status)


# --- One conference --------------------------------------------------------------------------


@require_http_methods(["GET"])
def conference_detail(request: HttpRequest, pk: int) -> HttpResponse:
    conference = conference_for_user(request.user, pk)
    case = conference.case
    victims, offenders = _attendees(conference)
    _log_attendees(request, conference, victims, offenders, "Conference details")
    perms = case_perms(case, request.user)
    may_change = case.is_open and permissions.CASE_CHANGE in perms.get((Case, case.pk), set())
    may_confirm = conference.status == ConferenceStatus.PLANNED and may_change
    context = {
        **case_header_context(case, request.user, "activity", perms),
        "conference": conference,
        "tag": STATUS_TAGS.get(conference.status, ""),
        "victims": victims,
        "offenders": offenders,
        "may_confirm": may_confirm,
        "back_url": reverse("agreements:case_activity", args=[case.pk]),
        **_detail_extras(conference, may_change),
    }
    return render(request, "agreements/conference_detail.html", context)


def _confirm_context(request: HttpRequest, conference: Conference) -> dict[str, Any]:
    case = conference.case
    victims, offenders = _attendees(conference)
    blockers = services.confirm_blockers(conference) if conference.status == ConferenceStatus.PLANNED else []
    return {
        **case_header_context(case, request.user, "activity"),
        "conference": conference,
        "victims": victims,
        "offenders": offenders,
        "blockers": [
            {
                "name": blocker.person.full_name,
                "side": "Person harmed" if isinstance(blocker.person, Victim) else "Person responsible",
                "reason": blocker.reason,
                "url": _assessments_url(case, blocker.person),
            }
            for blocker in blockers
        ],
        "indirect_only": any(blocker.indirect_only for blocker in blockers),
        "indirect_offer": INDIRECT_OFFER,
        "custody_message": services.CUSTODY_MESSAGE
        if conference.status == ConferenceStatus.PLANNED and services.custody_missing(conference)
        else "",
        "is_planned": conference.status == ConferenceStatus.PLANNED,
        "paused_message": services.PAUSED_MESSAGE if case.is_paused else "",
        "closed": not case.is_open,
        "back_url": reverse("agreements:conference_detail", args=[conference.pk]),
    }


@require_http_methods(["GET", "POST"])
def conference_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    conference = conference_for_user(request.user, pk, write=True)
    errors: list[str] = []
    if request.method == "POST":
        try:
            services.conference_confirm(conference=conference, actor=request.user)
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, f"Conference confirmed for {conference.date:%-d %B %Y}")
            return redirect("agreements:conference_detail", pk=conference.pk)
    context = _confirm_context(request, conference)
    _log_attendees(request, conference, context["victims"], context["offenders"], "Conference confirmation")
    context["errors"] = errors
    return render(request, "agreements/conference_confirm.html", context, status=422 if errors else 200)


# --- Changing the plan, other attendees, status changes and the write-up ----------------------

CHANGEABLE = (ConferenceStatus.PLANNED, ConferenceStatus.CONFIRMED, ConferenceStatus.POSTPONED)
_SIDES = {
    "Supporting the person harmed": (AttendeeKind.VICTIM_SUPPORTER,),
    "Supporting the person responsible": (AttendeeKind.OFFENDER_SUPPORTER,),
    "Other affected people": (AttendeeKind.OTHER_AFFECTED,),
    "Observers and researchers": (AttendeeKind.OBSERVER, AttendeeKind.RESEARCHER),
}


def _detail_extras(conference: Conference, may_change: bool) -> dict[str, Any]:
    attendees = list(conference.other_attendees.all())
    status = conference.status
    changeable = may_change and status in CHANGEABLE
    return {
        "attendee_groups": [
            {"label": label, "people": [a for a in attendees if a.kind in kinds]} for label, kinds in _SIDES.items()
        ],
        "custody_missing": services.custody_missing(conference),
        "may_edit": changeable,
        "may_postpone": may_change and status in (ConferenceStatus.PLANNED, ConferenceStatus.CONFIRMED),
        "may_cancel": changeable,
        "may_record_held": may_change and status == ConferenceStatus.CONFIRMED,
    }


def _conference_page(request: HttpRequest, conference: Conference, template: str, context: dict, status: int = 200):
    context = {
        **case_header_context(conference.case, request.user, "activity"),
        "conference": conference,
        "back_url": reverse("agreements:conference_detail", args=[conference.pk]),
        **context,
    }
    return render(request, template, context, status=status)


@require_http_methods(["GET", "POST"])
def conference_edit(request: HttpRequest, pk: int) -> HttpResponse:
    conference = conference_for_user(request.user, pk, write=True)
    case = conference.case
    if conference.status not in CHANGEABLE:
        raise Http404("Not found")
    victims, offenders = _visible_people(case, request.user)
    initial = {
        **{name: getattr(conference, name) for name in (*services.PLAN_FIELDS, *services.DETAIL_FIELDS)},
        "start_time": conference.start_time.strftime("%H:%M"),
        "end_time": conference.end_time.strftime("%H:%M") if conference.end_time else "",
        "victims": list(conference.attending_victims.all()),
        "offenders": list(conference.attending_offenders.all()),
    }
    form = ConferencePlanForm(
        request.POST if request.method == "POST" else None,
        victims=victims,
        offenders=offenders,
        facilitators=services.facilitator_choices(case),
        initial=initial,
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                updated = services.conference_update(
                    conference=conference,
                    actor=request.user,
                    data=form.service_data(),
                    victims=form.cleaned_data.get("victims") or [],
                    offenders=form.cleaned_data.get("offenders") or [],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                text = "Conference changed"
                if conference.status == ConferenceStatus.CONFIRMED and updated.status == ConferenceStatus.PLANNED:
                    text += ". It needs confirming again"
                messages.success(request, text)
                return redirect("agreements:conference_detail", pk=conference.pk)
        status = 422
    return _conference_page(request, conference, "agreements/conference/edit.html", {"form": form}, status)


@require_http_methods(["GET", "POST"])
def attendee_add(request: HttpRequest, pk: int) -> HttpResponse:
    conference = conference_for_user(request.user, pk, write=True)
    if conference.status not in CHANGEABLE:
        raise Http404("Not found")
    form = AttendeeForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                attendee = services.attendee_add(conference=conference, actor=request.user, data=form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"{attendee.name} added to the conference")
                return redirect("agreements:conference_detail", pk=conference.pk)
        status = 422
    return _conference_page(request, conference, "agreements/conference/attendee_form.html", {"form": form}, status)


@require_http_methods(["POST"])
def attendee_remove(request: HttpRequest, pk: int) -> HttpResponse:
    conference = conference_for_user(request.user, pk, write=True)
    raw = request.POST.get("attendee", "")
    attendee_id = record_id(raw)
    attendee = conference.other_attendees.filter(pk=attendee_id).first() if attendee_id is not None else None
    if attendee is None or conference.status not in CHANGEABLE:
        messages.error(request, "That person could not be removed. Try again from the conference page.")
        return _conference_page(
            request,
            conference,
            "agreements/conference/problem.html",
            {"problem": "That person could not be removed from this conference."},
            422,
        )
    services.attendee_remove(attendee=attendee, actor=request.user)
    messages.success(request, f"{attendee.name} removed from the conference")
    return redirect("agreements:conference_detail", pk=conference.pk)


def _reason_view(request: HttpRequest, pk: int, *, what: str, service: Any, title: str) -> HttpResponse:
    conference = conference_for_user(request.user, pk, write=True)
    form = ReasonForm(request.POST if request.method == "POST" else None, what=what)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                service(conference=conference, actor=request.user, reason=form.cleaned_data["reason"])
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"Conference {what}")
                return redirect("agreements:conference_detail", pk=conference.pk)
        status = 422
    return _conference_page(
        request, conference, "agreements/conference/reason_form.html", {"form": form, "title": title}, status
    )


@require_http_methods(["GET", "POST"])
def conference_postpone(request: HttpRequest, pk: int) -> HttpResponse:
    return _reason_view(
        request, pk, what="postponed", service=services.conference_postpone, title="Postpone the conference"
    )


@require_http_methods(["GET", "POST"])
def conference_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _reason_view(
        request, pk, what="cancelled", service=services.conference_cancel, title="Cancel the conference"
    )


@require_http_methods(["GET", "POST"])
def conference_held(request: HttpRequest, pk: int) -> HttpResponse:
    conference = conference_for_user(request.user, pk, write=True)
    form = HeldForm(request.POST if request.method == "POST" else None, video_link=conference.video_link)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.conference_record_held(conference=conference, actor=request.user, data=form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "Conference recorded as held")
                return redirect("agreements:conference_detail", pk=conference.pk)
        status = 422
    return _conference_page(
        request,
        conference,
        "agreements/conference/held_form.html",
        {"form": form, "is_confirmed": conference.status == ConferenceStatus.CONFIRMED},
        status,
    )


urlpatterns: list[URLPattern] = [
    path("cases/<int:pk>/", case_activity, name="case_activity"),
    path("cases/<int:pk>/conferences/new/", conference_new, name="conference_new"),
    path("conferences/<int:pk>/", conference_detail, name="conference_detail"),
    path("conferences/<int:pk>/confirm/", conference_confirm, name="conference_confirm"),
    path("conferences/<int:pk>/change/", conference_edit, name="conference_edit"),
    path("conferences/<int:pk>/attendees/add/", attendee_add, name="attendee_add"),
    path("conferences/<int:pk>/attendees/remove/", attendee_remove, name="attendee_remove"),
    path("conferences/<int:pk>/postpone/", conference_postpone, name="conference_postpone"),
    path("conferences/<int:pk>/cancel/", conference_cancel, name="conference_cancel"),
    path("conferences/<int:pk>/held/", conference_held, name="conference_held"),
]

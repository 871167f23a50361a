"""Risk assessments: the case's Assessments tab, starting, filling in, reviewing and deciding on an
assessment, and the RJ manager's approvals queue.

Assessments are fetched only through risk.access (404 for missing and forbidden alike); the case
through cases.permissions. An approved assessment is read-only through every page and every post.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from audit.models import Operation
from audit.services import log_processing
from cases import permissions, selectors
from cases.models import Offender, Side, Victim
from cases.views.case_page import case_header_context, case_perms
from cases.views.lists import page_links
from core import clock
from core.access import require_capability
from core.forms import add_service_errors
from core.pagination import keyset_page
from core.workdays import working_days_between
from risk import selectors as risk_selectors
from risk.access import can_write, get_assessment_for_user
from risk.checklist import settings_for
from risk.forms.assessments import ApproveForm, AssessmentForm, ReturnForm, StartForm
from risk.gate import is_current
from risk.models import AssessmentPoint, AssessmentStatus, RiskAssessment, RiskLevel, RiskSubject
from risk.models.assessments import RATING_TAG_CLASSES
from risk.services import assessments as services

QUEUE_PAGE_SIZE = 25

STATUS_TAGS = {
    AssessmentStatus.DRAFT: "govuk-tag--grey",
    AssessmentStatus.SUBMITTED: "govuk-tag--blue",
    AssessmentStatus.RETURNED: "govuk-tag--orange",
    AssessmentStatus.APPROVED: "govuk-tag--green",
}
RATING_TAGS = RATING_TAG_CLASSES


# --- Helpers -----------------------------------------------------------------------------------


def _decorate(assessment: RiskAssessment, valid_days: int) -> RiskAssessment:
    """Labels and tag classes for templates (no queries)."""
    assessment.status_tag = STATUS_TAGS.get(assessment.status, "")
    assessment.rating_tag = RATING_TAGS.get(assessment.rating, "")
    assessment.is_current_approval = assessment.point == AssessmentPoint.PRE_CONFERENCE and is_current(
        assessment, valid_days=valid_days
    )
    assessment.url = reverse("risk:assessment_detail", args=[assessment.pk])
    return assessment


def _side(assessment: RiskAssessment) -> str:
    if assessment.subject == RiskSubject.VICTIM:
        return Side.VICTIM
    if assessment.subject == RiskSubject.OFFENDER:
        return Side.OFFENDER
    return ""


def _subject_heading(assessment: RiskAssessment) -> str:
    person = assessment.participant
    label = RiskSubject(assessment.subject).label
    return f"{label}: {person.full_name}" if person is not None else label


def _log_consultation(request: HttpRequest, assessment: RiskAssessment, reason: str) -> None:
    person = assessment.participant
    if person is None:
        return
    log_processing(
        user=request.user,
        operation=Operation.CONSULTATION,
        person_kind=_side(assessment),
        person_ids=[person.pk],
        case_id=assessment.case_id,
        object_type="RiskAssessment",
        object_id=assessment.pk,
        reason=reason,
        request=request,
    )


def _target_value(subject: str, person: Victim | Offender | None) -> str:
    return f"{subject}:{person.pk}" if person is not None else subject


# --- The case's Assessments tab ---------------------------------------------------------------------


def _suitability(case, user: User) -> list[dict[str, Any]] | None:
    """Each person's latest suitability assessment, from the suitability selector (None without it)."""
    try:
        from risk.selectors_suitability import suitability_for_case
    except ImportError:
        return None
    return suitability_for_case(case, user)


@require_GET
def case_assessments(request: HttpRequest, pk: int) -> HttpResponse:
    case = permissions.get_case_for_user(request.user, pk, permissions.CASE_VIEW)
    people = selectors.case_people(case=case, user=request.user)
    victims, offenders = people[Side.VICTIM], people[Side.OFFENDER]
    if not victims and not offenders:
        raise Http404("Not found")
    perms = case_perms(case, request.user, people)
    valid_days = settings_for(case.service).approval_valid_days
    rows = [
        _decorate(a, valid_days)
        for a in risk_selectors.case_assessments(case=case, victims=victims, offenders=offenders, case_visible=True)
    ]
    case_codes = perms.get((type(case), case.pk), set())

    groups = []
    specs = [
        *(
            (RiskSubject.OFFENDER, o, permissions.OFFENDER_CHANGE in perms.get((Offender, o.pk), set()))
            for o in offenders
        ),
        *((RiskSubject.VICTIM, v, permissions.VICTIM_CHANGE in perms.get((Victim, v.pk), set())) for v in victims),
        (RiskSubject.VENUE, None, permissions.CASE_CHANGE in case_codes),
        (RiskSubject.STAFF, None, permissions.CASE_CHANGE in case_codes),
    ]
    for subject, person, may_change in specs:
        label = RiskSubject(subject).label
        mine = [
            a
            for a in rows
            if a.subject == subject
            and (person is None or (a.victim_id if subject == RiskSubject.VICTIM else a.offender_id) == person.pk)
        ]
        groups.append(
            {
                "key": _target_value(subject, person).replace(":", "-"),
                "heading": f"{label}: {person.full_name}" if person is not None else label,
                "label": label.lower(),
                "target": _target_value(subject, person),
                "rows": mine,
                "may_start": may_change and case.is_open,
                # Only a person's record can take new risk information (not the venue or staff safety).
                "new_risk_url": (
                    reverse("risk:new_risk_new", args=[subject, person.pk])
                    if person is not None and may_change and case.is_open
                    else ""
                ),
                # An unfinished pre-conference version is continued, not started again.
                "open_pre_conference": next(
                    (
                        a
                        for a in mine
                        if a.point == AssessmentPoint.PRE_CONFERENCE and a.status != AssessmentStatus.APPROVED
                    ),
                    None,
                ),
            }
        )
    for kind, group_people in ((Side.VICTIM, victims), (Side.OFFENDER, offenders)):
        if group_people:
            log_processing(
                user=request.user,
                operation=Operation.CONSULTATION,
                person_kind=kind,
                person_ids=[p.pk for p in group_people],
                case_id=case.pk,
                object_type="RiskAssessment",
                reason="Case risk assessments viewed",
                request=request,
            )
    context = {
        **case_header_context(case, request.user, "assessments", perms),
        "groups": groups,
        "suitability": _suitability(case, request.user),
        "new_url": reverse("risk:assessment_new", args=[case.pk]),
        "pre_conference": AssessmentPoint.PRE_CONFERENCE,
    }
    return render(request, "risk/assessments/case.html", context)


# --- Starting an assessment ----------------------------------------------------------------------


def _targets(case, user: User) -> tuple[list[tuple[str, str]], dict[str, tuple[str, Victim | Offender | None]]]:
    people = selectors.case_people(case=case, user=user)
    perms = permissions.perms_on(user, [case, *people[Side.VICTIM], *people[Side.OFFENDER]])
    choices: list[tuple[str, str]] = []
    lookup: dict[str, tuple[str, Victim | Offender | None]] = {}
    for subject, model, perm, side in (
        (RiskSubject.OFFENDER, Offender, permissions.OFFENDER_CHANGE, Side.OFFENDER),
        (RiskSubject.VICTIM, Victim, permissions.VICTIM_CHANGE, Side.VICTIM),
    ):
        for person in people[side]:
            if perm in perms.get((model, person.pk), set()):
                value = _target_value(subject, person)
                choices.append((value, f"{RiskSubject(subject).label}: {person.full_name}"))
                lookup[value] = (subject, person)
    if permissions.CASE_CHANGE in perms.get((type(case), case.pk), set()):
        for subject in (RiskSubject.VENUE, RiskSubject.STAFF):
            choices.append((subject, RiskSubject(subject).label))
            lookup[subject] = (subject, None)
    return choices, lookup


@require_http_methods(["GET", "POST"])
def assessment_new(request: HttpRequest, pk: int) -> HttpResponse:
    case = permissions.get_case_for_user(request.user, pk, permissions.CASE_CHANGE)
    if not case.is_open:
        raise Http404("Not found")
    choices, lookup = _targets(case, request.user)
    if not choices:
        raise Http404("Not found")
    if request.method == "POST":
        form = StartForm(request.POST, targets=choices)
    else:
        initial = {k: request.GET[k] for k in ("target", "point") if request.GET.get(k)}
        form = StartForm(initial=initial, targets=choices)
    if request.method == "POST" and form.is_valid():
        subject, person = lookup[form.cleaned_data["target"]]
        try:
            assessment = services.assessment_start(
                case=case, actor=request.user, subject=subject, person=person, point=form.cleaned_data["point"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{assessment} started")
            return redirect("risk:assessment_edit", pk=assessment.pk)
    status = 422 if form.is_bound else 200
    return render(
        request,
        "risk/assessments/new.html",
        {"case": case, "form": form, "back_url": reverse("risk:case_assessments", args=[case.pk])},
        status=status,
    )


# --- One assessment -------------------------------------------------------------------------------


def _approval_history(assessment: RiskAssessment) -> list[dict[str, Any]]:
    """Each change of status, from the assessment's history (one query)."""
    entries: list[dict[str, Any]] = []
    last_status = None
    for record in assessment.history.select_related("history_user").order_by("history_date", "history_id"):
        if record.status == last_status:
            continue
        label = {
            AssessmentStatus.DRAFT: "Started",
            AssessmentStatus.SUBMITTED: "Submitted for approval" if last_status != "returned" else "Resubmitted",
            AssessmentStatus.RETURNED: "Returned with comments",
            AssessmentStatus.APPROVED: "Approved",
        }.get(record.status, record.status)
        by = record.history_user.display_name if record.history_user else ""
        comment = (
            record.decision_comment if record.status in (AssessmentStatus.RETURNED, AssessmentStatus.APPROVED) else ""
        )
        entries.append({"when": record.history_date, "label": label, "by": by, "comment": comment})
        last_status = record.status
    return entries


def _detail_context(
    request: HttpRequest,
    assessment: RiskAssessment,
    *,
    approve_form: ApproveForm | None = None,
    return_form: ReturnForm | None = None,
) -> dict[str, Any]:
    case = assessment.case
    user = request.user
    valid_days = settings_for(case.service).approval_valid_days
    _decorate(assessment, valid_days)
    writable = can_write(user, assessment)
    may_decide = user.has_perm("core.approve_assessments") and not services.approval_problem(assessment, user)
    newest = not RiskAssessment.objects.filter(previous=assessment).exists()
    context = {
        **case_header_context(case, user, "assessments"),
        "assessment": assessment,
        "subject_heading": _subject_heading(assessment),
        "side": _side(assessment),
        "answers": risk_selectors.answers_for(assessment),
        "history": _approval_history(assessment),
        "may_edit": writable and assessment.is_editable and case.is_open,
        "may_new_version": writable and assessment.status == AssessmentStatus.APPROVED and newest and case.is_open,
        "may_decide": may_decide,
        "approve_form": approve_form or ApproveForm(),
        "return_form": return_form or ReturnForm(),
        "target": _target_value(assessment.subject, assessment.participant),
        **_case_link(case, user),
    }
    return context


def _case_link(case, user: User) -> dict[str, str]:
    """Back to the case: its Assessments tab for the RJ team, the progress page for an offender manager
    (who may read their offender's assessments where the service allows it, but not the case pages)."""
    if permissions.has_object_perm(user, permissions.CASE_VIEW, case):
        return {
            "case_url": reverse("risk:case_assessments", args=[case.pk]),
            "case_link_text": "All assessments on this case",
        }
    if permissions.has_object_perm(user, permissions.CASE_PROGRESS, case):
        return {
            "case_url": reverse("cases:case_progress", args=[case.pk]),
            "case_link_text": "Back to the case progress",
        }
    return {"case_url": "", "case_link_text": ""}


@require_GET
def assessment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = get_assessment_for_user(request.user, pk)
    _log_consultation(request, assessment, "Risk assessment viewed")
    return render(request, "risk/assessments/detail.html", _detail_context(request, assessment))


@require_http_methods(["GET", "POST"])
def assessment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = get_assessment_for_user(request.user, pk, write=True)
    if not assessment.is_editable or not assessment.case.is_open:
        if assessment.status == AssessmentStatus.APPROVED:
            messages.info(request, services.FROZEN_MESSAGE)
        elif assessment.status == AssessmentStatus.SUBMITTED:
            messages.info(request, services.SUBMITTED_MESSAGE)
        else:
            messages.info(request, "This case is closed: its assessments can no longer be changed")
        return redirect("risk:assessment_detail", pk=assessment.pk)
    answers = risk_selectors.answers_for(assessment)
    data = request.POST if request.method == "POST" else None
    form = AssessmentForm(data, answers=answers, assessment=assessment)
    if request.method == "POST" and form.is_valid():
        submit = request.POST.get("action") == "submit"
        try:
            with transaction.atomic():
                services.assessment_update(
                    assessment=assessment, actor=request.user, answers=form.answers(), data=form.assessment_data()
                )
                if submit:
                    services.assessment_submit(assessment=assessment, actor=request.user)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, "Risk assessment submitted for approval" if submit else "Risk assessment saved as a draft"
            )
            return redirect("risk:assessment_detail", pk=assessment.pk)
    else:
        _log_consultation(request, assessment, "Risk assessment opened to change")
    context = {
        **case_header_context(assessment.case, request.user, "assessments"),
        "assessment": _decorate(assessment, settings_for(assessment.case.service).approval_valid_days),
        "subject_heading": _subject_heading(assessment),
        "side": _side(assessment),
        "form": form,
        "back_url": reverse("risk:assessment_detail", args=[assessment.pk]),
    }
    return render(request, "risk/assessments/edit.html", context, status=422 if form.is_bound else 200)


@require_capability("core.approve_assessments")
@require_POST
def assessment_approve(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = get_assessment_for_user(request.user, pk)
    form = ApproveForm(request.POST)
    if form.is_valid():
        try:
            services.assessment_approve(assessment=assessment, actor=request.user, comment=form.cleaned_data["comment"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Risk assessment on {assessment.case.reference} approved")
            return redirect("risk:assessment_detail", pk=assessment.pk)
    assessment.refresh_from_db()
    return render(
        request, "risk/assessments/detail.html", _detail_context(request, assessment, approve_form=form), status=422
    )


@require_capability("core.approve_assessments")
@require_POST
def assessment_return(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = get_assessment_for_user(request.user, pk)
    form = ReturnForm(request.POST)
    if form.is_valid():
        try:
            services.assessment_return(assessment=assessment, actor=request.user, comment=form.cleaned_data["comment"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Risk assessment on {assessment.case.reference} returned with comments")
            return redirect("risk:assessment_detail", pk=assessment.pk)
    assessment.refresh_from_db()
    return render(
        request, "risk/assessments/detail.html", _detail_context(request, assessment, return_form=form), status=422
    )


# --- The approvals queue --------------------------------------------------------------------------


@require_capability("core.approve_assessments")
@require_GET
def approvals(request: HttpRequest) -> HttpResponse:
    queue = risk_selectors.approvals_queue(user=request.user)
    page = keyset_page(
        queue, field="submitted_at", descending=False, token=request.GET.get("page", ""), size=QUEUE_PAGE_SIZE
    )
    today = clock.today()
    for row in page.rows:
        submitted_on: dt.date = timezone.localdate(row.submitted_at)
        row.age = working_days_between(submitted_on, today)
        row.rating_tag = RATING_TAGS.get(row.rating, "")
        row.highlight = row.rating in (RiskLevel.MEDIUM, RiskLevel.HIGH)
        row.url = reverse("risk:assessment_detail", args=[row.pk])
    return render(request, "risk/approvals.html", {"page": page, **page_links(request, page)})


urlpatterns: list[URLPattern] = [
    path("approvals/", approvals, name="approvals"),
    path("cases/<int:pk>/", case_assessments, name="case_assessments"),
    path("cases/<int:pk>/assessments/new/", assessment_new, name="assessment_new"),
    path("assessments/<int:pk>/", assessment_detail, name="assessment_detail"),
    path("assessments/<int:pk>/change/", assessment_edit, name="assessment_edit"),
    path("assessments/<int:pk>/approve/", assessment_approve, name="assessment_approve"),
    path("assessments/<int:pk>/return/", assessment_return, name="assessment_return"),
]

"""Referral intake, duplicate checks, screening, exceptional-circumstances approval and targeting criteria."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils.dateformat import format as date_format
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from cases import permissions
from cases.forms.referrals import CriteriaForm, EligibilityForm, ExceptionalForm, ReferralForms
from cases.models import Case, ExceptionalStatus, Stage
from cases.selectors_referrals import criteria_version, criteria_versions, duplicates_for_case, latest_decision
from cases.services import referrals as services
from core.access import require_capability
from core.forms import add_service_errors
from core.pagination import keyset_page

CASE_RELATED = ("service", "main_offence", "lead_facilitator", "second_facilitator")


def case_url(pk: int) -> str:
    """The case page once it exists; the referral confirmation until then."""
    try:
        return reverse("cases:case_detail", args=[pk])
    except NoReverseMatch:
        return reverse("cases:referral_done", args=[pk])


def _case_header(case: Case, active_tab: str) -> dict[str, Any]:
    return {"case": case, "active_tab": active_tab, "case_tabs": []}


# --- Referral intake --------------------------------------------------------------------------


def _duplicate_rows(user: User, matches: list[services.DuplicateMatch]) -> list[dict[str, Any]]:
    """The possible duplicates the user may open; the others are only counted on the page."""
    if not user.is_rj_team:
        return []
    perms = permissions.perms_on(user, [m.case for m in matches])
    rows = []
    for match in matches:
        held = perms.get((Case, match.case.pk), set())
        can_view = permissions.CASE_VIEW in held
        if not can_view:
            continue
        rows.append(
            {
                "case": match.case,
                "reasons": match.reasons,
                "url": case_url(match.case.pk) if can_view else "",
                "can_link": can_view,
            }
        )
    return rows


def _carried_fields(request: HttpRequest) -> list[tuple[str, str]]:
    """Everything typed on the referral page, to re-post with "Add to this case instead"."""
    return [
        (name, value)
        for name, values in request.POST.lists()
        if name != "csrfmiddlewaretoken" and not name.startswith("duplicate-")
        for value in values
    ]


def _referral_page(request: HttpRequest, forms: ReferralForms, *, status: int = 200, **extra: Any) -> HttpResponse:
    context = {
        "forms": forms,
        "about": forms.about,
        "offence": forms.offence,
        "offender": forms.offender,
        "victim": forms.victim,
        "documents": forms.documents,
        "is_rj_team": forms.is_rj_team,
        "duplicates_found": False,
        **extra,
    }
    return render(request, "cases/referrals/new.html", context, status=status)


@require_capability("core.refer_case")
@require_http_methods(["GET", "POST"])
def referral_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    forms = ReferralForms(user, request.POST if request.method == "POST" else None)
    if request.method == "GET":
        return _referral_page(request, forms)
    if forms.is_valid():
        # Offender-side staff and VLOs are never told whether a case exists: the RJ team
        # checks for duplicates when it screens their referral.
        matches = services.find_duplicates(service=user.service, **forms.duplicate_query()) if user.is_rj_team else []
        if matches and not forms.confirmed_new:
            rows = _duplicate_rows(user, matches)
            return _referral_page(
                request,
                forms,
                duplicates_found=True,
                duplicates=rows,
                hidden_duplicate_count=len(matches) - len(rows),
                duplicate_count=len(matches),
                carried_fields=_carried_fields(request),
            )
        try:
            case = services.referral_register(
                actor=user,
                service=user.service,
                case_data=forms.case_data(),
                offender_data=forms.offender_data(),
                victim_data=forms.victim_data(),
            )
        except ValidationError as exc:
            forms.add_service_errors(exc)
        else:
            return redirect("cases:referral_done", pk=case.pk)
    return _referral_page(request, forms, status=422)


def _link_summary(forms: ReferralForms, user: User) -> str:
    data = forms.case_data()
    summary = f"Further referral from {data['referral_source']}, dated {date_format(data['referral_date'], 'j F Y')}"
    summary += f": {data['main_offence']}"
    if data.get("police_reference"):
        summary += f", offence reference {data['police_reference']}"
    referrer = ", ".join(p for p in (data.get("referrer_name"), data.get("referrer_agency")) if p)
    summary += f". Referred by {referrer or user.display_name}."
    if forms.victim_data() is not None:
        summary += " A person harmed was added."
    return summary


@require_capability("core.refer_case")
@require_POST
def referral_link(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    if not user.is_rj_team:
        raise Http404("Not found")
    case = permissions.get_case_for_user(user, pk, permissions.CASE_VIEW)
    forms = ReferralForms(user, request.POST)
    if forms.is_valid():
        try:
            services.referral_link(
                case=case, actor=user, summary=_link_summary(forms, user), victim_data=forms.victim_data()
            )
        except ValidationError as exc:
            forms.add_service_errors(exc)
        else:
            messages.success(request, f"The referral was added to case {case.reference}")
            return redirect(case_url(case.pk))
    return _referral_page(request, forms, status=422)


@require_GET
def referral_done(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    try:
        case = permissions.get_case_any_for_user(
            user, pk, [permissions.CASE_VIEW, permissions.CASE_PROGRESS], break_glass=False
        )
    except Http404:
        case = permissions.get_case_registered_by(user, pk)
    can_screen = (
        case.stage == Stage.REFERRAL
        and user.has_perm("core.screen_referrals")
        and permissions.has_object_perm(user, permissions.CASE_VIEW, case)
    )
    return render(
        request,
        "cases/referrals/done.html",
        {
            "case": case,
            "is_rj_team": user.is_rj_team,
            "can_screen": can_screen,
            "follows_referrals": user.has_perm("core.view_my_referrals"),
        },
    )


# --- Screening --------------------------------------------------------------------------------

EXCEPTIONAL_FLAGS = (
    ("flag_domestic_abuse", "Domestic abuse"),
    ("flag_sexual", "Sexual offence"),
    ("flag_hate_crime", "Hate crime"),
    ("flag_caused_death", "Offence caused death"),
    ("flag_child_victim", "Child victim"),
)


def _exceptional_flags(case: Case) -> list[str]:
    return [label for field, label in EXCEPTIONAL_FLAGS if getattr(case, field)]


def _matches_with_links(user: User, case: Case) -> list[dict[str, Any]]:
    matches = duplicates_for_case(case)
    perms = permissions.perms_on(user, [m.case for m in matches])
    return [
        {
            "case": m.case,
            "reasons": m.reasons,
            "url": case_url(m.case.pk) if permissions.CASE_VIEW in perms.get((Case, m.case.pk), set()) else "",
        }
        for m in matches
    ]


@require_capability("core.screen_referrals")
@require_http_methods(["GET", "POST"])
def eligibility(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    case = permissions.get_case_for_user(
        user, pk, permissions.CASE_VIEW, queryset=Case.objects.select_related(*CASE_RELATED)
    )
    decision = latest_decision(case)
    awaiting = decision is not None and decision.exceptional_status == ExceptionalStatus.AWAITING
    form = EligibilityForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            if awaiting:
                raise ValidationError("This case has already been screened: it is waiting for a manager's decision.")
            decision = services.eligibility_decide(case=case, actor=user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if decision.exceptional_status == ExceptionalStatus.AWAITING:
                messages.success(request, "Screening recorded: the case now needs a manager's approval")
            elif decision.eligible:
                messages.success(request, f"Case {case.reference} is eligible and ready to allocate")
            else:
                messages.success(request, f"Case {case.reference} is not eligible: it will not proceed")
            return redirect("cases:eligibility", pk=case.pk)
    criteria = services.criteria_current(case.service)
    can_decide = case.stage == Stage.REFERRAL and not awaiting
    context = {
        **_case_header(case, "eligibility"),
        "form": form,
        "criteria": criteria,
        "can_decide": can_decide,
        "checks": services.criteria_checks(case, criteria) if criteria and can_decide else [],
        "exceptional_flags": _exceptional_flags(case),
        "youth_count": len(services.youth_offenders(case)) if can_decide else 0,
        "duplicates": _matches_with_links(user, case) if can_decide else [],
        "decision": decision,
        "can_approve": user.has_perm("core.approve_assessments"),
        "can_configure": user.has_perm("core.configure_service"),
    }
    return render(request, "cases/eligibility/screen.html", context, status=422 if form.errors else 200)


@require_capability("core.approve_assessments")
@require_http_methods(["GET", "POST"])
def exceptional(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    case = permissions.get_case_for_user(
        user, pk, permissions.CASE_VIEW, queryset=Case.objects.select_related(*CASE_RELATED)
    )
    decision = latest_decision(case)
    form = ExceptionalForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if decision is None:
            raise Http404("Not found")
        if form.is_valid():
            try:
                services.exceptional_decide(decision=decision, actor=user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                outcome = (
                    "approved: it may go ahead" if form.cleaned_data["approve"] else "refused: it will not proceed"
                )
                messages.success(request, f"Exceptional circumstances for case {case.reference} {outcome}")
                return redirect("cases:eligibility", pk=case.pk)
    context = {
        **_case_header(case, "eligibility"),
        "form": form,
        "decision": decision,
        "awaiting": decision is not None and decision.exceptional_status == ExceptionalStatus.AWAITING,
        "exceptional_flags": _exceptional_flags(case),
    }
    return render(request, "cases/eligibility/exceptional.html", context, status=422 if form.errors else 200)


# --- Targeting criteria -----------------------------------------------------------------------


@require_capability("core.configure_service")
@require_GET
def criteria(request: HttpRequest) -> HttpResponse:
    service = request.user.service
    page = keyset_page(criteria_versions(service), field="version", token=request.GET.get("page", ""))
    current = services.criteria_current(service)
    return render(
        request,
        "cases/criteria/list.html",
        {
            "page": page,
            "current": criteria_version(service, current.version) if current else None,
        },
    )


@require_capability("core.configure_service")
@require_http_methods(["GET", "POST"])
def criteria_new(request: HttpRequest) -> HttpResponse:
    service = request.user.service
    current = services.criteria_current(service)
    if request.method == "POST":
        form = CriteriaForm(request.POST)
        if form.is_valid():
            try:
                published = services.criteria_publish(service=service, actor=request.user, data=dict(form.cleaned_data))
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"Targeting criteria version {published.version} published")
                return redirect("cases:criteria")
        return render(request, "cases/criteria/new.html", {"form": form, "current": current}, status=422)
    form = CriteriaForm(initial=CriteriaForm.initial_from(current))
    return render(request, "cases/criteria/new.html", {"form": form, "current": current})


@require_capability("core.configure_service")
@require_GET
def criteria_detail(request: HttpRequest, version: int) -> HttpResponse:
    service = request.user.service
    criteria = criteria_version(service, version)
    current = services.criteria_current(service)
    return render(
        request,
        "cases/criteria/detail.html",
        {
            "criteria": criteria,
            "is_current": current is not None and current.pk == criteria.pk,
            "decision_count": criteria.decisions.count(),
        },
    )


urlpatterns: list[URLPattern] = [
    path("referrals/new/", referral_new, name="referral_new"),
    path("referrals/<int:pk>/done/", referral_done, name="referral_done"),
    path("<int:pk>/link-referral/", referral_link, name="referral_link"),
    path("<int:pk>/eligibility/", eligibility, name="eligibility"),
    path("<int:pk>/exceptional/", exceptional, name="exceptional"),
    path("settings/criteria/", criteria, name="criteria"),
    path("settings/criteria/new/", criteria_new, name="criteria_new"),
    path("settings/criteria/<int:version>/", criteria_detail, name="criteria_detail"),
]

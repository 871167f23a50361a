"""Outcome agreements: writing the items, signatures, the printable copies for each side, the
distribution log, the follow-up of each item, and updates given to the person harmed.

Agreement pages name both sides, so they open only for people who see every person on the case
(agreements.access.case_for_team); writes also need the permission to work the case. The
managers' list of overdue items covers the cases of their service they may see.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from agreements.access import case_for_team, refused, sees_everyone
from agreements.forms.outcome import CopyForm, ItemForm, OutcomeForm, SignaturesForm, UpdatesForm, VictimUpdateForm
from agreements.models import (
    AgreementItem,
    AgreementStatus,
    Conference,
    CopyVersion,
    IndirectCommunication,
    ItemStatus,
    OutcomeAgreement,
)
from agreements.services import outcome as services
from audit.models import Operation, PersonKind
from audit.services import log_processing
from cases import permissions, selectors
from cases.models import Case, Offender, Victim
from cases.views.case_page import case_header_context
from cases.views.lists import page_links
from core import clock
from core.access import require_capability
from core.forms import add_service_errors, record_id
from core.pagination import keyset_page
from core.pdf import pdf_response, render_pdf

STATUS_TAGS = {
    AgreementStatus.DRAFT: "govuk-tag--blue",
    AgreementStatus.AGREED: "govuk-tag--turquoise",
    AgreementStatus.CLOSED: "govuk-tag--grey",
}
ITEM_TAGS = {
    ItemStatus.OPEN: "govuk-tag--blue",
    ItemStatus.DONE: "govuk-tag--green",
    ItemStatus.PARTLY_DONE: "govuk-tag--yellow",
    ItemStatus.NOT_DONE: "govuk-tag--red",
}


# --- Access ----------------------------------------------------------------------------------


def agreement_for_user(user: User, pk: int, *, write: bool = False) -> OutcomeAgreement:
    agreement = (
        OutcomeAgreement.objects.filter(pk=pk)
        .select_related("conference", "indirect", "created_by")
        .prefetch_related("victims", "offenders")
        .first()
    )
    if agreement is None:
        raise refused("OutcomeAgreement", pk, user)
    case, _ = case_for_team(user, agreement.case_id, write=write)
    agreement.case = case
    return agreement


def item_for_user(user: User, pk: int, *, write: bool = False) -> AgreementItem:
    item = AgreementItem.objects.filter(pk=pk).only("pk", "agreement_id").first()
    if item is None:
        raise refused("AgreementItem", pk, user)
    agreement = agreement_for_user(user, item.agreement_id, write=write)
    item = (
        AgreementItem.objects.select_related("responsible_victim", "responsible_offender", "outcome_recorded_by")
        .select_related("signed_off_by")
        .get(pk=pk)
    )
    item.agreement = agreement
    return item


def _log_parties(request: HttpRequest, agreement: OutcomeAgreement, reason: str, operation: str) -> None:
    for kind, people in (
        (PersonKind.VICTIM, list(agreement.victims.all())),
        (PersonKind.OFFENDER, list(agreement.offenders.all())),
    ):
        if people:
            log_processing(
                user=request.user,
                operation=operation,
                person_kind=kind,
                person_ids=[p.pk for p in people],
                case_id=agreement.case_id,
                object_type="OutcomeAgreement",
                object_id=agreement.pk,
                reason=reason,
                request=request,
            )


def _may_change(agreement: OutcomeAgreement, user: User) -> bool:
    case = agreement.case
    return case.is_open and permissions.has_object_perm(user, permissions.CASE_CHANGE, case)


def _page(request: HttpRequest, agreement: OutcomeAgreement, template: str, context: dict, status: int = 200):
    context = {
        **case_header_context(agreement.case, request.user, "activity"),
        "agreement": agreement,
        "back_url": reverse("agreements:agreement_detail", args=[agreement.pk]),
        **context,
    }
    return render(request, template, context, status=status)


def _form_view(
    request: HttpRequest,
    agreement: OutcomeAgreement,
    form: Any,
    save: Any,
    *,
    template: str,
    done: str,
    context: dict | None = None,
    redirect_to: str | None = None,
) -> HttpResponse:
    """GET shows the form; a valid POST calls `save(cleaned_data)` and goes back to the agreement."""
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                result = save(form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, done)
                target = redirect_to(result) if callable(redirect_to) else redirect_to
                return redirect(target or reverse("agreements:agreement_detail", args=[agreement.pk]))
        status = 422
    return _page(request, agreement, template, {"form": form, **(context or {})}, status)


# --- Starting an agreement -------------------------------------------------------------------


def _start(request: HttpRequest, case: Case, back: str, **activity: Any) -> HttpResponse:
    try:
        agreement = services.agreement_start(case=case, actor=request.user, **activity)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(back)
    messages.success(request, "Agreement started. Add each item that was agreed")
    return redirect("agreements:agreement_detail", pk=agreement.pk)


@require_POST
def agreement_from_conference(request: HttpRequest, pk: int) -> HttpResponse:
    from agreements.views.conferences import conference_for_user

    conference = conference_for_user(request.user, pk, write=True)
    existing = OutcomeAgreement.objects.filter(conference=conference).first()
    if existing:
        return redirect("agreements:agreement_detail", pk=existing.pk)
    case_for_team(request.user, conference.case_id, write=True)
    back = reverse("agreements:conference_detail", args=[conference.pk])
    return _start(request, conference.case, back, conference=conference)


@require_POST
def agreement_from_indirect(request: HttpRequest, pk: int) -> HttpResponse:
    from agreements.views.indirect import communication_for_user

    communication, _ = communication_for_user(request.user, pk, write=True)
    existing = OutcomeAgreement.objects.filter(indirect=communication).first()
    if existing:
        return redirect("agreements:agreement_detail", pk=existing.pk)
    back = reverse("agreements:indirect_detail", args=[communication.pk])
    return _start(request, communication.case, back, indirect=communication)


def activity_agreement(activity: Conference | IndirectCommunication) -> OutcomeAgreement | None:
    """The agreement of a conference or indirect communication, if one was started."""
    if isinstance(activity, Conference):
        return OutcomeAgreement.objects.filter(conference=activity).first()
    return OutcomeAgreement.objects.filter(indirect=activity).first()


# --- The agreement page ----------------------------------------------------------------------


def _items(agreement: OutcomeAgreement) -> list[AgreementItem]:
    items = list(
        agreement.items.select_related(
            "responsible_victim", "responsible_offender", "outcome_recorded_by", "signed_off_by"
        ).order_by("number")
    )
    today = clock.today()
    for item in items:
        item.tag = ITEM_TAGS.get(item.status, "")
        item.overdue = item.status == ItemStatus.OPEN and item.target_date is not None and item.target_date < today
    return items


def responsible_label(item: AgreementItem) -> str:
    if item.responsible_victim_id:
        return item.responsible_victim.full_name
    if item.responsible_offender_id:
        return item.responsible_offender.full_name
    if item.responsible_other:
        return item.responsible_other
    return item.get_responsible_display()


@require_GET
def agreement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = agreement_for_user(request.user, pk)
    case = agreement.case
    _log_parties(request, agreement, "Outcome agreement", Operation.CONSULTATION)
    may_change = _may_change(agreement, request.user)
    items = _items(agreement)
    for item in items:
        item.responsible_text = responsible_label(item)
    victims, offenders = services.parties(agreement)
    unsigned_victims, unsigned_offenders = services.unsigned_parties(agreement)
    waiting_victims, waiting_offenders = services.copies_outstanding(agreement)
    copies_late = (
        agreement.status != AgreementStatus.DRAFT
        and (waiting_victims or waiting_offenders)
        and agreement.copies_due_on is not None
        and agreement.copies_due_on < clock.today()
    )
    draft = agreement.status == AgreementStatus.DRAFT
    following = agreement.status == AgreementStatus.AGREED
    context = {
        **case_header_context(case, request.user, "activity"),
        "agreement": agreement,
        "tag": STATUS_TAGS.get(agreement.status, ""),
        "items": items,
        "victims": victims,
        "offenders": offenders,
        "signatures": list(agreement.signatures.select_related("victim", "offender")),
        "unsigned": [p.full_name for p in (*unsigned_victims, *unsigned_offenders)],
        "copies": list(agreement.copies.select_related("victim", "offender", "recorded_by")),
        "copies_waiting": [p.full_name for p in (*waiting_victims, *waiting_offenders)],
        "copies_late": copies_late,
        "updates": list(
            agreement.victim_updates_given.select_related("participant", "item", "recorded_by").order_by(
                "-informed_on", "-id"
            )
        ),
        "may_write": may_change and draft,
        "may_sign": may_change and draft and bool(items),
        "may_follow_up": may_change and following,
        "may_record_copy": may_change and not draft,
        "may_sign_off": may_change and following and services.may_sign_off(case, request.user),
        "may_change_updates": may_change and agreement.status != AgreementStatus.CLOSED,
        "activity_url": reverse("agreements:conference_detail", args=[agreement.conference_id])
        if agreement.conference_id
        else reverse("agreements:indirect_detail", args=[agreement.indirect_id]),
        "back_url": reverse("agreements:case_activity", args=[case.pk]),
    }
    return render(request, "agreements/agreement/detail.html", context)


# --- Writing the items -----------------------------------------------------------------------


def _item_form(request: HttpRequest, agreement: OutcomeAgreement, initial: dict | None = None) -> ItemForm:
    return ItemForm(
        request.POST if request.method == "POST" else None,
        victims=agreement.victims.order_by("last_name", "id"),
        offenders=agreement.offenders.order_by("last_name", "id"),
        initial=initial or {"kind": "action"},
    )


@require_http_methods(["GET", "POST"])
def item_add(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = agreement_for_user(request.user, pk, write=True)
    if agreement.status != AgreementStatus.DRAFT:
        raise Http404("Not found")
    form = _item_form(request, agreement)
    return _form_view(
        request,
        agreement,
        form,
        lambda data: services.item_add(agreement=agreement, actor=request.user, data=data),
        template="agreements/agreement/item_form.html",
        done="Item added",
        context={"title": "Add an item"},
    )


@require_http_methods(["GET", "POST"])
def item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = item_for_user(request.user, pk, write=True)
    agreement = item.agreement
    if agreement.status != AgreementStatus.DRAFT:
        raise Http404("Not found")
    initial = {
        name: getattr(item, name) for name in ("kind", "description", "responsible", "responsible_other", "target_date")
    }
    initial.update(responsible_victim=item.responsible_victim, responsible_offender=item.responsible_offender)
    form = _item_form(request, agreement, initial)
    return _form_view(
        request,
        agreement,
        form,
        lambda data: services.item_update(item=item, actor=request.user, data=data),
        template="agreements/agreement/item_form.html",
        done=f"Item {item.number} changed",
        context={"title": f"Change item {item.number}"},
    )


@require_POST
def item_remove(request: HttpRequest, pk: int) -> HttpResponse:
    item = item_for_user(request.user, pk, write=True)
    try:
        services.item_remove(item=item, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _page(
            request, item.agreement, "agreements/agreement/problem.html", {"problem": " ".join(exc.messages)}, 422
        )
    messages.success(request, f"Item {item.number} removed")
    return redirect("agreements:agreement_detail", pk=item.agreement.pk)


@require_http_methods(["GET", "POST"])
def agreement_updates(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = agreement_for_user(request.user, pk, write=True)
    if agreement.status == AgreementStatus.CLOSED:
        raise Http404("Not found")
    form = UpdatesForm(
        request.POST if request.method == "POST" else None,
        initial={
            "victim_wants_updates": "yes" if agreement.victim_wants_updates else "no",
            "victim_updates": agreement.victim_updates,
            "victim_updates_until": agreement.victim_updates_until,
        },
    )
    return _form_view(
        request,
        agreement,
        form,
        lambda data: services.agreement_update(agreement=agreement, actor=request.user, data=data),
        template="agreements/agreement/form.html",
        done="Updates for the person harmed saved",
        context={"title": "Updates for the person harmed"},
    )


@require_http_methods(["GET", "POST"])
def signatures(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = agreement_for_user(request.user, pk, write=True)
    if agreement.status != AgreementStatus.DRAFT:
        raise Http404("Not found")
    waiting_victims, waiting_offenders = services.unsigned_parties(agreement)
    form = SignaturesForm(
        request.POST if request.method == "POST" else None,
        victims=Victim.objects.filter(pk__in=[v.pk for v in waiting_victims]).order_by("last_name", "id"),
        offenders=Offender.objects.filter(pk__in=[o.pk for o in waiting_offenders]).order_by("last_name", "id"),
        initial={"signed_on": agreement.activity_on},
    )

    def save(data: dict) -> OutcomeAgreement:
        return services.signatures_record(
            agreement=agreement,
            actor=request.user,
            signed_on=data["signed_on"],
            victims=list(data.get("victims") or []),
            offenders=list(data.get("offenders") or []),
        )

    return _form_view(
        request,
        agreement,
        form,
        save,
        template="agreements/agreement/form.html",
        done="Signatures recorded",
        context={"title": "Record who signed the agreement"},
    )


# --- Printable copies ------------------------------------------------------------------------


@require_GET
def agreement_pdf(request: HttpRequest, pk: int, version: str) -> HttpResponse:
    """The A4 copy for one side. It names the parties as the agreement does and holds nobody's contact details."""
    if version not in CopyVersion.values:
        raise Http404("Not found")
    agreement = agreement_for_user(request.user, pk)
    if agreement.status == AgreementStatus.DRAFT and not _may_change(agreement, request.user):
        raise Http404("Not found")
    items = _items(agreement)
    for item in items:
        item.responsible_text = responsible_label(item)
    victims, offenders = services.parties(agreement)
    _log_parties(request, agreement, f"Outcome agreement printed ({version} copy)", Operation.CONSULTATION)
    context = {
        "agreement": agreement,
        "case": agreement.case,
        "items": items,
        "victims": victims,
        "offenders": offenders,
        "version": version,
        "version_label": CopyVersion(version).label,
        "is_draft": agreement.status == AgreementStatus.DRAFT,
        "service": agreement.case.service,
    }
    pdf = render_pdf("agreements/pdf/agreement.html", context, request=request)
    return pdf_response(pdf, filename=f"agreement-{agreement.case.reference}-{version}.pdf")


# --- Distribution log ------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def copy_add(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = agreement_for_user(request.user, pk, write=True)
    if agreement.status == AgreementStatus.DRAFT:
        raise Http404("Not found")
    form = CopyForm(
        request.POST if request.method == "POST" else None,
        victims=agreement.victims.order_by("last_name", "id"),
        offenders=agreement.offenders.order_by("last_name", "id"),
        initial={"sent_on": clock.today()},
    )
    return _form_view(
        request,
        agreement,
        form,
        lambda data: services.copy_record(agreement=agreement, actor=request.user, data=data),
        template="agreements/agreement/form.html",
        done="Copy recorded",
        context={"title": "Record a copy given or sent"},
    )


# --- Follow-up -------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def item_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    item = item_for_user(request.user, pk, write=True)
    agreement = item.agreement
    if agreement.status != AgreementStatus.AGREED or item.signed_off_at is not None:
        raise Http404("Not found")
    form = OutcomeForm(
        request.POST if request.method == "POST" else None,
        initial={
            "status": item.status if item.status != ItemStatus.OPEN else None,
            "outcome_on": item.outcome_on or clock.today(),
            "comment": item.outcome_comment,
        },
    )

    def save(data: dict) -> list:
        return services.item_outcome_record(
            item=item,
            actor=request.user,
            status=data["status"],
            outcome_on=data["outcome_on"],
            comment=data["comment"],
        )

    def after(tasks: list) -> str:
        if tasks:
            messages.info(request, "Tell the person harmed how this item went, then record what you told them")
            return reverse("agreements:victim_update_add", args=[agreement.pk]) + f"?item={item.pk}"
        return reverse("agreements:agreement_detail", args=[agreement.pk])

    item.responsible_text = responsible_label(item)
    return _form_view(
        request,
        agreement,
        form,
        save,
        template="agreements/agreement/outcome_form.html",
        done=f"Outcome of item {item.number} recorded",
        context={"title": f"Record how item {item.number} went", "item": item},
        redirect_to=after,
    )


@require_POST
def item_sign_off(request: HttpRequest, pk: int) -> HttpResponse:
    item = item_for_user(request.user, pk, write=True)
    try:
        services.item_sign_off(item=item, actor=request.user)
    except ValidationError as exc:
        return _page(
            request, item.agreement, "agreements/agreement/problem.html", {"problem": " ".join(exc.messages)}, 422
        )
    agreement = OutcomeAgreement.objects.get(pk=item.agreement.pk)
    text = f"Item {item.number} signed off"
    if agreement.status == AgreementStatus.CLOSED:
        text += ". Every item is resolved: the agreement is closed"
    messages.success(request, text)
    return redirect("agreements:agreement_detail", pk=agreement.pk)


@require_http_methods(["GET", "POST"])
def victim_update_add(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = agreement_for_user(request.user, pk, write=True)
    if agreement.status == AgreementStatus.DRAFT or not agreement.victims.exists():
        raise Http404("Not found")
    raw = request.GET.get("item", "")
    item_id = record_id(raw)
    item = agreement.items.filter(pk=item_id).first() if item_id is not None else None
    victims = agreement.victims.order_by("last_name", "id")
    form = VictimUpdateForm(
        request.POST if request.method == "POST" else None,
        victims=victims,
        initial={"informed_on": clock.today(), "victim": victims.first()},
    )
    if request.method == "GET":
        log_processing(
            user=request.user,
            operation=Operation.CONSULTATION,
            person_kind=PersonKind.VICTIM,
            person_ids=[v.pk for v in victims],
            case_id=agreement.case_id,
            object_type="OutcomeAgreement",
            object_id=agreement.pk,
            reason="Form to record an update given to the person harmed",
            request=request,
        )

    def save(data: dict) -> Any:
        return services.victim_update_record(
            agreement=agreement, actor=request.user, victim=data["victim"], item=item, data=data
        )

    if item is not None:
        item.responsible_text = responsible_label(item)
    return _form_view(
        request,
        agreement,
        form,
        save,
        template="agreements/agreement/victim_update_form.html",
        done="Update to the person harmed recorded",
        context={"title": "Record what the person harmed was told", "item": item, "side": "victim"},
    )


# --- The managers' list of overdue items -----------------------------------------------------


@require_capability("core.allocate_cases")
@require_GET
def overdue_items(request: HttpRequest) -> HttpResponse:
    """Items past their target date with no outcome, oldest first, on the cases of the manager's service."""
    today = clock.today()
    cases = permissions.visible(Case.objects.all(), request.user, permissions.CASE_CHANGE)
    items = AgreementItem.objects.filter(
        agreement__status=AgreementStatus.AGREED,
        agreement__case__in=cases.values("pk"),
        status=ItemStatus.OPEN,
        target_date__lt=today,
    ).select_related("agreement__case__lead_facilitator")
    page = keyset_page(items, field="target_date", descending=False, token=request.GET.get("page", ""))
    rows = [
        {
            "item": item,
            "case": item.agreement.case,
            "days": (today - item.target_date).days,
            "url": reverse("agreements:agreement_detail", args=[item.agreement_id]) + f"#item-{item.pk}",
        }
        for item in page.rows
    ]
    return render(request, "agreements/overdue_items.html", {"rows": rows, "page": page, **page_links(request, page)})


# --- What offender-side staff see ------------------------------------------------------------


def offender_side_summary(case: Case, user: User) -> dict[str, Any]:
    """For an offender manager's progress page: conference dates and statuses, and the agreed items
    their offenders are responsible for. Never the parties, the write-up or anyone else's items."""
    offenders = list(selectors.offenders_for_offender_manager(user=user, case=case).only("pk"))
    if not offenders:
        return {"show": False}
    ids = [o.pk for o in offenders]
    items = (
        AgreementItem.objects.filter(
            agreement__case=case,
            agreement__status__in=(AgreementStatus.AGREED, AgreementStatus.CLOSED),
            responsible_offender_id__in=ids,
        )
        .select_related("responsible_offender")
        .order_by("target_date", "id")
    )
    conferences = case.conferences.only("date", "status").order_by("-date")
    return {
        "show": True,
        "conferences": list(conferences),
        "items": [{"item": i, "tag": ITEM_TAGS.get(i.status, "")} for i in items],
    }


urlpatterns: list[URLPattern] = [
    path("conferences/<int:pk>/agreement/", agreement_from_conference, name="agreement_from_conference"),
    path("indirect/<int:pk>/agreement/", agreement_from_indirect, name="agreement_from_indirect"),
    path("agreements/<int:pk>/", agreement_detail, name="agreement_detail"),
    path("agreements/<int:pk>/items/add/", item_add, name="item_add"),
    path("agreements/<int:pk>/updates/", agreement_updates, name="agreement_updates"),
    path("agreements/<int:pk>/signatures/", signatures, name="agreement_signatures"),
    path("agreements/<int:pk>/copy/<str:version>.pdf", agreement_pdf, name="agreement_pdf"),
    path("agreements/<int:pk>/copies/add/", copy_add, name="copy_add"),
    path("agreements/<int:pk>/victim-updates/add/", victim_update_add, name="victim_update_add"),
    path("agreement-items/<int:pk>/change/", item_edit, name="item_edit"),
    path("agreement-items/<int:pk>/remove/", item_remove, name="item_remove"),
    path("agreement-items/<int:pk>/outcome/", item_outcome, name="item_outcome"),
    path("agreement-items/<int:pk>/sign-off/", item_sign_off, name="item_sign_off"),
    path("overdue-items/", overdue_items, name="overdue_items"),
]


def case_section(case: Case, user: User) -> dict[str, Any]:
    """The case's outcome agreements, for someone who sees every person on the case (else hidden)."""
    people = selectors.case_people(case=case, user=user)
    if not permissions.has_object_perm(user, permissions.CASE_VIEW, case) or not sees_everyone(case, user, people):
        return {"show": False}
    agreements = case.agreements.annotate(
        item_count=Count("items", distinct=True),
        resolved_count=Count("items", filter=Q(items__signed_off_at__isnull=False), distinct=True),
    ).order_by("-activity_on", "-id")
    return {
        "show": True,
        "agreements": [
            {
                "agreement": a,
                "tag": STATUS_TAGS.get(a.status, ""),
                "url": reverse("agreements:agreement_detail", args=[a.pk]),
            }
            for a in agreements
        ],
    }

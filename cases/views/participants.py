"""A person's record on one side of a case: details, contacts, needs, consents,
permissions to share and supporters.

Every person is fetched through their side's access helper (404 for missing and forbidden
alike). Records (a need, a consent...) are fetched only through their person's helper.
Each page that shows a person's record writes a "consultation" to the processing log.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Exists, Model, OuterRef
from django.forms import BaseForm
from django.forms.models import model_to_dict
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, register_converter, reverse
from django.views.decorators.http import require_http_methods, require_POST

from audit.models import Operation
from audit.services import log_processing
from cases import permissions, selectors
from cases.code_cache import CONTACT_CODES, attach_codes, with_codes
from cases.forms.participants import (
    PARTICIPANT_FORMS,
    ConsentForm,
    ConsentWithdrawForm,
    ContactForm,
    DisclosureForm,
    DisclosureWithdrawForm,
    NeedForm,
    NeedUpdateForm,
    SupporterForm,
)
from cases.models import CaseEvent, ConsentKind, Offender, Side, Victim
from cases.models.participants import ContactChannel
from cases.services import participants as services
from cases.views.case_page import case_header_context, case_perms

# --- Sides -----------------------------------------------------------------------------------


class SideConverter:
    regex = "victim|offender"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return str(value)


register_converter(SideConverter, "side")


@dataclass(frozen=True)
class SideSpec:
    key: str
    model: type[Victim] | type[Offender]
    view: str
    change: str
    get: Callable[..., Any]
    one: str
    many: str
    related: tuple[str, ...]
    codes: tuple[str, ...]  # coded fields, set from cases.code_cache rather than joined


_COMMON_RELATED = ("case", "case__lead_facilitator", "case__second_facilitator")
_COMMON_CODES = ("sex", "ethnicity", "disability")

SIDES = {
    Side.VICTIM: SideSpec(
        Side.VICTIM,
        Victim,
        permissions.VICTIM_VIEW,
        permissions.VICTIM_CHANGE,
        permissions.get_victim_for_user,
        "person harmed",
        "people harmed",
        (*_COMMON_RELATED, "vlo"),
        _COMMON_CODES,
    ),
    Side.OFFENDER: SideSpec(
        Side.OFFENDER,
        Offender,
        permissions.OFFENDER_VIEW,
        permissions.OFFENDER_CHANGE,
        permissions.get_offender_for_user,
        "person responsible",
        "people responsible",
        (*_COMMON_RELATED, "offender_manager"),
        (*_COMMON_CODES, "tier", "sentence_type"),
    ),
}


def _participant(user, side: str, pk: int, *, change: bool = False) -> Victim | Offender:
    spec = SIDES[side]
    queryset = spec.model.objects.select_related(*spec.related)
    participant = spec.get(user, pk, spec.change if change else spec.view, queryset=queryset)
    attach_codes([participant], *spec.codes)
    return participant


def _record(user, side: str, kind: str, pk: int) -> tuple[Victim | Offender, Model]:
    """A need, consent, permission or supporter, only if the user may change its person's record."""
    model = services.SIDE_MODELS[side][kind]
    participant_id = model.objects.filter(pk=pk).values_list("participant_id", flat=True).first()
    if participant_id is None:
        raise Http404("Not found")
    participant = _participant(user, side, participant_id, change=True)
    return participant, model.objects.get(pk=pk, participant=participant)


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true" and not request.headers.get("HX-History-Restore-Request")


def _add_service_errors(form: BaseForm, exc: ValidationError, mapping: dict[str, str] | None = None) -> None:
    mapping = mapping or {}
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            name = mapping.get(field, field)
            for error in errors:
                form.add_error(name if name in form.fields else None, error.messages)
    else:
        form.add_error(None, exc.messages)


def _log_consultation(
    request: HttpRequest, participant: Victim | Offender, reason: str, record: Model | None = None
) -> None:
    """One row about the person; `record` names the record the page shows (a need, a supporter...), if any."""
    consulted = record or participant
    log_processing(
        user=request.user,
        operation=Operation.CONSULTATION,
        person_kind=services.side_of(participant),
        person_ids=[participant.pk],
        case_id=participant.case_id,
        object_type=type(consulted).__name__,
        object_id=consulted.pk,
        reason=reason,
        request=request,
    )


def _data(request: HttpRequest) -> Any:
    """The submitted data for a POST (even an empty one, so that its errors show), None for a GET."""
    return request.POST if request.method == "POST" else None


def _back(participant: Victim | Offender, anchor: str = "") -> HttpResponse:
    url = participant.get_absolute_url()
    return redirect(f"{url}#{anchor}" if anchor else url)


# --- The person's page ------------------------------------------------------------------------


def _contacts(participant: Victim | Offender, limit: int = 50) -> list[Model]:
    contacts = list(
        participant.contacts.select_related("logged_by", "informs_event").order_by("-occurred_at", "-id")[: limit + 1]
    )
    attach_codes(contacts, *CONTACT_CODES)
    return contacts


def open_decisions(participant: Victim | Offender) -> list[CaseEvent]:
    """Decisions about this person that nobody has told them about yet."""
    contact_model = services.model_for(participant, "contact")
    told = contact_model.objects.filter(informs_event=OuterRef("pk"), is_attempt=False)
    own = {"victim": participant} if isinstance(participant, Victim) else {"offender": participant}
    return list(
        CaseEvent.objects.filter(case_id=participant.case_id, needs_informing=True, **own)
        .filter(~Exists(told))
        .order_by("-occurred_at", "-id")
    )


def _contact_form(participant: Victim | Offender, data: Any = None, *, attempt: bool = False) -> ContactForm:
    return ContactForm(data, events=open_decisions(participant), attempt=attempt)


def _detail_context(request: HttpRequest, participant: Victim | Offender, side: str) -> dict[str, Any]:
    spec = SIDES[side]
    case = participant.case
    people = selectors.case_people(case=case, user=request.user)
    perms = case_perms(case, request.user, people)
    may_change = spec.change in perms.get((spec.model, participant.pk), set()) and case.is_open
    contacts = _contacts(participant)
    return {
        **case_header_context(case, request.user, side, perms),
        "side": side,
        "spec": spec,
        "person": participant,
        "side_people": people[side],
        "edit_url": reverse(f"cases:{side}_edit", args=[participant.pk]),
        "safe_channels": [ContactChannel(c).label for c in participant.safe_channels if c in ContactChannel.values],
        "may_change": may_change,
        "contacts": contacts[:50],
        "more_contacts": len(contacts) > 50,
        "needs": with_codes(participant.needs.all(), "need"),
        "consents": list(participant.consents.all()),
        "disclosures": list(participant.disclosures.all()),
        "supporters": with_codes(participant.supporters.all(), "relationship"),
    }


def _render_detail(
    request: HttpRequest, side: str, participant: Victim | Offender, *, form: ContactForm | None = None, status=200
) -> HttpResponse:
    context = _detail_context(request, participant, side)
    if form is not None or context["may_change"]:
        context["contact_form"] = form or _contact_form(participant)
    _log_consultation(request, participant, "Record page")
    return render(request, "cases/participants/detail.html", context, status=status)


@require_http_methods(["GET"])
def victim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, Side.VICTIM, _participant(request.user, Side.VICTIM, pk))


@require_http_methods(["GET"])
def offender_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, Side.OFFENDER, _participant(request.user, Side.OFFENDER, pk))


# --- Details ---------------------------------------------------------------------------------


def _form_page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    status: int = 200,
) -> HttpResponse:
    return render(request, f"cases/participants/{template}", context, status=status)


def _participant_update(request: HttpRequest, side: str, pk: int) -> HttpResponse:
    participant = _participant(request.user, side, pk, change=True)
    form_class = PARTICIPANT_FORMS[side]
    initial = model_to_dict(participant, fields=form_class._meta.fields)
    form = form_class(_data(request), initial=initial, case=participant.case)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if "special_statuses" in data and {c.pk for c in data["special_statuses"]} == {
            getattr(c, "pk", c) for c in initial.get("special_statuses", [])
        }:
            data.pop("special_statuses")
        try:
            services.participant_update(participant=participant, actor=request.user, data=data)
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, "Details saved")
            return _back(participant)
    if request.method == "GET":
        _log_consultation(request, participant, "Change details page")
    return _form_page(
        request,
        "person_form.html",
        {"form": form, "person": participant, "case": participant.case, "side": side, "spec": SIDES[side]},
        status=422 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
def victim_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _participant_update(request, Side.VICTIM, pk)


@require_http_methods(["GET", "POST"])
def offender_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _participant_update(request, Side.OFFENDER, pk)


@require_http_methods(["GET", "POST"])
def participant_add(request: HttpRequest, pk: int, side: str) -> HttpResponse:
    case = permissions.get_case_for_user(request.user, pk, permissions.CASE_CHANGE)
    form = PARTICIPANT_FORMS[side](_data(request), case=case)
    if request.method == "POST" and form.is_valid():
        try:
            participant = services.participant_add(
                case=case, actor=request.user, side=side, data=dict(form.cleaned_data)
            )
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, f"{SIDES[side].one.capitalize()} added")
            return _back(participant)
    return _form_page(
        request,
        "person_form.html",
        {"form": form, "person": None, "case": case, "side": side, "spec": SIDES[side]},
        status=422 if request.method == "POST" else 200,
    )


# --- Contacts --------------------------------------------------------------------------------


@require_POST
def contact_add(request: HttpRequest, side: str, pk: int) -> HttpResponse:
    """Log a contact. With htmx the new entry is returned for the top of the timeline, with a fresh form."""
    participant = _participant(request.user, side, pk, change=True)
    attempt = bool(request.POST.get("attempt"))
    form = _contact_form(participant, request.POST, attempt=attempt)
    htmx = _is_htmx(request)
    if form.is_valid():
        try:
            contact = services.contact_log(participant=participant, actor=request.user, data=form.service_data())
        except ValidationError as exc:
            _add_service_errors(form, exc, ContactForm.SERVICE_FIELDS)
        else:
            saved = "Attempt to contact logged" if contact.is_attempt else "Contact logged"
            if htmx:
                context = {
                    "contact": contact,
                    "person": participant,
                    "side": side,
                    "contact_form": _contact_form(participant).with_autofocus(),
                    "status_message": saved,
                    "first_contact": not participant.contacts.exclude(pk=contact.pk).exists(),
                }
                return render(request, "cases/participants/_contact_added.html", context)
            messages.success(request, saved)
            return _back(participant, "contacts")
    if htmx:
        response = render(
            request,
            "cases/participants/_contact_form.html",
            {"contact_form": form, "person": participant, "side": side, "partial": True},
            status=422,
        )
        response["HX-Retarget"] = "#contact-form"
        response["HX-Reswap"] = "outerHTML"
        return response
    return _render_detail(request, side, participant, form=form, status=422)


# --- Needs, consents, permissions to share, supporters ----------------------------------------


def _record_form(
    request: HttpRequest,
    *,
    participant: Victim | Offender,
    side: str,
    form: BaseForm,
    save: Callable[[dict[str, Any]], Any],
    done: str,
    anchor: str,
    heading: str,
    button: str,
    extra: dict[str, Any] | None = None,
    record: Model | None = None,
    reason: str = "",
) -> HttpResponse:
    """A form about one person's record. The page's consultation is logged with `reason` (the heading if
    none is given: a heading holding personal data, such as a supporter's name, needs a reason of its own)."""
    if request.method == "POST" and form.is_valid():
        try:
            save(dict(form.cleaned_data))
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, done)
            return _back(participant, anchor)
    if request.method == "GET":
        _log_consultation(request, participant, reason or heading, record)
    context = {
        "form": form,
        "person": participant,
        "case": participant.case,
        "side": side,
        "spec": SIDES[side],
        "heading": heading,
        "button": button,
        "back_url": f"{participant.get_absolute_url()}#{anchor}",
        **(extra or {}),
    }
    return render(
        request, "cases/participants/record_form.html", context, status=422 if request.method == "POST" else 200
    )


@require_http_methods(["GET", "POST"])
def need_add(request: HttpRequest, side: str, pk: int) -> HttpResponse:
    participant = _participant(request.user, side, pk, change=True)
    return _record_form(
        request,
        participant=participant,
        side=side,
        form=NeedForm(_data(request)),
        save=lambda data: services.need_add(participant=participant, actor=request.user, data=data),
        done="Need recorded",
        anchor="needs",
        heading="Record an additional need",
        button="Save need",
    )


@require_http_methods(["GET", "POST"])
def need_edit(request: HttpRequest, side: str, pk: int) -> HttpResponse:
    participant, need = _record(request.user, side, "need", pk)
    form = NeedUpdateForm(_data(request), initial={"action_taken": need.action_taken, "action_on": need.action_on})
    return _record_form(
        request,
        participant=participant,
        side=side,
        form=form,
        save=lambda data: services.need_update(need=need, actor=request.user, data=data),
        done="Action on the need saved",
        anchor="needs",
        heading=f"Action taken: {need.need}",
        button="Save action",
        extra={"record": need},
        record=need,
    )


@require_http_methods(["GET", "POST"])
def consent_add(request: HttpRequest, side: str, pk: int) -> HttpResponse:
    participant = _participant(request.user, side, pk, change=True)
    return _record_form(
        request,
        participant=participant,
        side=side,
        form=ConsentForm(_data(request)),
        save=lambda data: services.consent_record(participant=participant, actor=request.user, data=data),
        done="Consent recorded",
        anchor="consents",
        heading="Record consent",
        button="Save consent",
    )


@require_http_methods(["GET", "POST"])
def consent_withdraw(request: HttpRequest, side: str, pk: int) -> HttpResponse:
    participant, consent = _record(request.user, side, "consent", pk)
    if consent.withdrawn_on is not None:
        raise Http404("Already withdrawn")
    return _record_form(
        request,
        participant=participant,
        side=side,
        form=ConsentWithdrawForm(_data(request)),
        save=lambda data: services.consent_withdraw(
            consent=consent, actor=request.user, withdrawn_on=data["withdrawn_on"], reason=data["reason"]
        ),
        done="Consent withdrawn",
        anchor="consents",
        heading=f"Withdraw consent: {consent.get_kind_display().lower()}",
        button="Withdraw consent",
        extra={"record": consent, "pauses_pathway": consent.kind == ConsentKind.TAKE_PART},
        record=consent,
    )


@require_http_methods(["GET", "POST"])
def disclosure_add(request: HttpRequest, side: str, pk: int) -> HttpResponse:
    participant = _participant(request.user, side, pk, change=True)
    return _record_form(
        request,
        participant=participant,
        side=side,
        form=DisclosureForm(_data(request)),
        save=lambda data: services.disclosure_grant(participant=participant, actor=request.user, data=data),
        done="Permission to share recorded",
        anchor="disclosures",
        heading="Record what may be shared with the other party",
        button="Save permission",
    )


@require_http_methods(["GET", "POST"])
def disclosure_withdraw(request: HttpRequest, side: str, pk: int) -> HttpResponse:
    participant, item = _record(request.user, side, "disclosure", pk)
    if item.withdrawn_on is not None:
        raise Http404("Already withdrawn")
    return _record_form(
        request,
        participant=participant,
        side=side,
        form=DisclosureWithdrawForm(_data(request)),
        save=lambda data: services.disclosure_withdraw(
            item=item, actor=request.user, withdrawn_on=data["withdrawn_on"]
        ),
        done="Permission to share withdrawn",
        anchor="disclosures",
        heading=f"Withdraw permission to share: {item.get_kind_display().lower()}",
        button="Withdraw permission",
        extra={"record": item},
        record=item,
    )


@require_http_methods(["GET", "POST"])
def supporter_add(request: HttpRequest, side: str, pk: int) -> HttpResponse:
    participant = _participant(request.user, side, pk, change=True)
    return _record_form(
        request,
        participant=participant,
        side=side,
        form=SupporterForm(_data(request)),
        save=lambda data: services.supporter_add(participant=participant, actor=request.user, data=data),
        done="Person added",
        anchor="supporters",
        heading="Add a supporter or other affected person",
        button="Save",
    )


_SUPPORTER_FIELDS = ("kind", "name", "relationship", "phone", "email", "address", "notes")


@require_http_methods(["GET", "POST"])
def supporter_edit(request: HttpRequest, side: str, pk: int) -> HttpResponse:
    participant, supporter = _record(request.user, side, "supporter", pk)
    initial = {field: getattr(supporter, field) for field in _SUPPORTER_FIELDS}
    return _record_form(
        request,
        participant=participant,
        side=side,
        form=SupporterForm(_data(request), initial=initial),
        save=lambda data: services.supporter_update(supporter=supporter, actor=request.user, data=data),
        done="Details saved",
        anchor="supporters",
        heading=f"Change details: {supporter.name}",
        button="Save",
        extra={"remove_url": reverse("cases:supporter_remove", args=[side, supporter.pk])},
        record=supporter,
        reason="Change a supporter's details",
    )


@require_POST
def supporter_remove(request: HttpRequest, side: str, pk: int) -> HttpResponse:
    participant, supporter = _record(request.user, side, "supporter", pk)
    try:
        services.supporter_remove(supporter=supporter, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Person removed")
    return _back(participant, "supporters")


urlpatterns: list[URLPattern] = [
    path("victims/<int:pk>/", victim_detail, name="victim_detail"),
    path("offenders/<int:pk>/", offender_detail, name="offender_detail"),
    path("victims/<int:pk>/change/", victim_edit, name="victim_edit"),
    path("offenders/<int:pk>/change/", offender_edit, name="offender_edit"),
    path("<int:pk>/people/<side:side>/add/", participant_add, name="participant_add"),
    path("<side:side>/<int:pk>/contacts/add/", contact_add, name="contact_add"),
    path("<side:side>/<int:pk>/needs/add/", need_add, name="need_add"),
    path("<side:side>/needs/<int:pk>/edit/", need_edit, name="need_edit"),
    path("<side:side>/<int:pk>/consents/add/", consent_add, name="consent_add"),
    path("<side:side>/consents/<int:pk>/withdraw/", consent_withdraw, name="consent_withdraw"),
    path("<side:side>/<int:pk>/disclosures/add/", disclosure_add, name="disclosure_add"),
    path("<side:side>/disclosures/<int:pk>/withdraw/", disclosure_withdraw, name="disclosure_withdraw"),
    path("<side:side>/<int:pk>/supporters/add/", supporter_add, name="supporter_add"),
    path("<side:side>/supporters/<int:pk>/change/", supporter_edit, name="supporter_edit"),
    path("<side:side>/supporters/<int:pk>/remove/", supporter_remove, name="supporter_remove"),
]

"""Writing to a person's record: identity, contacts, needs, consents, disclosures, supporters.

Every write happens on one side only. Each collection or alteration of a
person's data is written to the processing log.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model

from accounts.models import Role, User
from audit.models import Operation
from audit.services import log_processing
from cases import permissions
from cases.models import (
    Case,
    ConsentKind,
    DisclosureKind,
    EventKind,
    Offender,
    PathwayStatus,
    Side,
    TaskKind,
    Victim,
)
from cases.models import records as r
from cases.services.common import event_add, now, task_add, tasks_complete

SIDE_MODELS: dict[str, dict[str, type[Model]]] = {
    Side.VICTIM: {
        "participant": Victim,
        "contact": r.VictimContact,
        "need": r.VictimNeed,
        "consent": r.VictimConsent,
        "disclosure": r.VictimDisclosure,
        "supporter": r.VictimSupporter,
    },
    Side.OFFENDER: {
        "participant": Offender,
        "contact": r.OffenderContact,
        "need": r.OffenderNeed,
        "consent": r.OffenderConsent,
        "disclosure": r.OffenderDisclosure,
        "supporter": r.OffenderSupporter,
    },
}

LATE_AFTER = dt.timedelta(hours=24)


def side_of(participant: Victim | Offender) -> str:
    return Side.VICTIM if isinstance(participant, Victim) else Side.OFFENDER


def model_for(participant: Victim | Offender, kind: str) -> type[Model]:
    return SIDE_MODELS[side_of(participant)][kind]


def _log(actor: User, operation: str, participant: Victim | Offender, obj: Model, reason: str) -> None:
    log_processing(
        user=actor,
        operation=operation,
        person_kind=side_of(participant),
        person_ids=[participant.pk],
        case_id=participant.case_id,
        object_type=type(obj).__name__,
        object_id=obj.pk,
        reason=reason,
    )


def _require_open(case: Case) -> None:
    if not case.is_open:
        raise ValidationError("This case is closed: its records can no longer be changed.")


def set_pathway_status(*, participant: Victim | Offender, status: str) -> None:
    if participant.pathway_status == status:
        return
    participant.pathway_status = status
    participant.pathway_status_changed_at = now()
    participant.save(update_fields=["pathway_status", "pathway_status_changed_at"])


@transaction.atomic
def participant_add(*, case: Case, actor: User, side: str, data: dict[str, Any]) -> Victim | Offender:
    _require_open(case)
    model = SIDE_MODELS[side]["participant"]
    statuses = data.pop("special_statuses", None)
    participant = model(case=case, created_at=now(), created_by=actor, **data)
    participant.full_clean(exclude=["case", "created_by"])
    participant.save()
    if statuses is not None:
        participant.special_statuses.set(statuses)
    permissions.grant_participant_to_team(participant)
    if isinstance(participant, Offender) and participant.offender_manager_id:
        permissions.grant_offender_to_offender_manager(participant, participant.offender_manager)
    if isinstance(participant, Victim) and participant.vlo_id:
        permissions.grant_victim_to_vlo(participant, participant.vlo)
    label = "person harmed" if side == Side.VICTIM else "person responsible"
    event_add(
        case=case,
        actor=actor,
        kind=EventKind.PARTICIPANT_ADDED,
        summary=f"A {label} was added",
        participant=participant,
    )
    _log(actor, Operation.COLLECTION, participant, participant, "Person added to the case")
    return participant


@transaction.atomic
def participant_update(*, participant: Victim | Offender, actor: User, data: dict[str, Any]) -> Victim | Offender:
    _require_open(participant.case)
    statuses = data.pop("special_statuses", None)
    old_om = getattr(participant, "offender_manager", None)
    old_vlo = getattr(participant, "vlo", None)
    changed = [field for field, value in data.items() if getattr(participant, field) != value]
    for field, value in data.items():
        setattr(participant, field, value)
    participant.full_clean(exclude=["case", "created_by"])
    if changed:
        participant.save(update_fields=changed)
    if statuses is not None:
        participant.special_statuses.set(statuses)
    if isinstance(participant, Offender) and participant.offender_manager != old_om:
        if old_om is not None:
            permissions.revoke_offender_from_offender_manager(participant, old_om)
        if participant.offender_manager is not None:
            permissions.grant_offender_to_offender_manager(participant, participant.offender_manager)
    if isinstance(participant, Victim) and participant.vlo != old_vlo:
        if old_vlo is not None:
            permissions.revoke_victim_from_vlo(participant, old_vlo)
        if participant.vlo is not None:
            permissions.grant_victim_to_vlo(participant, participant.vlo)
    if changed or statuses is not None:
        _log(actor, Operation.ALTERATION, participant, participant, "Details changed")
    return participant


@transaction.atomic
def contact_log(*, participant: Victim | Offender, actor: User, data: dict[str, Any]) -> Model:
    """Log a contact or a failed attempt on the person's own side of the case."""
    case = participant.case
    _require_open(case)
    model = model_for(participant, "contact")
    logged_at = now()
    contact = model(participant=participant, logged_at=logged_at, logged_by=actor, **data)
    if contact.occurred_at > logged_at + dt.timedelta(minutes=5):
        raise ValidationError({"occurred_at": "The contact cannot be in the future."})
    contact.is_attempt = contact.direction.code == "attempt"
    contact.is_late = logged_at - contact.occurred_at > LATE_AFTER
    event = contact.informs_event
    own_id = None if event is None else event.victim_id if isinstance(participant, Victim) else event.offender_id
    if event is not None and (event.case_id != case.pk or own_id != participant.pk):
        raise ValidationError({"informs_event": "Choose a decision about this person."})
    contact.full_clean(exclude=["participant", "logged_by"])
    contact.save()
    # Figures kept on the rows for lists and the dashboard; written without a history entry (they are derived)
    case_fields = {}
    if case.last_contact_at is None or contact.occurred_at > case.last_contact_at:
        case_fields["last_contact_at"] = contact.occurred_at
    if not contact.is_attempt and (case.first_contact_at is None or contact.occurred_at < case.first_contact_at):
        case_fields["first_contact_at"] = contact.occurred_at
    if case_fields:
        Case.objects.filter(pk=case.pk).update(**case_fields)
        for name, value in case_fields.items():
            setattr(case, name, value)
    if (
        isinstance(participant, Offender)
        and not contact.is_attempt
        and (participant.first_contact_at is None or contact.occurred_at < participant.first_contact_at)
    ):
        participant.first_contact_at = contact.occurred_at
        Offender.objects.filter(pk=participant.pk).update(first_contact_at=contact.occurred_at)
    if not contact.is_attempt and participant.pathway_status == PathwayStatus.NOT_STARTED:
        set_pathway_status(participant=participant, status=PathwayStatus.IN_CONTACT)
    if event is not None and not contact.is_attempt:
        tasks_complete(tasks=event.tasks.all(), actor=actor)
    if not contact.is_attempt:
        tasks_complete(
            tasks=case.tasks.filter(kind=TaskKind.FIRST_CONTACT, assignee=actor),
            actor=actor,
        )
    kind = "Attempted contact" if contact.is_attempt else "Contact"
    event_add(
        case=case,
        actor=actor,
        kind=EventKind.CONTACT,
        summary=f"{kind}: {contact.contact_type}" + (" (logged late)" if contact.is_late else ""),
        participant=participant,
    )
    _log(actor, Operation.COLLECTION, participant, contact, "Contact logged")
    return contact


@transaction.atomic
def need_add(*, participant: Victim | Offender, actor: User, data: dict[str, Any]) -> Model:
    _require_open(participant.case)
    need = model_for(participant, "need")(participant=participant, recorded_at=now(), recorded_by=actor, **data)
    need.full_clean(exclude=["participant", "recorded_by"])
    need.save()
    event_add(
        case=participant.case,
        actor=actor,
        kind=EventKind.NEED,
        summary=f"Additional need recorded: {need.need}",
        participant=participant,
    )
    _log(actor, Operation.COLLECTION, participant, need, "Additional need recorded")
    return need


@transaction.atomic
def need_update(*, need: Model, actor: User, data: dict[str, Any]) -> Model:
    participant = need.participant
    _require_open(participant.case)
    for field, value in data.items():
        setattr(need, field, value)
    need.full_clean(exclude=["participant", "recorded_by"])
    need.save(update_fields=list(data))
    _log(actor, Operation.ALTERATION, participant, need, "Additional need updated")
    return need


@transaction.atomic
def consent_record(*, participant: Victim | Offender, actor: User, data: dict[str, Any]) -> Model:
    _require_open(participant.case)
    model = model_for(participant, "consent")
    if model.objects.filter(participant=participant, kind=data["kind"], withdrawn_on__isnull=True).exists():
        raise ValidationError({"kind": "This consent is already recorded. Withdraw it first to record it again."})
    consent = model(participant=participant, recorded_at=now(), recorded_by=actor, **data)
    consent.full_clean(exclude=["participant", "recorded_by", "withdrawn_recorded_by"])
    consent.save()
    event_add(
        case=participant.case,
        actor=actor,
        kind=EventKind.CONSENT,
        summary=f"Consent recorded: {consent.get_kind_display().lower()}",
        participant=participant,
    )
    _log(actor, Operation.COLLECTION, participant, consent, "Consent recorded")
    return consent


@transaction.atomic
def consent_withdraw(*, consent: Model, actor: User, withdrawn_on: dt.date, reason: str) -> Model:
    """Withdrawing consent to take part pauses the person's pathway, stops their reminders,
    and asks the lead facilitator to tell the other party with care."""
    participant = consent.participant
    case = participant.case
    _require_open(case)
    if consent.withdrawn_on is not None:
        raise ValidationError("This consent has already been withdrawn.")
    if withdrawn_on < consent.given_on:
        raise ValidationError({"withdrawn_on": "The withdrawal date must be on or after the date consent was given."})
    consent.withdrawn_on = withdrawn_on
    consent.withdrawn_reason = reason
    consent.withdrawn_recorded_by = actor
    consent.save(update_fields=["withdrawn_on", "withdrawn_reason", "withdrawn_recorded_by"])
    event = event_add(
        case=case,
        actor=actor,
        kind=EventKind.CONSENT_WITHDRAWN,
        summary=f"Consent withdrawn: {consent.get_kind_display().lower()}",
        participant=participant,
    )
    if consent.kind == ConsentKind.TAKE_PART:
        set_pathway_status(participant=participant, status=PathwayStatus.WITHDRAWN)
        for item in participant.disclosures.filter(kind=DisclosureKind.TAKING_PART, withdrawn_on__isnull=True):
            item.withdrawn_on = withdrawn_on
            item.save(update_fields=["withdrawn_on"])
        open_tasks = case.tasks.filter(done_at__isnull=True)
        own = open_tasks.filter(victim=participant) if isinstance(participant, Victim) else None
        if own is None:
            own = open_tasks.filter(offender=participant)
        tasks_complete(tasks=own, actor=actor)
        other = "person responsible" if isinstance(participant, Victim) else "person harmed"
        task_add(
            case=case,
            assignee=case.lead_facilitator or actor,
            kind=TaskKind.TELL_OTHER_PARTY,
            title=f"Tell the {other} on {case.reference}, with care, that the other party has withdrawn",
            participant=participant,
            event=event,
        )
    _log(actor, Operation.ALTERATION, participant, consent, "Consent withdrawn")
    return consent


@transaction.atomic
def disclosure_grant(*, participant: Victim | Offender, actor: User, data: dict[str, Any]) -> Model:
    _require_open(participant.case)
    item = model_for(participant, "disclosure")(participant=participant, recorded_at=now(), recorded_by=actor, **data)
    item.full_clean(exclude=["participant", "recorded_by"])
    item.save()
    event_add(
        case=participant.case,
        actor=actor,
        kind=EventKind.DISCLOSURE,
        summary=f"Agreed to share: {item.get_kind_display().lower()}",
        participant=participant,
    )
    _log(actor, Operation.COLLECTION, participant, item, "Permission to share recorded")
    return item


@transaction.atomic
def disclosure_withdraw(*, item: Model, actor: User, withdrawn_on: dt.date) -> Model:
    participant = item.participant
    _require_open(participant.case)
    if item.withdrawn_on is not None:
        raise ValidationError("This permission has already been withdrawn.")
    item.withdrawn_on = withdrawn_on
    item.save(update_fields=["withdrawn_on"])
    _log(actor, Operation.ALTERATION, participant, item, "Permission to share withdrawn")
    return item


@transaction.atomic
def supporter_add(*, participant: Victim | Offender, actor: User, data: dict[str, Any]) -> Model:
    _require_open(participant.case)
    supporter = model_for(participant, "supporter")(
        participant=participant, recorded_at=now(), recorded_by=actor, **data
    )
    supporter.full_clean(exclude=["participant", "recorded_by"])
    supporter.save()
    event_add(
        case=participant.case,
        actor=actor,
        kind=EventKind.PARTICIPANT_ADDED,
        summary=f"{supporter.get_kind_display()} added",
        participant=participant,
    )
    _log(actor, Operation.COLLECTION, participant, supporter, "Supporter added")
    return supporter


@transaction.atomic
def supporter_update(*, supporter: Model, actor: User, data: dict[str, Any]) -> Model:
    participant = supporter.participant
    _require_open(participant.case)
    changed = [field for field, value in data.items() if getattr(supporter, field) != value]
    for field in changed:
        setattr(supporter, field, data[field])
    supporter.full_clean(exclude=["participant", "recorded_by"])
    if changed:
        supporter.save(update_fields=changed)
        _log(actor, Operation.ALTERATION, participant, supporter, "Supporter details changed")
    return supporter


@transaction.atomic
def supporter_remove(*, supporter: Model, actor: User) -> None:
    """Take a supporter off the person's record (their details stay in the record's history)."""
    participant = supporter.participant
    _require_open(participant.case)
    _log(actor, Operation.ALTERATION, participant, supporter, "Supporter removed")
    event_add(
        case=participant.case,
        actor=actor,
        kind=EventKind.NOTE,
        summary=f"{supporter.get_kind_display()} removed",
        participant=participant,
    )
    supporter.delete()


def may_work_on(user: User, participant: Victim | Offender) -> bool:
    perm = permissions.VICTIM_CHANGE if isinstance(participant, Victim) else permissions.OFFENDER_CHANGE
    return user.role in (Role.FACILITATOR, Role.MANAGER) and permissions.has_object_perm(user, perm, participant)

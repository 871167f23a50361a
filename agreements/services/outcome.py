"""Outcome agreements: writing the items, signatures, the distribution log and the follow-up of each item.

An agreement is written as a draft after a held conference (or completed indirect work), with the
parties who took part. It is agreed once every party has signed; copies are then due within
3 working days of the activity. Each item's outcome (done, partly done, not done) is recorded with
its date and a comment, then signed off by a facilitator of the case; the agreement closes itself
when every item is resolved. Each outcome prompts a "victim informed" record when the person harmed
asked to be told. Timeline entries never hold the wording of an item.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse

from accounts.models import Role, User
from agreements.models import (
    AgreementCopy,
    AgreementItem,
    AgreementSignature,
    AgreementStatus,
    Conference,
    ConferenceStatus,
    CopyMethod,
    CopyRecipient,
    CopyVersion,
    IndirectCommunication,
    ItemKind,
    ItemStatus,
    OutcomeAgreement,
    Responsible,
    UpdateMethod,
    VictimUpdate,
)
from audit.models import Operation, PersonKind
from audit.services import log_processing
from cases import permissions
from cases.models import Case, EventKind, Offender, Stage, Task, TaskKind, Victim
from cases.models.case import allowed_transitions
from cases.services.common import event_add, now, task_add, tasks_complete, today
from cases.services.lifecycle import case_set_stage
from core.workdays import add_working_days

COPIES_WORKING_DAYS = 3
WORKER_ROLES = frozenset({Role.FACILITATOR, Role.MANAGER})
OUTCOMES = (ItemStatus.DONE, ItemStatus.PARTLY_DONE, ItemStatus.NOT_DONE)


# --- Checks ----------------------------------------------------------------------------------


def _check_worker(case: Case, actor: User) -> None:
    if actor.role not in WORKER_ROLES or not permissions.has_object_perm(actor, permissions.CASE_CHANGE, case):
        raise ValidationError("Only a facilitator or manager working this case can do this.")


def _check_open(case: Case) -> None:
    if not case.is_open:
        raise ValidationError("This case is closed: its agreement can no longer be changed.")


def _check_not_paused(case: Case, what: str) -> None:
    if case.is_paused:
        raise ValidationError(
            "This case is paused while a risk of serious harm escalation is resolved. "
            f"A manager must resolve it before {what}."
        )


def _lock(agreement: OutcomeAgreement) -> tuple[Case, OutcomeAgreement]:
    case = Case.objects.select_for_update().get(pk=agreement.case_id)
    _check_open(case)
    return case, OutcomeAgreement.objects.select_for_update().get(pk=agreement.pk)


def _date(value: dt.date | None, field: str, label: str, *, not_before: dt.date, before_label: str) -> dt.date:
    if value is None:
        raise ValidationError({field: f"Enter the date {label}"})
    if value > today():
        raise ValidationError({field: f"The date {label} must be today or in the past"})
    if value < not_before:
        raise ValidationError({field: f"The date {label} must be on or after {before_label}"})
    return value


def parties(agreement: OutcomeAgreement) -> tuple[list[Victim], list[Offender]]:
    return (
        list(agreement.victims.order_by("last_name", "id")),
        list(agreement.offenders.order_by("last_name", "id")),
    )


def _log(agreement: OutcomeAgreement, actor: User, operation: str, reason: str) -> None:
    """Agreements name the parties: writing or changing one is processing of both sides' records."""
    for kind, ids in (
        (PersonKind.VICTIM, list(agreement.victims.values_list("pk", flat=True))),
        (PersonKind.OFFENDER, list(agreement.offenders.values_list("pk", flat=True))),
    ):
        if ids:
            log_processing(
                user=actor,
                operation=operation,
                person_kind=kind,
                person_ids=ids,
                case_id=agreement.case_id,
                object_type="OutcomeAgreement",
                object_id=agreement.pk,
                reason=reason,
            )


def _event(case: Case, actor: User, summary: str) -> None:
    event_add(case=case, actor=actor, kind=EventKind.AGREEMENT, summary=summary)


# --- Starting and writing the agreement ----------------------------------------------------------


def _activity_parties(
    conference: Conference | None, indirect: IndirectCommunication | None
) -> tuple[dt.date, list[Victim], list[Offender]]:
    if conference is not None:
        if conference.status != ConferenceStatus.HELD:
            raise ValidationError("Record the conference as held before writing its agreement.")
        return (
            conference.date,
            list(conference.attending_victims.all()),
            list(conference.attending_offenders.all()),
        )
    if indirect.completed_on is None:
        raise ValidationError("Record the indirect communication as completed before writing its agreement.")
    messages = list(indirect.messages.select_related("victim", "offender"))
    victims = list({m.victim_id: m.victim for m in messages}.values())
    offenders = list({m.offender_id: m.offender for m in messages}.values())
    return indirect.completed_on, victims, offenders


@transaction.atomic
def agreement_start(
    *,
    case: Case,
    actor: User,
    conference: Conference | None = None,
    indirect: IndirectCommunication | None = None,
) -> OutcomeAgreement:
    """Start the draft agreement of a held conference or completed indirect work (one per activity)."""
    if (conference is None) == (indirect is None):
        raise ValidationError("Choose the conference or the indirect communication the agreement comes from.")
    case = Case.objects.select_for_update().get(pk=case.pk)
    _check_open(case)
    _check_not_paused(case, "an agreement can be written")
    _check_worker(case, actor)
    if conference is not None:
        conference = Conference.objects.get(pk=conference.pk)
    if indirect is not None:
        indirect = IndirectCommunication.objects.get(pk=indirect.pk)
    activity = conference or indirect
    if activity.case_id != case.pk:
        raise ValidationError("That activity belongs to another case.")
    existing = OutcomeAgreement.objects.filter(conference=conference) if conference else None
    if indirect is not None:
        existing = OutcomeAgreement.objects.filter(indirect=indirect)
    if existing.exists():
        raise ValidationError("An agreement has already been started for this activity.")
    activity_on, victims, offenders = _activity_parties(conference, indirect)
    if not victims and not offenders:
        raise ValidationError("Nobody took part in this activity, so there is nobody to make an agreement.")
    agreement = OutcomeAgreement.objects.create(
        case=case,
        conference=conference,
        indirect=indirect,
        activity_on=activity_on,
        created_at=now(),
        created_by=actor,
    )
    agreement.victims.set(victims)
    agreement.offenders.set(offenders)
    _event(case, actor, f"Outcome agreement started for the activity on {activity_on:%-d %B %Y}")
    _log(agreement, actor, Operation.COLLECTION, "Outcome agreement started")
    return agreement


def _draft(agreement: OutcomeAgreement, what: str) -> None:
    if agreement.status != AgreementStatus.DRAFT:
        raise ValidationError(f"This agreement has been signed: {what}.")


def _item_values(agreement: OutcomeAgreement, data: dict[str, Any]) -> dict[str, Any]:
    """Check one item's fields against the agreement's parties and dates."""
    errors: dict[str, str] = {}
    kind = data.get("kind") or ItemKind.ACTION
    if kind not in ItemKind.values:
        errors["kind"] = "Select whether this is an action or a statement"
    description = (data.get("description") or "").strip()
    if not description:
        errors["description"] = "Enter what was agreed"
    responsible = data.get("responsible") or ""
    victim = offender = None
    other = (data.get("responsible_other") or "").strip()
    victims, offenders = parties(agreement)
    if responsible == Responsible.VICTIM:
        victim = data.get("responsible_victim") or (victims[0] if len(victims) == 1 else None)
        if victim is None or victim.pk not in {v.pk for v in victims}:
            errors["responsible_victim"] = "Select which person harmed is responsible"
    elif responsible == Responsible.OFFENDER:
        offender = data.get("responsible_offender") or (offenders[0] if len(offenders) == 1 else None)
        if offender is None or offender.pk not in {o.pk for o in offenders}:
            errors["responsible_offender"] = "Select which person responsible is responsible"
    elif responsible == Responsible.OTHER:
        if not other:
            errors["responsible_other"] = "Enter who is responsible"
    elif responsible != Responsible.SERVICE:
        errors["responsible"] = "Select who is responsible for this item"
    target = data.get("target_date")
    if kind == ItemKind.ACTION and target is None:
        errors["target_date"] = "Enter the date this action should be done by"
    elif target is not None and target < agreement.activity_on:
        errors["target_date"] = "The target date must be on or after the date of the conference or indirect work"
    elif target is not None and target > agreement.activity_on + dt.timedelta(days=3 * 365):
        errors["target_date"] = "The target date must be within 3 years of the conference or indirect work"
    if errors:
        raise ValidationError(errors)
    return {
        "kind": kind,
        "description": description,
        "responsible": responsible,
        "responsible_victim": victim,
        "responsible_offender": offender,
        "responsible_other": other if responsible == Responsible.OTHER else "",
        "target_date": target,
    }


@transaction.atomic
def item_add(*, agreement: OutcomeAgreement, actor: User, data: dict[str, Any]) -> AgreementItem:
    case, agreement = _lock(agreement)
    _check_worker(case, actor)
    _draft(agreement, "items can no longer be added")
    values = _item_values(agreement, data)
    number = (agreement.items.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    item = AgreementItem.objects.create(agreement=agreement, number=number, **values)
    _log(agreement, actor, Operation.COLLECTION, "Agreement item added")
    return item


@transaction.atomic
def item_update(*, item: AgreementItem, actor: User, data: dict[str, Any]) -> AgreementItem:
    case, agreement = _lock(item.agreement)
    _check_worker(case, actor)
    _draft(agreement, "its items can no longer be changed")
    item = AgreementItem.objects.select_for_update().get(pk=item.pk)
    for name, value in _item_values(agreement, data).items():
        setattr(item, name, value)
    item.save()
    _log(agreement, actor, Operation.ALTERATION, "Agreement item changed")
    return item


@transaction.atomic
def item_remove(*, item: AgreementItem, actor: User) -> None:
    case, agreement = _lock(item.agreement)
    _check_worker(case, actor)
    _draft(agreement, "its items can no longer be removed")
    item.delete()
    for number, other in enumerate(agreement.items.order_by("number"), start=1):
        if other.number != number:
            AgreementItem.objects.filter(pk=other.pk).update(number=number)
    _log(agreement, actor, Operation.ALTERATION, "Agreement item removed")


@transaction.atomic
def agreement_update(*, agreement: OutcomeAgreement, actor: User, data: dict[str, Any]) -> OutcomeAgreement:
    """What the person harmed asked to be told about the items, and until when."""
    case, agreement = _lock(agreement)
    _check_worker(case, actor)
    if agreement.status == AgreementStatus.CLOSED:
        raise ValidationError("This agreement is closed: it can no longer be changed.")
    wants = bool(data.get("victim_wants_updates"))
    until = data.get("victim_updates_until")
    if wants and until is not None and until < agreement.activity_on:
        raise ValidationError(
            {"victim_updates_until": "The end date must be on or after the date of the conference or indirect work"}
        )
    fields = ["victim_wants_updates", "victim_updates", "victim_updates_until"]
    before = [getattr(agreement, name) for name in fields]
    agreement.victim_wants_updates = wants
    agreement.victim_updates = (data.get("victim_updates") or "").strip() if wants else ""
    agreement.victim_updates_until = until if wants else None
    if [getattr(agreement, name) for name in fields] == before:
        return agreement
    agreement.save(update_fields=fields)
    # What the person harmed asked to be told is their data: its change is logged against them.
    log_processing(
        user=actor,
        operation=Operation.ALTERATION,
        person_kind=PersonKind.VICTIM,
        person_ids=list(agreement.victims.values_list("pk", flat=True)),
        case_id=case.pk,
        object_type="OutcomeAgreement",
        object_id=agreement.pk,
        reason="Updates the person harmed asked for changed",
    )
    return agreement


# --- Signatures --------------------------------------------------------------------------------


def unsigned_parties(agreement: OutcomeAgreement) -> tuple[list[Victim], list[Offender]]:
    signed = list(agreement.signatures.values_list("victim_id", "offender_id"))
    signed_victims = {v for v, _ in signed if v}
    signed_offenders = {o for _, o in signed if o}
    victims, offenders = parties(agreement)
    return (
        [v for v in victims if v.pk not in signed_victims],
        [o for o in offenders if o.pk not in signed_offenders],
    )


@transaction.atomic
def signatures_record(
    *,
    agreement: OutcomeAgreement,
    actor: User,
    signed_on: dt.date | None,
    victims: list[Victim],
    offenders: list[Offender],
) -> OutcomeAgreement:
    """Record who signed and when. Once every party has signed, the agreement is agreed and copies are due."""
    case, agreement = _lock(agreement)
    _check_worker(case, actor)
    _check_not_paused(case, "the agreement can be signed")
    _draft(agreement, "every party has already signed")
    if not agreement.items.exists():
        raise ValidationError("Add at least one item before recording signatures.")
    if not victims and not offenders:
        raise ValidationError({"signed": "Select who signed the agreement"})
    _date(
        signed_on,
        "signed_on",
        "it was signed",
        not_before=agreement.activity_on,
        before_label="the date of the conference or indirect work",
    )
    waiting_victims, waiting_offenders = unsigned_parties(agreement)
    allowed = {("v", v.pk) for v in waiting_victims} | {("o", o.pk) for o in waiting_offenders}
    chosen = [("v", v) for v in victims] + [("o", o) for o in offenders]
    if any((tag, person.pk) not in allowed for tag, person in chosen):
        raise ValidationError({"signed": "Select only people on this agreement who have not signed yet"})
    at = now()
    AgreementSignature.objects.bulk_create(
        AgreementSignature(
            agreement=agreement,
            victim=person if tag == "v" else None,
            offender=person if tag == "o" else None,
            signed_on=signed_on,
            recorded_at=at,
            recorded_by=actor,
        )
        for tag, person in chosen
    )
    remaining_victims, remaining_offenders = unsigned_parties(agreement)
    if not remaining_victims and not remaining_offenders:
        _agreed(case, agreement, actor, signed_on)
    else:
        _event(case, actor, "Outcome agreement signed by some of the parties")
    _log(agreement, actor, Operation.COLLECTION, "Agreement signatures recorded")
    return agreement


def _agreed(case: Case, agreement: OutcomeAgreement, actor: User, signed_on: dt.date) -> None:
    agreement.status = AgreementStatus.AGREED
    agreement.agreed_on = signed_on
    agreement.copies_due_on = add_working_days(agreement.activity_on, COPIES_WORKING_DAYS)
    agreement.save(update_fields=["status", "agreed_on", "copies_due_on"])
    _event(case, actor, f"Outcome agreement signed by everyone on {signed_on:%-d %B %Y}")
    if case.lead_facilitator_id:
        task_add(
            case=case,
            assignee=case.lead_facilitator,
            kind=TaskKind.SEND_COPIES,
            title=f"Send copies of the agreement on {case.reference}",
            due_on=agreement.copies_due_on,
            dedupe_key=f"agreement-copies:{agreement.pk}",
            link=reverse("agreements:agreement_detail", args=[agreement.pk]) + "#copies",
        )
    if Stage.FOLLOW_UP in allowed_transitions(case.stage):
        case_set_stage(case=case, actor=actor, stage=Stage.FOLLOW_UP)


# --- Distribution log ----------------------------------------------------------------------------


def copies_outstanding(agreement: OutcomeAgreement) -> tuple[list[Victim], list[Offender]]:
    """Parties who have not been given their copy yet."""
    given = list(agreement.copies.values_list("victim_id", "offender_id"))
    victims, offenders = parties(agreement)
    return (
        [v for v in victims if v.pk not in {g for g, _ in given if g}],
        [o for o in offenders if o.pk not in {g for _, g in given if g}],
    )


VERSION_FOR = {
    CopyRecipient.VICTIM: CopyVersion.VICTIM,
    CopyRecipient.VLO: CopyVersion.VICTIM,
    CopyRecipient.OFFENDER: CopyVersion.OFFENDER,
    CopyRecipient.OFFENDER_MANAGER: CopyVersion.OFFENDER,
}


@transaction.atomic
def copy_record(*, agreement: OutcomeAgreement, actor: User, data: dict[str, Any]) -> AgreementCopy:
    """Record that someone received a copy: which version, how and when."""
    case, agreement = _lock(agreement)
    _check_worker(case, actor)
    if agreement.status == AgreementStatus.DRAFT:
        raise ValidationError("Copies can be recorded once everyone has signed the agreement.")
    recipient = data.get("recipient") or ""
    errors: dict[str, str] = {}
    victim = offender = None
    name = (data.get("recipient_name") or "").strip()
    victims, offenders = parties(agreement)
    if recipient == CopyRecipient.VICTIM:
        victim = data.get("victim") or (victims[0] if len(victims) == 1 else None)
        if victim is None or victim.pk not in {v.pk for v in victims}:
            errors["victim"] = "Select which person harmed received a copy"
        name = ""
    elif recipient == CopyRecipient.OFFENDER:
        offender = data.get("offender") or (offenders[0] if len(offenders) == 1 else None)
        if offender is None or offender.pk not in {o.pk for o in offenders}:
            errors["offender"] = "Select which person responsible received a copy"
        name = ""
    elif recipient in CopyRecipient.values:
        if not name:
            errors["recipient_name"] = "Enter the name of the person who received the copy"
    else:
        errors["recipient"] = "Select who received a copy"
    version = VERSION_FOR.get(recipient) or data.get("version") or ""
    if recipient == CopyRecipient.OTHER and version not in CopyVersion.values:
        errors["version"] = "Select which version of the agreement they received"
    method = data.get("method") or ""
    if method not in CopyMethod.values:
        errors["method"] = "Select how the copy was given"
    if errors:
        raise ValidationError(errors)
    sent_on = _date(
        data.get("sent_on"),
        "sent_on",
        "the copy was given",
        not_before=agreement.activity_on,
        before_label="the date of the conference or indirect work",
    )
    copy = AgreementCopy.objects.create(
        agreement=agreement,
        recipient=recipient,
        victim=victim,
        offender=offender,
        recipient_name=name,
        version=version,
        method=method,
        sent_on=sent_on,
        recorded_at=now(),
        recorded_by=actor,
    )
    left_victims, left_offenders = copies_outstanding(agreement)
    if not left_victims and not left_offenders:
        key = f"agreement-copies:{agreement.pk}"
        tasks = case.tasks.filter(Q(dedupe_key=key) | Q(dedupe_key__startswith=f"{key}:"))
        tasks_complete(tasks=tasks, actor=actor)
    # A copy names the parties and what they agreed: it discloses each party's data to whoever receives it
    # (their own data given back to a party is not a disclosure). The log names the kind of recipient only.
    for kind, people in ((PersonKind.VICTIM, victims), (PersonKind.OFFENDER, offenders)):
        ids = [p.pk for p in people if p != victim and p != offender]
        if ids:
            log_processing(
                user=actor,
                operation=Operation.DISCLOSURE,
                person_kind=kind,
                person_ids=ids,
                case_id=case.pk,
                object_type="AgreementCopy",
                object_id=copy.pk,
                reason="Copy of the outcome agreement given",
                recipient=copy.get_recipient_display(),
            )
    _event(case, actor, f"Copy of the agreement given to {copy.get_recipient_display().lower()}")
    return copy


# --- Follow-up -----------------------------------------------------------------------------------


def _item_for_change(item: AgreementItem) -> tuple[Case, OutcomeAgreement, AgreementItem]:
    case, agreement = _lock(item.agreement)
    if agreement.status != AgreementStatus.AGREED:
        state = "still being written" if agreement.status == AgreementStatus.DRAFT else "closed"
        raise ValidationError(f"This agreement is {state}: its items cannot be followed up.")
    return case, agreement, AgreementItem.objects.select_for_update().get(pk=item.pk)


def _item_tasks(case: Case, item: AgreementItem):
    return case.tasks.filter(dedupe_key__startswith=f"item:{item.pk}:")


@transaction.atomic
def item_outcome_record(
    *, item: AgreementItem, actor: User, status: str, outcome_on: dt.date | None, comment: str
) -> list[Task]:
    """Record how an item went. Returns the "tell the person harmed" tasks it raises (may be empty)."""
    case, agreement, item = _item_for_change(item)
    _check_worker(case, actor)
    if item.signed_off_at is not None:
        raise ValidationError("This item has been signed off: its outcome can no longer be changed.")
    if status not in OUTCOMES:
        raise ValidationError({"status": "Select whether the item was done, partly done or not done"})
    outcome_on = _date(
        outcome_on,
        "outcome_on",
        "of the outcome",
        not_before=agreement.activity_on,
        before_label="the date of the conference or indirect work",
    )
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": "Enter a comment on how the item went"})
    item.status = status
    item.outcome_on = outcome_on
    item.outcome_comment = comment
    item.outcome_recorded_at = now()
    item.outcome_recorded_by = actor
    item.save()
    tasks_complete(tasks=_item_tasks(case, item), actor=actor)
    label = item.get_status_display().lower()
    _event(case, actor, f"Agreement item {item.number} recorded as {label}")
    _log(agreement, actor, Operation.COLLECTION, "Agreement item outcome recorded")
    return _inform_tasks(case, agreement, item)


def _inform_tasks(case: Case, agreement: OutcomeAgreement, item: AgreementItem) -> list[Task]:
    if not agreement.victim_wants_updates:
        return []
    if agreement.victim_updates_until and agreement.victim_updates_until < today():
        return []
    assignee = case.lead_facilitator
    if assignee is None:
        return []
    tasks = []
    for victim in agreement.victims.all():
        if victim.is_stopped:
            continue
        tasks.append(
            task_add(
                case=case,
                assignee=assignee,
                kind=TaskKind.INFORM_VICTIM,
                title=f"Tell the person harmed how item {item.number} went on {case.reference}",
                participant=victim,
                dedupe_key=f"inform:{item.pk}:{victim.pk}:{item.status}",
                link=reverse("agreements:victim_update_add", args=[agreement.pk]) + f"?item={item.pk}",
            )
        )
    return tasks


def may_sign_off(case: Case, actor: User) -> bool:
    return actor.pk in (case.lead_facilitator_id, case.second_facilitator_id)


@transaction.atomic
def item_sign_off(*, item: AgreementItem, actor: User) -> AgreementItem:
    """A facilitator of the case signs the item off. The agreement closes when every item is resolved."""
    case, agreement, item = _item_for_change(item)
    if not may_sign_off(case, actor) or not permissions.has_object_perm(actor, permissions.CASE_CHANGE, case):
        raise ValidationError("Only a facilitator of this case can sign off an item.")
    if item.status == ItemStatus.OPEN:
        raise ValidationError("Record how the item went before signing it off.")
    if item.signed_off_at is not None:
        raise ValidationError("This item has already been signed off.")
    item.signed_off_at = now()
    item.signed_off_by = actor
    item.save(update_fields=["signed_off_at", "signed_off_by"])
    tasks_complete(tasks=_item_tasks(case, item), actor=actor)
    _event(case, actor, f"Agreement item {item.number} signed off")
    if not agreement.items.filter(signed_off_at__isnull=True).exists():
        agreement.status = AgreementStatus.CLOSED
        agreement.closed_on = today()
        agreement.save(update_fields=["status", "closed_on"])
        _event(case, actor, "Outcome agreement closed: every item resolved")
    return item


@transaction.atomic
def victim_update_record(
    *, agreement: OutcomeAgreement, actor: User, victim: Victim, item: AgreementItem | None, data: dict[str, Any]
) -> VictimUpdate:
    """Record that the person harmed was told how the agreement (or one item) went."""
    case, agreement = _lock(agreement)
    _check_worker(case, actor)
    if agreement.status == AgreementStatus.DRAFT:
        raise ValidationError("Updates can be recorded once everyone has signed the agreement.")
    if not agreement.victims.filter(pk=victim.pk).exists():
        raise ValidationError({"victim": "Select a person harmed who is on this agreement"})
    if item is not None and item.agreement_id != agreement.pk:
        raise ValidationError({"item": "Select an item of this agreement"})
    informed_on = _date(
        data.get("informed_on"),
        "informed_on",
        "they were told",
        not_before=agreement.activity_on,
        before_label="the date of the conference or indirect work",
    )
    method = data.get("method") or ""
    if method not in UpdateMethod.values:
        raise ValidationError({"method": "Select how they were told"})
    said = (data.get("what_was_said") or "").strip()
    if not said:
        raise ValidationError({"what_was_said": "Enter what they were told"})
    update = VictimUpdate.objects.create(
        agreement=agreement,
        item=item,
        participant=victim,
        informed_on=informed_on,
        method=method,
        what_was_said=said,
        recorded_at=now(),
        recorded_by=actor,
    )
    tasks = case.tasks.filter(kind=TaskKind.INFORM_VICTIM, victim=victim)
    if item is not None:
        tasks = tasks.filter(dedupe_key__startswith=f"inform:{item.pk}:{victim.pk}:")
    tasks_complete(tasks=tasks, actor=actor)
    event_add(
        case=case,
        actor=actor,
        kind=EventKind.AGREEMENT,
        summary="Person harmed told how the agreement is going",
        participant=victim,
    )
    log_processing(
        user=actor,
        operation=Operation.COLLECTION,
        person_kind=PersonKind.VICTIM,
        person_ids=[victim.pk],
        case_id=case.pk,
        object_type="VictimUpdate",
        object_id=update.pk,
        reason="Person harmed told how the agreement is going",
    )
    return update


__all__ = [
    "COPIES_WORKING_DAYS",
    "agreement_start",
    "agreement_update",
    "copies_outstanding",
    "copy_record",
    "item_add",
    "item_outcome_record",
    "item_remove",
    "item_sign_off",
    "item_update",
    "may_sign_off",
    "parties",
    "signatures_record",
    "unsigned_parties",
    "victim_update_record",
]

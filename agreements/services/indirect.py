"""Indirect communication: letters, shuttle mediation and recorded messages passed by the facilitator.

Every message is reviewed by a facilitator (or the service's manager) working the case before it
is passed to the other side: a message is passed on only after it has been reviewed and approved.
Timeline entries never hold the content of a message.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Role, User
from agreements.models import (
    IndirectCommunication,
    IndirectKind,
    IndirectMessage,
    MessageDirection,
    ReviewOutcome,
)
from agreements.services.feedback import feedback_call_tasks_add
from audit.models import Operation, PersonKind
from audit.services import log_processing
from cases import permissions
from cases.models import Case, EventKind, Offender, Victim
from cases.services.common import event_add, now, today

REVIEWER_ROLES = frozenset({Role.FACILITATOR, Role.MANAGER})

# Who sends and who receives, for each direction (on screen and in the processing log).
SENDER = {MessageDirection.TO_OFFENDER: "the person harmed", MessageDirection.TO_VICTIM: "the person responsible"}
RECIPIENT = {MessageDirection.TO_OFFENDER: "person responsible", MessageDirection.TO_VICTIM: "person harmed"}


def _check_case(case: Case, what: str) -> None:
    if not case.is_open:
        raise ValidationError(f"This case is closed. {what} cannot be recorded on a closed case.")
    if case.is_paused:
        raise ValidationError(
            "This case is paused while a risk of serious harm escalation is resolved. "
            f"A manager must resolve it before {what.lower()} can be recorded."
        )
    if not case.lead_facilitator_id:
        raise ValidationError(f"This case has not been allocated to a facilitator yet. {what} cannot be recorded.")


def _check_worker(case: Case, actor: User) -> None:
    if actor.role not in REVIEWER_ROLES or not permissions.has_object_perm(actor, permissions.CASE_CHANGE, case):
        raise ValidationError("Only a facilitator or manager working this case can do this.")


def _not_future(value: dt.date | None, field: str, label: str) -> dt.date:
    if value is None:
        raise ValidationError({field: f"Enter the date {label}"})
    if value > today():
        raise ValidationError({field: f"The date {label} must be today or in the past"})
    return value


def _open_communication(communication: IndirectCommunication) -> IndirectCommunication:
    communication = IndirectCommunication.objects.select_for_update().select_related("case").get(pk=communication.pk)
    if communication.completed_on is not None:
        raise ValidationError("This indirect communication has been completed. Start a new one to record more.")
    return communication


def _sender(message: IndirectMessage) -> Victim | Offender:
    return message.victim if message.direction == MessageDirection.TO_OFFENDER else message.offender


def _sender_kind(message: IndirectMessage) -> str:
    return PersonKind.VICTIM if message.direction == MessageDirection.TO_OFFENDER else PersonKind.OFFENDER


@transaction.atomic
def indirect_start(*, case: Case, actor: User, kind: str, started_on: dt.date | None) -> IndirectCommunication:
    """Start an indirect communication on an open, allocated case that is not paused."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    _check_case(case, "Indirect communication")
    _check_worker(case, actor)
    if kind not in IndirectKind.values:
        raise ValidationError({"kind": "Select the kind of indirect communication"})
    _not_future(started_on, "started_on", "it started")
    communication = IndirectCommunication.objects.create(
        case=case, kind=kind, started_on=started_on, created_at=now(), created_by=actor
    )
    event_add(
        case=case,
        actor=actor,
        kind=EventKind.CONFERENCE,
        summary=f"Indirect communication started: {communication.get_kind_display().lower()}",
    )
    return communication


@transaction.atomic
def message_record(
    *,
    communication: IndirectCommunication,
    actor: User,
    direction: str,
    victim: Victim | None,
    offender: Offender | None,
    content: str,
    received_on: dt.date | None,
) -> IndirectMessage:
    """Record a message received from one side. It waits for review before it can be passed on."""
    communication = _open_communication(communication)
    case = communication.case
    _check_case(case, "A message")
    _check_worker(case, actor)
    if direction not in MessageDirection.values:
        raise ValidationError({"direction": "Select who the message is from"})
    if victim is None or victim.case_id != case.pk:
        raise ValidationError({"victim": "Select the person harmed on this case"})
    if offender is None or offender.case_id != case.pk:
        raise ValidationError({"offender": "Select the person responsible on this case"})
    if not (content or "").strip():
        raise ValidationError({"content": "Enter the message, or a summary of it for a recording"})
    _not_future(received_on, "received_on", "the message was received")
    if received_on < communication.started_on:
        raise ValidationError({"received_on": "The date the message was received must be on or after the start"})
    message = IndirectMessage.objects.create(
        communication=communication,
        direction=direction,
        victim=victim,
        offender=offender,
        content=content.strip(),
        received_on=received_on,
        review_outcome=ReviewOutcome.PENDING,
        recorded_at=now(),
        recorded_by=actor,
    )
    sender = _sender(message)
    event_add(
        case=case,
        actor=actor,
        kind=EventKind.CONFERENCE,
        summary="Message received",
    )
    log_processing(
        user=actor,
        operation=Operation.COLLECTION,
        person_kind=_sender_kind(message),
        person_ids=[sender.pk],
        case_id=case.pk,
        object_type="IndirectMessage",
        object_id=message.pk,
        reason="Indirect communication message recorded",
    )
    return message


@transaction.atomic
def message_review(*, message: IndirectMessage, actor: User, outcome: str, notes: str = "") -> IndirectMessage:
    """A facilitator or manager working the case approves the message, or says what must change."""
    message = IndirectMessage.objects.select_for_update().get(pk=message.pk)
    communication = _open_communication(message.communication)
    case = communication.case
    _check_case(case, "A review")
    _check_worker(case, actor)
    if message.passed_on is not None:
        raise ValidationError("This message has already been passed on. It cannot be reviewed again.")
    if outcome not in (ReviewOutcome.APPROVED, ReviewOutcome.NEEDS_CHANGES):
        raise ValidationError({"outcome": "Select whether the message can be passed on"})
    notes = (notes or "").strip()
    if outcome == ReviewOutcome.NEEDS_CHANGES and not notes:
        raise ValidationError({"notes": "Enter what needs to change before the message can be passed on"})
    message.review_outcome = outcome
    message.review_notes = notes
    message.reviewed_at = now()
    message.reviewed_by = actor
    message.save(update_fields=["review_outcome", "review_notes", "reviewed_at", "reviewed_by"])
    summary = (
        "Message approved to pass on"
        if outcome == ReviewOutcome.APPROVED
        else "Message reviewed: needs changes before it can be passed on"
    )
    event_add(case=case, actor=actor, kind=EventKind.CONFERENCE, summary=summary)
    log_processing(
        user=actor,
        operation=Operation.ALTERATION,
        person_kind=_sender_kind(message),
        person_ids=[_sender(message).pk],
        case_id=case.pk,
        object_type="IndirectMessage",
        object_id=message.pk,
        reason="Indirect communication message reviewed",
    )
    return message


@transaction.atomic
def message_pass_on(*, message: IndirectMessage, actor: User, passed_on: dt.date | None) -> IndirectMessage:
    """Pass an approved message to the other side."""
    message = IndirectMessage.objects.select_for_update().get(pk=message.pk)
    communication = _open_communication(message.communication)
    case = communication.case
    _check_case(case, "Passing on a message")
    _check_worker(case, actor)
    if message.review_outcome != ReviewOutcome.APPROVED:
        raise ValidationError(
            "A message is passed on only after a facilitator has reviewed and approved it. Review it first."
        )
    if message.passed_on is not None:
        raise ValidationError("This message has already been passed on.")
    _not_future(passed_on, "passed_on", "the message was passed on")
    if passed_on < message.received_on:
        raise ValidationError(
            {"passed_on": "The date the message was passed on must be on or after the date it was received"}
        )
    message.passed_on = passed_on
    message.save(update_fields=["passed_on"])
    event_add(case=case, actor=actor, kind=EventKind.CONFERENCE, summary="Message passed on")
    log_processing(
        user=actor,
        operation=Operation.DISCLOSURE,
        person_kind=_sender_kind(message),
        person_ids=[_sender(message).pk],
        case_id=case.pk,
        object_type="IndirectMessage",
        object_id=message.pk,
        reason="Indirect communication message passed on",
        recipient=RECIPIENT[message.direction],
    )
    return message


@transaction.atomic
def indirect_complete(
    *,
    communication: IndirectCommunication,
    actor: User,
    completed_on: dt.date | None,
    effective: bool | None,
    how_we_know: str,
) -> IndirectCommunication:
    """Record that the indirect communication has ended, whether it was effective and how we know."""
    communication = _open_communication(communication)
    case = communication.case
    _check_worker(case, actor)
    if not case.is_open:
        raise ValidationError("This case is closed. Indirect communication cannot be completed on a closed case.")
    _not_future(completed_on, "completed_on", "it was completed")
    if completed_on < communication.started_on:
        raise ValidationError({"completed_on": "The date it was completed must be on or after the date it started"})
    if effective is None:
        raise ValidationError({"effective": "Select whether it was effective"})
    how_we_know = (how_we_know or "").strip()
    if not how_we_know:
        raise ValidationError({"how_we_know": "Enter how we know whether it was effective"})
    communication.completed_on = completed_on
    communication.effective = effective
    communication.how_we_know = how_we_know
    communication.save(update_fields=["completed_on", "effective", "how_we_know"])
    event_add(
        case=case,
        actor=actor,
        kind=EventKind.CONFERENCE,
        summary=f"Indirect communication completed: {communication.get_kind_display().lower()}",
    )
    feedback_call_tasks_add(activity=communication, case=case)
    return communication


__all__ = ["indirect_complete", "indirect_start", "message_pass_on", "message_record", "message_review"]

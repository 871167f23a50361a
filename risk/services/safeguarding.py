"""Safeguarding and public protection (R10): concerns passed promptly to the right agency.

A concern is about one person on the case (and then kept on that person's side) or about the
case as a whole. A rising risk of serious harm escalated to probation pauses the case until an
RJ manager of the service resolves it; while paused, no conference can be confirmed.

A risk to a child overrides confidentiality: it may cross sides (the offender manager sees that
it was passed on, on the case progress page) and each is logged as a disclosure.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Role, User
from audit.models import Operation, PersonKind
from audit.services import log_processing
from cases.models import Case, EventKind, Offender, TaskKind, Victim
from cases.services.common import event_add, now, task_add, tasks_complete
from risk.models import AtRisk, SafeguardingAgency, SafeguardingDisclosure
from risk.models.safeguarding import PassedBy

ROSH_PAUSE_REASON = "Risk of serious harm escalated to probation"

RECORD_FIELDS = (
    "concern",
    "at_risk",
    "at_risk_details",
    "agency",
    "agency_details",
    "passed_by",
    "passed_at",
    "escalate_rosh",
)

# A few minutes' grace for a clock that is slightly ahead of the server's.
_FUTURE_GRACE = dt.timedelta(minutes=5)


# --- Helpers -----------------------------------------------------------------------------------


def _people_for_log(disclosure: SafeguardingDisclosure) -> list[tuple[str, list[int]]]:
    """Whose data the concern is: its person, or, for a concern about the whole case, everyone on it.

    A case-wide concern may be about any of them, so it is logged against each person; an audit
    or a subject access request for any of them then finds it.
    """
    if disclosure.victim_id:
        return [(PersonKind.VICTIM, [disclosure.victim_id])]
    if disclosure.offender_id:
        return [(PersonKind.OFFENDER, [disclosure.offender_id])]
    case = disclosure.case
    return [
        (PersonKind.VICTIM, list(case.victims.values_list("pk", flat=True))),
        (PersonKind.OFFENDER, list(case.offenders.values_list("pk", flat=True))),
    ]


def _log(disclosure: SafeguardingDisclosure, actor: User, operation: str, reason: str, recipient: str = "") -> None:
    for kind, ids in _people_for_log(disclosure):
        if ids:
            log_processing(
                user=actor,
                operation=operation,
                person_kind=kind,
                person_ids=ids,
                case_id=disclosure.case_id,
                object_type="SafeguardingDisclosure",
                object_id=disclosure.pk,
                reason=reason,
                recipient=recipient[:200],
            )


def agency_recipient(disclosure: SafeguardingDisclosure) -> str:
    label = SafeguardingAgency(disclosure.agency).label
    return f"{label}: {disclosure.agency_details}" if disclosure.agency_details else label


def _person(disclosure: SafeguardingDisclosure) -> Victim | Offender | None:
    return disclosure.victim or disclosure.offender


def is_manager_of(user: User, case: Case) -> bool:
    return user.is_active and user.role == Role.MANAGER and user.service_id == case.service_id


def _validate_record(case: Case, person: Victim | Offender | None, data: dict[str, Any]) -> dict[str, Any]:
    if not case.is_open:
        raise ValidationError("This case is closed. Record the concern with the agency directly.")
    if person is not None and (not isinstance(person, Victim | Offender) or person.case_id != case.pk):
        raise ValidationError({"person": "Select someone on this case, or the whole case"})
    fields = {name: data.get(name) for name in RECORD_FIELDS}
    errors: dict[str, str] = {}
    fields["concern"] = (fields["concern"] or "").strip()
    fields["at_risk_details"] = (fields["at_risk_details"] or "").strip()
    fields["agency_details"] = (fields["agency_details"] or "").strip()
    fields["escalate_rosh"] = bool(fields["escalate_rosh"])
    if not fields["concern"]:
        errors["concern"] = "Enter the concern"
    if fields["at_risk"] not in AtRisk.values:
        errors["at_risk"] = "Select who is at risk"
    elif fields["at_risk"] == AtRisk.OTHER and not fields["at_risk_details"]:
        errors["at_risk_details"] = "Say who is at risk"
    if fields["agency"] not in SafeguardingAgency.values:
        errors["agency"] = "Select the agency you told"
    elif fields["agency"] == SafeguardingAgency.OTHER and not fields["agency_details"]:
        errors["agency_details"] = "Say which agency you told"
    if fields["passed_by"] not in PassedBy.values:
        errors["passed_by"] = "Select how you told them"
    passed_at = fields["passed_at"]
    if passed_at is None:
        errors["passed_at"] = "Enter when you told them"
    elif passed_at > now() + _FUTURE_GRACE:
        errors["passed_at"] = "The time you told them must be now or in the past"
    if errors:
        raise ValidationError(errors)
    return fields


# --- Writes ------------------------------------------------------------------------------------


@transaction.atomic
def safeguarding_record(
    *, case: Case, actor: User, person: Victim | Offender | None = None, data: dict[str, Any]
) -> SafeguardingDisclosure:
    """Record a concern passed to an agency, on the person's side (or the case's, with no person)."""
    fields = _validate_record(case, person, data)
    disclosure = SafeguardingDisclosure.objects.create(
        case=case,
        victim=person if isinstance(person, Victim) else None,
        offender=person if isinstance(person, Offender) else None,
        recorded_at=now(),
        recorded_by=actor,
        **fields,
    )
    event_add(
        case=case,
        actor=actor,
        kind=EventKind.SAFEGUARDING,
        summary=f"Safeguarding concern passed to {SafeguardingAgency(disclosure.agency).label}",
        participant=person,
    )
    _log(disclosure, actor, Operation.COLLECTION, "Safeguarding concern recorded")
    if disclosure.at_risk == AtRisk.CHILD:
        # A risk to a child may cross sides. It is logged once, as a disclosure to the agency told,
        # when it is recorded. Offender managers then see that it was passed on (date, "risk to a
        # child", agency, acknowledged or not: never its text) on the case progress page; that view
        # is not logged again each time, since it shows nothing beyond what this row records.
        _log(
            disclosure,
            actor,
            Operation.DISCLOSURE,
            "Risk to a child passed to an agency",
            recipient=agency_recipient(disclosure),
        )
    if disclosure.escalate_rosh:
        _pause_for_escalation(case=case, disclosure=disclosure, actor=actor)
    return disclosure


def _pause_for_escalation(*, case: Case, disclosure: SafeguardingDisclosure, actor: User) -> None:
    locked = Case.objects.select_for_update().get(pk=case.pk)
    locked.is_paused = True
    locked.paused_reason = ROSH_PAUSE_REASON
    locked.save(update_fields=["is_paused", "paused_reason"])
    case.is_paused, case.paused_reason = locked.is_paused, locked.paused_reason
    event = event_add(
        case=case,
        actor=actor,
        kind=EventKind.SAFEGUARDING,
        summary="Case paused: a rising risk of serious harm was escalated to probation",
    )
    for manager in User.objects.filter(service_id=case.service_id, role=Role.MANAGER, is_active=True):
        task_add(
            case=case,
            assignee=manager,
            kind=TaskKind.RESOLVE_ESCALATION,
            title=f"Resolve the risk of serious harm escalation on {case.reference}",
            event=event,
            dedupe_key=_task_key(disclosure, manager),
        )


def _task_key(disclosure: SafeguardingDisclosure, manager: User) -> str:
    return f"safeguarding-rosh:{disclosure.pk}:{manager.pk}"


@transaction.atomic
def safeguarding_acknowledge(
    *, disclosure: SafeguardingDisclosure, actor: User, acknowledged_at: dt.datetime | None, acknowledgement: str
) -> SafeguardingDisclosure:
    """Record that the agency acknowledged the concern, when and how."""
    acknowledgement = (acknowledgement or "").strip()
    if not disclosure.case.is_open:
        raise ValidationError("This case is closed: its records can no longer be changed.")
    if disclosure.acknowledged_at is not None:
        raise ValidationError("The acknowledgement has already been recorded.")
    errors: dict[str, str] = {}
    if acknowledged_at is None:
        errors["acknowledged_at"] = "Enter when the agency acknowledged the concern"
    elif acknowledged_at > now() + _FUTURE_GRACE:
        errors["acknowledged_at"] = "The acknowledgement must be now or in the past"
    elif acknowledged_at < disclosure.passed_at - dt.timedelta(minutes=1):
        errors["acknowledged_at"] = "The acknowledgement must be after the concern was passed on"
    if not acknowledgement:
        errors["acknowledgement"] = "Enter who acknowledged it and what they said"
    if errors:
        raise ValidationError(errors)
    disclosure.acknowledged_at = acknowledged_at
    disclosure.acknowledgement = acknowledgement[:500]
    disclosure.save(update_fields=["acknowledged_at", "acknowledgement"])
    event_add(
        case=disclosure.case,
        actor=actor,
        kind=EventKind.SAFEGUARDING,
        summary=f"{SafeguardingAgency(disclosure.agency).label} acknowledged a safeguarding concern",
        participant=_person(disclosure),
    )
    _log(disclosure, actor, Operation.ALTERATION, "Safeguarding acknowledgement recorded")
    return disclosure


@transaction.atomic
def safeguarding_resolve(*, disclosure: SafeguardingDisclosure, actor: User, resolution: str) -> SafeguardingDisclosure:
    """An RJ manager of the case's service resolves an escalation; the case resumes when none is left open."""
    case = Case.objects.select_for_update().get(pk=disclosure.case_id)
    resolution = (resolution or "").strip()
    if not is_manager_of(actor, case):
        raise ValidationError("Only an RJ manager of this service can resolve an escalation.")
    if not disclosure.escalate_rosh:
        raise ValidationError("This concern was not escalated, so there is nothing to resolve.")
    if disclosure.resolved_at is not None:
        raise ValidationError("This escalation has already been resolved.")
    if not resolution:
        raise ValidationError({"resolution": "Enter how the escalation was resolved"})
    disclosure.resolved_at = now()
    disclosure.resolved_by = actor
    disclosure.resolution = resolution
    disclosure.save(update_fields=["resolved_at", "resolved_by", "resolution"])
    tasks_complete(tasks=case.tasks.filter(dedupe_key__startswith=f"safeguarding-rosh:{disclosure.pk}:"), actor=actor)
    still_open = SafeguardingDisclosure.objects.filter(case=case, escalate_rosh=True, resolved_at__isnull=True).exists()
    resumed = False
    if not still_open and case.is_paused and case.paused_reason == ROSH_PAUSE_REASON:
        case.is_paused = False
        case.paused_reason = ""
        case.save(update_fields=["is_paused", "paused_reason"])
        resumed = True
    disclosure.case = case
    event_add(
        case=case,
        actor=actor,
        kind=EventKind.SAFEGUARDING,
        summary="Risk of serious harm escalation resolved"
        + ("; the case is no longer paused" if resumed else "; the case stays paused"),
    )
    _log(disclosure, actor, Operation.ALTERATION, "Safeguarding escalation resolved")
    return disclosure


__all__ = [
    "ROSH_PAUSE_REASON",
    "agency_recipient",
    "is_manager_of",
    "safeguarding_acknowledge",
    "safeguarding_record",
    "safeguarding_resolve",
]

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from cases import permissions
from cases.models import Case, Code, CodeList, EventKind, Offender, Stage, TaskKind, Victim, WithdrawnBy
from cases.models.case import TERMINAL_STAGES, allowed_transitions
from cases.services.common import event_add, now, task_add, tasks_complete, today

# Reached only through screening (eligibility_decide, exceptional_decide) and allocation (case_allocate).
SERVICE_ONLY_STAGES = (Stage.ELIGIBILITY, Stage.ALLOCATED)


@transaction.atomic
def case_set_stage(*, case: Case, actor: User, stage: str, note: str = "", by_service: bool = False) -> Case:
    """Move a case along its pathway; only the defined transitions are allowed.

    Screening and allocation move a case into "eligible" and "allocated" themselves
    (by_service=True); nobody can move a case there by hand.
    """
    if stage in TERMINAL_STAGES:
        raise ValidationError("Use closure to close, withdraw or stop a case.")
    if stage in SERVICE_ONLY_STAGES and not by_service:
        raise ValidationError(
            {"stage": "Screen the referral or allocate the case to move it on: it cannot be moved there by hand."}
        )
    if case.is_paused:
        raise ValidationError(
            {"stage": "This case is paused until an RJ manager resolves the safeguarding escalation."}
        )
    if stage not in SERVICE_ONLY_STAGES and case.lead_facilitator_id is None:
        raise ValidationError({"stage": "Allocate the case to a facilitator first."})
    if stage not in allowed_transitions(case.stage):
        raise ValidationError(
            f"A case at {Stage(case.stage).label.lower()} cannot move to {Stage(stage).label.lower()}."
        )
    previous = Stage(case.stage).label
    case.stage = stage
    case.stage_changed_at = now()
    case.save(update_fields=["stage", "stage_changed_at"])
    summary = f"Stage changed from {previous} to {Stage(stage).label}"
    event_add(case=case, actor=actor, kind=EventKind.STAGE, summary=f"{summary}. {note}" if note else summary)
    return case


@transaction.atomic
def case_close(
    *,
    case: Case,
    actor: User,
    stage: str,
    outcome_code: str | None = None,
    reason_code: str | None = None,
    withdrawn_by: str = "",
    outcome_reason: str = "",
    closed_on: dt.date | None = None,
    victim_contact_end_on: dt.date | None = None,
) -> Case:
    """Close, withdraw or stop a case with its outcome code and reasons. It becomes read-only for facilitators."""
    if stage not in TERMINAL_STAGES:
        raise ValidationError("Choose how the case ends.")
    if stage not in allowed_transitions(case.stage):
        raise ValidationError("This case is already closed.")
    if stage == Stage.WITHDRAWN and withdrawn_by not in WithdrawnBy.values:
        raise ValidationError({"withdrawn_by": "Select who withdrew."})
    if stage in (Stage.WITHDRAWN, Stage.NOT_PROCEEDING) and not reason_code:
        raise ValidationError({"not_proceeding_reason": "Select the reason the case is not going ahead."})
    if stage == Stage.CLOSED and not outcome_code:
        raise ValidationError({"outcome": "Select the outcome."})
    case.outcome = Code.objects.get(list_name=CodeList.OUTCOME, code=outcome_code) if outcome_code else None
    case.not_proceeding_reason = (
        Code.objects.get(list_name=CodeList.NOT_PROCEEDING, code=reason_code) if reason_code else None
    )
    if stage == Stage.NOT_PROCEEDING and case.outcome is None:
        case.outcome = Code.objects.get(list_name=CodeList.OUTCOME, code="not_proceeding")
    if stage == Stage.WITHDRAWN and case.outcome is None:
        case.outcome = Code.objects.get(list_name=CodeList.OUTCOME, code="not_proceeding")
    case.withdrawn_by = withdrawn_by
    case.outcome_reason = outcome_reason
    case.closed_on = closed_on or today()
    case.victim_contact_end_on = victim_contact_end_on
    case.stage = stage
    case.stage_changed_at = now()
    case.save(
        update_fields=[
            "outcome",
            "not_proceeding_reason",
            "withdrawn_by",
            "outcome_reason",
            "closed_on",
            "victim_contact_end_on",
            "stage",
            "stage_changed_at",
        ]
    )
    tasks_complete(tasks=case.tasks.all(), actor=actor)
    permissions.revoke_changes_on_closure(case)
    event_add(case=case, actor=actor, kind=EventKind.CLOSED, summary=f"{Stage(stage).label}: {case.outcome}")
    return case


@transaction.atomic
def decision_record(*, case: Case, actor: User, participant: Victim | Offender, summary: str) -> None:
    """A decision that affects a person: it goes on the timeline and the lead facilitator is asked to tell them."""
    event = event_add(
        case=case, actor=actor, kind=EventKind.DECISION, summary=summary, participant=participant, needs_informing=True
    )
    assignee = case.lead_facilitator or actor
    task_add(
        case=case,
        assignee=assignee,
        kind=TaskKind.TELL_PARTICIPANT,
        title=f"Tell the person about a decision on {case.reference}",
        participant=participant,
        event=event,
    )


__all__ = ["case_close", "case_set_stage", "decision_record", "tasks_complete"]

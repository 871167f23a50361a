"""Suitability assessments of each person on a case (DOMAIN §2 steps 4 and 5).

A person responsible is assessed first (unless the service says otherwise, or the person harmed
started the case); the person harmed is approached only once a person responsible is suitable.
Every write happens on the person's own side: the timeline entry, the task and the processing-log
row carry that person, so nothing of it reaches the other side's staff.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from audit.models import Operation
from audit.services import log_processing
from cases.models import Case, EventKind, Offender, PathwayStatus, Side, TaskKind, Victim
from cases.services.common import event_add, now, task_add, today
from cases.services.lifecycle import decision_record
from cases.services.participants import set_pathway_status, side_of
from risk.checklist import settings_for
from risk.models import OffenderSuitability, SuitabilityOutcome, VictimDecision, VictimSuitability
from risk.models.assessments import AssessmentOrder

Suitability = OffenderSuitability | VictimSuitability

COMMON_FIELDS = ("assessed_on", "outcome", "outcome_reason")

OFFENDER_THEMES = (
    "who_was_affected",
    "what_they_would_say",
    "responsibility",
    "repairing_harm",
    "who_they_would_bring",
    "victim_feelings",
    "knows_victim",
    "history_between",
)
# Each unsuitability criterion is a tick box with its own notes field, "<criterion>_notes".
OFFENDER_CRITERIA = (
    "denies_involvement",
    "revictimising_attitudes",
    "unsafe_mental_health",
    "unsafe_substance_use",
    "immovably_resistant",
)
OFFENDER_FIELDS = (
    *COMMON_FIELDS,
    *OFFENDER_THEMES,
    *(name for criterion in OFFENDER_CRITERIA for name in (criterion, f"{criterion}_notes")),
    "accepts_some_responsibility",
    "told_no_effect_on_sentence",
)
VICTIM_FIELDS = (
    *COMMON_FIELDS,
    "readiness",
    "motivation",
    "expectations",
    "expectations_realistic",
    "relationship",
    "power_imbalance",
    "power_imbalance_notes",
    "vulnerability",
    "self_harm_risk",
    "self_harm_notes",
    "support_available",
    "preferred_activity",
    "consent_informed_and_free",
    "coercion_check_notes",
    "decision",
    "recontact_on",
    "vlo_liaison_done",
)
FIELDS = {Side.OFFENDER: OFFENDER_FIELDS, Side.VICTIM: VICTIM_FIELDS}
MODELS: dict[str, type[Suitability]] = {Side.OFFENDER: OffenderSuitability, Side.VICTIM: VictimSuitability}

OUTCOME_PATHWAY = {
    SuitabilityOutcome.SUITABLE: PathwayStatus.SUITABLE,
    SuitabilityOutcome.UNSUITABLE: PathwayStatus.UNSUITABLE,
}
DECISION_PATHWAY = {
    VictimDecision.TIME_TO_THINK: PathwayStatus.THINKING,
    VictimDecision.DECLINES: PathwayStatus.DECLINED,
    VictimDecision.PREFERS_INDIRECT: PathwayStatus.PREPARING,
    VictimDecision.PREPARE_CONFERENCE: PathwayStatus.PREPARING,
}

# Yes / no / not known yet answers: None is a valid answer although the model does not say blank=True.
_NOT_CLEANED = [
    "participant",
    "recorded_by",
    "accepts_some_responsibility",
    "expectations_realistic",
    "consent_informed_and_free",
]

ORDER_MESSAGE = (
    "Assess the person responsible first: the person harmed is approached only once a person responsible is suitable."
)
RESPONSIBILITY_MESSAGE = (
    "A person responsible must accept at least some responsibility before anyone harmed is invited."
)


# --- Rules ------------------------------------------------------------------------------------


def case_problem(case: Case) -> str | None:
    """Why nobody may record an assessment on this case now, or None."""
    if not case.is_open:
        return "This case is closed: its assessments can no longer be recorded or changed."
    if case.is_paused:
        return (
            "This case is paused until a manager resolves a safeguarding concern: assessments cannot be recorded now."
        )
    return None


def latest_for(participant: Victim | Offender) -> Suitability | None:
    return MODELS[side_of(participant)].objects.filter(participant=participant).order_by("-assessed_on", "-id").first()


def offender_found_suitable(case: Case) -> bool:
    """Whether the latest suitability assessment of at least one person responsible on the case says suitable."""
    latest: dict[int, str] = {}
    rows = (
        OffenderSuitability.objects.filter(participant__case=case)
        .order_by("participant_id", "-assessed_on", "-id")
        .values_list("participant_id", "outcome")
    )
    for participant_id, outcome in rows:
        latest.setdefault(participant_id, outcome)
    return SuitabilityOutcome.SUITABLE in latest.values()


def victim_order_problem(victim: Victim) -> str | None:
    """The order rule: why the person harmed may not be assessed yet, or None."""
    case = victim.case
    if settings_for(case.service).assessment_order != AssessmentOrder.OFFENDER_FIRST:
        return None
    if case.initiator.code == "victim":
        return None
    if offender_found_suitable(case):
        return None
    return ORDER_MESSAGE


def _clean(side: str, participant: Victim | Offender, data: dict[str, Any]) -> dict[str, Any]:
    """The fields this side keeps, checked against the rules. Raises ValidationError keyed by field."""
    values = {name: data[name] for name in FIELDS[side] if name in data}
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if not values.get("assessed_on"):
        add("assessed_on", "Enter the date of the assessment")
    elif values["assessed_on"] > today():
        add("assessed_on", "The date of the assessment must be today or in the past")
    outcome = values.get("outcome") or SuitabilityOutcome.IN_PROGRESS
    values["outcome"] = outcome
    if outcome not in SuitabilityOutcome.values:
        add("outcome", "Select the outcome")
    if outcome == SuitabilityOutcome.UNSUITABLE and not (values.get("outcome_reason") or "").strip():
        add("outcome_reason", "Give the reason they are unsuitable")

    if side == Side.OFFENDER:
        for criterion in OFFENDER_CRITERIA:
            if values.get(criterion) and not (values.get(f"{criterion}_notes") or "").strip():
                add(f"{criterion}_notes", "Add notes on what you found, as this reason is ticked")
        if outcome == SuitabilityOutcome.SUITABLE and values.get("accepts_some_responsibility") is not True:
            add("accepts_some_responsibility", RESPONSIBILITY_MESSAGE)
    else:
        if values.get("power_imbalance") and not (values.get("power_imbalance_notes") or "").strip():
            add("power_imbalance_notes", "Describe the power imbalance and how it will be managed")
        if values.get("self_harm_risk") and not (values.get("self_harm_notes") or "").strip():
            add("self_harm_notes", "Describe the risk of self-harm and how it will be managed")
        decision = values.get("decision") or VictimDecision.UNDECIDED
        values["decision"] = decision
        recontact_on: dt.date | None = values.get("recontact_on")
        if decision == VictimDecision.TIME_TO_THINK:
            if recontact_on is None:
                add("recontact_on", "Enter the date to contact them again")
            elif recontact_on <= today():
                add("recontact_on", "The date to contact them again must be in the future")
        else:
            values["recontact_on"] = None
        if outcome == SuitabilityOutcome.SUITABLE:
            if values.get("consent_informed_and_free") is not True:
                add(
                    "consent_informed_and_free",
                    "A person harmed can be found suitable only when their consent is informed and freely given",
                )
            case = participant.case
            if (case.flag_domestic_abuse or case.flag_sexual) and not (
                values.get("coercion_check_notes") or ""
            ).strip():
                add(
                    "coercion_check_notes",
                    "Record the check for coercion: this case involves domestic abuse or a sexual offence",
                )
    if errors:
        raise ValidationError(errors)
    return values


# --- Effects ----------------------------------------------------------------------------------


def _pathway_for(side: str, values: dict[str, Any]) -> str | None:
    outcome = values["outcome"]
    if side == Side.VICTIM:
        decision = values["decision"]
        if decision == VictimDecision.DECLINES:
            return PathwayStatus.DECLINED
        if outcome == SuitabilityOutcome.UNSUITABLE:
            return PathwayStatus.UNSUITABLE
        if decision in DECISION_PATHWAY:
            return DECISION_PATHWAY[decision]
    return OUTCOME_PATHWAY.get(outcome)


def _apply_effects(
    *,
    assessment: Suitability,
    participant: Victim | Offender,
    actor: User,
    side: str,
    values: dict[str, Any],
    before: dict[str, Any],
) -> None:
    case = participant.case
    pathway = _pathway_for(side, values)
    if pathway is not None:
        set_pathway_status(participant=participant, status=pathway)
    elif participant.pathway_status in (PathwayStatus.NOT_STARTED, PathwayStatus.IN_CONTACT):
        set_pathway_status(participant=participant, status=PathwayStatus.ASSESSING)

    outcome = values["outcome"]
    if outcome != SuitabilityOutcome.IN_PROGRESS and outcome != before.get("outcome"):
        label = "suitable" if outcome == SuitabilityOutcome.SUITABLE else "unsuitable"
        decision_record(
            case=case, actor=actor, participant=participant, summary=f"Suitability assessment: found {label}"
        )

    if side == Side.VICTIM and values["decision"] == VictimDecision.TIME_TO_THINK:
        changed = (
            before.get("decision") != VictimDecision.TIME_TO_THINK
            or before.get("recontact_on") != values["recontact_on"]
        )
        if changed:
            task_add(
                case=case,
                assignee=case.lead_facilitator or actor,
                kind=TaskKind.RECONTACT,
                title=f"Contact again on {case.reference}",
                due_on=values["recontact_on"],
                participant=participant,
                dedupe_key=f"suitability-recontact:{assessment.pk}:{values['recontact_on'].isoformat()}",
            )


def _log(actor: User, operation: str, participant: Victim | Offender, assessment: Suitability, reason: str) -> None:
    log_processing(
        user=actor,
        operation=operation,
        person_kind=side_of(participant),
        person_ids=[participant.pk],
        case_id=participant.case_id,
        object_type=type(assessment).__name__,
        object_id=assessment.pk,
        reason=reason,
    )


# --- Services ---------------------------------------------------------------------------------


@transaction.atomic
def suitability_record(*, participant: Victim | Offender, actor: User, data: dict[str, Any]) -> Suitability:
    """Record a suitability assessment of one person (the model follows the person's side)."""
    side = side_of(participant)
    case = participant.case
    problem = case_problem(case)
    if problem:
        raise ValidationError(problem)
    if side == Side.VICTIM:
        order = victim_order_problem(participant)  # type: ignore[arg-type]
        if order:
            raise ValidationError(order)
    values = _clean(side, participant, data)
    moment = now()
    assessment = MODELS[side](participant=participant, recorded_at=moment, recorded_by=actor, updated_at=moment)
    for name, value in values.items():
        setattr(assessment, name, value)
    assessment.full_clean(exclude=_NOT_CLEANED)
    assessment.save()
    event_add(
        case=case,
        actor=actor,
        kind=EventKind.SUITABILITY,
        summary="Suitability assessment recorded",
        participant=participant,
    )
    _apply_effects(assessment=assessment, participant=participant, actor=actor, side=side, values=values, before={})
    _log(actor, Operation.COLLECTION, participant, assessment, "Suitability assessment recorded")
    return assessment


@transaction.atomic
def suitability_update(*, assessment: Suitability, actor: User, data: dict[str, Any]) -> Suitability:
    """Change a suitability assessment. A newly decided outcome is a decision the person must be told about."""
    participant = assessment.participant
    side = side_of(participant)
    case = participant.case
    problem = case_problem(case)
    if problem:
        raise ValidationError(problem)
    values = _clean(side, participant, data)
    before = {name: getattr(assessment, name) for name in FIELDS[side]}
    changed = [name for name, value in values.items() if before.get(name) != value]
    if not changed:
        return assessment
    for name in changed:
        setattr(assessment, name, values[name])
    assessment.updated_at = now()
    assessment.full_clean(exclude=_NOT_CLEANED)
    assessment._change_reason = "Suitability assessment changed"  # type: ignore[union-attr]
    assessment.save(update_fields=[*changed, "updated_at"])
    event_add(
        case=case,
        actor=actor,
        kind=EventKind.SUITABILITY,
        summary="Suitability assessment changed",
        participant=participant,
    )
    _apply_effects(assessment=assessment, participant=participant, actor=actor, side=side, values=values, before=before)
    _log(actor, Operation.ALTERATION, participant, assessment, "Suitability assessment changed")
    return assessment


__all__ = [
    "OFFENDER_CRITERIA",
    "OFFENDER_THEMES",
    "case_problem",
    "latest_for",
    "offender_found_suitable",
    "suitability_record",
    "suitability_update",
    "victim_order_problem",
]

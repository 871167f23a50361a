"""Risk assessments: start, fill in, submit, approve or return; new risks; the service's settings.

An approved assessment is frozen. A change starts a new version, which ends the currency of
the approved one and needs approval again. Nobody approves an assessment they wrote or worked on.

Every step is on the timeline (on the person's side for a person's assessment), written to the
processing log for a person's assessment, closes the tasks of the step before and tells the
other party by an in-app task and an email carrying no personal data.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from simple_history.utils import bulk_create_with_history

from accounts.models import Role, Service, User
from audit.models import Operation
from audit.services import log_processing
from cases.models import Case, EventKind, Offender, Side, Task, TaskKind, Victim
from cases.services.common import event_add, now, task_add, tasks_complete
from risk import tasks as risk_tasks
from risk.checklist import current_template, settings_for
from risk.models import (
    AssessmentPoint,
    AssessmentStatus,
    ChecklistItem,
    ChecklistTemplate,
    NewRisk,
    RiskAnswer,
    RiskAssessment,
    RiskLevel,
    RiskSettings,
    RiskSubject,
)

EDITABLE_FIELDS = (
    "rating",
    "rating_reasons",
    "management_plan",
    "risk_manageable",
    "facilitator_ratio",
    "discussed_with_manager",
    "prison_security_consulted",
)
FROZEN_MESSAGE = "An approved assessment cannot be changed: start a new version"
SUBMITTED_MESSAGE = "This assessment is waiting for approval, so it cannot be changed now"
SELF_APPROVAL_MESSAGE = "You cannot approve an assessment you wrote or worked on."
TASK_PREFIX = "risk-assessment"


# --- Helpers ----------------------------------------------------------------------------------


def subject_label(assessment: RiskAssessment) -> str:
    return RiskSubject(assessment.subject).label.lower()


def _task_key(assessment: RiskAssessment, step: str, user: User) -> str:
    return f"{TASK_PREFIX}:{assessment.pk}:{step}:{user.pk}:{uuid.uuid4().hex[:12]}"


def _open_tasks(assessment: RiskAssessment):
    return Task.objects.filter(dedupe_key__startswith=f"{TASK_PREFIX}:{assessment.pk}:")


def _record_step(
    assessment: RiskAssessment, actor: User, summary: str, reason: str, operation: str = Operation.ALTERATION
) -> None:
    """Timeline entry (on the person's side, or case-wide) and, for a person, the processing log."""
    event_add(
        case=assessment.case, actor=actor, kind=EventKind.RISK, summary=summary, participant=assessment.participant
    )
    _log(assessment, actor, reason, operation)


def _log(assessment: RiskAssessment, actor: User, reason: str, operation: str = Operation.ALTERATION) -> None:
    person = assessment.participant
    if person is None:
        return
    log_processing(
        user=actor,
        operation=operation,
        person_kind=Side.VICTIM if isinstance(person, Victim) else Side.OFFENDER,
        person_ids=[person.pk],
        case_id=assessment.case_id,
        object_type="RiskAssessment",
        object_id=assessment.pk,
        reason=reason,
    )


def _notify(assessment: RiskAssessment, *, step: str, recipients: Iterable[User], title: str, email: str) -> None:
    """A task for each recipient, and one email to them once the transaction commits."""
    people = [u for u in {u.pk: u for u in recipients}.values() if u.is_active]
    for user in people:
        task_add(
            case=assessment.case,
            assignee=user,
            kind=TaskKind.REVIEW_ASSESSMENT,
            title=title,
            participant=assessment.participant,
            dedupe_key=_task_key(assessment, step, user),
        )
    ids = [u.pk for u in people if u.email]
    if ids:
        transaction.on_commit(lambda: risk_tasks.send_assessment_email.delay(assessment.pk, email, ids))


def _authors(assessment: RiskAssessment) -> list[User]:
    return [assessment.created_by, *assessment.contributors.all()]


def _managers(case: Case) -> list[User]:
    return list(User.objects.filter(service_id=case.service_id, role=Role.MANAGER, is_active=True))


def _require_editable(assessment: RiskAssessment) -> None:
    if assessment.status == AssessmentStatus.APPROVED:
        raise ValidationError(FROZEN_MESSAGE)
    if assessment.status == AssessmentStatus.SUBMITTED:
        raise ValidationError(SUBMITTED_MESSAGE)


def _in_custody(assessment: RiskAssessment) -> bool:
    if assessment.subject == RiskSubject.OFFENDER:
        return assessment.offender.in_custody
    return assessment.case.offenders.filter(in_custody=True).exists()


def _chain(*, case: Case, subject: str, person: Victim | Offender | None, point: str):
    return RiskAssessment.objects.filter(
        case=case,
        subject=subject,
        victim=person if isinstance(person, Victim) else None,
        offender=person if isinstance(person, Offender) else None,
        point=point,
    )


# --- Starting and filling in --------------------------------------------------------------------


@transaction.atomic
def assessment_start(
    *, case: Case, actor: User, subject: str, person: Victim | Offender | None = None, point: str
) -> RiskAssessment:
    if not case.is_open:
        raise ValidationError("This case is closed: no new assessment can be started.")
    if subject not in RiskSubject.values:
        raise ValidationError({"subject": "Choose who or what the assessment is about"})
    if point not in AssessmentPoint.values:
        raise ValidationError({"point": "Choose when this assessment is made"})
    wanted = {RiskSubject.VICTIM: Victim, RiskSubject.OFFENDER: Offender}.get(subject)
    if wanted is None and person is not None:
        raise ValidationError({"subject": "A venue or staff-safety assessment is not about a person"})
    if wanted is not None and (not isinstance(person, wanted) or person.case_id != case.pk):
        raise ValidationError({"subject": "Choose a person on this case"})

    chain = _chain(case=case, subject=subject, person=person, point=point).select_for_update()
    previous = chain.order_by("-version", "-id").first()
    if previous is not None and previous.status != AssessmentStatus.APPROVED:
        raise ValidationError(
            f"Version {previous.version} of this assessment is {previous.get_status_display().lower()}: "
            "change that one instead of starting another"
        )
    at = now()
    if previous is not None and previous.invalidated_at is None:
        previous.invalidated_at = at
        previous.invalidated_reason = "a newer assessment was started"
        previous.save(update_fields=["invalidated_at", "invalidated_reason"])
        if person is not None and point == AssessmentPoint.PRE_CONFERENCE:
            from agreements.services.conferences import conferences_reopen_for

            conferences_reopen_for(person=person, actor=actor, reason="a newer risk assessment was started")

    template = current_template(case.service)
    assessment = RiskAssessment.objects.create(
        case=case,
        subject=subject,
        victim=person if isinstance(person, Victim) else None,
        offender=person if isinstance(person, Offender) else None,
        point=point,
        version=previous.version + 1 if previous else 1,
        previous=previous,
        template=template,
        created_at=at,
        created_by=actor,
    )
    assessment.contributors.add(actor)
    bulk_create_with_history(
        [
            RiskAnswer(assessment=assessment, item=item, risk=None)
            for item in template.items.all()
            if item.applies_to(subject)
        ],
        RiskAnswer,
        default_user=actor,
    )
    _record_step(
        assessment,
        actor,
        f"{assessment.get_point_display()} risk assessment ({subject_label(assessment)}) version "
        f"{assessment.version} started",
        "Risk assessment started",
        Operation.COLLECTION,
    )
    return assessment


@transaction.atomic
def assessment_update(
    *,
    assessment: RiskAssessment,
    actor: User,
    answers: dict[int, tuple[bool | None, str]],
    data: dict[str, Any],
) -> RiskAssessment:
    """Save the checklist answers and the overall fields of a draft or returned assessment."""
    assessment = RiskAssessment.objects.select_for_update().get(pk=assessment.pk)
    _require_editable(assessment)
    if not assessment.case.is_open:
        raise ValidationError("This case is closed: its assessments can no longer be changed.")
    existing = {a.item_id: a for a in assessment.answers.all()}
    unknown = set(answers) - set(existing)
    if unknown:
        raise ValidationError("Some answers are not questions of this checklist. Reload the page and try again.")
    for item_id, (risk, management) in answers.items():
        answer = existing[item_id]
        management = (management or "").strip()
        if answer.risk != risk or answer.management != management:
            answer.risk, answer.management = risk, management
            answer._history_user = actor
            answer.save(update_fields=["risk", "management"])
    changed = []
    for field in EDITABLE_FIELDS:
        if field in data:
            value = data[field]
            if isinstance(value, str):
                value = value.strip()
            if field == "rating" and value and value not in RiskLevel.values:
                raise ValidationError({"rating": "Choose low, medium or high"})
            if getattr(assessment, field) != value:
                setattr(assessment, field, value)
                changed.append(field)
    if changed:
        assessment._history_user = actor
        assessment.save(update_fields=changed)
    assessment.contributors.add(actor)
    _log(assessment, actor, "Risk assessment changed")
    return assessment


def submit_problems(assessment: RiskAssessment) -> dict[str, str]:
    """What must be done before the assessment can be submitted, keyed by form field."""
    problems: dict[str, str] = {}
    for answer in assessment.answers.select_related("item"):
        number = answer.item.position
        if answer.risk is None:
            problems[f"item_{answer.item_id}"] = f"Answer question {number}: is there a risk?"
        elif answer.risk and not answer.management.strip():
            problems[f"item_{answer.item_id}_management"] = f"Say how the risk in question {number} will be managed"
    if not assessment.rating:
        problems["rating"] = "Choose the overall risk: low, medium or high"
    if not assessment.rating_reasons.strip():
        problems["rating_reasons"] = "Give the reasons for the overall risk"
    if not assessment.management_plan.strip():
        problems["management_plan"] = "Write the risk management plan"
    if assessment.rating == RiskLevel.HIGH and assessment.risk_manageable is None:
        problems["risk_manageable"] = "Say whether the high risk can be managed well enough for a face-to-face meeting"
    serious = assessment.rating in (RiskLevel.MEDIUM, RiskLevel.HIGH)
    if serious and not assessment.discussed_with_manager:
        problems["discussed_with_manager"] = "A medium or high risk must be discussed with the RJ manager first"
    if assessment.point == AssessmentPoint.PRE_CONFERENCE and not assessment.facilitator_ratio.strip():
        problems["facilitator_ratio"] = "Enter the facilitator-to-attendee ratio, for example 2 to 4"
    if serious and not assessment.prison_security_consulted and _in_custody(assessment):
        problems["prison_security_consulted"] = (
            "The person responsible is in custody: a medium or high risk must be discussed with prison security"
        )
    return problems


# --- Approval -----------------------------------------------------------------------------------


@transaction.atomic
def assessment_submit(*, assessment: RiskAssessment, actor: User) -> RiskAssessment:
    assessment = RiskAssessment.objects.select_for_update().select_related("case").get(pk=assessment.pk)
    _require_editable(assessment)
    _require_not_paused(assessment)
    problems = submit_problems(assessment)
    if problems:
        raise ValidationError(problems)
    resubmitted = assessment.status == AssessmentStatus.RETURNED
    assessment.status = AssessmentStatus.SUBMITTED
    assessment.submitted_at = now()
    assessment.submitted_by = actor
    assessment._history_user = actor
    assessment.save(update_fields=["status", "submitted_at", "submitted_by"])
    assessment.contributors.add(actor)
    tasks_complete(tasks=_open_tasks(assessment), actor=actor)
    reference = assessment.case.reference
    _record_step(
        assessment,
        actor,
        f"{assessment.get_point_display()} risk assessment ({subject_label(assessment)}) version "
        f"{assessment.version} {'resubmitted' if resubmitted else 'submitted'} for approval",
        "Risk assessment submitted",
    )
    _notify(
        assessment,
        step="review",
        recipients=[m for m in _managers(assessment.case) if m.pk != actor.pk],
        title=f"Review the risk assessment on {reference}",
        email="submitted",
    )
    return assessment


def approval_problem(assessment: RiskAssessment, actor: User) -> str:
    """Why `actor` may not decide on `assessment` ("" when they may)."""
    if actor.role != Role.MANAGER or actor.service_id != assessment.case.service_id:
        return "Only an RJ manager of this case's service can approve or return an assessment."
    if assessment.status != AssessmentStatus.SUBMITTED:
        return "Only a submitted assessment can be approved or returned."
    if assessment.created_by_id == actor.pk or assessment.contributors.filter(pk=actor.pk).exists():
        return SELF_APPROVAL_MESSAGE
    return ""


def _require_not_paused(assessment: RiskAssessment) -> None:
    if assessment.case.is_paused:
        raise ValidationError(
            "This case is paused while a risk of serious harm escalation is resolved: "
            "assessments cannot be submitted or approved until an RJ manager resolves it."
        )


def _decide(assessment: RiskAssessment, actor: User, status: str, comment: str) -> RiskAssessment:
    _require_not_paused(assessment)
    problem = approval_problem(assessment, actor)
    if problem:
        raise ValidationError(problem)
    assessment.status = status
    assessment.decided_at = now()
    assessment.decided_by = actor
    assessment.decision_comment = comment
    assessment._history_user = actor
    assessment.save(update_fields=["status", "decided_at", "decided_by", "decision_comment"])
    tasks_complete(tasks=_open_tasks(assessment), actor=actor)
    return assessment


@transaction.atomic
def assessment_approve(*, assessment: RiskAssessment, actor: User, comment: str = "") -> RiskAssessment:
    assessment = RiskAssessment.objects.select_for_update().select_related("case").get(pk=assessment.pk)
    _decide(assessment, actor, AssessmentStatus.APPROVED, (comment or "").strip())
    _record_step(
        assessment,
        actor,
        f"{assessment.get_point_display()} risk assessment ({subject_label(assessment)}) version "
        f"{assessment.version} approved",
        "Risk assessment approved",
    )
    _notify(
        assessment,
        step="approved",
        recipients=_authors(assessment),
        title=f"Risk assessment approved on {assessment.case.reference}: read the decision",
        email="approved",
    )
    return assessment


@transaction.atomic
def assessment_return(*, assessment: RiskAssessment, actor: User, comment: str) -> RiskAssessment:
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": "Say what needs to change before the assessment can be approved"})
    assessment = RiskAssessment.objects.select_for_update().select_related("case").get(pk=assessment.pk)
    _decide(assessment, actor, AssessmentStatus.RETURNED, comment)
    _record_step(
        assessment,
        actor,
        f"{assessment.get_point_display()} risk assessment ({subject_label(assessment)}) version "
        f"{assessment.version} returned with comments",
        "Risk assessment returned",
    )
    _notify(
        assessment,
        step="returned",
        recipients=_authors(assessment),
        title=f"Change and resubmit the risk assessment on {assessment.case.reference}",
        email="returned",
    )
    return assessment


# --- New risk -------------------------------------------------------------------------------------


@transaction.atomic
def new_risk_record(*, person: Victim | Offender, actor: User, description: str) -> NewRisk:
    description = (description or "").strip()
    if not description:
        raise ValidationError({"description": "Describe the new risk"})
    case = person.case
    if not case.is_open:
        raise ValidationError("This case is closed: no new risk can be recorded.")
    own = {"victim": person} if isinstance(person, Victim) else {"offender": person}
    record = NewRisk.objects.create(case=case, description=description, recorded_at=now(), recorded_by=actor, **own)
    at = now()
    for assessment in RiskAssessment.objects.filter(
        status=AssessmentStatus.APPROVED, invalidated_at__isnull=True, **own
    ):
        assessment.invalidated_at = at
        assessment.invalidated_reason = "new risk recorded"
        assessment._history_user = actor
        assessment.save(update_fields=["invalidated_at", "invalidated_reason"])
    from agreements.services.conferences import conferences_reopen_for

    conferences_reopen_for(person=person, actor=actor, reason="new risk information was recorded")
    label = "person harmed" if isinstance(person, Victim) else "person responsible"
    event = event_add(
        case=case, actor=actor, kind=EventKind.RISK, summary=f"New risk recorded for the {label}", participant=person
    )
    log_processing(
        user=actor,
        operation=Operation.COLLECTION,
        person_kind=Side.VICTIM if isinstance(person, Victim) else Side.OFFENDER,
        person_ids=[person.pk],
        case_id=case.pk,
        object_type="NewRisk",
        object_id=record.pk,
        reason="New risk recorded",
    )
    if case.lead_facilitator_id:
        task_add(
            case=case,
            assignee=case.lead_facilitator,
            kind=TaskKind.REVIEW_ASSESSMENT,
            title=f"New risk recorded on {case.reference}: review the risk assessment",
            participant=person,
            event=event,
            dedupe_key=f"new-risk:{record.pk}",
        )
    return record


# --- Service settings -------------------------------------------------------------------------------


@transaction.atomic
def risk_settings_update(*, service: Service, actor: User, data: dict[str, Any]) -> RiskSettings:
    settings = settings_for(service)
    fields = [f for f in ("assessment_order", "om_sees_offender_assessments", "approval_valid_days") if f in data]
    for field in fields:
        setattr(settings, field, data[field])
    if settings.approval_valid_days is not None and settings.approval_valid_days < 1:
        raise ValidationError({"approval_valid_days": "Enter a number of days of 1 or more"})
    settings.updated_by = actor
    settings._history_user = actor
    settings.save(update_fields=[*fields, "updated_by", "updated_at"])
    return settings


def parse_checklist_lines(text: str) -> list[tuple[str, str]]:
    """One question a line; guidance after a vertical bar: "Question | guidance"."""
    items: list[tuple[str, str]] = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        question, _, guidance = line.partition("|")
        question, guidance = question.strip(), guidance.strip()
        if not question:
            raise ValidationError({"items": f"Line {number} has guidance but no question"})
        if len(question) > 300:
            raise ValidationError({"items": f"Line {number}: a question must be 300 characters or fewer"})
        if len(guidance) > 500:
            raise ValidationError({"items": f"Line {number}: guidance must be 500 characters or fewer"})
        items.append((question, guidance))
    if not items:
        raise ValidationError({"items": "Enter at least one question, one a line"})
    return items


@transaction.atomic
def checklist_publish(
    *, service: Service, actor: User, items: list[tuple[str, str]], notes: str = ""
) -> ChecklistTemplate:
    """A new checklist version. Assessments already started keep the version they were started on."""
    if not items:
        raise ValidationError({"items": "Enter at least one question, one a line"})
    latest = current_template(service)
    template = ChecklistTemplate.objects.create(
        service=service, version=latest.version + 1, created_at=now(), created_by=actor, notes=(notes or "").strip()
    )
    ChecklistItem.objects.bulk_create(
        ChecklistItem(template=template, position=index, text=text, guidance=guidance)
        for index, (text, guidance) in enumerate(items, start=1)
    )
    return template

"""Follow-up reminders (DOMAIN §2 steps 9-10, §9): what is due for one service on one day, each given once.

`run_reminders` works out, with a few queries per kind, every reminder due for a service and gives each
(kind, subject, due date, recipient) exactly once: a SentReminder row and its in-app task are written together
in a savepoint. The row's unique constraint is the guard: a second run, or a second worker running at the same
moment, hits it and skips. Emails go only after those rows are committed (`send_pending_emails`): each row is
claimed pending → sending by exactly one worker, then marked sent. A worker that dies after its claim leaves
"sending", which is never sent again: at most one email, and the task is already in the work list.

Windows and catching up. A reminder whose window includes today is given on the next run, so a day missed while
the workers were down is caught up; a window already past is not given late:
- item coming up: from N working days before the target date (N is the service's setting) until the day before;
- item due: on the target date;
- item overdue: each day after the target date, dated today (only today's, never a backlog);
- escalation to the RJ managers: weekly once overdue, dated target + 7k for the latest k ≥ 1 reached;
- copies, feedback call, re-contact and late first contact: once, from their date on, until what they ask for
  is recorded.
Closed and paused cases get none, nor do people who have withdrawn or stopped (for items they are responsible
for, their copy, their feedback call, re-contact and first contact). Without an active lead facilitator the
service's RJ managers are told instead.

The emails are in agreements.reminder_emails; agreements.tasks runs both every morning.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Subquery
from django.urls import reverse

from accounts.models import Role, Service, User
from agreements.models import (
    AgreementCopy,
    AgreementItem,
    AgreementSettings,
    AgreementStatus,
    Conference,
    ConferenceStatus,
    IndirectMessage,
    ItemStatus,
    OffenderFeedback,
    OutcomeAgreement,
    ReminderKind,
    SentReminder,
    VictimFeedback,
)
from cases.models import Case, Offender, OffenderContact, Task, TaskKind, Victim
from cases.models.case import OPEN_STAGES
from cases.models.participants import STOPPED_STATUSES
from cases.services.common import task_add
from core import clock
from core.workdays import add_working_days
from risk.models import VictimDecision, VictimSuitability

DEFAULT_NOTICE_WORKING_DAYS = 3
NOTICE_MIN, NOTICE_MAX = 1, 20
ESCALATE_EVERY_DAYS = 7
FEEDBACK_WITHIN_DAYS = 7
FIRST_CONTACT_WORKING_DAYS = 15

ITEM_KINDS = (
    ReminderKind.ITEM_COMING_UP,
    ReminderKind.ITEM_DUE,
    ReminderKind.ITEM_OVERDUE,
    ReminderKind.ITEM_ESCALATION,
)
SIDE_LABEL = {"victim": "person harmed", "offender": "person responsible"}
# Kinds of task a reminder may link to instead of adding a second one for the same thing.
REUSABLE_TASK_KINDS = (
    TaskKind.FOLLOW_UP_ITEM,
    TaskKind.SEND_COPIES,
    TaskKind.FEEDBACK_CALL,
    TaskKind.RECONTACT,
    TaskKind.FIRST_CONTACT,
)


# --- Settings ----------------------------------------------------------------------------------


def notice_working_days(service: Service) -> int:
    """How many working days before an item's target date the facilitator is reminded (3 until changed)."""
    value = AgreementSettings.objects.filter(service=service).values_list("item_notice_working_days", flat=True).first()
    return value or DEFAULT_NOTICE_WORKING_DAYS


@transaction.atomic
def agreement_settings_update(*, service: Service, actor: User, item_notice_working_days: int) -> AgreementSettings:
    """Change the service's follow-up settings. Each change is kept in history with who made it."""
    days = item_notice_working_days
    if isinstance(days, bool) or not isinstance(days, int) or not NOTICE_MIN <= days <= NOTICE_MAX:
        raise ValidationError(
            {"item_notice_working_days": f"Enter a number of working days from {NOTICE_MIN} to {NOTICE_MAX}"}
        )
    current = AgreementSettings.objects.select_for_update().filter(service=service).first()
    current = current or AgreementSettings(service=service)
    current.item_notice_working_days = days
    current.changed_at = clock.now()
    current.changed_by = actor
    current._history_user = actor  # type: ignore[attr-defined]
    current._change_reason = "Follow-up settings changed"  # type: ignore[attr-defined]
    current.save()
    return current


# --- What is due -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskSpec:
    """The in-app task for a reminder. `family` names what it is about: an open task of the same family
    and assignee is linked rather than a second one added."""

    family: str
    kind: str
    title: str
    due_on: dt.date
    participant: Victim | Offender | None = None
    link: str = ""  # where the task is done, when not the case page


@dataclass(frozen=True)
class Due:
    kind: str
    subject_key: str
    due_on: dt.date
    recipient: User
    case: Case
    task: TaskSpec

    @property
    def key(self) -> tuple[str, str, dt.date, int]:
        return (self.kind, self.subject_key, self.due_on, self.recipient.pk)


@dataclass(frozen=True)
class _Run:
    service: Service
    today: dt.date
    notice: int
    managers: list[User]

    def live(self, prefix: str) -> dict:
        """Filters for "the case is this service's, open and not paused", `prefix` leading to the case."""
        return {f"{prefix}service": self.service, f"{prefix}stage__in": OPEN_STAGES, f"{prefix}is_paused": False}

    def recipients(self, case: Case) -> list[User]:
        lead = case.lead_facilitator
        if lead is not None and lead.is_active:
            return [lead]
        return self.managers

    def dues(self, kind: str, subject: str, due_on: dt.date, case: Case, task: TaskSpec) -> Iterator[Due]:
        for user in self.recipients(case):
            yield Due(kind, subject, due_on, user, case, task)


def _item_dues(run: _Run) -> Iterator[Due]:
    today = run.today
    items = (
        AgreementItem.objects.filter(
            agreement__status=AgreementStatus.AGREED,
            status=ItemStatus.OPEN,  # no outcome recorded yet (an item with an outcome waits only for sign-off)
            target_date__isnull=False,
            target_date__lt=add_working_days(today, run.notice + 1),
            **run.live("agreement__case__"),
        )
        .exclude(responsible_victim__pathway_status__in=STOPPED_STATUSES)
        .exclude(responsible_offender__pathway_status__in=STOPPED_STATUSES)
        .select_related("agreement__case__lead_facilitator")
        .order_by("pk")
    )
    for item in items:
        case, target, subject = item.agreement.case, item.target_date, f"item:{item.pk}"
        link = reverse("agreements:agreement_detail", args=[item.agreement_id]) + f"#item-{item.pk}"
        follow = TaskSpec(
            f"item:{item.pk}:follow",
            TaskKind.FOLLOW_UP_ITEM,
            f"Follow up agreement item {item.number} on {case.reference}",
            target,
            link=link,
        )
        if today < target:
            starts = add_working_days(target, -run.notice)
            if starts <= today:
                yield from run.dues(ReminderKind.ITEM_COMING_UP, subject, starts, case, follow)
        elif today == target:
            yield from run.dues(ReminderKind.ITEM_DUE, subject, target, case, follow)
        else:
            yield from run.dues(ReminderKind.ITEM_OVERDUE, subject, today, case, follow)
            weeks = (today - target).days // ESCALATE_EVERY_DAYS
            if weeks >= 1:
                escalated_on = target + dt.timedelta(days=ESCALATE_EVERY_DAYS * weeks)
                task = TaskSpec(
                    f"item:{item.pk}:escalation",
                    TaskKind.FOLLOW_UP_ITEM,
                    f"Agreement item {item.number} on {case.reference} is overdue",
                    escalated_on,
                    link=link,
                )
                for manager in run.managers:
                    yield Due(ReminderKind.ITEM_ESCALATION, subject, escalated_on, manager, case, task)


def _copies_dues(run: _Run) -> Iterator[Due]:
    missing = []
    for through, field in (
        (OutcomeAgreement.victims.through, "victim"),
        (OutcomeAgreement.offenders.through, "offender"),
    ):
        given = AgreementCopy.objects.filter(
            agreement_id=OuterRef("outcomeagreement_id"), **{f"{field}_id": OuterRef(f"{field}_id")}
        )
        missing.append(
            Exists(
                through.objects.filter(outcomeagreement_id=OuterRef("pk"))
                .exclude(**{f"{field}__pathway_status__in": STOPPED_STATUSES})
                .filter(~Exists(given))
            )
        )
    agreements = (
        OutcomeAgreement.objects.filter(
            status__in=(AgreementStatus.AGREED, AgreementStatus.CLOSED),
            copies_due_on__lte=run.today,
            **run.live("case__"),
        )
        .filter(missing[0] | missing[1])
        .select_related("case__lead_facilitator")
        .order_by("pk")
    )
    for agreement in agreements:
        case = agreement.case
        task = TaskSpec(
            f"agreement-copies:{agreement.pk}",
            TaskKind.SEND_COPIES,
            f"Send copies of the agreement on {case.reference}",
            agreement.copies_due_on,
            link=reverse("agreements:agreement_detail", args=[agreement.pk]) + "#copies",
        )
        yield from run.dues(ReminderKind.COPIES_DUE, f"agreement:{agreement.pk}", agreement.copies_due_on, case, task)


def _feedback_due(
    run: _Run, activity: str, activity_id: int, activity_on: dt.date, person: Victim | Offender, case: Case
) -> Iterator[Due]:
    side = "victim" if isinstance(person, Victim) else "offender"
    subject = f"{activity}:{activity_id}:{side}:{person.pk}"
    due_on = activity_on + dt.timedelta(days=FEEDBACK_WITHIN_DAYS)
    task = TaskSpec(
        # The same family as the feedback call task added when the activity was recorded (feedback-call:...).
        f"feedback-call:{subject}",
        TaskKind.FEEDBACK_CALL,
        f"Make the feedback call to the {SIDE_LABEL[side]} on {case.reference}",
        due_on,
        person,
        link=reverse("agreements:feedback_new", kwargs={"side": side, "pk": person.pk}) + f"?{activity}={activity_id}",
    )
    return run.dues(ReminderKind.FEEDBACK_DUE, subject, due_on, case, task)


def _feedback_dues(run: _Run) -> Iterator[Due]:
    held_by = run.today - dt.timedelta(days=FEEDBACK_WITHIN_DAYS)
    sides = (
        ("victim", Conference.attending_victims.through, VictimFeedback),
        ("offender", Conference.attending_offenders.through, OffenderFeedback),
    )
    for field, through, feedback in sides:
        not_stopped = {f"{field}__pathway_status__in": STOPPED_STATUSES}
        attended = (
            through.objects.filter(
                conference__status=ConferenceStatus.HELD,
                conference__date__lte=held_by,
                **run.live("conference__case__"),
            )
            .exclude(**not_stopped)
            .filter(
                ~Exists(
                    feedback.objects.filter(
                        participant_id=OuterRef(f"{field}_id"), conference_id=OuterRef("conference_id")
                    )
                )
            )
            .select_related("conference__case__lead_facilitator", field)
            .order_by("conference_id", f"{field}_id")
        )
        for row in attended:
            conference = row.conference
            yield from _feedback_due(
                run, "conference", conference.pk, conference.date, getattr(row, field), conference.case
            )

        named = (
            IndirectMessage.objects.filter(
                communication__completed_on__isnull=False,
                communication__completed_on__lte=held_by,
                **run.live("communication__case__"),
            )
            .exclude(**not_stopped)
            .filter(
                ~Exists(
                    feedback.objects.filter(
                        participant_id=OuterRef(f"{field}_id"), indirect_id=OuterRef("communication_id")
                    )
                )
            )
            .select_related("communication__case__lead_facilitator", field)
            .order_by("communication_id", f"{field}_id", "pk")
        )
        seen: set[tuple[int, int]] = set()
        for message in named:
            person = getattr(message, field)
            if (message.communication_id, person.pk) in seen:
                continue
            seen.add((message.communication_id, person.pk))
            communication = message.communication
            yield from _feedback_due(
                run, "indirect", communication.pk, communication.completed_on, person, communication.case
            )


def _recontact_dues(run: _Run) -> Iterator[Due]:
    latest = VictimSuitability.objects.filter(participant_id=OuterRef("participant_id")).order_by("-assessed_on", "-id")
    assessments = (
        VictimSuitability.objects.filter(
            decision=VictimDecision.TIME_TO_THINK,
            recontact_on__isnull=False,
            recontact_on__lte=run.today,
            **run.live("participant__case__"),
        )
        .exclude(participant__pathway_status__in=STOPPED_STATUSES)
        .filter(pk=Subquery(latest.values("pk")[:1]))
        .select_related("participant__case__lead_facilitator")
        .order_by("pk")
    )
    for assessment in assessments:
        victim = assessment.participant
        case = victim.case
        task = TaskSpec(
            f"recontact:victim:{victim.pk}",
            TaskKind.RECONTACT,
            f"Contact again on {case.reference}",
            assessment.recontact_on,
            victim,
        )
        yield from run.dues(ReminderKind.RECONTACT_DUE, f"victim:{victim.pk}", assessment.recontact_on, case, task)


def _first_contact_dues(run: _Run) -> Iterator[Due]:
    offenders = (
        Offender.objects.filter(
            sentence_date__isnull=False,
            # A working day is at least a calendar day: nobody sentenced later can be late yet.
            sentence_date__lte=run.today - dt.timedelta(days=FIRST_CONTACT_WORKING_DAYS),
            case__allocated_at__isnull=False,
            **run.live("case__"),
        )
        .exclude(pathway_status__in=STOPPED_STATUSES)
        .filter(~Exists(OffenderContact.objects.filter(participant_id=OuterRef("pk"), is_attempt=False)))
        .select_related("case__lead_facilitator")
        .order_by("pk")
    )
    for offender in offenders:
        due_on = add_working_days(offender.sentence_date, FIRST_CONTACT_WORKING_DAYS)
        if due_on > run.today:
            continue
        case = offender.case
        task = TaskSpec(
            f"first-contact:case:{case.pk}",
            TaskKind.FIRST_CONTACT,
            f"Make first contact on {case.reference}",
            due_on,
            offender,
        )
        yield from run.dues(ReminderKind.FIRST_CONTACT_LATE, f"offender:{offender.pk}", due_on, case, task)


FINDERS = (_item_dues, _copies_dues, _feedback_dues, _recontact_dues, _first_contact_dues)


def reminders_due(*, service: Service, today: dt.date) -> list[Due]:
    """Every reminder due for the service on `today`, given or not, in a stable order."""
    run = _Run(
        service=service,
        today=today,
        notice=notice_working_days(service),
        managers=list(User.objects.filter(service=service, role=Role.MANAGER, is_active=True).order_by("pk")),
    )
    unique = {due.key: due for finder in FINDERS for due in finder(run)}
    # One order for every worker, so two running at once wait on each other's rows and never deadlock.
    return [unique[key] for key in sorted(unique)]


# --- Giving them -------------------------------------------------------------------------------


def _task_family(task: Task) -> str | None:
    """What an open task is about, in the families TaskSpec uses (None: not one a reminder reuses)."""
    if task.kind == TaskKind.RECONTACT and task.victim_id:
        return f"recontact:victim:{task.victim_id}"
    if task.kind == TaskKind.FIRST_CONTACT:
        return f"first-contact:case:{task.case_id}"
    parts = (task.dedupe_key or "").split(":")
    if task.kind == TaskKind.SEND_COPIES and parts[0] == "agreement-copies" and len(parts) >= 2:
        return ":".join(parts[:2])
    if task.kind == TaskKind.FOLLOW_UP_ITEM and parts[0] == "item" and len(parts) >= 3:
        return ":".join(parts[:3])
    if task.kind == TaskKind.FEEDBACK_CALL and parts[0] == "feedback-call" and len(parts) >= 5:
        return ":".join(parts[:5])
    return None


def _open_tasks(case_ids: Iterable[int]) -> dict[tuple[str, int], Task]:
    found: dict[tuple[str, int], Task] = {}
    tasks = Task.objects.filter(case_id__in=list(case_ids), done_at__isnull=True, kind__in=REUSABLE_TASK_KINDS)
    for task in tasks.order_by("created_at", "pk"):
        family = _task_family(task)
        if family:
            found.setdefault((family, task.assignee_id), task)
    return found


@transaction.atomic
def run_reminders(*, service: Service, today: dt.date) -> int:
    """Give every reminder due for the service on `today` that has not been given. Returns how many are new.

    Each is a SentReminder row and its task, written in a savepoint; the row's unique constraint turns a
    reminder already given (by an earlier run or by a worker running now) into an IntegrityError: skipped.
    No email leaves here: send_pending_emails() does that once these rows are committed.
    """
    dues = reminders_due(service=service, today=today)
    if not dues:
        return 0
    case_ids = {due.case.pk for due in dues}
    given = set(
        SentReminder.objects.filter(case_id__in=case_ids, due_on__in={due.due_on for due in dues}).values_list(
            "kind", "subject_key", "due_on", "recipient_id"
        )
    )
    open_tasks = _open_tasks(case_ids)
    moment = clock.now()
    created = 0
    for due in dues:
        if due.key in given:
            continue
        spec = due.task
        try:
            with transaction.atomic():
                reminder = SentReminder.objects.create(
                    kind=due.kind,
                    subject_key=due.subject_key,
                    due_on=due.due_on,
                    recipient=due.recipient,
                    case=due.case,
                    created_at=moment,
                )
                task = open_tasks.get((spec.family, due.recipient.pk)) or task_add(
                    case=due.case,
                    assignee=due.recipient,
                    kind=spec.kind,
                    title=spec.title,
                    due_on=spec.due_on,
                    participant=spec.participant,
                    link=spec.link,
                    dedupe_key=f"{spec.family}:{due.kind}:{due.due_on.isoformat()}:{due.recipient.pk}",
                )
                reminder.task = task
                reminder.save(update_fields=["task"])
        except IntegrityError:
            continue  # given by another worker since we looked
        open_tasks[(spec.family, due.recipient.pk)] = task
        created += 1
    return created


__all__ = [
    "DEFAULT_NOTICE_WORKING_DAYS",
    "Due",
    "agreement_settings_update",
    "notice_working_days",
    "reminders_due",
    "run_reminders",
]

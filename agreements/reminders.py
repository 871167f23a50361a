"""Follow-up reminders (DOMAIN §2 steps 9-10, §9): what is due on one day, for every service at once, each given once.

Finding costs what is due, not how many services or items there are. Each kind is one query for all the
services (feedback: one per activity kind and side), starting from what can still be due:
- items from item_due_by_target, a partial index holding only the items still waiting for an outcome that have
  a target date, read up to the widest notice any service chose and then held to their own service's notice;
- copies, feedback calls, re-contact and first contact from the open, unpaused cases (through
  case_service_stage, given every service's id so it needs no scan of all cases), then each case's agreements,
  held conferences, completed indirect communication, "time to think" assessments and sentenced people.
  What ends these (a copy, a feedback call, a contact, the case closing) lives in other tables, so a partial
  index on their own dates would hold nearly every row ever written: the open cases are the smaller set.
The service's notice (one query with the services), the leads and the RJ managers (one query each) are read
once for everything found, and what was already given is left out with one lookup of everything found
(reminder_once, by its full key). A rerun with nothing new is those dozen queries and nothing per service.

`run_reminders` then gives each (kind, subject, due date, recipient) exactly once: SentReminder rows and their
in-app tasks are written a service at a time, in one transaction and a few statements whatever their number
(`INSERT … ON CONFLICT DO NOTHING`). The row's unique constraint is the guard: a second run, or a second worker
running at the same moment, hits it and leaves that reminder out (and any task made for it alone). Emails go only
after those rows are committed (`send_pending_emails`): each row is claimed pending → sending by exactly one
worker, then marked sent. A worker that dies after its claim leaves "sending", which is never sent again: at
most one email, and the task is already in the work list.

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
import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.db.models import Exists, Model, OuterRef, Subquery
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
from cases.services.common import task_build
from core import clock
from core.workdays import add_working_days
from risk.models import VictimDecision, VictimSuitability

logger = logging.getLogger(__name__)

DEFAULT_NOTICE_WORKING_DAYS = 3
NOTICE_MIN, NOTICE_MAX = 1, 20
ESCALATE_EVERY_DAYS = 7
FEEDBACK_WITHIN_DAYS = 7
FIRST_CONTACT_WORKING_DAYS = 15
GIVEN_LOOKUP_BATCH = 500  # reminders looked up per query when leaving out those given already

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
class _Found:
    """Something due on a case, before its recipients are known: the lead facilitator (the service's RJ
    managers when the case has no active lead), or the managers only (`managers_only`: escalations)."""

    kind: str
    subject_key: str
    due_on: dt.date
    case: Case
    task: TaskSpec
    managers_only: bool = False


@dataclass(frozen=True)
class _Run:
    today: dt.date
    service_ids: tuple[int, ...]  # the run's services: one, or every service
    notices: dict[int, int]  # service id -> its notice in working days, for the services that set one

    def live(self, prefix: str) -> dict:
        """Filters for "the case is one of the run's services', open and not paused", `prefix` leading to it.

        The services are named even when they are all of them: with (service, stage) both given, PostgreSQL
        finds the open cases in case_service_stage instead of reading every case.
        """
        return {
            f"{prefix}service_id__in": self.service_ids,
            f"{prefix}stage__in": OPEN_STAGES,
            f"{prefix}is_paused": False,
        }

    def notice(self, service_id: int) -> int:
        return self.notices.get(service_id) or DEFAULT_NOTICE_WORKING_DAYS


def _case_fields(prefix: str) -> list[str]:
    """What the reminders read of a case (`prefix` leading to it): the reference for the task titles, the
    service and the lead for the recipients. Rows are read with these and their own dates only."""
    return [f"{prefix}{name}" for name in ("reference", "service", "lead_facilitator")]


def _item_dues(run: _Run) -> Iterator[_Found]:
    today = run.today
    # One query for every service: up to the widest notice any service has chosen, each item then held to its
    # own service's notice below (so the few items read in excess are those due within 20 working days).
    widest = max([DEFAULT_NOTICE_WORKING_DAYS, *run.notices.values()])
    items = (
        AgreementItem.objects.filter(
            # Through item_due_by_target: the open items with a target date, whatever their case.
            status=ItemStatus.OPEN,  # no outcome recorded yet (an item with an outcome waits only for sign-off)
            target_date__isnull=False,
            target_date__lt=add_working_days(today, widest + 1),
            agreement__status=AgreementStatus.AGREED,
            **run.live("agreement__case__"),
        )
        .exclude(responsible_victim__pathway_status__in=STOPPED_STATUSES)
        .exclude(responsible_offender__pathway_status__in=STOPPED_STATUSES)
        .select_related("agreement__case")
        .only("number", "target_date", "agreement__case", *_case_fields("agreement__case__"))
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
            notice = run.notice(case.service_id)
            starts = add_working_days(target, -notice)
            if starts <= today:
                yield _Found(ReminderKind.ITEM_COMING_UP, subject, starts, case, follow)
        elif today == target:
            yield _Found(ReminderKind.ITEM_DUE, subject, target, case, follow)
        else:
            yield _Found(ReminderKind.ITEM_OVERDUE, subject, today, case, follow)
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
                yield _Found(ReminderKind.ITEM_ESCALATION, subject, escalated_on, case, task, managers_only=True)


def _copies_dues(run: _Run) -> Iterator[_Found]:
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
        .select_related("case")
        .only("copies_due_on", *_case_fields("case__"))
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
        yield _Found(ReminderKind.COPIES_DUE, f"agreement:{agreement.pk}", agreement.copies_due_on, case, task)


def _feedback_due(
    activity: str, activity_id: int, activity_on: dt.date, person: Victim | Offender, case: Case
) -> _Found:
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
    return _Found(ReminderKind.FEEDBACK_DUE, subject, due_on, case, task)


def _feedback_dues(run: _Run) -> Iterator[_Found]:
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
            .select_related("conference__case", field)
            .only("conference__date", "conference__case", *_case_fields("conference__case__"), f"{field}__id")
            .order_by("conference_id", f"{field}_id")
        )
        for row in attended:
            conference = row.conference
            yield _feedback_due("conference", conference.pk, conference.date, getattr(row, field), conference.case)

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
            .select_related("communication__case", field)
            .only(
                "communication__completed_on",
                "communication__case",
                *_case_fields("communication__case__"),
                f"{field}__id",
            )
            .order_by("communication_id", f"{field}_id", "pk")
        )
        seen: set[tuple[int, int]] = set()
        for message in named:
            person = getattr(message, field)
            if (message.communication_id, person.pk) in seen:
                continue
            seen.add((message.communication_id, person.pk))
            communication = message.communication
            yield _feedback_due("indirect", communication.pk, communication.completed_on, person, communication.case)


def _recontact_dues(run: _Run) -> Iterator[_Found]:
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
        .select_related("participant__case")
        .only("recontact_on", "participant__case", *_case_fields("participant__case__"))
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
        yield _Found(ReminderKind.RECONTACT_DUE, f"victim:{victim.pk}", assessment.recontact_on, case, task)


def _first_contact_dues(run: _Run) -> Iterator[_Found]:
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
        .select_related("case")
        .only("sentence_date", *_case_fields("case__"))
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
        yield _Found(ReminderKind.FIRST_CONTACT_LATE, f"offender:{offender.pk}", due_on, case, task)


FINDERS = (_item_dues, _copies_dues, _feedback_dues, _recontact_dues, _first_contact_dues)


def _run_for(service: Service | None, today: dt.date) -> _Run:
    """The run's services (one, or all) with the notice each has set, in one query."""
    services = Service.objects.all() if service is None else Service.objects.filter(pk=service.pk)
    rows = list(services.order_by("pk").values_list("pk", "agreement_settings__item_notice_working_days"))
    notices = {pk: notice for pk, notice in rows if notice}
    return _Run(today=today, service_ids=tuple(pk for pk, _ in rows), notices=notices)


def _with_recipients(found: list[_Found]) -> Iterator[Due]:
    """Each found reminder for its recipients: the case's lead facilitator when active, otherwise (and for
    escalations) the service's active RJ managers. Leads and managers are read once for everything found."""
    leads = User.objects.filter(
        pk__in={f.case.lead_facilitator_id for f in found if f.case.lead_facilitator_id}, is_active=True
    ).in_bulk()
    managers: dict[int, list[User]] = defaultdict(list)
    service_ids = {f.case.service_id for f in found}
    for manager in User.objects.filter(service_id__in=service_ids, role=Role.MANAGER, is_active=True).order_by("pk"):
        managers[manager.service_id].append(manager)
    for f in found:
        lead = None if f.managers_only else leads.get(f.case.lead_facilitator_id)
        for user in [lead] if lead else managers[f.case.service_id]:
            yield Due(f.kind, f.subject_key, f.due_on, user, f.case, f.task)


def _order(due: Due) -> tuple:
    return (due.case.service_id, due.key)


def reminders_due(*, today: dt.date, service: Service | None = None) -> list[Due]:
    """Every reminder due on `today`, given or not, for one service or (by default) every service.

    Each kind is found with one query (four for feedback: conferences and indirect communication, each side)
    for all the services at once, then the leads and managers with one query each for everything found.
    The order is by service, then (kind, subject, due date, recipient): the same for every worker.
    """
    run = _run_for(service, today)
    found = [f for finder in FINDERS for f in finder(run)]
    if not found:
        return []
    unique = {due.key: due for due in _with_recipients(found)}
    # One order for every worker, so two running at once wait on each other's rows and never deadlock.
    return sorted(unique.values(), key=_order)


def _given(dues: list[Due]) -> set[tuple[str, str, str, int]]:
    """The keys among `dues` already given, with the due date as ISO text: one query (per 500), each key
    looked up in reminder_once, so it costs what was found today, not every reminder ever given."""
    table = connection.ops.quote_name(SentReminder._meta.db_table)
    found: set[tuple[str, str, str, int]] = set()
    for start in range(0, len(dues), GIVEN_LOOKUP_BATCH):
        batch = dues[start : start + GIVEN_LOOKUP_BATCH]
        values = ", ".join(["(%s, %s, %s, %s)"] * len(batch))
        sql = (
            f"SELECT kind, subject_key, due_on, recipient_id FROM {table} "  # noqa: S608 - no input in the text
            f"WHERE (kind, subject_key, due_on, recipient_id) IN (VALUES {values})"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [value for due in batch for value in due.key])
            found.update((kind, subject, str(due_on), recipient) for kind, subject, due_on, recipient in cursor)
    return found


def reminders_to_give(*, today: dt.date, service: Service | None = None) -> list[Due]:
    """The reminders due on `today` that have not been given, in `reminders_due`'s order."""
    dues = reminders_due(today=today, service=service)
    if not dues:
        return []
    given = _given(dues)
    return [due for due in dues if (due.kind, due.subject_key, due.due_on.isoformat(), due.recipient.pk) not in given]


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


GIVE_BATCH = 500


def _insert_new(objects: list[Model], unique: tuple[str, ...], returning: tuple[str, ...]) -> list[tuple[Any, ...]]:
    """Insert `objects` (one model) in one statement per GIVE_BATCH, leaving out any row whose `unique` fields
    (a unique constraint's) are there already (another worker's), and return the `returning` columns of the rows
    inserted here: `INSERT … ON CONFLICT (…) DO NOTHING RETURNING …`, as PostgreSQL and SQLite both write it.
    A conflict on any other constraint is an error, as it should be."""
    if not objects:
        return []
    meta = objects[0]._meta
    quote = connection.ops.quote_name
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    columns = ", ".join(quote(field.column) for field in fields)
    back = ", ".join(quote(meta.get_field(name).column) for name in returning)
    target = ", ".join(quote(meta.get_field(name).column) for name in unique)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    inserted: list[tuple[Any, ...]] = []
    for start in range(0, len(objects), GIVE_BATCH):
        batch = objects[start : start + GIVE_BATCH]
        sql = (
            f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES {', '.join([row] * len(batch))} "  # noqa: S608
            f"ON CONFLICT ({target}) DO NOTHING RETURNING {back}"
        )
        params = [field.get_db_prep_save(getattr(obj, field.attname), connection) for obj in batch for field in fields]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            inserted.extend(tuple(found) for found in cursor.fetchall())
    return inserted


def _give(dues: list[Due], open_tasks: dict[tuple[str, int], Task], moment: dt.datetime) -> int:
    """Give one service's `dues` (not given when looked up) in a few statements, whatever their number; returns
    how many were given here.

    Each reminder's task is an open one of its family, or a new one whose dedupe key holds the reminder's key.
    New tasks go in first, all at once: one another worker has just added (same key) is left to it and used
    instead. Then the reminder rows, all at once: one another worker has just given (reminder_once) is left out.
    A new task none of whose reminders went in here is deleted again, so a race leaves no task without its
    reminder. Runs inside the caller's transaction.
    """
    made: dict[tuple[str, int], Task] = {}
    for due in dues:
        spec, family = due.task, (due.task.family, due.recipient.pk)
        if family not in open_tasks and family not in made:
            made[family] = task_build(
                case=due.case,
                assignee=due.recipient,
                kind=spec.kind,
                title=spec.title,
                due_on=spec.due_on,
                participant=spec.participant,
                link=spec.link,
                dedupe_key=f"{spec.family}:{due.kind}:{due.due_on.isoformat()}:{due.recipient.pk}",
                created_at=moment,
            )
    ours = {key for _pk, key in _insert_new(list(made.values()), ("dedupe_key",), ("id", "dedupe_key"))}
    keys = [task.dedupe_key for task in made.values()]
    held = {task.dedupe_key: task for task in Task.objects.filter(dedupe_key__in=keys)} if keys else {}
    for family, task in made.items():
        open_tasks[family] = held[task.dedupe_key]
    rows = [
        SentReminder(
            kind=due.kind,
            subject_key=due.subject_key,
            due_on=due.due_on,
            recipient=due.recipient,
            case=due.case,
            task=open_tasks[(due.task.family, due.recipient.pk)],
            created_at=moment,
        )
        for due in dues
    ]
    given = _insert_new(rows, ("kind", "subject_key", "due_on", "recipient"), ("task",))
    used = {task_id for (task_id,) in given}
    unused = [held[key].pk for key in ours if held[key].pk not in used]
    if unused:
        Task.objects.filter(pk__in=unused).delete()
        for family, task in list(open_tasks.items()):
            if task.pk in unused:
                del open_tasks[family]
    return len(given)


def reminders_give(dues: list[Due]) -> int:
    """Give `dues` (in the order found), one transaction per service. Returns how many are new.

    Each is a SentReminder row and its task (_give: a few statements per service, not per reminder); the row's
    unique constraint leaves out a reminder already given (by an earlier run or by a worker running now).
    No email leaves here: send_pending_emails() does that once these rows are committed.
    """
    if not dues:
        return 0
    open_tasks = _open_tasks({due.case.pk for due in dues})
    moment = clock.now()
    created = 0
    for service_id, group in groupby(dues, key=lambda due: due.case.service_id):
        try:
            with transaction.atomic():
                created += _give(list(group), open_tasks, moment)
        except DatabaseError:
            # One service's failure (its transaction undone) must not cost every other service its reminders:
            # the next run gives what this one could not.
            logger.exception("Reminders of service %s not given this run", service_id)
            open_tasks = _open_tasks({due.case.pk for due in dues})
    return created


@transaction.atomic
def run_reminders(*, today: dt.date, service: Service | None = None) -> int:
    """Give every reminder due on `today` that has not been given, for one service or (by default) every
    service. Returns how many are new. What was given already is left out with one lookup before writing."""
    return reminders_give(reminders_to_give(today=today, service=service))


__all__ = [
    "DEFAULT_NOTICE_WORKING_DAYS",
    "Due",
    "agreement_settings_update",
    "notice_working_days",
    "reminders_due",
    "reminders_give",
    "reminders_to_give",
    "run_reminders",
]

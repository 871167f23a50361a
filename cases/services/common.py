"""Helpers shared by the case services: timeline entries, tasks and dates."""

from __future__ import annotations

import datetime as dt

from accounts.models import Role, User
from cases.models import Case, CaseEvent, Offender, Side, Task, Victim
from core import clock


def now() -> dt.datetime:
    return clock.now()


def today() -> dt.date:
    return clock.today()


def event_add(
    *,
    case: Case,
    actor: User | None,
    kind: str,
    summary: str,
    participant: Victim | Offender | None = None,
    needs_informing: bool = False,
) -> CaseEvent:
    side = ""
    victim = offender = None
    if isinstance(participant, Victim):
        side, victim = Side.VICTIM, participant
    elif isinstance(participant, Offender):
        side, offender = Side.OFFENDER, participant
    return CaseEvent.objects.create(
        case=case,
        occurred_at=now(),
        actor=actor,
        kind=kind,
        side=side,
        victim=victim,
        offender=offender,
        summary=summary[:500],
        needs_informing=needs_informing,
    )


def task_build(
    *,
    case: Case,
    assignee: User,
    kind: str,
    title: str,
    due_on: dt.date | None = None,
    participant: Victim | Offender | None = None,
    event: CaseEvent | None = None,
    dedupe_key: str | None = None,
    link: str = "",
    created_at: dt.datetime | None = None,
) -> Task:
    """A task, not yet saved (task_add saves one; the reminder job saves many at once)."""
    side = ""
    if isinstance(participant, Victim):
        side = Side.VICTIM
    elif isinstance(participant, Offender):
        side = Side.OFFENDER
    return Task(
        case=case,
        assignee=assignee,
        kind=kind,
        title=title[:200],
        due_on=due_on or today(),
        side=side,
        victim=participant if isinstance(participant, Victim) else None,
        offender=participant if isinstance(participant, Offender) else None,
        event=event,
        created_at=created_at or now(),
        dedupe_key=dedupe_key,
        link=link,
    )


def task_add(
    *,
    case: Case,
    assignee: User,
    kind: str,
    title: str,
    due_on: dt.date | None = None,
    participant: Victim | Offender | None = None,
    event: CaseEvent | None = None,
    dedupe_key: str | None = None,
    link: str = "",
) -> Task:
    """Add a task; with a `dedupe_key` already used, the task that holds it is returned instead."""
    if dedupe_key:
        existing = Task.objects.filter(dedupe_key=dedupe_key).first()
        if existing:
            return existing
    task = task_build(
        case=case,
        assignee=assignee,
        kind=kind,
        title=title,
        due_on=due_on,
        participant=participant,
        event=event,
        dedupe_key=dedupe_key,
        link=link,
    )
    task.save(force_insert=True)
    return task


def tasks_for_managers(*, case: Case, kind: str, title: str, due_on: dt.date | None = None) -> list[Task]:
    managers = User.objects.filter(service_id=case.service_id, role=Role.MANAGER, is_active=True)
    return [task_add(case=case, assignee=m, kind=kind, title=title, due_on=due_on) for m in managers]


def tasks_complete(*, tasks, actor: User | None) -> int:
    """Mark open tasks done (history of who did it is kept on the task)."""
    count = 0
    for task in tasks.filter(done_at__isnull=True):
        task.done_at = now()
        task.done_by = actor
        task.save(update_fields=["done_at", "done_by"])
        count += 1
    return count

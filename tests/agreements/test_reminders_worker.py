"""The reminder jobs against the real services: two OS processes at once on PostgreSQL, and a real Celery worker.

On SQLite (or without a broker) these skip, unless RJCASE_REQUIRE_SERVICES=1, when they fail loudly.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import time
import uuid

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core import mail
from django.db import connection, connections
from django.utils import timezone
from kombu import Queue

from accounts.models import Role
from agreements.models import AgreementItem, AgreementStatus, EmailState, OutcomeAgreement, Responsible, SentReminder
from agreements.tasks import daily_reminders, service_reminders
from cases.models import Task, TaskKind
from rjcase.celery import app
from tests.conftest import services_required
from tests.factories import VICTIM_MARKERS, UserFactory


def _agreement_with_items(case, actor, targets: list[dt.date]) -> OutcomeAgreement:
    agreement = OutcomeAgreement.objects.create(
        case=case,
        status=AgreementStatus.AGREED,
        activity_on=min(targets) - dt.timedelta(days=30),
        agreed_on=min(targets) - dt.timedelta(days=30),
        created_at=timezone.now(),
        created_by=actor,
    )
    agreement.victims.set(case.victims.all())
    agreement.offenders.set(case.offenders.all())
    for number, target in enumerate(targets, start=1):
        AgreementItem.objects.create(
            agreement=agreement,
            number=number,
            description="Write a letter explaining what happened",
            responsible=Responsible.OFFENDER,
            responsible_offender=case.offenders.first(),
            target_date=target,
        )
    return agreement


def _require_postgresql() -> None:
    if connection.vendor != "postgresql":
        if services_required():
            pytest.fail("Two workers at once must be tested on PostgreSQL: set DATABASE_URL")
        pytest.skip("Two workers at once are tested on PostgreSQL only")


def _worker(service_id: int, on: str, barriers, results, task: str = "service") -> None:
    """One OS process running the service's reminders (or the daily job, for every service), as a Celery worker
    process would.

    Both processes work out what is due, then wait for each other before writing: each then tries to give
    every reminder, so one of them must meet the other's rows (waiting on them, then skipping them).
    """
    from agreements import reminders

    connections.close_all()  # never share the parent's database connection
    mail.outbox = []
    start, write = barriers
    looked = reminders._open_tasks

    def write_together(case_ids):
        write.wait(timeout=30)
        return looked(case_ids)

    reminders._open_tasks = write_together
    try:
        start.wait(timeout=30)
        created = service_reminders(service_id, on) if task == "service" else daily_reminders(on)
        results.put({"created": created, "emails": len(mail.outbox), "error": ""})
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which fails the test
        results.put({"created": 0, "emails": 0, "error": repr(exc)})
    finally:
        connections.close_all()


@pytest.mark.parametrize("task", ["service", "daily"])
@pytest.mark.django_db(transaction=True)
def test_two_processes_at_once_give_each_reminder_and_its_email_once(allocated_case, facilitator, manager, task):
    _require_postgresql()
    UserFactory(username="mgr2", role=Role.MANAGER, service=allocated_case.service)
    on = dt.date(2026, 6, 10)
    # Due soon, due today, and overdue (with an escalation to both managers): 2 + 1 + 3 * 3 reminders.
    day = dt.timedelta(days=1)
    targets = [on + day, on + 2 * day, on, *(on - (8 + n) * day for n in range(3))]
    _agreement_with_items(allocated_case, facilitator, targets)
    expected = 2 + 1 + 3 * 3
    tasks_before = Task.objects.count()

    context = multiprocessing.get_context("fork")
    barriers, results = (context.Barrier(2), context.Barrier(2)), context.Queue()
    connections.close_all()
    processes = [
        context.Process(target=_worker, args=(allocated_case.service_id, on.isoformat(), barriers, results, task))
        for _ in range(2)
    ]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=30)
        assert process.exitcode == 0

    assert [o["error"] for o in outcomes] == ["", ""]
    # The service's task counts the reminders it gave; the daily job the services it gave reminders to.
    assert sum(o["created"] for o in outcomes) == (expected if task == "service" else 2)
    assert sum(o["emails"] for o in outcomes) == expected
    rows = SentReminder.objects.all()
    assert rows.count() == expected
    assert set(rows.values_list("email_state", flat=True)) == {EmailState.SENT}
    # One follow-up task per item for the lead, one escalation task per overdue item for each manager.
    assert Task.objects.count() - tasks_before == 6 + 3 * 2
    assert Task.objects.filter(kind=TaskKind.FOLLOW_UP_ITEM).count() == 6 + 3 * 2


def _broker_reachable() -> bool:
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception:  # noqa: BLE001
        return False
    return True


@pytest.mark.needs_broker
@pytest.mark.django_db(transaction=True)
def test_the_daily_job_runs_on_a_real_worker_and_the_email_lands(allocated_case, facilitator):
    if services_required():
        assert settings.CELERY_BROKER_URL.startswith("redis://"), "CI must use the real Redis broker"
    if not _broker_reachable():
        if services_required():
            pytest.fail(f"The Celery broker at {settings.CELERY_BROKER_URL} is not reachable")
        pytest.skip("No Celery broker reachable")

    today = timezone.localdate()
    _agreement_with_items(allocated_case, facilitator, [today])
    # A queue of this test's own, so a worker of another test process cannot take these tasks (nor this one theirs).
    queue = f"reminders-test-{uuid.uuid4().hex}"
    queues, previous_routes = app.amqp.queues, app.conf.task_routes
    previous_selection = queues._consume_from  # start_worker(queues=...) narrows the app's selection for good
    queues.add(Queue(queue, routing_key=queue))  # bound to the default exchange, so deleting it leaves nothing
    app.conf.update(task_routes={"agreements.tasks.*": {"queue": queue}})
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10, queues=[queue]):
            daily_reminders.delay()
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if SentReminder.objects.filter(email_state=EmailState.SENT).exists():
                    break
                time.sleep(0.2)
    finally:
        app.conf.update(task_routes=previous_routes)
        queues._consume_from = previous_selection
        with app.connection_for_write() as conn:
            declared = queues.pop(queue).bind(conn.default_channel)
            declared.declare()  # this connection learns the binding, so the delete removes it from the broker
            declared.delete()

    reminder = SentReminder.objects.get()
    assert reminder.email_state == EmailState.SENT and reminder.task.assignee == facilitator
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [facilitator.email]
    assert message.subject == f"Agreement item due today: {allocated_case.reference}"
    assert f"/cases/{allocated_case.pk}/" in message.body
    assert not [value for value in VICTIM_MARKERS.values() if value in message.subject + message.body]

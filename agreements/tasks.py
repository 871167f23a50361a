"""The follow-up reminders, every morning (Celery beat: agreement-reminders-daily in rjcase/settings.py).

`daily_reminders` finds what is due for every service in one pass (agreements.reminders: a query per kind,
whatever the number of services), leaves out what was given already with one lookup, gives the rest grouped
by service (a transaction each), then emails every reminder still pending. `service_reminders` does the same
for one service.

Both tasks are safe to run twice, at once or after a crash: a reminder is recorded once (a unique row), and its
email is claimed by one worker only. acks_late: a task lost with its worker is delivered again and simply
finishes what is left.
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.db import transaction

from accounts.models import Service
from agreements import reminder_emails, reminders
from core import clock


def _day(on: str | None) -> dt.date:
    return dt.date.fromisoformat(on) if on else clock.today()


@shared_task(name="agreements.tasks.daily_reminders", acks_late=True)
def daily_reminders(on: str | None = None) -> int:
    """Give every service's reminders due today (or on `on`, an ISO date), then email every one still pending.

    Returns how many services had reminders to give. Rows left pending by an earlier run that crashed are
    emailed too.
    """
    dues: list[reminders.Due] = []
    try:
        dues = reminders.reminders_to_give(today=_day(on))
        reminders.reminders_give(dues)
    finally:
        # Emails only once the rows are committed (at once when this task runs outside a transaction); those left
        # pending by an earlier run go even when this one failed to give its own.
        transaction.on_commit(lambda: reminder_emails.send_pending_emails(reminder_emails.pending_ids()))
    return len({due.case.service_id for due in dues})


@shared_task(name="agreements.tasks.service_reminders", acks_late=True)
def service_reminders(service_id: int, on: str | None = None) -> int:
    """Give the service's reminders due today (or on `on`), then email every one of the service's still pending.

    Returns how many reminders were new. Rows left pending by an earlier run that crashed are emailed too.
    """
    service = Service.objects.filter(pk=service_id).first()
    if service is None:
        return 0
    created = reminders.run_reminders(service=service, today=_day(on))
    transaction.on_commit(lambda: reminder_emails.send_pending_emails(reminder_emails.pending_ids(service=service)))
    return created

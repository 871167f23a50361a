"""The follow-up reminders, every morning (Celery beat: agreement-reminders-daily in rjcase/settings.py).

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
from cases.models.case import OPEN_STAGES
from core import clock


@shared_task(name="agreements.tasks.daily_reminders", acks_late=True)
def daily_reminders(on: str | None = None) -> int:
    """One service_reminders task per service with open cases. `on` (ISO date) runs them as of that day."""
    service_ids = list(
        Service.objects.filter(cases__stage__in=OPEN_STAGES).order_by("pk").distinct().values_list("pk", flat=True)
    )
    for service_id in service_ids:
        service_reminders.delay(service_id, on)
    return len(service_ids)


@shared_task(name="agreements.tasks.service_reminders", acks_late=True)
def service_reminders(service_id: int, on: str | None = None) -> int:
    """Give the service's reminders due today (or on `on`), then email every one still pending.

    Returns how many reminders were new. Rows left pending by an earlier run that crashed are emailed too.
    """
    service = Service.objects.filter(pk=service_id).first()
    if service is None:
        return 0
    day = dt.date.fromisoformat(on) if on else clock.today()
    created = reminders.run_reminders(service=service, today=day)
    # Emails only once the rows are committed (at once when this task runs outside a transaction).
    transaction.on_commit(lambda: reminder_emails.send_pending_emails(reminder_emails.pending_ids(service=service)))
    return created

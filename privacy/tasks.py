"""The nightly retention job (Celery beat: privacy-retention-nightly in rjcase/settings.py).

Safe to run twice or at once: each case is erased in its own transaction and an erased case is never picked
again (privacy.retention).
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task

from privacy.retention import retention_run


@shared_task(name="privacy.tasks.retention_nightly", acks_late=True)
def retention_nightly(triggered_by: str = "schedule", on: str | None = None) -> int:
    """Erase what every service no longer keeps. `on` (ISO date) runs it as of that day."""
    run = retention_run(triggered_by=triggered_by, today=dt.date.fromisoformat(on) if on else None)
    return run.pk

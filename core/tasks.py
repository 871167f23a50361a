from __future__ import annotations

from celery import shared_task

from core import services


@shared_task(name="core.tasks.housekeeping_daily")
def housekeeping_daily(triggered_by: str = "schedule") -> int:
    run = services.housekeeping_run(triggered_by=triggered_by)
    return run.pk

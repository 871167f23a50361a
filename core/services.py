from __future__ import annotations

from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from core.models import HousekeepingRun


@transaction.atomic
def housekeeping_run(*, triggered_by: str = "schedule") -> HousekeepingRun:
    """Remove expired sessions and record that the job ran."""
    run = HousekeepingRun.objects.create(started_at=timezone.now(), triggered_by=triggered_by)
    removed, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    run.expired_sessions_removed = removed
    run.finished_at = timezone.now()
    run.save(update_fields=["expired_sessions_removed", "finished_at"])
    return run

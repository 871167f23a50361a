"""A task sent after commit travels through the real broker to a real worker.

With REDIS_URL set (always in CI) the broker is Redis; without it, kombu's
filesystem transport, as `make run` uses.
"""

from __future__ import annotations

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.db import transaction

from core.models import HousekeepingRun
from rjcase.celery import app
from tests.conftest import services_required


def _broker_reachable() -> bool:
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception:  # noqa: BLE001
        return False
    return True


@pytest.mark.needs_broker
@pytest.mark.django_db(transaction=True)
def test_housekeeping_task_runs_on_a_real_worker_after_commit():
    if services_required():
        assert settings.CELERY_BROKER_URL.startswith("redis://"), "CI must use the real Redis broker"
    if not _broker_reachable():
        if services_required():
            pytest.fail(f"The Celery broker at {settings.CELERY_BROKER_URL} is not reachable")
        pytest.skip("No Celery broker reachable")

    from core.tasks import housekeeping_daily

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        with transaction.atomic():
            transaction.on_commit(lambda: housekeeping_daily.delay("worker-test"))
            assert not HousekeepingRun.objects.filter(triggered_by="worker-test").exists()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if HousekeepingRun.objects.filter(triggered_by="worker-test", finished_at__isnull=False).exists():
                break
            time.sleep(0.2)
    assert HousekeepingRun.objects.filter(triggered_by="worker-test").count() == 1

"""Work timed in a process of its own (bench/run.py --job NAME), as a Celery worker would do it, so its peak
memory is its own: the return's spreadsheet and PDF, the daily reminder job, the dashboard's summary refresh.
Each job returns a JSON-able dict. Django must be set up on the bench database.
"""

from __future__ import annotations

import resource
import time
from collections.abc import Callable
from typing import Any

from django.db import transaction


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def xlsx(*, return_pk: int, repeats: int = 3) -> dict[str, Any]:
    """Making the return's spreadsheet from its snapshot (what the build task does once per version)."""
    from bench.runner.scenario import return_version
    from reporting.models import ReturnVersion
    from reporting.returns import exports

    newest = return_version(return_pk).version_pk
    version = ReturnVersion.objects.select_related("quarterly_return__service").get(pk=newest)
    before = peak_rss_mb()
    seconds, size = [], 0
    for _ in range(repeats):
        started = time.perf_counter()
        size = len(exports.xlsx_bytes(version))
        seconds.append(time.perf_counter() - started)
    return {
        "seconds": seconds,
        "bytes": size,
        "rows": version.row_count,
        "rss_before_mb": before,
        "peak_rss_mb": peak_rss_mb(),
    }


def pdf(*, return_pk: int, username: str, repeats: int = 3) -> dict[str, Any]:
    """The return's PDF summary as its Celery task makes it (build_return_pdf's body, run here, the kept file
    deleted before each run), then the download of the kept file through its view: all rolled back, so the
    version keeps the file it had. `seconds` times the task, `download_seconds` the download."""
    import weasyprint  # noqa: F401 - loaded before the baseline memory figure, as a worker would have it
    from django.urls import reverse

    from accounts.models import User
    from bench.runner.auth import session_for
    from bench.runner.sql import in_process_client
    from reporting.models import ExportKind, ReturnExport, ReturnVersion
    from reporting.tasks import build_return_pdf

    # The newest version's id only: its snapshot (scenario.return_version reads it) would weigh on the memory figure
    newest = ReturnVersion.objects.filter(quarterly_return_id=return_pk).order_by("-number")
    version_pk = newest.values_list("pk", flat=True).first()
    if version_pk is None:
        raise RuntimeError(f"Quarterly return {return_pk} has no version")
    client = in_process_client(session_for(User.objects.get(username=username)))
    url = reverse("reporting:version_pdf", args=[version_pk])
    before = peak_rss_mb()
    seconds, download_seconds, size = [], [], 0
    with transaction.atomic():
        for _ in range(repeats):
            ReturnExport.objects.filter(version_id=version_pk, kind=ExportKind.PDF).delete()
            started = time.perf_counter()
            kept = build_return_pdf.run(version_pk)
            seconds.append(time.perf_counter() - started)
            if kept is None:
                raise RuntimeError("build_return_pdf kept no PDF")
        made_peak = peak_rss_mb()
        for _ in range(repeats):
            started = time.perf_counter()
            response = client.get(url)
            download_seconds.append(time.perf_counter() - started)
            if response.status_code != 200 or not response.content.startswith(b"%PDF"):
                raise RuntimeError(f"PDF download answered {response.status_code}")
            size = len(response.content)
        transaction.set_rollback(True)
    return {
        "seconds": seconds,
        "download_seconds": download_seconds,
        "bytes": size,
        "rss_before_mb": before,
        "made_peak_rss_mb": made_peak,
        "peak_rss_mb": peak_rss_mb(),
    }


def reminders() -> dict[str, Any]:
    """The daily reminder job as of today, run twice in a transaction that is rolled back (so every run of the
    benchmark starts from the dataset as generated). The second run finds nothing new: it shows what the job
    costs when nothing is due, against the first run's cost for everything due today."""
    from django.conf import settings
    from django.core import mail
    from django.test import TestCase

    from agreements.models import SentReminder
    from agreements.tasks import daily_reminders
    from cases.models import Case
    from cases.models.case import OPEN_STAGES
    from rjcase.celery import app

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    result: dict[str, Any] = {"open_cases": Case.objects.filter(stage__in=OPEN_STAGES).count()}
    with transaction.atomic():
        for run in ("first", "second"):
            before = SentReminder.objects.count()
            sent = len(mail.outbox)
            started = time.perf_counter()
            with TestCase.captureOnCommitCallbacks(execute=True):
                result[f"{run}_services"] = daily_reminders()
            result[f"{run}_seconds"] = time.perf_counter() - started
            result[f"{run}_reminders"] = SentReminder.objects.count() - before
            result[f"{run}_emails"] = len(mail.outbox) - sent
        transaction.set_rollback(True)
    result["peak_rss_mb"] = peak_rss_mb()
    return result


def summary_refresh() -> dict[str, Any]:
    """The dashboard's summary tables refreshed by their Celery task, when there is one."""
    from reporting import tasks

    names = sorted(
        name for name in dir(tasks) if ("refresh" in name or "summar" in name) and callable(getattr(tasks, name))
    )
    if not names:
        return {"built": False}
    task = getattr(tasks, names[0])
    run = getattr(task, "run", task)  # a Celery task's body, called in this process
    started = time.perf_counter()
    run()
    return {"built": True, "task": names[0], "seconds": time.perf_counter() - started, "peak_rss_mb": peak_rss_mb()}


def return_build(*, return_pk: int, username: str) -> dict[str, Any]:
    """Building the return (the Celery task's work), rolled back so the kept version stays as it was."""
    from accounts.models import User
    from reporting.models import QuarterlyReturn
    from reporting.returns.services import return_build as build

    actor = User.objects.get(username=username)
    with transaction.atomic():
        started = time.perf_counter()
        version = build(quarterly_return=QuarterlyReturn.objects.get(pk=return_pk), actor=actor)
        took = time.perf_counter() - started
        rows = version.row_count
        transaction.set_rollback(True)
    return {"seconds": took, "rows": rows, "peak_rss_mb": peak_rss_mb()}


JOBS: dict[str, Callable[..., dict[str, Any]]] = {
    "xlsx": xlsx,
    "pdf": pdf,
    "reminders": reminders,
    "summary_refresh": summary_refresh,
    "return_build": return_build,
}

"""The return's PDF summary: made in Celery and kept with its version (ReturnExport, kind PDF).

The build task makes it straight after the spreadsheet; reporting.tasks.build_return_pdf makes it on its own
for a version that has none (older versions, a failed or lost task), and again when what it shows has changed
(the version was submitted, or an erasure rewrote its snapshot and so its checksum). A download never draws
it: it serves the kept file, or asks for it (ReturnExportRequest, so the task is queued once however often the
waiting page polls) and says it is being prepared, or that making it failed.

The summary holds figures only, but a small figure can point to someone, so each download is logged as a
disclosure of everyone the return counts, as the spreadsheet's is (reporting.returns.views._log_download). It
says when it was made and what it was made from (the version's number, built and submitted facts, checksum),
never who downloaded it, so the same file serves everyone; the log says who did.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from django.db import IntegrityError, transaction

from core import clock
from core.pdf import render_pdf
from reporting.models import ExportKind, ReturnExport, ReturnExportRequest, ReturnVersion
from reporting.returns import exports

logger = logging.getLogger(__name__)

TEMPLATE = "reporting/returns/summary_pdf.html"
# A request queued this long ago, with nothing kept and no failure recorded: its task was lost, queue it again.
LOST_AFTER = dt.timedelta(minutes=10)

READY, PREPARING, FAILED = "ready", "preparing", "failed"
# The snapshot's rows (tens of megabytes for a big service-quarter): the summary needs none of them
SNAPSHOT_FIELDS = ("sections", "warnings", "people", "counting_rules")


def pdf_bytes(version: ReturnVersion, *, made_at: dt.datetime) -> bytes:
    return render_pdf(TEMPLATE, {**exports.pdf_context(version), "made_at": made_at})


def kept_pdf(version: ReturnVersion) -> bytes | None:
    kept = ReturnExport.objects.filter(version=version, kind=ExportKind.PDF).values_list("content", flat=True).first()
    return None if kept is None else bytes(kept)


def _requests(version_id: int):
    return ReturnExportRequest.objects.filter(version_id=version_id, kind=ExportKind.PDF)


def _queue(version_id: int) -> None:
    from reporting.tasks import build_return_pdf

    transaction.on_commit(lambda: build_return_pdf.delay(version_id))


def _failed(version_id: int) -> None:
    """Record the failure for the download page ("Try again"), whether or not a download asked for the file."""
    now = clock.now()
    if _requests(version_id).update(failed_at=now):
        return
    try:
        with transaction.atomic():
            ReturnExportRequest.objects.create(version_id=version_id, kind=ExportKind.PDF, queued_at=now, failed_at=now)
    except IntegrityError:  # asked for at this moment: that request's task will try again
        pass


def return_pdf_make(*, version_id: int) -> ReturnExport | None:
    """Make the version's PDF summary and keep it: the Celery task's body. Safe to run twice at once.

    Nothing is made when it is kept already. Two workers may draw it at the same moment: the unique (version,
    kind) constraint keeps the first and the second gives up. What was drawn is not kept if the version was
    submitted or rewritten meanwhile: that change asked for a new one (return_pdf_renew). A failure is
    recorded for the download page and raised.
    """
    if ReturnExport.objects.filter(version_id=version_id, kind=ExportKind.PDF).exists():
        _requests(version_id).delete()
        return None
    version = (
        ReturnVersion.objects.select_related("quarterly_return__service", "built_by", "submitted_by")
        .defer(*SNAPSHOT_FIELDS)
        .filter(pk=version_id)
        .first()
    )
    if version is None:  # an unsubmitted version replaced by a rebuild
        return None
    started = time.monotonic()
    made_at = clock.now()
    try:
        content = pdf_bytes(version, made_at=made_at)
    except Exception:
        _failed(version_id)
        raise
    drawn = {"checksum": version.checksum, "submitted_at": version.submitted_at}
    with transaction.atomic():
        # Locked, so a submission or an erasure of this version waits for the file to be kept, then renews it
        current = ReturnVersion.objects.select_for_update().filter(pk=version_id).values("checksum", "submitted_at")
        if current.first() != drawn:
            return None
        try:
            with transaction.atomic():
                export = ReturnExport.objects.create(
                    version_id=version_id,
                    kind=ExportKind.PDF,
                    content=content,
                    made_at=made_at,
                    seconds=round(time.monotonic() - started, 3),
                )
        except IntegrityError:  # kept by another worker meanwhile: the same summary
            return None
        _requests(version_id).delete()
    return export


def return_pdf_request(*, version: ReturnVersion) -> str:
    """Where the version's PDF summary is: READY (kept), FAILED (its task failed), or PREPARING.

    The first call asks for it: the task is queued once, when the request row is made (a second download at
    the same moment finds the row). Later calls, each poll of the waiting page among them, queue nothing,
    unless the task has been lost (queued more than LOST_AFTER ago with nothing made).
    """
    if ReturnExport.objects.filter(version=version, kind=ExportKind.PDF).exists():
        return READY
    now = clock.now()
    asked = _requests(version.pk).first()
    if asked is None:
        try:
            with transaction.atomic():
                ReturnExportRequest.objects.create(version=version, kind=ExportKind.PDF, queued_at=now)
        except IntegrityError:  # asked for at the same moment by another download
            return PREPARING
        _queue(version.pk)
        return PREPARING
    if asked.failed_at is not None:
        return FAILED
    if now - asked.queued_at > LOST_AFTER and _requests(version.pk).filter(queued_at=asked.queued_at).update(
        queued_at=now
    ):
        logger.warning("PDF summary of return version %s not made after %s: queued again", version.pk, LOST_AFTER)
        _queue(version.pk)
    return PREPARING


def return_pdf_retry(*, version: ReturnVersion) -> str:
    """Try again after the task failed: queued once more. Otherwise as return_pdf_request."""
    if _requests(version.pk).filter(failed_at__isnull=False).update(failed_at=None, queued_at=clock.now()):
        _queue(version.pk)
        return PREPARING
    return return_pdf_request(version=version)


def return_pdf_renew(*, version_id: int) -> bool:
    """What the version's summary shows has changed (it was submitted, or an erasure rewrote its snapshot): the
    kept file is deleted and a new one queued, if one was kept or asked for. Call inside the transaction that
    makes the change. Returns whether a new one was queued."""
    deleted, _ = ReturnExport.objects.filter(version_id=version_id, kind=ExportKind.PDF).delete()
    asked = _requests(version_id).exists()
    if not deleted and not asked:
        return False
    now = clock.now()
    if not _requests(version_id).update(queued_at=now, failed_at=None):
        try:
            with transaction.atomic():
                ReturnExportRequest.objects.create(version_id=version_id, kind=ExportKind.PDF, queued_at=now)
        except IntegrityError:  # asked for by a download at this moment, which queued it
            return True
    _queue(version_id)
    return True


def return_pdf_make_after_build(*, version: ReturnVersion) -> None:
    """The build task's last step, after the spreadsheet. A failure is logged (and shown on the download page,
    which can try again); the build itself has succeeded."""
    try:
        return_pdf_make(version_id=version.pk)
    except Exception:
        logger.exception("PDF summary of return version %s not made: left for the download page", version.pk)


__all__ = [
    "FAILED",
    "PREPARING",
    "READY",
    "kept_pdf",
    "pdf_bytes",
    "return_pdf_make",
    "return_pdf_make_after_build",
    "return_pdf_renew",
    "return_pdf_request",
    "return_pdf_retry",
]

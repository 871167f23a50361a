"""Writes for quarterly returns: the schedule, starting, building, rebuilding and submitting a return.

A build writes a new version in one transaction: the unsubmitted version (if any) is replaced; after a
submission the next number is used. Submitting freezes the newest version. Rebuilds run in Celery
(reporting.tasks.build_return); the return shows "building" until the task has finished.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max

from accounts.models import Service, User
from core import clock
from reporting.models import QuarterlyReturn, ReturnSchedule, ReturnStatus, ReturnVersion
from reporting.quarters import DEFAULT_SCHEDULE, Quarter, Schedule
from reporting.returns.columns import COUNTING_RULES
from reporting.returns.dataset import build_dataset
from reporting.returns.pdf import return_pdf_renew

# A build still marked as running after this long is taken to have died with its worker: it may be started again.
STALE_BUILD = dt.timedelta(minutes=30)


# --- The schedule --------------------------------------------------------------------------------


def schedule_for(service: Service) -> Schedule:
    row = ReturnSchedule.objects.filter(service=service).first()
    return row.as_schedule() if row else DEFAULT_SCHEDULE


@transaction.atomic
def schedule_update(
    *, service: Service, actor: User, first_month: int, due_months_after_end: int, due_day: int
) -> ReturnSchedule:
    """Change when the service's quarters start and when returns are due. Every change is kept in history."""
    errors = {}
    if not 1 <= first_month <= 12:
        errors["first_month"] = "Select the month the first quarter of the year starts"
    if not 0 <= due_months_after_end <= 6:
        errors["due_months_after_end"] = "Enter a number of months from 0 to 6"
    if not 1 <= due_day <= 28:
        errors["due_day"] = "Enter a day of the month from 1 to 28"
    if errors:
        raise ValidationError(errors)
    row = ReturnSchedule.objects.select_for_update().filter(service=service).first()
    if row is None:
        row = ReturnSchedule(service=service)
    row.first_month = first_month
    row.due_months_after_end = due_months_after_end
    row.due_day = due_day
    row.changed_at = clock.now()
    row.changed_by = actor
    row._change_reason = "Return schedule changed"
    row.save()
    return row


# --- Starting and building -----------------------------------------------------------------------


def quarter_ended(quarter: Quarter) -> bool:
    return quarter.end < clock.today()


def return_get_or_create(*, service: Service, quarter: Quarter, actor: User | None) -> tuple[QuarterlyReturn, bool]:
    """The service's return for the quarter, created (as a draft, nothing built) when there is none."""
    existing = QuarterlyReturn.objects.filter(service=service, quarter_start=quarter.start).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return (
                QuarterlyReturn.objects.create(
                    service=service,
                    quarter_start=quarter.start,
                    quarter_end=quarter.end,
                    created_at=clock.now(),
                    created_by=actor,
                ),
                True,
            )
    except IntegrityError:  # created at the same moment by someone else
        return QuarterlyReturn.objects.get(service=service, quarter_start=quarter.start), False


@transaction.atomic
def return_start(*, service: Service, actor: User, quarter_key: str) -> QuarterlyReturn:
    """Start the return of an ended quarter of the service's schedule and build it (in Celery)."""
    quarter = schedule_for(service).parse(quarter_key)
    if quarter is None:
        raise ValidationError({"quarter": "Select a quarter"})
    if not quarter_ended(quarter):
        raise ValidationError({"quarter": "Select a quarter that has ended"})
    quarterly_return, created = return_get_or_create(service=service, quarter=quarter, actor=actor)
    if not created:
        raise ValidationError({"quarter": f"There is already a return for {quarter.label}. Open it instead."})
    return return_rebuild_request(quarterly_return=quarterly_return, actor=actor)


def _checksum(content: dict[str, Any]) -> str:
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _settled_status(quarterly_return: QuarterlyReturn) -> str:
    newest = quarterly_return.versions.order_by("-number").only("submitted_at").first()
    if newest is None:
        return ReturnStatus.DRAFT
    return ReturnStatus.SUBMITTED if newest.is_submitted else ReturnStatus.READY


@transaction.atomic
def return_build(*, quarterly_return: QuarterlyReturn, actor: User | None, finish: bool = True) -> ReturnVersion:
    """Build the return now: a new version replaces the unsubmitted one, or follows the submitted ones.

    With finish=False the return stays marked as building (the task still has the spreadsheet to make).
    """
    locked = QuarterlyReturn.objects.select_for_update().select_related("service").get(pk=quarterly_return.pk)
    started = time.monotonic()
    dataset = build_dataset(service=locked.service, quarter=locked.quarter)
    content = {
        "sections": dataset.sections,
        "warnings": dataset.warnings,
        "counting_rules": COUNTING_RULES,
    }
    locked.versions.filter(submitted_at__isnull=True).delete()
    last = locked.versions.aggregate(n=Max("number"))["n"] or 0
    version = ReturnVersion.objects.create(
        quarterly_return=locked,
        number=last + 1,
        built_at=clock.now(),
        built_by=actor,
        build_seconds=round(time.monotonic() - started, 3),
        counting_rules=COUNTING_RULES,
        sections=dataset.sections,
        warnings=dataset.warnings,
        summary=dataset.summary,
        people=dataset.people,
        row_count=dataset.row_count,
        warning_count=len(dataset.warnings),
        checksum=_checksum(content),
    )
    if finish:
        locked.status = ReturnStatus.READY
        locked.build_started_at = None
        locked.build_error = ""
        locked.save(update_fields=["status", "build_started_at", "build_error"])
    quarterly_return.status = locked.status
    return version


def return_build_finished(*, quarterly_return: QuarterlyReturn) -> None:
    """The build task has finished: the return is ready to check."""
    QuarterlyReturn.objects.filter(pk=quarterly_return.pk, status=ReturnStatus.BUILDING).update(
        status=ReturnStatus.READY, build_started_at=None, build_error=""
    )


def is_building(quarterly_return: QuarterlyReturn) -> bool:
    started = quarterly_return.build_started_at
    return (
        quarterly_return.status == ReturnStatus.BUILDING and started is not None and clock.now() - started < STALE_BUILD
    )


@transaction.atomic
def return_rebuild_request(*, quarterly_return: QuarterlyReturn, actor: User) -> QuarterlyReturn:
    """Mark the return as building and start the build in Celery once this transaction commits."""
    from reporting.tasks import build_return

    locked = QuarterlyReturn.objects.select_for_update().get(pk=quarterly_return.pk)
    if is_building(locked):
        raise ValidationError("This return is already being built. Wait for it to finish.")
    locked.status = ReturnStatus.BUILDING
    locked.build_started_at = clock.now()
    locked.build_requested_by = actor
    locked.build_error = ""
    locked.save(update_fields=["status", "build_started_at", "build_requested_by", "build_error"])
    pk, actor_pk = locked.pk, actor.pk
    transaction.on_commit(lambda: build_return.delay(pk, actor_pk))
    return locked


def return_build_failed(*, quarterly_return: QuarterlyReturn) -> None:
    """A build task failed: the return goes back to what its versions say, with a message for the page."""
    with transaction.atomic():
        locked = QuarterlyReturn.objects.select_for_update().get(pk=quarterly_return.pk)
        locked.status = _settled_status(locked)
        locked.build_started_at = None
        locked.build_error = "The last build did not finish. Build the return again."
        locked.save(update_fields=["status", "build_started_at", "build_error"])


@transaction.atomic
def return_submit(*, quarterly_return: QuarterlyReturn, actor: User, version_number: int) -> ReturnVersion:
    """Submit the newest version: from now on it is frozen.

    `version_number` is the version the user saw, so a return rebuilt meanwhile is not submitted unseen.
    """
    locked = QuarterlyReturn.objects.select_for_update().get(pk=quarterly_return.pk)
    if is_building(locked):
        raise ValidationError("This return is being built. Submit it once the build has finished.")
    version = locked.versions.order_by("-number").first()
    if version is None:
        raise ValidationError("Build the return before submitting it.")
    if version.is_submitted:
        raise ValidationError(f"Version {version.number} has already been submitted. Build the return again first.")
    if version.number != version_number:
        raise ValidationError(
            f"The return has been rebuilt since you opened it. Check version {version.number} before submitting."
        )
    moment = clock.now()
    changed = ReturnVersion.objects.filter(pk=version.pk, submitted_at__isnull=True).update(
        submitted_at=moment, submitted_by=actor
    )
    if changed != 1:
        raise ValidationError("This version has already been submitted.")
    version.refresh_from_db()
    locked.status = ReturnStatus.SUBMITTED
    locked.save(update_fields=["status"])
    return_pdf_renew(version_id=version.pk)  # the kept summary said "draft": made again, saying when submitted
    return version


__all__ = [
    "is_building",
    "quarter_ended",
    "return_build",
    "return_build_failed",
    "return_build_finished",
    "return_get_or_create",
    "return_rebuild_request",
    "return_start",
    "return_submit",
    "schedule_for",
    "schedule_update",
]

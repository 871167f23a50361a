"""Quarterly return jobs.

build_due_drafts runs every morning (Celery beat: returns-build-due-drafts in rjcase/settings.py) and starts
one build_due_draft per service: the draft return of the service's last ended quarter is built once, and its
administrators are emailed once. build_return is a rebuild asked for on the return's page: the version, then
its spreadsheet and its PDF summary. build_return_pdf makes a version's PDF summary on its own (for its download
page, or after a submission or an erasure). All are acks_late and safe to run again: a task lost with its worker
is delivered again and finishes what is left.
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task

from accounts.models import Service
from core import clock
from reporting.models import QuarterlyReturn, ReturnStatus
from reporting.quarters import Quarter


@shared_task(name="reporting.tasks.build_due_drafts", acks_late=True)
def build_due_drafts(on: str | None = None) -> int:
    """One build_due_draft per service. `on` (ISO date) runs them as of that day."""
    service_ids = list(Service.objects.order_by("pk").values_list("pk", flat=True))
    for service_id in service_ids:
        build_due_draft.delay(service_id, on)
    return len(service_ids)


@shared_task(name="reporting.tasks.build_due_draft", acks_late=True)
def build_due_draft(service_id: int, on: str | None = None) -> int | None:
    from reporting.returns.lifecycle import draft_due_and_tell

    service = Service.objects.filter(pk=service_id).first()
    if service is None:
        return None
    day = dt.date.fromisoformat(on) if on else clock.today()
    return draft_due_and_tell(service=service, today=day).pk


@shared_task(name="reporting.tasks.build_return", acks_late=True)
def build_return(return_id: int, actor_id: int | None = None) -> int | None:
    """Build a return someone asked to rebuild. Nothing to do when it is no longer marked as building."""
    from accounts.models import User
    from reporting.returns.lifecycle import downloads_make
    from reporting.returns.services import return_build, return_build_failed, return_build_finished

    quarterly_return = QuarterlyReturn.objects.filter(pk=return_id).first()
    if quarterly_return is None or quarterly_return.status != ReturnStatus.BUILDING:
        return None
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    try:
        version = return_build(quarterly_return=quarterly_return, actor=actor, finish=False)
    except Exception:
        return_build_failed(quarterly_return=quarterly_return)
        raise
    downloads_make(version)
    return_build_finished(quarterly_return=quarterly_return)
    return version.pk


@shared_task(name="reporting.tasks.build_return_pdf", acks_late=True)
def build_return_pdf(version_id: int) -> int | None:
    """Make and keep a return version's PDF summary (asked for by its download page, or renewed after a
    submission or an erasure). Nothing to do when it is kept already; two at once keep one file."""
    from reporting.returns.pdf import return_pdf_make

    export = return_pdf_make(version_id=version_id)
    return export.pk if export else None


# The quarter before the one under way keeps getting late entries in the first weeks of a quarter (contacts logged
# late, feedback calls, agreement copies, first contacts with people responsible: the longest standard is 21
# days), so it is refreshed hourly for that long; afterwards at night with the rest.
LATE_ENTRY_DAYS = 21


def _quarters(which: str, today: dt.date) -> list[Quarter]:
    """The quarters a refresh job works out, newest first: "recent" the quarter under way; "ended" the quarter
    before it during the first LATE_ENTRY_DAYS days of a quarter (none afterwards); "all" every quarter the
    dashboard offers and the one before the oldest (the comparison of the oldest)."""
    from reporting.forms import quarters_offered

    offered = quarters_offered(today)
    if which == "all":
        return [*offered, offered[-1].previous]
    if which == "ended":
        return offered[1:2] if (today - offered[0].start).days < LATE_ENTRY_DAYS else []
    return offered[:1]


@shared_task(name="reporting.tasks.refresh_figures", acks_late=True)
def refresh_figures(which: str = "recent") -> int:
    """Work the dashboard's figures out again for every service (reporting.snapshots), for the quarters of
    `_quarters` ("recent" every 15 minutes, "ended" hourly, "all" at night), then build the default dashboards
    again when their quarter was among them. Each job works out one quarter at most, except the nightly one.
    Returns how many quarters were refreshed."""
    from reporting.forms import default_quarter
    from reporting.snapshots import refresh
    from reporting.sql import figures_transaction

    today = clock.today()
    quarters = _quarters(which, today)
    for quarter in quarters:
        with figures_transaction():
            refresh(quarter)
    if default_quarter(today) in quarters:  # otherwise the cached dashboards are still those of its rows
        _warm(default_quarter(today))
    return len(quarters)


def _warm(quarter) -> None:
    """Build (and so cache) the dashboards people open first: the national view and each PCC area's, for the
    default quarter. Adding up many services' rows is the slow part of a dashboard built from the summary."""
    from accounts.models import PccArea
    from reporting.dashboard import dashboard_build
    from reporting.metrics import Scope

    services = list(Service.objects.order_by("pk").values_list("pk", "area_id"))
    scopes = [tuple(pk for pk, _ in services)]
    for area_id in PccArea.objects.order_by("pk").values_list("pk", flat=True):
        scopes.append(tuple(pk for pk, area in services if area == area_id))
    for service_ids in scopes:
        if service_ids:
            dashboard_build(scope=Scope(service_ids, quarter))

"""The scheduled side of returns: a draft for each service once its quarter has ended, and the email saying so.

Safe to run twice, at once or after a crash: the draft is created and built in one transaction under a unique
(service, quarter) row, so only one run builds it; the email is claimed with one UPDATE before it is sent, so
administrators get it once. The email names the quarter, the due date and the number of warnings, and links
to the return: never a case reference or a person.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.urls import reverse

from accounts.models import Role, Service, User
from core import clock
from reporting.models import QuarterlyReturn, ReturnVersion
from reporting.returns import exports
from reporting.returns.pdf import return_pdf_make_after_build
from reporting.returns.services import return_build, return_get_or_create, schedule_for

logger = logging.getLogger(__name__)


def draft_due(*, service: Service, today: dt.date) -> tuple[QuarterlyReturn, bool]:
    """The return of the service's last ended quarter; built now (True) when it did not exist yet."""
    quarter = schedule_for(service).last_ended(today)
    with transaction.atomic():
        quarterly_return, created = return_get_or_create(service=service, quarter=quarter, actor=None)
        if created:
            return_build(quarterly_return=quarterly_return, actor=None)
    return quarterly_return, created


def administrators(service: Service) -> list[User]:
    return list(
        User.objects.filter(service=service, role=Role.ADMINISTRATOR, is_active=True).exclude(email="").order_by("pk")
    )


def draft_email(quarterly_return: QuarterlyReturn) -> tuple[str, str]:
    """Subject and body: the quarter, when it is due, how many warnings, and a link. No personal data."""
    schedule = schedule_for(quarterly_return.service)
    quarter = quarterly_return.quarter
    version = quarterly_return.versions.order_by("-number").only("warning_count").first()
    warnings = version.warning_count if version else 0
    due = quarterly_return.due_on(schedule)
    link = settings.SITE_URL.rstrip("/") + reverse("reporting:return_detail", args=[quarterly_return.pk])
    subject = f"Quarterly return ready to check: {quarter.label}"
    checks = (
        f"It has {warnings} data-quality warning{'s' if warnings != 1 else ''} to look at before you submit it."
        if warnings
        else "It has no data-quality warnings."
    )
    body = (
        f"The draft evaluation return of {quarterly_return.service.name} for {quarter.label} has been built.\n\n"
        f"{checks}\n\nDue: {due:%-d %B %Y}\n\n"
        "Check it, rebuild it after any corrections, then submit it. Open it in rjcase (you will need to sign in):\n"
        f"{link}\n"
    )
    return subject, body


def _claim(quarterly_return: QuarterlyReturn) -> bool:
    return (
        QuarterlyReturn.objects.filter(pk=quarterly_return.pk, administrators_told_at__isnull=True).update(
            administrators_told_at=clock.now()
        )
        == 1
    )


def administrators_tell(*, quarterly_return: QuarterlyReturn) -> int:
    """Email the service's administrators that the draft is ready, once. Returns how many emails went."""
    if not _claim(quarterly_return):
        return 0
    recipients = administrators(quarterly_return.service)
    if not recipients:
        return 0
    subject, body = draft_email(quarterly_return)
    sent = 0
    try:
        connection = get_connection()
        connection.open()
    except (smtplib.SMTPException, OSError):
        logger.exception("Mail server unreachable: return %s draft email not sent", quarterly_return.pk)
        return 0
    try:
        for user in recipients:
            try:
                EmailMessage(subject, body, None, [user.email], connection=connection).send()
            except (smtplib.SMTPException, OSError):
                logger.exception("Return %s draft email to user %s failed", quarterly_return.pk, user.pk)
                continue
            sent += 1
    finally:
        connection.close()
    return sent


def downloads_make(version: ReturnVersion) -> None:
    """Straight after a build: make the version's spreadsheet now, so downloading it is quick (if that fails, the
    first download makes it), then its PDF (reporting.returns.pdf)."""
    try:
        exports.xlsx_for(version)
    except Exception:
        logger.exception("Spreadsheet of return version %s not made: left for the first download", version.pk)
    return_pdf_make_after_build(version=version)


def draft_due_and_tell(*, service: Service, today: dt.date) -> QuarterlyReturn:
    """The scheduled job for one service: build the draft if it is due, then tell the administrators once.

    A draft built by the schedule whose email has not gone (a worker lost after the build) is told now.
    """
    quarterly_return, created = draft_due(service=service, today=today)
    if created:
        downloads_make(quarterly_return.versions.order_by("-number").first())
    if (
        quarterly_return.created_by_id is None
        and quarterly_return.administrators_told_at is None
        and quarterly_return.versions.exists()
    ):
        administrators_tell(quarterly_return=quarterly_return)
    return quarterly_return


__all__ = ["administrators_tell", "draft_due", "draft_due_and_tell", "draft_email"]

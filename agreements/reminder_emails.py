"""Reminder emails: sent only after the reminder rows are committed, each at most once.

Rows are claimed CLAIM_BATCH at a time with one UPDATE (pending → sending); only the worker whose update changed
a row sends its email. Those sent are then marked sent, a batch at a time. A worker that dies after a claim leaves
"sending", which nothing sends again: the person may miss that email, never get it twice, and the in-app task is
there either way.

An email carries the case reference, what is due, the date and a link to the case: never a name.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection
from django.db.models import Q
from django.urls import reverse

from accounts.models import Service
from agreements.models import AgreementItem, EmailState, ReminderKind, SentReminder
from agreements.reminders import (
    ESCALATE_EVERY_DAYS,
    FEEDBACK_WITHIN_DAYS,
    FIRST_CONTACT_WORKING_DAYS,
    ITEM_KINDS,
    SIDE_LABEL,
)
from core import clock

logger = logging.getLogger(__name__)

ACTIVITY_LABEL = {"conference": "conference", "indirect": "indirect communication"}
SUBJECTS = {**dict(ReminderKind.choices), ReminderKind.ITEM_ESCALATION: "Agreement item overdue, escalated"}


def pending_ids(*, service: Service | None = None) -> list[int]:
    """Reminders whose email has not gone yet (including any left by a run that crashed), of one service or
    (by default) of every service: read through the reminder_email_pending index, which holds only those."""
    rows = SentReminder.objects.filter(email_state=EmailState.PENDING)
    if service is not None:
        rows = rows.filter(case__service=service)
    return list(rows.order_by("pk").values_list("pk", flat=True))


def _day(day: dt.date) -> str:
    return f"{day:%-d %B %Y}"


def _item_line(reminder: SentReminder, item: AgreementItem | None) -> tuple[str, dt.date]:
    target = item.target_date if item and item.target_date else reminder.due_on
    what = f"Item {item.number} of the outcome agreement" if item else "An item of the outcome agreement"
    if reminder.kind == ReminderKind.ITEM_COMING_UP:
        return f"{what} is due on {_day(target)}.", target
    if reminder.kind == ReminderKind.ITEM_DUE:
        return f"{what} is due today.", target
    if reminder.kind == ReminderKind.ITEM_OVERDUE:
        return f"{what} was due on {_day(target)}. Its outcome has not been recorded yet.", target
    weeks = max(1, (reminder.due_on - target).days // ESCALATE_EVERY_DAYS)
    return (
        f"{what} was due on {_day(target)} and is still not resolved {weeks} week{'s' if weeks > 1 else ''} later. "
        "You are told as an RJ manager of the service.",
        target,
    )


def reminder_email(reminder: SentReminder, item: AgreementItem | None = None) -> tuple[str, str]:
    """The subject and body of a reminder's email: the case reference, what is due, the date and a link."""
    reference = reminder.case.reference
    kind, due_on = reminder.kind, reminder.due_on
    parts = reminder.subject_key.split(":")
    if kind in ITEM_KINDS:
        line, due_on = _item_line(reminder, item)
    elif kind == ReminderKind.COPIES_DUE:
        line = "Copies of the outcome agreement were due. Not every party has been given theirs yet."
    elif kind == ReminderKind.FEEDBACK_DUE:
        held_on = due_on - dt.timedelta(days=FEEDBACK_WITHIN_DAYS)
        line = (
            f"The feedback call to the {SIDE_LABEL.get(parts[2], 'participant')} after the "
            f"{ACTIVITY_LABEL.get(parts[0], 'activity')} of {_day(held_on)} has not been recorded."
        )
    elif kind == ReminderKind.RECONTACT_DUE:
        line = "A person harmed on this case asked for time to think. It is time to contact them again."
    else:
        line = (
            f"First contact with a person responsible was due within {FIRST_CONTACT_WORKING_DAYS} working days "
            "of sentence. No contact has been logged."
        )
    subject = f"{SUBJECTS[kind]}: {reference}"
    link = settings.SITE_URL.rstrip("/") + reverse("cases:case_detail", args=[reminder.case_id])
    body = (
        f"Case {reference}\n\n{line}\n\nDue: {_day(due_on)}\n\n"
        "It is also in your work list. Open the case in rjcase (you will need to sign in):\n"
        f"{link}\n"
    )
    return subject, body


# Emails are claimed this many at a time: a worker that dies mid-batch leaves at most these unsent.
CLAIM_BATCH = 20


def _claim(pks: list[int]) -> set[int]:
    """The rows among `pks` this worker may email: only the worker whose update moves a row from pending to
    sending may send it (one statement for the batch, `UPDATE … RETURNING`)."""
    table = connection.ops.quote_name(SentReminder._meta.db_table)
    places = ", ".join(["%s"] * len(pks))
    sql = (
        f"UPDATE {table} SET email_state = %s WHERE id IN ({places}) AND email_state = %s "  # noqa: S608
        "RETURNING id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [EmailState.SENDING, *pks, EmailState.PENDING])
        return {pk for (pk,) in cursor.fetchall()}


def _release(pks: list[int]) -> None:
    """Claimed rows whose email was never tried: pending again, for the next run."""
    SentReminder.objects.filter(pk__in=pks, email_state=EmailState.SENDING).update(email_state=EmailState.PENDING)


def _reopen(mail_connection: Any) -> bool:
    """A fresh connection to the mail server after a failed message (a server may drop a connection after some
    messages); False if it cannot be reached."""
    try:
        mail_connection.close()
        mail_connection.open()
    except (smtplib.SMTPException, OSError):
        return False
    return True


def _mark_sent(pks: list[int]) -> None:
    SentReminder.objects.filter(pk__in=pks).update(email_state=EmailState.SENT, emailed_at=clock.now())


def send_pending_emails(ids: Iterable[int]) -> int:
    """Email the reminders among `ids` still pending, each at most once. Returns how many emails went.

    Call it once the rows are committed. Recipients without an email address (or no longer active) need none.
    If the mail server cannot be reached nothing is claimed, so the next run tries again; a message that fails
    after its claim stays "sending" (it may have gone) and is logged.
    """
    ids = list(ids)
    if not ids:
        return 0
    SentReminder.objects.filter(pk__in=ids, email_state=EmailState.PENDING).filter(
        Q(recipient__email="") | Q(recipient__is_active=False)
    ).update(email_state=EmailState.NOT_NEEDED)
    rows = list(
        SentReminder.objects.filter(pk__in=ids, email_state=EmailState.PENDING)
        .select_related("case", "recipient")
        .order_by("pk")
    )
    if not rows:
        return 0
    item_ids = [int(r.subject_key.split(":")[1]) for r in rows if r.kind in ITEM_KINDS]
    items = AgreementItem.objects.only("pk", "number", "target_date").in_bulk(item_ids) if item_ids else {}
    mail_connection = get_connection()
    try:
        mail_connection.open()
    except (smtplib.SMTPException, OSError):
        logger.exception("Mail server unreachable: %s reminder emails left for the next run", len(rows))
        return 0
    sent = 0
    try:
        for start in range(0, len(rows), CLAIM_BATCH):
            batch = rows[start : start + CLAIM_BATCH]
            claimed = _claim([row.pk for row in batch])  # the others: another worker has them
            mine = [row for row in batch if row.pk in claimed]
            done, stopped = [], False
            for index, row in enumerate(mine):
                item = items.get(int(row.subject_key.split(":")[1])) if row.kind in ITEM_KINDS else None
                subject, body = reminder_email(row, item)
                try:
                    EmailMessage(subject, body, None, [row.recipient.email], connection=mail_connection).send()
                except (smtplib.SMTPException, OSError):
                    logger.exception("Reminder email %s failed after its claim: left as sending, not retried", row.pk)
                    if not _reopen(mail_connection):
                        # Those not tried yet go back to pending: the next run sends them.
                        _release([later.pk for later in mine[index + 1 :]])
                        stopped = True
                        break
                    continue
                done.append(row.pk)
            if done:
                _mark_sent(done)
            sent += len(done)
            if stopped:
                logger.error("Mail server lost: the remaining reminder emails are left for the next run")
                break
    finally:
        mail_connection.close()
    return sent


__all__ = ["pending_ids", "reminder_email", "send_pending_emails"]

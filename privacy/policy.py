"""How long each kind of record is kept: the defaults, the bounds a service may set, and the reasons.

A service changes a period (within its bounds) and writes its own reason on the retention settings page;
every change is kept in history with who made it. The processing log is not one of these: it is kept (see
PROCESSING_LOG_STATEMENT).
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Service, User
from core import clock
from privacy.models import RetentionKind, RetentionSetting


@dataclass(frozen=True)
class Policy:
    kind: str
    default_months: int
    minimum: int
    maximum: int
    default_reason: str
    what: str  # what is erased when the period ends
    counted_from: str


POLICIES: dict[str, Policy] = {
    RetentionKind.CLOSED_CASE: Policy(
        RetentionKind.CLOSED_CASE,
        default_months=72,
        minimum=24,
        maximum=180,
        default_reason=(
            "Six years is the limitation period for civil claims (Limitation Act 1980, section 2). "
            "Keeping the record that long lets the service answer a claim or a complaint about its work."
        ),
        what="The personal data of everyone on the case, in every record, its history and the stored returns. "
        "Codes, dates and counts stay for the returns.",
        counted_from="the date the case was closed, withdrawn or stopped",
    ),
    RetentionKind.UNPROCEEDED_REFERRAL: Policy(
        RetentionKind.UNPROCEEDED_REFERRAL,
        default_months=24,
        minimum=6,
        maximum=72,
        default_reason=(
            "Two years lets the service recognise a repeat referral of the same people and answer a "
            "complaint about the decision. Nobody worked with the people, so nothing more is needed."
        ),
        what="The personal data of everyone on a referral that ended before it was allocated.",
        counted_from="the date the referral was screened out, withdrawn or stopped",
    ),
    RetentionKind.FEEDBACK_TEXT: Policy(
        RetentionKind.FEEDBACK_TEXT,
        default_months=12,
        minimum=3,
        maximum=72,
        default_reason=(
            "The answers in words help the service improve for a year. The chosen answers (satisfied, "
            "would recommend, worries) are kept with the case for the returns and the dashboard."
        ),
        what="What people said in their own words in feedback calls.",
        counted_from="the date of the feedback call",
    ),
}

PROCESSING_LOG_STATEMENT = (
    "The processing log is kept for as long as rjcase holds any record of the service. It is the lasting "
    "account of who saw, changed, shared or erased each person's data, so it outlives the data itself; "
    "nobody can change or delete it (the database refuses). It holds record numbers and the kind of "
    "record, never names, so it identifies nobody once their data has been erased."
)


def months_label(months: int) -> str:
    if months % 12 == 0:
        years = months // 12
        return f"{years} year{'s' if years != 1 else ''}"
    return f"{months} month{'s' if months != 1 else ''}"


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day `months` calendar months earlier (the month's last day when it is shorter)."""
    index = day.year * 12 + (day.month - 1) - months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Period:
    kind: str
    label: str
    months: int
    reason: str
    is_default: bool
    policy: Policy

    @property
    def length(self) -> str:
        return months_label(self.months)


def periods_for(service: Service) -> dict[str, Period]:
    """Every kind's period for the service: its own setting, or the default."""
    rows = {row.kind: row for row in RetentionSetting.objects.filter(service=service)}
    periods = {}
    for kind, label in RetentionKind.choices:
        policy, row = POLICIES[kind], rows.get(kind)
        periods[kind] = Period(
            kind=kind,
            label=label,
            months=row.months if row else policy.default_months,
            reason=row.reason if row else policy.default_reason,
            is_default=row is None,
            policy=policy,
        )
    return periods


def cutoff(service_periods: dict[str, Period], kind: str, today: dt.date) -> dt.date:
    """Records of `kind` dated before this day are past their retention period on `today`."""
    return months_before(today, service_periods[kind].months)


@transaction.atomic
def retention_update(*, service: Service, actor: User, kind: str, months: int, reason: str) -> RetentionSetting:
    """Set one kind's period and reason for the service. Every change is kept in history with its author."""
    policy = POLICIES.get(kind)
    if policy is None:
        raise ValidationError("Choose a kind of record")
    errors = {}
    if not policy.minimum <= months <= policy.maximum:
        errors["months"] = (
            f"Enter a number of months from {policy.minimum} to {policy.maximum} "
            f"({months_label(policy.minimum)} to {months_label(policy.maximum)})"
        )
    reason = reason.strip()
    if not reason:
        errors["reason"] = "Enter why the service keeps these records for this long"
    elif len(reason) > 1000:
        errors["reason"] = "The reason must be 1000 characters or fewer"
    if errors:
        raise ValidationError(errors)
    row = RetentionSetting.objects.select_for_update().filter(service=service, kind=kind).first()
    if row is None:
        row = RetentionSetting(service=service, kind=kind)
    row.months = months
    row.reason = reason
    row.changed_at = clock.now()
    row.changed_by = actor
    row._change_reason = "Retention period changed"
    row.save()
    return row


__all__ = [
    "POLICIES",
    "PROCESSING_LOG_STATEMENT",
    "Period",
    "cutoff",
    "months_before",
    "months_label",
    "periods_for",
    "retention_update",
]

"""The National Minimum compliance report: each output's evidence rate per service, suppressed.

Rates are shown per service only (never added up across services). An output counted from two
kinds of thing (each side's needs or contacts; conferences and cases with unmanageable risk) is
hidden whenever either part's own rate or count would be, since the dashboard shows some parts on
their own and one could otherwise be taken from the other.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Min
from django.utils import timezone

from accounts.models import Service
from core import clock
from reporting.disclosure import suppress_rate
from reporting.metrics.compliance import OUTPUTS, Output, rates_by_service
from reporting.metrics.scope import Scope
from reporting.quarters import DEFAULT_SCHEDULE, Quarter
from reporting.sql import figures_transaction
from reporting.suppression import Cell, count_cell
from reporting.tables import text_cell

NOT_AVAILABLE = "Not available yet"
NOTHING_TO_COUNT = "Nothing to count"


@dataclass(frozen=True)
class OutputRow:
    output: Output
    rate: Cell
    base: Cell

    @property
    def has_cases(self) -> bool:
        return self.output.sources is not None


@dataclass(frozen=True)
class ServiceCompliance:
    service: Service
    rows: list[OutputRow]


def _date(day) -> str:
    return f"{day.day} {day:%B %Y}"


def returns_status(scope: Scope) -> dict[int, str]:
    """R12 per service: whether the quarter's return went in by its due date (words, not a count of people)."""
    try:
        from reporting.models import QuarterlyReturn, ReturnSchedule
    except ImportError:  # the returns are not built yet
        return {}
    schedules = {
        row.service_id: row.as_schedule() for row in ReturnSchedule.objects.filter(service_id__in=scope.service_ids)
    }
    submitted = dict(
        QuarterlyReturn.objects.filter(service_id__in=scope.service_ids, quarter_start=scope.start)
        .annotate(first_submitted=Min("versions__submitted_at"))
        .values_list("service_id", "first_submitted")
    )
    today = clock.today()
    result = {}
    for sid in scope.service_ids:
        due = Quarter(scope.start, schedules.get(sid, DEFAULT_SCHEDULE)).due_on
        when = submitted.get(sid)
        if when is not None:
            day = timezone.localdate(when)
            timing = "on time" if day <= due else "late"
            result[sid] = f"Submitted {timing} on {_date(day)} (due {_date(due)})"
        elif today > due:
            result[sid] = f"Not submitted (due {_date(due)})"
        else:
            result[sid] = f"Not due yet (due {_date(due)})"
    return result


def compliance_build(*, scope: Scope, services: list[Service]) -> list[ServiceCompliance]:
    with figures_transaction():
        found = {output.key: rates_by_service(output, scope) for output in OUTPUTS if output.sources}
        returns = returns_status(scope)
    report = []
    for service in services:
        rows = []
        for output in OUTPUTS:
            if output.sources is None:
                rows.append(OutputRow(output, text_cell(returns.get(service.pk, NOT_AVAILABLE)), text_cell("")))
                continue
            # Outputs counted from two kinds of thing (needs of each side, contacts of each side...) are
            # hidden when either part's own figure would be: the dashboard shows some parts on their own.
            parts = found[output.key].get(service.pk, [])
            if not any(counted for _, counted in parts):
                rows.append(OutputRow(output, text_cell(NOTHING_TO_COUNT), count_cell(0)))
                continue
            shown = suppress_rate(dict(enumerate(parts)))
            rows.append(OutputRow(output, shown.rate, shown.base))
        report.append(ServiceCompliance(service, rows))
    return report

"""Database expressions the reporting figures need: whole days between two dates, and medians.

Everything is worked out by the database; no figure pulls its rows into Python (medians come from
histograms of whole days, counted by the database).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import Count, F, Func, IntegerField, QuerySet
from django.utils import timezone


@contextmanager
def figures_transaction() -> Iterator[None]:
    """One transaction for a page of figures. On PostgreSQL, just-in-time compilation is turned off in it:
    compiling these short aggregate queries costs far more than it saves (seconds at 100,000 cases)."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        yield


def moment(day: dt.date) -> dt.datetime:
    """Midnight at the start of `day`, local time (Europe/London), for comparing with stored timestamps."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


class DaysBetween(Func):
    """Whole days from `start` to `end` (both dates: use TruncDate for a timestamp)."""

    output_field = IntegerField()
    arity = 2
    template = "(%(expressions)s)"
    arg_joiner = " - "  # PostgreSQL: date - date is a whole number of days

    def __init__(self, end, start, **extra):
        super().__init__(end, start, **extra)

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="CAST(ROUND(julianday(%(expressions)s)) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra_context,
        )


class Earliest(Func):
    """The earlier of two dates or timestamps, either of which may be null (null only when both are)."""

    function = "LEAST"  # PostgreSQL's LEAST leaves nulls out
    arity = 2

    def as_sqlite(self, compiler, connection, **extra_context):
        # SQLite's two-argument MIN is null when either argument is: fall back to whichever is not
        first, first_params = compiler.compile(self.source_expressions[0])
        second, second_params = compiler.compile(self.source_expressions[1])
        sql = f"COALESCE(MIN({first}, {second}), {first}, {second})"
        return sql, (*first_params, *second_params, *first_params, *second_params)


Histogram = dict[int, int]  # whole days -> how many rows took that long


def median_of(histogram: Histogram) -> float | None:
    """The median of the values a histogram counts (the mean of the two middle values when the count is even).
    Loops over the distinct numbers of days, never over rows."""
    count = sum(histogram.values())
    if not count:
        return None
    wanted = ((count - 1) // 2, count // 2)  # 0-based positions of the middle value(s)
    found: list[int] = []
    seen = 0
    for days in sorted(histogram):
        seen += histogram[days]
        while len(found) < 2 and seen > wanted[len(found)]:
            found.append(days)
        if len(found) == 2:
            break
    return (found[0] + found[1]) / 2


@dataclass(frozen=True)
class Intervals:
    """Whole days from a start date to an end date, over rows whose end falls in a window.

    Kept per service as a histogram of days, so the figures of several services (reporting.snapshots) combine
    exactly: the median of an area is worked out from its services' histograms added together."""

    histogram: dict[int, Histogram] = field(default_factory=dict)  # per service
    within: dict[int, int] = field(default_factory=dict)  # rows per service within `limit_days`

    @property
    def per_service(self) -> dict[int, int]:
        """Rows per service."""
        return {sid: sum(days.values()) for sid, days in self.histogram.items()}

    @property
    def count(self) -> int:
        return sum(sum(days.values()) for days in self.histogram.values())

    @property
    def median(self) -> float | None:
        combined: Histogram = {}
        for days in self.histogram.values():
            for value, n in days.items():
                combined[value] = combined.get(value, 0) + n
        return median_of(combined)


# Whole days between two dates, per database.
_DAYS_SQL = {
    "postgresql": "(e - s)",
    "sqlite": "CAST(ROUND(julianday(e) - julianday(s)) AS INTEGER)",
}


def intervals_by_service(
    queryset: QuerySet,
    *,
    start,
    end,
    service: str,
    window: tuple[dt.date, dt.date] | None = None,
    limit_days: int = 0,
) -> Intervals:
    """Days from `start` to `end` (date expressions on `queryset`'s rows), for rows whose end date falls in
    `window` (both days included): how many rows took each number of days, per service (`service` is the path
    to the service id), and how many took no more than `limit_days`. One query.

    The row values are worked out once, in a materialised common table expression, however costly
    (`end` may be a subquery) and however often the outer query uses them.
    """
    rows = queryset.order_by().annotate(interval_group=F(service), interval_end=end, interval_start=start)
    try:
        inner, params = rows.values_list("interval_group", "interval_end", "interval_start").query.sql_with_params()
    except EmptyResultSet:  # e.g. no services in scope: nothing to measure
        return Intervals()
    vendor = "postgresql" if connection.vendor == "postgresql" else "sqlite"
    in_window = "AND e >= %s AND e <= %s" if window else ""
    # `inner` is SQL Django compiled from the queryset, with its values passed as parameters.
    sql = (
        f"WITH base(g, e, s) AS MATERIALIZED ({inner}), "  # noqa: S608
        f"v(g, x) AS (SELECT g, {_DAYS_SQL[vendor]} FROM base WHERE e IS NOT NULL AND s IS NOT NULL {in_window}) "
        "SELECT g, x, COUNT(*) FROM v GROUP BY g, x"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *(window or ())])
        found = cursor.fetchall()
    histogram: dict[int, Histogram] = {}
    within: dict[int, int] = {}
    for group, days, n in found:
        histogram.setdefault(int(group), {})[int(days)] = int(n)
        if int(days) <= limit_days:
            within[int(group)] = within.get(int(group), 0) + int(n)
    return Intervals(histogram=histogram, within=within)


def counts_by_service(queryset: QuerySet, *, service: str, **counts: Count) -> dict[int, dict[str, int]]:
    """Conditional counts grouped by service: {service id: {name: count}}. One query."""
    found = queryset.order_by().values(sid=F(service)).annotate(**counts)
    return {row["sid"]: {name: row[name] for name in counts} for row in found}

"""Database expressions the reporting figures need: whole days between two dates, and medians.

Everything is worked out by the database; no figure pulls its rows into Python.
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


@dataclass(frozen=True)
class Intervals:
    """Whole days from a start date to an end date, over rows whose end falls in a window."""

    median: float | None
    count: int
    per_service: dict[int, int] = field(default_factory=dict)  # rows per service
    within: dict[int, int] = field(default_factory=dict)  # rows per service within `limit_days`


# SQL per database: whole days between two dates, and the overall median of v(g, x). SQLite has no
# percentile function: take the middle row (or the two middle rows) in order with LIMIT and OFFSET
# worked out from the count.
_DAYS_SQL = {
    "postgresql": "(e - s)",
    "sqlite": "CAST(ROUND(julianday(e) - julianday(s)) AS INTEGER)",
}
_MEDIAN_SQL = {
    "postgresql": "(SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) FROM v)",
    "sqlite": (
        "(SELECT AVG(x) FROM (SELECT x FROM v ORDER BY x "
        "LIMIT 2 - (SELECT COUNT(*) FROM v) %% 2 OFFSET ((SELECT COUNT(*) FROM v) - 1) / 2))"
    ),
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
    `window` (both days included): their median, how many there are per service (`service` is the path to
    the service id) and how many took no more than `limit_days`. One query.

    The row values are worked out once, in a materialised common table expression, however costly
    (`end` is often a subquery) and however often the outer query uses them.
    """
    rows = queryset.order_by().annotate(interval_group=F(service), interval_end=end, interval_start=start)
    try:
        inner, params = rows.values_list("interval_group", "interval_end", "interval_start").query.sql_with_params()
    except EmptyResultSet:  # e.g. no services in scope: nothing to measure
        return Intervals(median=None, count=0, per_service={}, within={})
    vendor = "postgresql" if connection.vendor == "postgresql" else "sqlite"
    in_window = "AND e >= %s AND e <= %s" if window else ""
    # `inner` is SQL Django compiled from the queryset, with its values passed as parameters.
    sql = (
        f"WITH base(g, e, s) AS MATERIALIZED ({inner}), "  # noqa: S608
        f"v(g, x) AS (SELECT g, {_DAYS_SQL[vendor]} FROM base WHERE e IS NOT NULL AND s IS NOT NULL {in_window}) "
        f"SELECT g, COUNT(*), SUM(CASE WHEN x <= %s THEN 1 ELSE 0 END), {_MEDIAN_SQL[vendor]} FROM v GROUP BY g"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *(window or ()), limit_days])
        found = cursor.fetchall()
    per_service = {int(group): int(count) for group, count, _, _ in found}
    within = {int(group): int(inside or 0) for group, _, inside, _ in found}
    median = float(found[0][3]) if found and found[0][3] is not None else None
    return Intervals(median=median, count=sum(per_service.values()), per_service=per_service, within=within)


def counts_by_service(queryset: QuerySet, *, service: str, **counts: Count) -> dict[int, dict[str, int]]:
    """Conditional counts grouped by service: {service id: {name: count}}. One query."""
    found = queryset.order_by().values(sid=F(service)).annotate(**counts)
    return {row["sid"]: {name: row[name] for name in counts} for row in found}

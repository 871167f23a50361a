"""Timing maths and the results table: pure functions, no Django."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile: the smallest value with at least `share` of the values at or below it."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 < share <= 1:
        raise ValueError("share must be in (0, 1]")
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)) - 1, 0)]


@dataclass(frozen=True)
class Summary:
    n: int
    median: float
    p95: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Summary:
        return cls(n=len(values), median=statistics.median(values), p95=percentile(values, 0.95))


@dataclass(frozen=True)
class Check:
    """One measured figure against its limit (smaller is better unless `at_least`)."""

    label: str
    value: float | None
    limit: float
    at_least: bool = False

    @property
    def met(self) -> bool | None:
        if self.value is None:
            return None
        return self.value >= self.limit if self.at_least else self.value <= self.limit


@dataclass
class Row:
    """One line of the results table."""

    what: str
    target: str
    n: int | None = None
    median: str = ""
    p95: str = ""
    sql: str = ""
    queries: str = ""
    baseline: str = ""
    checks: list[Check] = field(default_factory=list)
    status: str = ""  # "not built", "error: ..." or "" (then the checks decide)
    note: str = ""

    @property
    def met(self) -> str:
        if self.status:
            return self.status
        results = [check.met for check in self.checks]
        if not results:
            return "n/a"
        if any(result is False for result in results):
            failed = [check.label for check in self.checks if check.met is False]
            return "no (" + ", ".join(failed) + ")"
        if any(result is None for result in results):
            return "unknown"
        return "yes"


COLUMNS = ("what", "target", "n", "median ms", "p95 ms", "SQL ms", "queries", "baseline (ratio)", "met?")


def ms(value: float | None) -> str:
    if value is None:
        return ""
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:.1f}" if value >= 1 else f"{value:.2f}"


def ratio(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}x"


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown_table(rows: Sequence[Row]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "|".join(" --- " for _ in COLUMNS) + "|"]
    for row in rows:
        cells = [
            row.what,
            row.target,
            "" if row.n is None else str(row.n),
            row.median,
            row.p95,
            row.sql,
            row.queries,
            row.baseline,
            row.met,
        ]
        lines.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
    return "\n".join(lines)


def notes(rows: Sequence[Row]) -> str:
    """The rows' notes as a numbered list (what was measured where the row's name cannot say it all)."""
    lines = [f"- **{row.what}**: {' '.join(row.note.split())}" for row in rows if row.note]
    return "\n".join(lines)

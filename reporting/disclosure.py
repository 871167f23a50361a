"""Disclosure control across services.

A commissioner can look at one service, at an area or at all their services. Were the figures for
several services suppressed only on their own, a hidden count of one service could be worked out
by taking the other services' figures from the combined figure. So every figure for several
services is built from each service's figures as that service's own page shows them: a cell (or
total, rate or median) is hidden for the group whenever it is hidden for any one of the services,
and the group's table then gets its own primary and secondary suppression on top. What a group
shows is then always the sum of what the services show on their own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reporting.suppression import (
    HIDDEN,
    Cell,
    count_cell,
    is_small,
    median_cell,
    rate_cell,
    suppress_table,
)

Grid = Sequence[Sequence[int]]
NOTHING = Cell(None, "nothing to count")  # a share or median of nobody: identifies no one


@dataclass(frozen=True)
class SuppressedGrid:
    """A table of counts as shown: its cells, and the totals shown beside it (None when not shown)."""

    cells: list[list[Cell]]
    row_totals: list[Cell] | None
    column_totals: list[Cell] | None
    grand_total: Cell | None


def _suppress(
    grid: Grid,
    *,
    row_totals: bool,
    column_totals: bool,
    forced_cells: set[tuple[int, int]] | frozenset = frozenset(),
    forced_rows: set[int] | frozenset = frozenset(),
    forced_columns: set[int] | frozenset = frozenset(),
    forced_grand: bool = False,
) -> SuppressedGrid:
    cells = suppress_table(grid, row_totals=row_totals, column_totals=column_totals, also_hidden=forced_cells)
    width = len(grid[0]) if grid else 0
    rows_shown = [HIDDEN if r in forced_rows else count_cell(sum(row)) for r, row in enumerate(grid)]
    columns_shown = [HIDDEN if c in forced_columns else count_cell(sum(row[c] for row in grid)) for c in range(width)]
    grand = HIDDEN if forced_grand else count_cell(sum(sum(row) for row in grid))
    return SuppressedGrid(
        cells=cells,
        row_totals=rows_shown if row_totals else None,
        column_totals=columns_shown if column_totals else None,
        grand_total=grand if (row_totals or column_totals) else None,
    )


def suppress_grid(
    per_service: Mapping[int, Grid], *, rows: int, columns: int, row_totals: bool = True, column_totals: bool = False
) -> SuppressedGrid:
    """One table of counts (`rows` by `columns`) for a group of services, given each service's table."""
    forced_cells: set[tuple[int, int]] = set()
    forced_rows: set[int] = set()
    forced_columns: set[int] = set()
    forced_grand = False
    combined = [[0] * columns for _ in range(rows)]
    for grid in per_service.values():
        own = _suppress(grid, row_totals=row_totals, column_totals=column_totals)
        forced_cells |= {(r, c) for r, line in enumerate(own.cells) for c, cell in enumerate(line) if cell.suppressed}
        forced_rows |= {r for r, cell in enumerate(own.row_totals or []) if cell.suppressed}
        forced_columns |= {c for c, cell in enumerate(own.column_totals or []) if cell.suppressed}
        forced_grand = forced_grand or bool(own.grand_total and own.grand_total.suppressed)
        for r in range(rows):
            for c in range(columns):
                combined[r][c] += grid[r][c]
    return _suppress(
        combined,
        row_totals=row_totals,
        column_totals=column_totals,
        forced_cells=forced_cells,
        forced_rows=forced_rows,
        forced_columns=forced_columns,
        forced_grand=forced_grand,
    )


def suppress_counts(per_service: Mapping[int, Sequence[int]], *, size: int) -> list[Cell]:
    """Counts shown on their own, with no total beside them: primary suppression only."""
    grid = suppress_grid(
        {sid: [list(values)] for sid, values in per_service.items()},
        rows=1,
        columns=size,
        row_totals=False,
        column_totals=False,
    )
    return grid.cells[0]


@dataclass(frozen=True)
class Rate:
    rate: Cell
    base: Cell  # how many the rate is based on


def suppress_rate(per_service: Mapping[Any, tuple[int, int]]) -> Rate:
    """A percentage from (numerator, denominator) parts, one per service (or per service and side, or per
    kind of thing counted): hidden when any part's own rate would be, and its base when any part's is."""
    rate_forced = any(rate_cell(n, d).suppressed for n, d in per_service.values() if d)
    base_forced = any(is_small(d) for _, d in per_service.values())
    numerator = sum(n for n, _ in per_service.values())
    denominator = sum(d for _, d in per_service.values())
    if denominator == 0:
        return Rate(rate=NOTHING, base=count_cell(0))
    return Rate(
        rate=HIDDEN if rate_forced else rate_cell(numerator, denominator),
        base=HIDDEN if base_forced else count_cell(denominator),
    )


def rate_between(numerator: Cell, denominator: Cell) -> Cell:
    """A share worked out from two cells of a suppressed table: only when both are shown."""
    if numerator.suppressed or denominator.suppressed or numerator.value is None or denominator.value is None:
        return HIDDEN
    if denominator.value == 0:
        return NOTHING
    return rate_cell(int(numerator.value), int(denominator.value))


@dataclass(frozen=True)
class Median:
    median: Cell
    base: Cell


def suppress_median(per_service_counts: Mapping[int, int], median: float | None, count: int) -> Median:
    """A median for the group (worked out in the database over every service's rows), hidden when any
    service's own median is based on 1 to 4 people."""
    forced = any(is_small(n) for n in per_service_counts.values())
    if count == 0:
        return Median(median=NOTHING, base=count_cell(0))
    return Median(
        median=HIDDEN if forced else median_cell(median, count),
        base=HIDDEN if forced else count_cell(count),
    )

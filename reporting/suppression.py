"""Disclosure control for figures commissioners see.

Primary suppression: every count from 1 to 4 is shown as "fewer than 5". Secondary suppression:
where counts add up to a total that is shown, a single hidden cell could be worked out by
subtraction, so the smallest other cell is hidden too (repeated until every row and column of a
table hides no cell or at least two, and the hidden cells of a line never add up to a count from
1 to 4). A line whose total is itself from 1 to 4 needs none: its total is hidden too. Rates and
medians from fewer than 5 people are hidden, and so is a rate whose numerator, or whose
complement, is a count from 1 to 4.

Zero is shown: it identifies nobody.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

THRESHOLD = 5
SUPPRESSED = "fewer than 5"


def is_small(value: int | None) -> bool:
    return value is not None and 0 < value < THRESHOLD


@dataclass(frozen=True)
class Cell:
    """A figure as shown: `text` is what the page prints; `value` is None once suppressed."""

    value: int | float | None
    text: str

    @property
    def suppressed(self) -> bool:
        return self.text == SUPPRESSED


def _count(value: int) -> Cell:
    return Cell(value, f"{value:,}")


HIDDEN = Cell(None, SUPPRESSED)


def count_cell(value: int) -> Cell:
    """One count on its own (no total beside it): primary suppression only."""
    return HIDDEN if is_small(value) else _count(value)


def _hide_one_more(values: Sequence[int], hidden: set[int]) -> int | None:
    """The position of the smallest cell still shown (non-zero cells first), or None."""
    shown = [i for i in range(len(values)) if i not in hidden]
    if not shown:
        return None
    return min(shown, key=lambda i: (values[i] == 0, values[i], i))


def suppress_line(values: Sequence[int], *, total_shown: bool = True) -> list[Cell]:
    """Counts that add up to a shown total (a chart's series, one row of a table)."""
    return suppress_table([list(values)], row_totals=total_shown, column_totals=False)[0]


def suppress_table(
    rows: Sequence[Sequence[int]],
    *,
    row_totals: bool = True,
    column_totals: bool = True,
    also_hidden: Iterable[tuple[int, int]] = (),
) -> list[list[Cell]]:
    """A table of counts whose row and/or column totals are shown beside it.

    `also_hidden` names cells (row, column) that must be hidden whatever their value, for example
    because a service's own table hides them (reporting.disclosure); secondary suppression
    then protects them like small counts.
    """
    grid = [list(row) for row in rows]
    hidden = {(r, c) for r, row in enumerate(grid) for c, value in enumerate(row) if is_small(value)}
    hidden |= set(also_hidden)
    changed = True
    while changed:
        changed = False
        lines: list[list[tuple[int, int]]] = []
        if row_totals:
            lines += [[(r, c) for c in range(len(row))] for r, row in enumerate(grid)]
        if column_totals and grid:
            width = max(len(row) for row in grid)
            lines += [[(r, c) for r in range(len(grid)) if c < len(grid[r])] for c in range(width)]
        for line in lines:
            hidden_here = [pos for pos in line if pos in hidden]
            hidden_sum = sum(grid[r][c] for r, c in hidden_here)
            # A total from 1 to 4 is itself hidden, so nothing can be taken from it. Beside a total that
            # is shown, one hidden cell, or hidden cells adding up to 1 to 4, could be worked out.
            total_shown = not is_small(sum(grid[r][c] for r, c in line))
            if total_shown and (len(hidden_here) == 1 or is_small(hidden_sum)):
                values = [grid[r][c] for r, c in line]
                local_hidden = {i for i, pos in enumerate(line) if pos in hidden}
                extra = _hide_one_more(values, local_hidden)
                if extra is not None:
                    hidden.add(line[extra])
                    changed = True
    return [[HIDDEN if (r, c) in hidden else _count(v) for c, v in enumerate(row)] for r, row in enumerate(grid)]


def total_cell(values: Sequence[int]) -> Cell:
    """The total of a line; itself a count, so a total from 1 to 4 is hidden."""
    return count_cell(sum(values))


def rate_cell(numerator: int, denominator: int) -> Cell:
    """A percentage, hidden when it is based on fewer than 5 or would reveal a count from 1 to 4."""
    if denominator < THRESHOLD or is_small(numerator) or is_small(denominator - numerator):
        return HIDDEN
    percent = round(100 * numerator / denominator)
    return Cell(percent, f"{percent}%")


def median_cell(median: float | None, count: int, unit: str = "days") -> Cell:
    """A median (worked out in the database) over `count` people; hidden when count is under 5."""
    if count < THRESHOLD or median is None:
        return HIDDEN
    shown = int(median) if float(median).is_integer() else round(float(median), 1)
    return Cell(shown, f"{shown} {unit}")

"""Tables and charts as pages and CSV files show them: cells already suppressed, labels in plain English.

A table is the source of truth; a chart only draws what its table shows (a hidden cell is a gap).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from reporting.disclosure import rate_between, suppress_grid
from reporting.suppression import HIDDEN, SUPPRESSED, Cell

NOT_SHOWN = "not shown"


def text_cell(text: str) -> Cell:
    """A cell that is words or a fixed figure (a benchmark), not a count about people."""
    return Cell(None, text)


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    cells: list[Cell]
    total: bool = False


@dataclass(frozen=True)
class Table:
    caption: str
    first_header: str
    headers: list[str]
    rows: list[Row]
    compare_column: int | None = 0  # which column "compare with the previous quarter" compares
    unit: str = ""  # of the compared column: "" (a count), "%" or " days"
    numeric_from: int = 0  # columns from this one on hold figures (right-aligned)

    def row(self, key: str) -> Row | None:
        return next((row for row in self.rows if row.key == key), None)

    def cell(self, row_key: str, column: int = 0) -> Cell | None:
        row = self.row(row_key)
        return row.cells[column] if row is not None else None


def _plural(value: float, unit: str) -> str:
    shown = int(value) if float(value).is_integer() else round(value, 1)
    if unit == "%":
        return f"{shown} percentage point{'' if shown == 1 else 's'}"
    if unit == " days":
        return f"{shown} day{'' if shown == 1 else 's'}"
    return f"{shown:,}"


def change_cell(now: Cell, before: Cell, unit: str = "") -> Cell:
    """The change from the previous quarter in words (no leading sign: safe in a spreadsheet)."""
    if now.suppressed or before.suppressed or now.value is None or before.value is None:
        return text_cell(NOT_SHOWN)
    difference = float(now.value) - float(before.value)
    if difference == 0:
        return text_cell("no change")
    return text_cell(f"{'up' if difference > 0 else 'down'} {_plural(abs(difference), unit)}")


def with_previous(table: Table, previous: Table) -> Table:
    """The table with the previous quarter's figure and the change beside the compared column."""
    column = table.compare_column
    if column is None:
        return table
    rows = []
    for row in table.rows:
        before = previous.cell(row.key, column) or text_cell(NOT_SHOWN)
        rows.append(replace(row, cells=[*row.cells, before, change_cell(row.cells[column], before, table.unit)]))
    headers = [*table.headers, "Previous quarter", "Change"]
    return replace(table, headers=headers, rows=rows)


def chart_value(cell: Cell | None) -> float | int | None:
    """What a chart draws for a cell: nothing at all when the cell is hidden."""
    if cell is None or cell.suppressed or cell.text == SUPPRESSED:
        return None
    return cell.value


@dataclass(frozen=True)
class Chart:
    labels: list[str]
    datasets: list[dict[str, Any]]  # {"label": str, "data": [number | None], "stack": optional}
    unit: str = ""
    horizontal: bool = False
    stacked: bool = False
    maximum: int | None = None  # 100 for percentages

    def as_json(self) -> dict[str, Any]:
        return {
            "labels": self.labels,
            "datasets": self.datasets,
            "unit": self.unit,
            "horizontal": self.horizontal,
            "stacked": self.stacked,
            "max": self.maximum,
        }


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    rules: list[str]
    tables: list[Table]
    chart: Chart | None = None
    chart_table: str = ""  # caption of the table the chart draws
    wide: bool = False  # tables too wide to sit beside the chart
    extra: dict[str, Any] = field(default_factory=dict)


# --- Building tables from per-service counts ----------------------------------------------------

PerService = Mapping[int, Mapping[Any, int]]
Keys = Sequence[tuple[Any, str]]  # (key, label) in the order shown


def used_keys(per_service: PerService, part: Callable[[Any], Any] = lambda key: key) -> set[Any]:
    return {part(key) for counts in per_service.values() for key, value in counts.items() if value}


def sum_by(per_service: PerService, part: Callable[[Any], Any]) -> dict[int, dict[Any, int]]:
    """Counts per service added up by part of their key (marginal totals of group rows, not of cases)."""
    result: dict[int, dict[Any, int]] = {}
    for sid, counts in per_service.items():
        mine = result.setdefault(sid, {})
        for key, value in counts.items():
            mine[part(key)] = mine.get(part(key), 0) + value
    return result


def line_table(
    per_service: PerService, keys: Keys, *, caption: str, first_header: str, header: str, total_label: str = "Total"
) -> Table:
    """Counts that add up to a total shown below them."""
    grids = {sid: [[counts.get(key, 0) for key, _ in keys]] for sid, counts in per_service.items()}
    shown = suppress_grid(grids, rows=1, columns=len(keys), row_totals=True)
    total = shown.row_totals[0] if shown.row_totals else HIDDEN
    rows = [Row(str(key), label, [cell]) for (key, label), cell in zip(keys, shown.cells[0], strict=True)]
    rows.append(Row("total", total_label, [total], total=True))
    return Table(caption=caption, first_header=first_header, headers=[header], rows=rows)


def grid_table(
    per_service: PerService,
    row_keys: Keys,
    column_keys: Keys,
    *,
    caption: str,
    first_header: str,
    share_of: Any = None,
    share_header: str = "",
) -> Table:
    """A table of counts with row and column totals; optionally the share of each row in one column."""
    grids = {
        sid: [[counts.get((row, column), 0) for column, _ in column_keys] for row, _ in row_keys]
        for sid, counts in per_service.items()
    }
    shown = suppress_grid(grids, rows=len(row_keys), columns=len(column_keys), row_totals=True, column_totals=True)
    share_column = next((i for i, (key, _) in enumerate(column_keys) if key == share_of), None)
    row_totals = shown.row_totals or [HIDDEN] * len(row_keys)
    column_totals = shown.column_totals or [HIDDEN] * len(column_keys)
    grand = shown.grand_total or HIDDEN

    def share(cells: list[Cell], total: Cell) -> list[Cell]:
        return [] if share_column is None else [rate_between(cells[share_column], total)]

    rows = [
        Row(str(key), label, [*cells, total, *share(cells, total)])
        for (key, label), cells, total in zip(row_keys, shown.cells, row_totals, strict=True)
    ]
    rows.append(Row("total", "Total", [*column_totals, grand, *share(column_totals, grand)], total=True))
    headers = [label for _, label in column_keys] + ["Total"] + ([share_header] if share_column is not None else [])
    compare = len(headers) - 1 if share_column is not None else len(column_keys)
    return Table(
        caption=caption,
        first_header=first_header,
        headers=headers,
        rows=rows,
        compare_column=compare,
        unit="%" if share_column is not None else "",
    )


def bar_chart(table: Table, *, label: str, column: int = 0, horizontal: bool = True, unit: str = "") -> Chart:
    rows = [row for row in table.rows if not row.total]
    return Chart(
        labels=[row.label for row in rows],
        datasets=[{"label": label, "data": [chart_value(row.cells[column]) for row in rows]}],
        horizontal=horizontal,
        unit=unit,
        maximum=100 if unit == "%" else None,
    )

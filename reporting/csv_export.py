"""CSV downloads of the dashboard's sections and the compliance report.

Every cell is made safe for spreadsheets: a cell that begins with = + - @, a tab or a carriage
return could be run as a formula, so it gets a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from django.http import HttpResponse

from reporting.tables import Section

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_START) else text


def csv_response(filename: str, rows: Iterable[Sequence[object]]) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def section_rows(section: Section, *, preamble: Sequence[Sequence[str]]) -> list[list[str]]:
    """A section as CSV: what it covers, then each table (caption, header row, rows) with a blank line between."""
    rows: list[list[str]] = [list(line) for line in preamble]
    for rule in section.rules:
        rows.append(["Counting rule", rule])
    for table in section.tables:
        rows.append([])
        rows.append([table.caption])
        rows.append([table.first_header, *table.headers])
        rows.extend([row.label, *(cell.text for cell in row.cells)] for row in table.rows)
    return rows

"""CSV downloads: the dashboard's sections and the compliance report (built in memory), and long lists such as
the service case list (streamed: stream_csv).

Every cell is made safe for spreadsheets: a cell that begins with = + - @, a tab or a carriage
return could be run as a formula, so it gets a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence

from django.http import HttpResponse, StreamingHttpResponse

from reporting.tables import Section

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Excel opens a CSV as UTF-8 only when it starts with a byte-order mark.
BOM = "\ufeff"
# Rows written to the buffer before it is sent on: a few hundred kilobytes, whatever the number of rows.
ROWS_PER_CHUNK = 2000


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


def csv_chunks(
    header: Sequence[object], rows: Iterable[Sequence[object]], *, rows_per_chunk: int = ROWS_PER_CHUNK
) -> Iterator[bytes]:
    """The CSV as UTF-8 with a byte-order mark: the header line at once, then `rows_per_chunk` rows at a time.

    Only one chunk is held at any moment, so memory stays the same whatever the number of rows.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def drained() -> bytes:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
        return text.encode("utf-8")

    buffer.write(BOM)
    writer.writerow([safe_cell(value) for value in header])
    yield drained()
    pending = 0
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
        pending += 1
        if pending == rows_per_chunk:
            yield drained()
            pending = 0
    if pending:
        yield drained()


def stream_csv(filename: str, header: Sequence[object], rows: Iterable[Sequence[object]]) -> StreamingHttpResponse:
    """A CSV download sent as it is written: `rows` is read (and may run its query) only while the body is sent.

    Never kept by a browser or proxy (it holds case data) and never read as anything but CSV.
    """
    response = StreamingHttpResponse(csv_chunks(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
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

"""Downloads of a return version, always made from its stored snapshot (never recomputed).

- CSV, one file per section: text that a spreadsheet could run as a formula (starting with =, +, -, @, a
  tab or a carriage return) gets a leading apostrophe.
- XLSX: one sheet per section and one of warnings, typed cells (dates as dates, numbers as numbers, text
  stored as text so nothing is ever evaluated), a bold header row frozen in place, and a sheet with the
  counting rules. A large one takes a while to write, so it is made once (by the build task, or at the
  first download) and kept with the version (ReturnExport).
- PDF summary: the headline figures and bar charts drawn as SVG by our own template (no personal data).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import time
from typing import Any

from django.db import IntegrityError, transaction
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from core import clock
from reporting.models import ExportKind, ReturnExport, ReturnVersion
from reporting.returns.columns import section_of

WARNINGS = "warnings"
WARNING_COLUMNS = [["case_reference", "Case reference", "text"], ["message", "Warning", "text"]]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DATE_FORMAT = "dd/mm/yyyy"


def neutralise(value: str) -> str:
    """Text a spreadsheet would read as a formula, made inert with a leading apostrophe."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def section_keys(version: ReturnVersion) -> list[str]:
    return [*(section["key"] for section in version.sections), WARNINGS]


def section_title(version: ReturnVersion, key: str) -> str:
    if key == WARNINGS:
        return "Data-quality warnings"
    return section_of(version.sections, key)["title"]


def _table(version: ReturnVersion, key: str) -> tuple[list[list[str]], list[list[Any]]]:
    if key == WARNINGS:
        return WARNING_COLUMNS, [[w["case_reference"], w["message"]] for w in version.warnings]
    section = section_of(version.sections, key)
    return section["columns"], section["rows"]


def filename(version: ReturnVersion, suffix: str) -> str:
    quarterly_return = version.quarterly_return
    return f"return-{quarterly_return.service.code}-{quarterly_return.quarter.key}-v{version.number}-{suffix}"


# --- CSV -------------------------------------------------------------------------------------------


def _csv_value(value: Any, kind: str) -> str:
    if value is None:
        return ""
    if kind == "bool":
        return "Yes" if value else "No"
    if isinstance(value, str):
        return neutralise(value)
    return str(value)


def csv_bytes(version: ReturnVersion, key: str) -> bytes:
    """One section as CSV (UTF-8 with a byte order mark, so spreadsheets read the accents right)."""
    columns, rows = _table(version, key)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(label) for _, label, _ in columns])
    kinds = [kind for _, _, kind in columns]
    for row in rows:
        writer.writerow([_csv_value(value, kind) for value, kind in zip(row, kinds, strict=True)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# --- XLSX ------------------------------------------------------------------------------------------


def _sheet_title(title: str, used: set[str]) -> str:
    name = "".join(ch for ch in title if ch not in "[]:*?/\\")[:31]
    while name in used:
        name = name[:28] + f" {len(used)}"
    used.add(name)
    return name


def _xlsx_cell(sheet: Any, value: Any, kind: str) -> Any:
    """A typed value (plain values are quicker to write), or a cell where the type needs saying."""
    if value is None:
        return None
    if kind == "date":
        cell = WriteOnlyCell(sheet, value=dt.date.fromisoformat(value))
        cell.number_format = DATE_FORMAT
        return cell
    if kind == "int":
        return int(value)
    if kind == "bool":
        return "Yes" if value else "No"
    text = str(value)
    if text.startswith("="):
        cell = WriteOnlyCell(sheet, value=text)
        cell.data_type = "s"  # text stays text: openpyxl would otherwise store "=..." as a formula
        return cell
    return text


def xlsx_bytes(version: ReturnVersion) -> bytes:
    workbook = Workbook(write_only=True)
    used: set[str] = set()
    bold = Font(bold=True)
    for key in section_keys(version):
        columns, rows = _table(version, key)
        sheet = workbook.create_sheet(_sheet_title(section_title(version, key), used))
        sheet.freeze_panes = "A2"
        for index, (_, label, kind) in enumerate(columns, start=1):
            width = 14 if kind in ("date", "int", "bool") else min(max(len(label) + 2, 16), 40)
            sheet.column_dimensions[get_column_letter(index)].width = width
        header = []
        for _, label, _ in columns:
            cell = WriteOnlyCell(sheet, value=label)
            cell.data_type = "s"
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        kinds = [kind for _, _, kind in columns]
        for row in rows:
            sheet.append([_xlsx_cell(sheet, value, kind) for value, kind in zip(row, kinds, strict=True)])
    rules = workbook.create_sheet(_sheet_title("Counting rules", used))
    rules.column_dimensions["A"].width = 120
    heading = WriteOnlyCell(rules, value="Counting rules")
    heading.font = bold
    rules.append([heading])
    wrap = Alignment(wrap_text=True, vertical="top")
    for line in version.counting_rules.splitlines():
        cell = WriteOnlyCell(rules, value=line)
        cell.data_type = "s"
        cell.alignment = wrap
        rules.append([cell])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_for(version: ReturnVersion) -> bytes:
    """The version's spreadsheet: the one kept with it, or made now from its snapshot and kept."""
    kept = ReturnExport.objects.filter(version=version, kind=ExportKind.XLSX).values_list("content", flat=True).first()
    if kept is not None:
        return bytes(kept)
    started = time.monotonic()
    content = xlsx_bytes(version)
    try:
        with transaction.atomic():
            ReturnExport.objects.create(
                version=version,
                kind=ExportKind.XLSX,
                content=content,
                made_at=clock.now(),
                seconds=round(time.monotonic() - started, 3),
            )
    except IntegrityError:  # made at the same moment by another request or the build task: the same content
        pass
    return content


# --- The PDF summary's charts ----------------------------------------------------------------------

CHART_WIDTH = 480
LABEL_WIDTH = 190
BAR_HEIGHT = 18
BAR_GAP = 8


def bar_chart(series: list[list[Any]]) -> dict[str, Any]:
    """Geometry of a horizontal bar chart of (label, count) pairs, for templates/reporting/returns/_bar_chart.svg."""
    biggest = max((n for _, n in series), default=0) or 1
    room = CHART_WIDTH - LABEL_WIDTH - 50
    bars = []
    for index, (label, count) in enumerate(series):
        y = index * (BAR_HEIGHT + BAR_GAP)
        bars.append(
            {
                "label": label,
                "count": count,
                "y": y,
                "text_y": y + BAR_HEIGHT - 5,
                "x": LABEL_WIDTH,
                "width": max(round(room * count / biggest), 1 if count else 0),
                "value_x": LABEL_WIDTH + max(round(room * count / biggest), 1 if count else 0) + 6,
            }
        )
    height = max(len(bars) * (BAR_HEIGHT + BAR_GAP), BAR_HEIGHT)
    return {
        "bars": bars,
        "width": CHART_WIDTH,
        "height": height,
        "label_x": LABEL_WIDTH - 6,
        "bar_height": BAR_HEIGHT,
    }


def pdf_context(version: ReturnVersion) -> dict[str, Any]:
    summary = version.summary
    feedback = summary.get("feedback", {})
    return {
        "version": version,
        "quarterly_return": version.quarterly_return,
        "summary": summary,
        "victim_feedback": feedback.get("victim", {}),
        "offender_feedback": feedback.get("offender", {}),
        "status_chart": bar_chart(summary.get("by_status", [])),
        "items_chart": bar_chart(summary.get("items_by_timeliness", [])),
    }

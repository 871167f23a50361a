"""Erasure in the quarterly returns: the stored snapshots of every version and the files kept with them.

A submitted version is frozen against every change but this one: the erased person's cells are rewritten in
place (the counts, codes and dates stay as submitted), its checksum is worked out again from the new content,
and its stored spreadsheet is made again from it. Its kept PDF summary (figures only, but it prints the
checksum) is deleted and made again by Celery once the erasure has committed. Only the versions of the
quarters the case could appear in are read (from its referral to its closure).
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from cases.models import Case
from core import clock
from privacy.mentions import Mentions
from privacy.registry import ERASED
from reporting.models import ExportKind, ReturnExport, ReturnVersion
from reporting.returns.exports import xlsx_bytes
from reporting.returns.pdf import return_pdf_renew
from reporting.returns.services import _checksum as snapshot_checksum

# Columns of a return that hold a case's personal data: overwritten when the whole case is erased.
WHOLE_CASE_COLUMNS: dict[str, tuple[str, ...]] = {
    "cases": (
        "offender_first_name",
        "offender_last_name",
        "pnc_id",
        "prison_number",
        "crn",
        "ucrn",
        "outcome_reason",
    ),
    "conferences": ("venue_name", "background", "how_it_went", "lessons_learnt", "video_how_we_know"),
    "alternatives": ("how_we_know",),
    "follow_up": ("description",),
}
# The main person responsible's identifiers in the cases section, and the field of theirs each comes from.
OFFENDER_COLUMNS = {
    "offender_first_name": "first_name",
    "offender_last_name": "last_name",
    "pnc_id": "pnc_id",
    "prison_number": "prison_number",
    "crn": "crn",
}
DOB_COLUMN = "offender_date_of_birth"


def synthetic_birth_date(age: int | None, on: dt.date) -> dt.date | None:
    """A date of birth that gives the same age on `on` and says nothing more about the person."""
    if age is None:
        return None
    year = on.year - age
    day = 28 if (on.month, on.day) == (2, 29) else on.day
    return on.replace(year=year, day=day)


@dataclass
class Redaction:
    reference: str
    mentions: Mentions
    whole_case: bool = False
    offender_values: dict[str, set[str]] = field(default_factory=dict)  # column -> the erased offender's values
    offender_dobs: set[str] = field(default_factory=set)  # their dates of birth (ISO) as they were recorded
    synthetic_dob: str | None = None


def versions_for(case: Case) -> QuerySet[ReturnVersion]:
    versions = ReturnVersion.objects.filter(
        quarterly_return__service_id=case.service_id, quarterly_return__quarter_end__gte=case.referral_date
    )
    if case.closed_on is not None:
        versions = versions.filter(quarterly_return__quarter_start__lte=case.closed_on)
    return versions.order_by("pk")


def _cell(section: str, key: str, value: Any, row: dict[str, Any], redaction: Redaction) -> Any:
    if value is None or value == "":
        return value
    if key == DOB_COLUMN:
        if redaction.whole_case:
            referred = row.get("referral_date")
            if referred:
                birth = synthetic_birth_date(row.get("offender_age"), dt.date.fromisoformat(referred))
                return birth.isoformat() if birth else None
            return None
        return redaction.synthetic_dob if value in redaction.offender_dobs else value
    if redaction.whole_case and key in WHOLE_CASE_COLUMNS.get(section, ()):
        return ERASED
    if section == "cases" and str(value).strip().lower() in redaction.offender_values.get(key, set()):
        return ERASED
    if isinstance(value, str):
        return redaction.mentions.sub(value)
    return value


def _redact(sections: list[dict[str, Any]], redaction: Redaction) -> bool:
    changed = False
    for section in sections:
        keys = [column[0] for column in section["columns"]]
        if "case_reference" not in keys:
            continue
        at = keys.index("case_reference")
        for index, row in enumerate(section["rows"]):
            if row[at] != redaction.reference:
                continue
            values = dict(zip(keys, row, strict=True))
            new = [_cell(section["key"], key, value, values, redaction) for key, value in values.items()]
            if new != row:
                section["rows"][index] = new
                changed = True
    return changed


def redact_returns(*, case: Case, redaction: Redaction) -> int:
    """Rewrite the case's rows in every stored return version (and its kept files). Returns how many changed."""
    changed = 0
    for version in versions_for(case):
        sections = copy.deepcopy(version.sections)
        if not _redact(sections, redaction):
            continue
        version.sections = sections
        version.checksum = snapshot_checksum(
            {"sections": sections, "warnings": version.warnings, "counting_rules": version.counting_rules}
        )
        # The one change a submitted version allows: ReturnVersionQuerySet.update refuses it, so the base one.
        QuerySet.update(ReturnVersion.objects.filter(pk=version.pk), sections=sections, checksum=version.checksum)
        kept = ReturnExport.objects.filter(version=version, kind=ExportKind.XLSX)
        if kept.exists():
            kept.update(content=xlsx_bytes(version), made_at=clock.now())
        return_pdf_renew(version_id=version.pk)  # it shows the checksum: deleted, and made again in Celery
        changed += 1
    return changed


__all__ = ["Redaction", "redact_returns", "synthetic_birth_date", "versions_for"]

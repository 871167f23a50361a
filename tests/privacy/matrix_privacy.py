"""Rows the authorisation matrix needs for the privacy pages (merged into MATRIX with the matrix's Row class).

Retention periods are a service setting for its RJ managers and administrators (another service's manager
opens their own service's page). Erasure and subject access exports are for the RJ managers of the person's
service only: everyone else, the allocated facilitator included, gets 404.
"""

from __future__ import annotations

SETTINGS = {"manager", "administrator", "other_manager"}
MANAGER = {"manager"}


def privacy_rows(row) -> dict:
    """`row` is the matrix's Row class."""
    rows = {
        "privacy:retention": row(SETTINGS),
        "privacy:retention_edit": row(SETTINGS, kwargs={"kind": "closed_case"}),
    }
    for side in ("victim", "offender"):
        for name in ("erase", "subject_access", "subject_access_download"):
            rows[f"privacy:{name}[{side}]"] = row(MANAGER, side, kwargs={"side": side})
    return rows

"""Rows the authorisation matrix needs for the follow-up reminder settings page.

The lead merges `ROWS` (or `reminder_rows(Row)` with the matrix's own Row class) into MATRIX. The page is a
service setting: administrators (core.configure_service) only; everyone else gets 404. It needs no object
from the world. tests/agreements/test_reminders.py checks these rows the way the matrix does.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Row:
    """The same fields and meaning as tests.test_authorisation_matrix.Row (a copy: that module imports this one)."""

    allowed: set[str]
    args: str = ""
    method: str = "get"
    ok: tuple[int, ...] = (200,)
    kwargs: dict = field(default_factory=dict)
    destructive: bool = False


def reminder_rows(row=Row) -> dict:
    """`row` is the matrix's Row class (this module's copy by default)."""
    return {
        "agreements:settings": row({"administrator"}),
    }


ROWS = reminder_rows(Row)

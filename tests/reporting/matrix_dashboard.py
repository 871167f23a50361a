"""Authorisation-matrix rows for the dashboard, the compliance report and their downloads.

Commissioners and managers see figures (their own areas' or service's); only managers may list the
cases behind a compliance figure, and only for their own service (another service's manager sees
their own, empty, list). Everyone else gets 404.
"""

from __future__ import annotations

FIGURES = {"manager", "commissioner", "other_manager"}


def dashboard_rows(row) -> dict:
    """`row` is the matrix's Row class. The existing "reporting:dashboard" row stays as it is."""
    return {
        "reporting:dashboard_csv": row(FIGURES, kwargs={"section": "referrals"}),
        "reporting:compliance": row(FIGURES),
        "reporting:compliance_csv": row(FIGURES),
        "reporting:compliance_cases": row({"manager", "other_manager"}, kwargs={"output": "r5"}),
    }

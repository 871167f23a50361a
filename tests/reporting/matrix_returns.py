"""Rows and objects the authorisation matrix needs for the quarterly return pages.

The lead merges `returns_rows(Row)` (with the matrix's own Row class) into MATRIX, and
`returns_world(case, administrator)` into the world's objects. The existing row
"reporting:returns": Row({"manager", "administrator", "other_manager"}) stays as it is: another
service's manager sees their own service's list.

Returns hold personal data (offender identifiers, feedback results): only core.manage_returns users
of the return's service (its administrators and RJ managers) open them; everyone else, including
another service's manager, gets 404. The return schedule is a service setting: administrators only.
"""

from __future__ import annotations

from core import clock
from reporting.quarters import DEFAULT_SCHEDULE
from reporting.returns import services

RETURN_STAFF = {"manager", "administrator"}


def returns_rows(row) -> dict:
    """`row` is the matrix's Row class."""
    return {
        # No quarter chosen: the form explains (422) to anyone who may start a return of their own service
        "reporting:return_start": row(RETURN_STAFF | {"other_manager"}, method="post", ok=(422,)),
        "reporting:return_schedule": row({"administrator"}),
        "reporting:return_detail": row(RETURN_STAFF, "quarterly_return"),
        "reporting:return_status": row(RETURN_STAFF, "quarterly_return"),
        # The first rebuild starts (302); the next, while it is still building, is refused with the reason (422)
        "reporting:return_rebuild": row(RETURN_STAFF, "quarterly_return", "post", ok=(302, 422)),
        # Without the version seen on the page nothing is submitted: the page explains (422)
        "reporting:return_submit": row(RETURN_STAFF, "quarterly_return", "post", ok=(422,)),
        "reporting:version_csv": row(RETURN_STAFF, "return_version", kwargs={"section": "cases"}),
        "reporting:version_xlsx": row(RETURN_STAFF, "return_version"),
        # The PDF summary is made in Celery: the first download asks for it (202, "being prepared")
        "reporting:version_pdf": row(RETURN_STAFF, "return_version", ok=(200, 202)),
        "reporting:version_pdf_status": row(RETURN_STAFF, "return_version"),
        "reporting:version_pdf_retry": row(RETURN_STAFF, "return_version", "post", ok=(302,)),
    }


def returns_world(case, administrator) -> dict:
    """The case's service's return for the quarter the case was allocated in, built once."""
    quarter = DEFAULT_SCHEDULE.quarter_containing(clock.today())
    quarterly_return, _ = services.return_get_or_create(service=case.service, quarter=quarter, actor=administrator)
    version = services.return_build(quarterly_return=quarterly_return, actor=administrator)
    return {"quarterly_return": quarterly_return, "return_version": version}

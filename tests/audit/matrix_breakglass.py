"""Rows and objects the authorisation matrix needs for the break-glass pages (audit.breakglass).

- The reason page answers people whose permissions already open the case, and the facilitators of the
  case's service who are not on it (cases.permissions.may_break_glass). Those who need no reason (the
  allocated facilitator, the service's manager, an administrator whose case pages show no one's record)
  are sent straight on (302); the unallocated facilitator is asked why (200). Everyone else gets 404, as
  for a case that does not exist: a reason never opens anything to them.
- The list of reasons and "Mark as reviewed" are for RJ managers (core.view_access_log); another
  service's manager sees their own service's (empty) list and gets 404 on this service's reason.
- Rows marked `reason=True` are the pages a covering facilitator may read with a reason: the matrix
  expects the unallocated facilitator to be sent to the reason page there, and to get 404 everywhere else.

The world holds a live reason given by each persona the permissions refuse (recorded directly: the reason
page itself would not take one from them), so every row of the matrix also checks that a reason alone
opens nothing to them; and a reason the unallocated facilitator gave yesterday, which has run out.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from audit.services import break_glass_open
from core import clock

REFUSED = ("other_manager", "offender_manager", "other_offender_manager", "vlo", "commissioner")


def breakglass_rows(row) -> dict:
    """`row` is the matrix's Row class."""
    return {
        "audit:break_glass": row(
            {"facilitator", "unallocated_facilitator", "manager", "administrator"}, "case", ok=(200, 302)
        ),
        "audit:break_glass_list": row({"manager", "other_manager"}),
        "audit:break_glass_reviewed": row({"manager"}, "break_glass", "post", ok=(302,)),
    }


def breakglass_world(case, users: dict) -> dict:
    """`users` are the matrix's personas by name."""
    for name in REFUSED:
        break_glass_open(user=users[name], case=case, person=None, reason="The person harmed phoned the office")
    yesterday = timezone.now() - dt.timedelta(days=1)
    with clock.use(lambda: yesterday):
        access = break_glass_open(
            user=users["unallocated_facilitator"], case=case, person=None, reason="Covering a colleague's visit"
        )
    return {"break_glass": access}

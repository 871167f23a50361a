"""Objects the authorisation matrix needs for the indirect communication pages.

The lead calls `indirect_world(case, victim, offender, facilitator)` from the matrix's world fixture
and merges the result into `objects`.
"""

from __future__ import annotations

import datetime as dt

from agreements.models import MessageDirection, ReviewOutcome
from agreements.services.indirect import indirect_start, message_record, message_review


def indirect_world(case, victim, offender, facilitator) -> dict:
    communication = indirect_start(
        case=case, actor=facilitator, kind="letter_of_apology", started_on=dt.date(2026, 10, 1)
    )
    message = message_record(
        communication=communication,
        actor=facilitator,
        direction=MessageDirection.TO_VICTIM,
        victim=victim,
        offender=offender,
        content="A letter of apology",
        received_on=dt.date(2026, 10, 5),
    )
    message_review(message=message, actor=facilitator, outcome=ReviewOutcome.APPROVED, notes="")
    return {"indirect": communication, "indirect_message": message}

"""Rows and objects the authorisation matrix needs for the feedback call pages.

The lead merges `ROWS` (or `feedback_rows(Row)` with the matrix's own Row class) into MATRIX, and
`feedback_world(case, victim, offender, facilitator, conference)` into the world's objects.

Feedback is the person's side's data: only the RJ team working the case (the allocated facilitator
and the service's managers) records or reads it. The VLO, offender-side staff, administrators,
commissioners, unallocated facilitators and other services get 404. The question sets are service
settings: administrators (core.configure_service) only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from agreements.models import Conference, ConferenceStatus
from agreements.services import conferences as conference_services
from agreements.services import feedback as feedback_services

WORKERS = {"facilitator", "manager"}

# Answers that raise no worry, so the world gains no safeguarding task.
CALM_ANSWERS = {"worries": ["none"], "overall_satisfaction": "satisfied", "would_recommend": "yes"}


@dataclass(frozen=True)
class Row:
    """The same fields and meaning as tests.test_authorisation_matrix.Row (a copy: that module imports this one)."""

    allowed: set[str]
    args: str = ""
    method: str = "get"
    ok: tuple[int, ...] = (200,)
    kwargs: dict = field(default_factory=dict)
    destructive: bool = False


def feedback_rows(row=Row) -> dict:
    """`row` is the matrix's Row class (this module's copy by default)."""
    return {
        # Without ?conference= or ?indirect= the page lists the person's activities to choose from.
        "agreements:feedback_new[victim]": row(WORKERS, "victim", kwargs={"side": "victim"}),
        "agreements:feedback_new[offender]": row(WORKERS, "offender", kwargs={"side": "offender"}),
        "agreements:feedback_detail[victim]": row(WORKERS, "victim_feedback", kwargs={"side": "victim"}),
        "agreements:feedback_detail[offender]": row(WORKERS, "offender_feedback", kwargs={"side": "offender"}),
        "agreements:feedback_sets": row({"administrator"}),
        "agreements:feedback_set_new": row({"administrator"}),
        "agreements:feedback_set_detail": row({"administrator"}, "feedback_set"),
    }


ROWS = feedback_rows(Row)


def held_conference_for(case, victim, offender, facilitator, *, days_ago: int = 3) -> Conference:
    """A conference with the two parties, planned through the service then moved to held (as the tests do)."""
    conference = conference_services.conference_plan(
        case=case,
        actor=facilitator,
        data={
            "date": timezone.localdate(),
            "start_time": dt.time(9, 0),
            "venue_kind": "community",
            "venue_name": "Feedback test hall",
        },
        victims=[victim],
        offenders=[offender],
    )
    Conference.objects.filter(pk=conference.pk).update(
        status=ConferenceStatus.HELD, date=timezone.localdate() - dt.timedelta(days=days_ago)
    )
    conference.refresh_from_db()
    return conference


def feedback_world(case, victim, offender, facilitator, conference=None) -> dict:
    """A held conference with both parties' feedback recorded.

    The matrix's own planned `conference` is left as it is (its rows need it changeable); a separate
    conference is recorded as held for the feedback.
    """
    held = held_conference_for(case, victim, offender, facilitator)
    records = {
        f"{side}_feedback": feedback_services.feedback_record(
            participant=person,
            actor=facilitator,
            activity=held,
            called_on=timezone.localdate(),
            answers=CALM_ANSWERS,
        )
        for side, person in (("victim", victim), ("offender", offender))
    }
    return {
        "feedback_conference": held,
        **records,
        "feedback_set": feedback_services.current_question_set(case.service),
    }

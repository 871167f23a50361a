"""Building cases for the quarterly return tests, through the services, at chosen moments."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from agreements.models import Conference, ConferenceStatus
from agreements.services import conferences as conference_services
from agreements.services import feedback as feedback_services
from cases.models import Case, CodeList, Stage
from cases.services.allocation import case_allocate
from cases.services.lifecycle import case_close
from cases.services.referrals import eligibility_decide, referral_register
from core import clock
from reporting.quarters import Quarter
from reporting.returns.columns import section_of
from reporting.returns.dataset import build_dataset
from tests.factories import code, offender_data, referral_case_data, victim_data

QUARTER = Quarter(dt.date(2026, 4, 1))  # April to June 2026
CALM_ANSWERS = {"worries": ["none"], "overall_satisfaction": "satisfied", "would_recommend": "yes"}


@pytest.fixture
def people(service, administrator, manager, facilitator, facilitator2, criteria) -> dict[str, Any]:
    """The home service's staff the return tests act as (use with `people = returns_support.people`)."""
    return {
        "service": service,
        "administrator": administrator,
        "manager": manager,
        "facilitator": facilitator,
        "facilitator2": facilitator2,
    }


def at(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def moment(value: dt.datetime):
    return clock.use(lambda: value)


def _equality() -> dict[str, Any]:
    return {"sex": code(CodeList.SEX, "female"), "ethnicity": code(CodeList.ETHNICITY, "white_british")}


def make_case(
    people: dict[str, Any],
    *,
    allocated_at: dt.datetime | None,
    offender: dict[str, Any] | None = None,
    victim: dict[str, Any] | None = None,
    case: dict[str, Any] | None = None,
    no_offender: bool = False,
) -> Case:
    """A case referred five days before `allocated_at`, screened, and allocated then (or never, if None)."""
    when = allocated_at or at(QUARTER.start)
    referred_on = timezone.localdate(when) - dt.timedelta(days=5)
    with moment(at(referred_on, 9)):
        new = referral_register(
            actor=people["administrator"],
            service=people["service"],
            case_data=referral_case_data(referral_date=referred_on, **(case or {})),
            offender_data=None if no_offender else offender_data(**{**_equality(), **(offender or {})}),
            victim_data=victim_data(**(victim or {})),
        )
        eligibility_decide(case=new, actor=people["manager"], eligible=True, reasons="Meets the criteria.")
    if allocated_at is not None:
        with moment(allocated_at):
            case_allocate(case=new, actor=people["manager"], lead=people["facilitator"], second=people["facilitator2"])
    new.refresh_from_db()
    return new


def close(case: Case, actor, on: dt.date, *, outcome: str = "conference", stage: str = Stage.CLOSED, reason=None):
    with moment(at(on, 16)):
        case_close(
            case=case,
            actor=actor,
            stage=stage,
            outcome_code=outcome if stage == Stage.CLOSED else None,
            reason_code=reason,
            withdrawn_by="victim" if stage == Stage.WITHDRAWN else "",
            outcome_reason="Recorded for the return test",
            closed_on=on,
        )
    case.refresh_from_db()
    return case


def held_conference(case: Case, facilitator, on: dt.date, **write_up: Any) -> Conference:
    """A conference with the case's first victim and offender, planned and then recorded as held on `on`."""
    victim, offender = case.victims.order_by("pk").first(), case.offenders.order_by("pk").first()
    conference = conference_services.conference_plan(
        case=case,
        actor=facilitator,
        data={
            "date": timezone.localdate() + dt.timedelta(days=7),
            "start_time": dt.time(10, 0),
            "venue_kind": "community",
            "venue_name": "Return test hall",
        },
        victims=[victim],
        offenders=[offender],
    )
    Conference.objects.filter(pk=conference.pk).update(status=ConferenceStatus.HELD, date=on, **write_up)
    conference.refresh_from_db()
    Case.objects.filter(pk=case.pk, stage__in=(Stage.ALLOCATED, Stage.ASSESSMENT, Stage.PREPARATION)).update(
        stage=Stage.ACTIVITY
    )
    case.refresh_from_db()
    return conference


WRITE_UP = {
    "background": "Burglary of a family home",
    "how_it_went": "Both spoke openly; the turning point was the apology",
    "lessons_learnt": "Allow more time for the break",
    "held_start_time": dt.time(10, 5),
    "held_end_time": dt.time(11, 40),
}


def feedback(participant, facilitator, conference, called_on: dt.date, answers=CALM_ANSWERS):
    return feedback_services.feedback_record(
        participant=participant, actor=facilitator, activity=conference, called_on=called_on, answers=answers
    )


def rows_by_reference(dataset, section: str = "cases") -> dict[str, dict[str, Any]]:
    data = section_of(dataset.sections, section)
    keys = [c[0] for c in data["columns"]]
    return {row[0]: dict(zip(keys, row, strict=True)) for row in data["rows"]}


def section_dicts(dataset, section: str) -> list[dict[str, Any]]:
    data = section_of(dataset.sections, section)
    keys = [c[0] for c in data["columns"]]
    return [dict(zip(keys, row, strict=True)) for row in data["rows"]]


def build(service, quarter: Quarter = QUARTER):
    return build_dataset(service=service, quarter=quarter)


IN_QUARTER = "Allocated in the quarter"
CARRIED = "Active from an earlier quarter"

"""The nightly retention job: exactly what is past its period, by the service's settings, and nothing twice."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from agreements.models import OffenderFeedback, VictimFeedback
from agreements.services.question_sets import current_question_set
from audit.models import Operation, ProcessingLogEntry
from cases.models import Case, Stage, Victim
from cases.services.allocation import case_allocate
from cases.services.lifecycle import case_close
from cases.services.referrals import eligibility_decide, referral_register
from privacy.models import Erasure, ErasureKind, RetentionKind, RetentionRun
from privacy.policy import months_before, retention_update
from privacy.retention import retention_run
from privacy.tasks import retention_nightly
from tests.factories import offender_data, referral_case_data, victim_data

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 30)
CLOSED_CUTOFF = months_before(TODAY, 72)  # 30 November 2020
REFERRAL_CUTOFF = months_before(TODAY, 24)  # 30 November 2024
FEEDBACK_CUTOFF = months_before(TODAY, 12)  # 30 November 2025
DAY = dt.timedelta(days=1)


def _ended(people, name: str, closed_on: dt.date, *, allocated: bool) -> Case:
    case = referral_register(
        actor=people["administrator"],
        service=people["service"],
        case_data=referral_case_data(referral_date=closed_on - 60 * DAY, offence_date=closed_on - 90 * DAY),
        offender_data=offender_data(last_name=f"{name}o"),
        victim_data=victim_data(last_name=f"{name}v"),
    )
    if allocated:
        eligibility_decide(case=case, actor=people["manager"], eligible=True, reasons="Meets the criteria.")
        case_allocate(case=case, actor=people["manager"], lead=people["facilitator"], second=None)
        case.refresh_from_db()
    case_close(
        case=case,
        actor=people["manager"],
        stage=Stage.NOT_PROCEEDING,
        reason_code="victim_declined",
        closed_on=closed_on,
    )
    case.refresh_from_db()
    return case


@pytest.fixture
def people(service, administrator, manager, facilitator, criteria):
    return {"service": service, "administrator": administrator, "manager": manager, "facilitator": facilitator}


@pytest.fixture
def cases(people):
    return {
        "closed_on_cutoff": _ended(people, "Keptsix", CLOSED_CUTOFF, allocated=True),
        "closed_before_cutoff": _ended(people, "Gonesix", CLOSED_CUTOFF - DAY, allocated=True),
        "allocated_three_years_ago": _ended(people, "Keptthree", REFERRAL_CUTOFF - DAY, allocated=True),
        "referral_on_cutoff": _ended(people, "Keptref", REFERRAL_CUTOFF, allocated=False),
        "referral_before_cutoff": _ended(people, "Goneref", REFERRAL_CUTOFF - DAY, allocated=False),
    }


def _feedback(model, person, called_on: dt.date, facilitator, text: str):
    return model.objects.create(
        participant=person,
        question_set=current_question_set(person.case.service),
        activity_on=called_on - 2 * DAY,
        called_on=called_on,
        answers={
            "overall_satisfaction": "satisfied",
            "could_be_better": text,
            "pleased_by": {"answer": "yes", "details": text},
        },
        satisfied=True,
        recorded_at=timezone.now(),
        recorded_by=facilitator,
    )


def _erased_cases() -> set[int]:
    return set(Erasure.objects.filter(kind=ErasureKind.CASE).values_list("object_id", flat=True))


def test_the_nightly_job_erases_exactly_what_is_past_its_period(people, cases):
    kept_case = cases["allocated_three_years_ago"]
    victim = kept_case.victims.get()
    old = _feedback(VictimFeedback, victim, FEEDBACK_CUTOFF - DAY, people["facilitator"], "Wanted a quieter room")
    recent = _feedback(
        OffenderFeedback, kept_case.offenders.get(), FEEDBACK_CUTOFF, people["facilitator"], "Liked the room"
    )

    run = retention_run(today=TODAY)

    assert _erased_cases() == {cases["closed_before_cutoff"].pk, cases["referral_before_cutoff"].pk}
    assert (run.cases_erased, run.referrals_erased, run.people_erased, run.feedback_cleared) == (1, 1, 4, 1)
    assert run.finished_at is not None and not run.more_due and run.triggered_by == "schedule"
    for key in ("closed_before_cutoff", "referral_before_cutoff"):
        assert {v.full_name for v in cases[key].victims.all()} == {"Erased"}
    for key in ("closed_on_cutoff", "allocated_three_years_ago", "referral_on_cutoff"):
        assert cases[key].victims.get().last_name.endswith("v")
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.answers == {
        "overall_satisfaction": "satisfied",
        "could_be_better": "Erased",
        "pleased_by": {"answer": "yes", "details": "Erased"},
    }
    assert old.satisfied is True
    assert {h.answers["could_be_better"] for h in old.history.all()} == {"Erased"}
    assert recent.answers["could_be_better"] == "Liked the room"
    assert ProcessingLogEntry.objects.filter(
        operation=Operation.ERASURE, object_type="VictimFeedback", object_id=old.pk
    ).exists()

    # The next day the records that were on the boundary go, and nothing is erased twice.
    again = retention_run(today=TODAY + DAY)
    assert (again.cases_erased, again.referrals_erased, again.feedback_cleared) == (1, 1, 1)
    assert _erased_cases() == {
        cases[k].pk
        for k in ("closed_before_cutoff", "referral_before_cutoff", "closed_on_cutoff", "referral_on_cutoff")
    }
    recent.refresh_from_db()
    assert recent.answers["could_be_better"] == "Erased"


def test_the_service_setting_decides_the_period(people, cases, manager):
    retention_update(
        service=people["service"], actor=manager, kind=RetentionKind.CLOSED_CASE, months=24, reason="Shorter"
    )
    retention_run(today=TODAY)
    assert cases["allocated_three_years_ago"].pk in _erased_cases()
    assert cases["closed_on_cutoff"].pk in _erased_cases()


def test_a_run_with_nothing_due_costs_a_few_queries_whatever_was_erased_before(
    people, cases, other_service, django_assert_max_num_queries
):
    retention_run(today=TODAY)
    with django_assert_max_num_queries(16):
        run = retention_run(today=TODAY)
    assert (run.cases_erased, run.referrals_erased, run.feedback_cleared) == (0, 0, 0)


def test_a_run_stops_at_its_limit_and_the_next_goes_on(people, cases):
    later = TODAY + 400 * DAY  # both closed cases six years old, both referrals two: four due, one of each per run
    first = retention_run(today=later, limit=1)
    assert first.more_due and (first.cases_erased, first.referrals_erased) == (1, 1)
    second = retention_run(today=later, limit=5)
    assert not second.more_due and (second.cases_erased, second.referrals_erased) == (1, 1)
    assert cases["allocated_three_years_ago"].pk not in _erased_cases() and len(_erased_cases()) == 4


def test_the_task_runs_the_job_and_is_scheduled_nightly(people, cases):
    pk = retention_nightly.delay(on=TODAY.isoformat()).get()
    assert RetentionRun.objects.get(pk=pk).referrals_erased == 1
    entry = django_settings.CELERY_BEAT_SCHEDULE["privacy-retention-nightly"]
    assert entry["task"] == "privacy.tasks.retention_nightly"
    assert Victim.objects.filter(case=cases["referral_before_cutoff"], first_name="Erased").exists()

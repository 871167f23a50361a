"""The dashboard's raw figures (before suppression) on a small world with known answers."""

from __future__ import annotations

import pytest

from agreements.models import OffenderFeedback, VictimFeedback
from cases.models import Code, CodeList, OffenderNeed, VictimNeed
from reporting.metrics import Scope
from reporting.metrics import dashboard as metrics
from tests.reporting import dashboard_support as support
from tests.reporting.dashboard_support import PREVIOUS, QUARTER

pytestmark = pytest.mark.django_db
fixed_clock, staff, world = support.fixed_clock, support.staff, support.world


def _code(list_name: str, value: str) -> int:
    return Code.objects.get(list_name=list_name, code=value).pk


@pytest.fixture
def scope(world, service):
    return Scope((service.pk,), QUARTER)


def test_referrals_count_in_the_quarter_of_their_referral_date(scope, service):
    police, victim_self = _code(CodeList.REFERRAL_SOURCE, "police"), _code(CodeList.REFERRAL_SOURCE, "victim_self")
    community, pre_sentence = _code(CodeList.CJ_STAGE, "community"), _code(CodeList.CJ_STAGE, "pre_sentence")
    assert metrics.referrals(scope) == {service.pk: {(police, community): 2, (victim_self, pre_sentence): 1}}
    # D was referred on 20 June: the quarter before
    assert metrics.referrals(Scope(scope.service_ids, PREVIOUS)) == {service.pk: {(police, community): 1}}


def test_the_funnel_counts_each_case_at_the_furthest_step_it_reached(scope, service):
    # A completed; B (unsuitable) and C (withdrawn) got no further than eligibility
    assert metrics.funnel(scope) == {service.pk: [0, 2, 0, 0, 0, 0, 0, 1]}


def test_attrition_is_counted_by_reason_and_who_withdrew(scope, service):
    risk = _code(CodeList.NOT_PROCEEDING, "offender_unsuitable_risk")
    declined = _code(CodeList.NOT_PROCEEDING, "victim_declined")
    assert metrics.attrition(scope) == {service.pk: {(risk, ""): 1, (declined, "victim"): 1}}


def test_conferences_held_and_indirect_work_completed_in_the_quarter(scope, service):
    assert metrics.activities(scope) == {service.pk: {"conference": 1, "letter_of_apology": 1}}


def test_outcomes_of_the_cases_that_ended(scope, service):
    conference, stopped = _code(CodeList.OUTCOME, "conference"), _code(CodeList.OUTCOME, "not_proceeding")
    assert metrics.outcomes(scope) == {service.pk: {conference: 1, stopped: 2}}


def test_agreements_and_their_items(scope, service):
    assert metrics.agreements(scope) == {service.pk: {"agreed": 1, "completed": 0}}
    # items 1 to 4 are due in the quarter; item 5 in October
    assert metrics.items(scope) == {service.pk: {"done": 2, "on_time": 1, "partly": 0, "not_done": 1, "open": 1}}


def test_timeliness_medians(scope, service):
    first = metrics.referral_to_first_contact(scope)
    # A: 1 July to 6 July (5 days); B: 15 July to 1 August (17 days; the attempt on 20 July does not count)
    assert (first.median, first.count, first.per_service) == (11.0, 2, {service.pk: 2})
    activity = metrics.referral_to_activity(scope)
    # A: conference on 5 August (35 days); D: letter started 10 July, referred 20 June (20 days)
    assert (activity.median, activity.count) == (27.5, 2)
    closure = metrics.referral_to_closure(scope)
    # A 81 days, B 31, C 31
    assert (closure.median, closure.count) == (31.0, 3)


def test_within_standard_counts(scope, service):
    # A contacted 16 days after sentence (within 21); B 31 days after
    found = metrics.offender_first_contact(scope)
    assert (found.per_service, found.within) == ({service.pk: 2}, {service.pk: 1})
    # the person responsible's copy went out after the due date
    assert metrics.copies_on_time(scope) == {service.pk: {"total": 1, "on_time": 0}}
    # 5 contacts and attempts in the quarter; B's contact of 1 August was logged two days later
    assert metrics.contacts_logged(scope) == {
        (service.pk, "victim"): {"total": 2, "on_time": 2},
        (service.pk, "offender"): {"total": 3, "on_time": 2},
    }


def test_feedback_counts(scope, service):
    victims = metrics.feedback(scope, VictimFeedback)[service.pk]
    assert victims == {
        "calls": 1, "on_time": 1, "satisfied_yes": 1, "satisfied_asked": 1, "recommend_yes": 1, "recommend_asked": 1,
    }  # fmt: skip
    offenders = metrics.feedback(scope, OffenderFeedback)[service.pk]
    assert [offenders[k] for k in ("on_time", "satisfied_yes", "recommend_yes", "recommend_asked")] == [0, 1, 0, 1]


def test_needs_and_safeguarding(scope, service):
    interpreter, travel = _code(CodeList.NEED, "interpreter"), _code(CodeList.NEED, "travel_costs")
    assert metrics.needs(scope, VictimNeed) == {service.pk: {(interpreter, True): 1, (interpreter, False): 0}}
    assert metrics.needs(scope, OffenderNeed) == {service.pk: {(travel, True): 0, (travel, False): 1}}
    assert metrics.safeguarding(scope) == {service.pk: {("police", "other", True): 1, ("police", "other", False): 0}}


def test_equality_groups_people_on_cases_that_ended(scope, service):
    from cases.models import Victim

    found = metrics.equality(scope, Victim)[service.pk]
    # A's person harmed: White (Irish), female, born 1975 (50 on 30 September 2026), completed
    assert found[("White", "white_irish", "female", None, "45_54", True)] == 1
    assert sum(found.values()) == 3
    assert sum(n for key, n in found.items() if not key[5]) == 2


def test_other_services_are_never_counted(world, other_service):
    scope = Scope((other_service.pk,), QUARTER)
    assert metrics.funnel(scope) == {other_service.pk: [1, 0, 0, 0, 0, 0, 0, 0]}
    assert metrics.activities(scope) == {}

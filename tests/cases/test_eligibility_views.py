"""Screening against the targeting criteria, exceptional-circumstances approval and the criteria settings."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from cases.models import Case, CodeList, EligibilityDecision, ExceptionalStatus, Stage, TargetingCriteria
from cases.services.referrals import criteria_publish, eligibility_decide, referral_register
from tests.factories import VICTIM_MARKERS, code, offender_data, referral_case_data, victim_data

pytestmark = pytest.mark.django_db

DECIDE_YES = {"eligible": "yes", "reasons": "Meets every criterion."}


def screen_url(case: Case) -> str:
    return reverse("cases:eligibility", args=[case.pk])


def exceptional_url(case: Case) -> str:
    return reverse("cases:exceptional", args=[case.pk])


def register(service, actor, *, case_overrides=None, offender_overrides=None) -> Case:
    return referral_register(
        actor=actor,
        service=service,
        case_data=referral_case_data(**(case_overrides or {})),
        offender_data=offender_data(**(offender_overrides or {})),
        victim_data=victim_data(),
    )


@pytest.fixture
def flagged_case(service, administrator, criteria):
    return register(
        service, administrator, case_overrides={"flag_domestic_abuse": True, "police_reference": "TS/DA/1"},
        offender_overrides={"pnc_id": "77/777777D", "crn": "D777777", "last_name": "Flagged"},
    )  # fmt: skip


@pytest.fixture
def awaiting_case(flagged_case, administrator):
    eligibility_decide(case=flagged_case, actor=administrator, eligible=True, reasons="Exceptional case.")
    return flagged_case


# --- Screening ------------------------------------------------------------------------------------


def test_screening_page_shows_the_criteria_in_force_and_each_check(as_user, administrator, referred_case):
    response = as_user(administrator).get(screen_url(referred_case))
    html = response.content.decode()
    assert response.status_code == 200
    assert "targeting criteria version 1" in html
    assert "An identifiable person was personally harmed" in html
    assert "The offence is in scope" in html
    assert "Met" in html
    assert 'name="eligible"' in html
    assert referred_case.reference in html


def test_screening_records_the_criteria_version_who_and_why(as_user, manager, referred_case, criteria):
    response = as_user(manager).post(screen_url(referred_case), DECIDE_YES)
    assert response.status_code == 302
    assert response["Location"] == screen_url(referred_case)
    decision = EligibilityDecision.objects.get(case=referred_case)
    assert decision.criteria == criteria
    assert decision.decided_by == manager
    assert decision.reasons == "Meets every criterion."
    assert decision.eligible is True
    referred_case.refresh_from_db()
    assert referred_case.stage == Stage.ELIGIBILITY
    after = as_user(manager).get(screen_url(referred_case)).content.decode()
    assert "Eligible" in after
    assert "Version 1" in after
    assert 'name="eligible"' not in after


def test_not_eligible_stops_the_case(as_user, administrator, referred_case):
    response = as_user(administrator).post(screen_url(referred_case), {"eligible": "no", "reasons": "Out of area."})
    assert response.status_code == 302
    referred_case.refresh_from_db()
    assert referred_case.stage == Stage.NOT_PROCEEDING


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"reasons": "Fine."}, "Choose yes if the case is eligible, or no if it is not"),
        ({"eligible": "yes", "reasons": ""}, "Enter the reasons for your decision"),
        ({"eligible": "yes", "reasons": "   "}, "Enter the reasons for your decision"),
        ({"eligible": "maybe", "reasons": "Fine."}, "Select a valid choice"),
    ],
)
def test_bad_screening_input_is_refused(as_user, manager, referred_case, data, message):
    response = as_user(manager).post(screen_url(referred_case), data)
    html = response.content.decode()
    assert response.status_code == 422
    assert message in html
    assert "<title>Error: " in html
    assert not EligibilityDecision.objects.exists()


def test_screening_without_published_criteria_says_so(as_user, administrator, service):
    case = register(service, administrator)
    html = as_user(administrator).get(screen_url(case)).content.decode()
    assert "has not published targeting criteria" in html
    assert reverse("cases:criteria") in html
    assert 'name="eligible"' not in html
    response = as_user(administrator).post(screen_url(case), DECIDE_YES)
    assert response.status_code == 422
    assert "has not published targeting criteria" in response.content.decode()
    assert not EligibilityDecision.objects.exists()


def test_a_screened_case_cannot_be_screened_again(as_user, manager, referred_case):
    as_user(manager).post(screen_url(referred_case), DECIDE_YES)
    response = as_user(manager).post(screen_url(referred_case), DECIDE_YES)
    assert response.status_code == 422
    assert "already been screened" in response.content.decode()
    assert EligibilityDecision.objects.count() == 1


def test_flags_warn_that_a_manager_must_approve(as_user, administrator, flagged_case):
    html = as_user(administrator).get(screen_url(flagged_case)).content.decode()
    assert "Domestic abuse" in html
    assert "needs a manager's approval for exceptional circumstances" in html


def test_youth_offender_is_flagged_for_the_youth_justice_route(as_user, administrator, service, criteria):
    case = register(
        service, administrator, offender_overrides={"date_of_birth": dt.date(2010, 1, 1), "pnc_id": "", "crn": ""},
        case_overrides={"police_reference": "TS/YOUTH/1"},
    )  # fmt: skip
    html = as_user(administrator).get(screen_url(case)).content.decode()
    assert "aged 15 to 17: youth justice route" in html
    as_user(administrator).post(screen_url(case), DECIDE_YES)
    decision = EligibilityDecision.objects.get(case=case)
    assert decision.youth_route is True
    assert decision.exceptional_status == ExceptionalStatus.AWAITING


def test_screening_lists_other_open_cases_for_the_same_offender(as_user, manager, service, administrator, criteria):
    first = register(service, administrator)
    second = register(service, administrator, case_overrides={"police_reference": "TS/OTHER/2"})
    html = as_user(manager).get(screen_url(second)).content.decode()
    assert "Possible duplicates" in html
    assert first.reference in html
    assert "Same PNC ID" in html
    assert html.count(second.reference) >= 1
    lone = register(
        service, administrator, case_overrides={"police_reference": "TS/LONE/3"},
        offender_overrides={"pnc_id": "11/111111L", "crn": "L1", "last_name": "Lone"},
    )  # fmt: skip
    assert "Possible duplicates" not in as_user(manager).get(screen_url(lone)).content.decode()


@pytest.mark.parametrize(
    "persona", ["facilitator", "commissioner", "offender_manager", "vlo", "other_manager", "unallocated_facilitator"]
)
def test_outsiders_cannot_open_screening(as_user, request, referred_case, persona):
    user = request.getfixturevalue(persona)
    assert as_user(user).get(screen_url(referred_case)).status_code == 404
    assert as_user(user).post(screen_url(referred_case), DECIDE_YES).status_code == 404
    assert not EligibilityDecision.objects.exists()


def test_screening_refuses_other_methods(as_user, manager, referred_case):
    assert as_user(manager).put(screen_url(referred_case)).status_code == 405
    assert as_user(manager).delete(screen_url(referred_case)).status_code == 405


def test_screening_pages_never_show_victim_details_to_administrators(as_user, administrator, referred_case):
    html = as_user(administrator).get(screen_url(referred_case)).content.decode()
    for value in VICTIM_MARKERS.values():
        assert value not in html


# --- Exceptional circumstances ----------------------------------------------------------------------


def test_flagged_eligible_case_waits_for_a_manager(as_user, administrator, flagged_case):
    response = as_user(administrator).post(screen_url(flagged_case), DECIDE_YES)
    assert response.status_code == 302
    decision = EligibilityDecision.objects.get(case=flagged_case)
    assert decision.exceptional_status == ExceptionalStatus.AWAITING
    flagged_case.refresh_from_db()
    assert flagged_case.stage == Stage.REFERRAL


def test_manager_approves_exceptional_circumstances(as_user, manager, awaiting_case):
    page = as_user(manager).get(exceptional_url(awaiting_case))
    html = page.content.decode()
    assert page.status_code == 200
    assert "exceptional circumstances" in html
    assert "specialist facilitator" in html
    assert "coerced" in html
    assert 'name="rationale"' in html
    screening = as_user(manager).get(screen_url(awaiting_case)).content.decode()
    assert exceptional_url(awaiting_case) in screening
    assert 'name="eligible"' not in screening
    again = as_user(manager).post(screen_url(awaiting_case), DECIDE_YES)
    assert again.status_code == 422
    assert EligibilityDecision.objects.filter(case=awaiting_case).count() == 1
    response = as_user(manager).post(
        exceptional_url(awaiting_case), {"approve": "approve", "rationale": "Specialist facilitator available."}
    )
    assert response.status_code == 302
    awaiting_case.refresh_from_db()
    assert awaiting_case.stage == Stage.ELIGIBILITY
    decision = EligibilityDecision.objects.get(case=awaiting_case)
    assert decision.exceptional_status == ExceptionalStatus.APPROVED
    assert decision.exceptional_decided_by == manager
    assert decision.exceptional_rationale == "Specialist facilitator available."


def test_manager_refuses_exceptional_circumstances(as_user, manager, awaiting_case):
    response = as_user(manager).post(
        exceptional_url(awaiting_case), {"approve": "refuse", "rationale": "Risk of coercion."}
    )
    assert response.status_code == 302
    awaiting_case.refresh_from_db()
    assert awaiting_case.stage == Stage.NOT_PROCEEDING
    assert EligibilityDecision.objects.get(case=awaiting_case).exceptional_status == ExceptionalStatus.REFUSED


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"rationale": "Because."}, "Choose whether to approve or refuse"),
        ({"approve": "approve", "rationale": ""}, "Enter the reasons for your decision"),
        ({"approve": "approve", "rationale": "  "}, "Enter the reasons for your decision"),
    ],
)
def test_bad_exceptional_input_is_refused(as_user, manager, awaiting_case, data, message):
    response = as_user(manager).post(exceptional_url(awaiting_case), data)
    assert response.status_code == 422
    assert message in response.content.decode()
    decision = EligibilityDecision.objects.get(case=awaiting_case)
    assert decision.exceptional_status == ExceptionalStatus.AWAITING


def test_nothing_to_decide_is_said_plainly(as_user, manager, referred_case):
    html = as_user(manager).get(exceptional_url(referred_case)).content.decode()
    assert "no decision waiting" in html
    assert (
        as_user(manager).post(exceptional_url(referred_case), {"approve": "approve", "rationale": "x"}).status_code
        == 404
    )


def test_a_decided_case_cannot_be_decided_again(as_user, manager, awaiting_case):
    data = {"approve": "approve", "rationale": "Fine."}
    as_user(manager).post(exceptional_url(awaiting_case), data)
    response = as_user(manager).post(exceptional_url(awaiting_case), data)
    assert response.status_code == 422
    assert "already been made" in response.content.decode()


@pytest.mark.parametrize(
    "persona", ["administrator", "facilitator", "commissioner", "offender_manager", "vlo", "other_manager"]
)
def test_outsiders_cannot_decide_exceptional_circumstances(as_user, request, awaiting_case, persona):
    user = request.getfixturevalue(persona)
    assert as_user(user).get(exceptional_url(awaiting_case)).status_code == 404
    data = {"approve": "approve", "rationale": "x"}
    assert as_user(user).post(exceptional_url(awaiting_case), data).status_code == 404
    assert EligibilityDecision.objects.get(case=awaiting_case).exceptional_status == ExceptionalStatus.AWAITING


def test_exceptional_refuses_other_methods(as_user, manager, awaiting_case):
    assert as_user(manager).put(exceptional_url(awaiting_case)).status_code == 405


# --- Targeting criteria ---------------------------------------------------------------------------

CRITERIA = reverse("cases:criteria")
CRITERIA_NEW = reverse("cases:criteria_new")


def criteria_post(**overrides: object) -> dict[str, object]:
    data = {
        "requires_identifiable_victim": "yes",
        "offences_in_scope": [str(code(CodeList.OFFENCE, "robbery").pk)],
        "minimum_seriousness": "high",
        "tiers_in_scope": [str(code(CodeList.TIER, "4").pk)],
        "tier_2_if_at_risk_of_custody": "no",
        "notes": "Robbery only this year.",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_criteria_page_lists_versions_and_the_current_content(as_user, administrator, criteria):
    response = as_user(administrator).get(CRITERIA)
    html = response.content.decode()
    assert response.status_code == 200
    assert "In force: version 1" in html
    assert "Residential burglary" in html
    assert "Tier 3" in html
    assert reverse("cases:criteria_detail", args=[1]) in html


def test_criteria_page_without_versions_says_what_to_do(as_user, administrator):
    html = as_user(administrator).get(CRITERIA).content.decode()
    assert "No targeting criteria have been published yet" in html


def test_new_version_is_prefilled_from_the_current_one(as_user, administrator, criteria):
    html = as_user(administrator).get(CRITERIA_NEW).content.decode()
    assert "This will be version 2" in html
    tier_3 = code(CodeList.TIER, "3").pk
    assert f'value="{tier_3}" checked' in html


def test_publishing_keeps_older_versions_and_their_decisions(as_user, administrator, manager, referred_case, criteria):
    eligibility_decide(case=referred_case, actor=manager, eligible=True, reasons="Fits.")
    response = as_user(administrator).post(CRITERIA_NEW, criteria_post())
    assert response.status_code == 302
    assert response["Location"] == CRITERIA
    v2 = TargetingCriteria.objects.get(service=criteria.service, version=2)
    assert v2.created_by == administrator
    assert v2.minimum_seriousness == "high"
    assert list(v2.offences_in_scope.values_list("code", flat=True)) == ["robbery"]
    assert EligibilityDecision.objects.get(case=referred_case).criteria.version == 1
    criteria.refresh_from_db()
    assert criteria.offences_in_scope.count() == 20
    old = as_user(administrator).get(reverse("cases:criteria_detail", args=[1])).content.decode()
    assert "Replaced" in old
    assert "1 screening decision was made against this version" in old
    assert "Residential burglary" in old
    new = as_user(administrator).get(reverse("cases:criteria_detail", args=[2])).content.decode()
    assert "In force" in new
    assert "Robbery only this year." in new


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"minimum_seriousness": None}, "Choose the lowest seriousness accepted"),
        ({"requires_identifiable_victim": None}, "Choose yes or no"),
        ({"offences_in_scope": ["999999"]}, "Select a valid choice"),
    ],
)
def test_bad_criteria_are_refused(as_user, administrator, criteria, overrides, message):
    response = as_user(administrator).post(CRITERIA_NEW, criteria_post(**overrides))
    html = response.content.decode()
    assert response.status_code == 422
    assert message in html
    assert "<title>Error: " in html
    assert "Robbery only this year." in html
    assert TargetingCriteria.objects.count() == 1


def test_first_version_can_be_published(as_user, administrator, service):
    assert "This will be the first version" in as_user(administrator).get(CRITERIA_NEW).content.decode()
    assert as_user(administrator).post(CRITERIA_NEW, criteria_post()).status_code == 302
    assert TargetingCriteria.objects.get(service=service).version == 1


@pytest.mark.parametrize("persona", ["manager", "facilitator", "commissioner", "offender_manager", "vlo"])
def test_only_administrators_configure_criteria(as_user, request, criteria, persona):
    client = as_user(request.getfixturevalue(persona))
    for url in (CRITERIA, CRITERIA_NEW, reverse("cases:criteria_detail", args=[1])):
        assert client.get(url).status_code == 404
    assert client.post(CRITERIA_NEW, criteria_post()).status_code == 404
    assert TargetingCriteria.objects.count() == 1


def test_administrator_cannot_see_another_services_criteria(as_user, other_service, manager, criteria):
    from tests.factories import UserFactory

    other_admin = UserFactory(username="adm_other", role="administrator", service=other_service)
    assert as_user(other_admin).get(reverse("cases:criteria_detail", args=[1])).status_code == 404
    assert "No targeting criteria" in as_user(other_admin).get(CRITERIA).content.decode()


def test_missing_version_is_404(as_user, administrator, criteria):
    assert as_user(administrator).get(reverse("cases:criteria_detail", args=[9])).status_code == 404


def test_criteria_pages_refuse_other_methods(as_user, administrator, criteria):
    client = as_user(administrator)
    assert client.post(CRITERIA).status_code == 405
    assert client.put(CRITERIA_NEW).status_code == 405
    assert client.post(reverse("cases:criteria_detail", args=[1])).status_code == 405


@pytest.mark.parametrize("versions", [5, 50])
def test_criteria_list_query_count_does_not_grow(
    as_user, administrator, service, versions, django_assert_max_num_queries
):
    offences = list(TargetingCriteria._meta.get_field("offences_in_scope").related_model.objects.filter(
        list_name=CodeList.OFFENCE)[:3])  # fmt: skip
    for _ in range(versions):
        criteria_publish(service=service, actor=administrator, data={"offences_in_scope": offences})
    client = as_user(administrator)
    with django_assert_max_num_queries(12):
        response = client.get(CRITERIA)
    assert response.status_code == 200
    assert response.content.decode().count("criteria/") >= min(versions, 25)

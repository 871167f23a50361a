"""A facilitator completes a pre-conference risk assessment; the RJ manager returns it, then approves it;
the conference can then be confirmed."""

from __future__ import annotations

import pytest

from core.demo import DEMO_PASSWORD
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _seeded_codes(transactional_db):
    """An earlier transactional test flushes the codes seeded by migration; the referral needs them."""
    from cases.code_seed import load_codes
    from cases.models import Code

    load_codes(Code)


@pytest.fixture
def allocated_case(demo_users):
    from cases.services.allocation import case_allocate
    from cases.services.referrals import eligibility_decide, referral_register
    from tests.factories import criteria_for, offender_data, referral_case_data, victim_data

    manager = demo_users["manager"]
    criteria_for(manager.service, manager)
    case = referral_register(
        actor=demo_users["admin"],
        service=manager.service,
        case_data=referral_case_data(),
        offender_data=offender_data(offender_manager=demo_users["offender_manager"]),
        victim_data=victim_data(),
    )
    eligibility_decide(case=case, actor=manager, eligible=True, reasons="Meets the criteria.")
    case_allocate(case=case, actor=manager, lead=demo_users["facilitator"], second=demo_users["facilitator2"])
    return case


@pytest.fixture
def planned_conference(demo_users, allocated_case):
    """The person harmed already has an approved pre-conference assessment; a conference is planned."""
    import datetime as dt

    from agreements.services.conferences import conference_plan
    from risk.services.assessments import assessment_approve, assessment_start, assessment_submit, assessment_update

    writer = demo_users["facilitator2"]
    victim = allocated_case.victims.get()
    victim_assessment = assessment_start(
        case=allocated_case, actor=writer, subject="victim", person=victim, point="pre_conference"
    )
    assessment_update(
        assessment=victim_assessment,
        actor=writer,
        answers={a.item_id: (False, "") for a in victim_assessment.answers.all()},
        data={"rating": "low", "rating_reasons": "Well supported", "management_plan": "Usual plan",
              "facilitator_ratio": "2 to 4"},
    )  # fmt: skip
    assessment_submit(assessment=victim_assessment, actor=writer)
    assessment_approve(assessment=victim_assessment, actor=demo_users["manager"])
    return conference_plan(
        case=allocated_case,
        actor=writer,
        data={"date": dt.date.today() + dt.timedelta(days=21), "start_time": dt.time(10, 0),
              "venue_name": "Northtown Community Centre", "venue_kind": "community"},
        victims=[victim],
        offenders=list(allocated_case.offenders.all()),
    )  # fmt: skip


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login/")


def success_banner(page) -> str:
    return page.locator(".govuk-notification-banner--success").inner_text()


def open_from_queue(page, reference: str) -> None:
    page.goto("/risk/approvals/")
    assert page.get_by_role("heading", level=1).inner_text() == "Assessments waiting for approval"
    page.locator("main table").get_by_role("link", name=reference).click()
    page.wait_for_load_state("load")


def test_pre_conference_assessment_is_returned_then_approved(page, demo_users, allocated_case, planned_conference):
    from risk.models import AssessmentStatus, RiskAssessment

    reference = allocated_case.reference

    # The conference cannot be confirmed yet: the person responsible has no approved assessment.
    sign_in(page, "facilitator", DEMO_PASSWORD)
    page.goto(f"/agreements/conferences/{planned_conference.pk}/confirm/")
    assert "no pre-conference risk assessment" in page.locator("main").inner_text()
    assert page.get_by_role("button", name="Confirm the conference").count() == 0

    # The facilitator starts the assessment from the case's Assessments tab and completes it.
    page.goto(f"/risk/cases/{allocated_case.pk}/")
    assert page.get_by_role("heading", name="Assessments", level=2).is_visible()
    page.get_by_role("button", name="Start a pre-conference assessment (person responsible)").click()
    page.wait_for_load_state("load")
    assert "Pre-conference risk assessment" in page.get_by_role("heading", level=1).inner_text()

    page.get_by_role("button", name="Submit for approval").click()
    page.wait_for_load_state("load")
    assert page.title().startswith("Error: ")
    assert page.locator(".govuk-error-summary").is_visible()

    radios = page.locator("input[type=radio][value=no][name^=item_]")
    assert radios.count() > 5
    for index in range(radios.count()):
        radios.nth(index).check()
    page.get_by_role("radio", name="Medium").check()
    page.get_by_label("Reasons for this rating").fill("Some tension between them; both want to meet.")
    page.get_by_label("Risk management plan").fill("Separate waiting rooms and staggered arrival.")
    page.get_by_label("Facilitators to attendees").fill("2 to 4")
    page.get_by_label("Discussed with the RJ manager").check()
    page.get_by_role("button", name="Submit for approval").click()
    page.wait_for_load_state("load")
    assert "Risk assessment submitted for approval" in success_banner(page)
    sign_out(page)

    # The manager finds it in the queue and returns it with a comment.
    sign_in(page, "manager", DEMO_PASSWORD)
    open_from_queue(page, reference)
    assert page.locator(".govuk-tag", has_text="Medium risk").first.is_visible()
    page.get_by_role("button", name="Return with comments").click()
    page.wait_for_load_state("load")
    assert page.title().startswith("Error: ")
    page.get_by_label("What needs to change").fill("Say who will meet them at the door.")
    page.get_by_role("button", name="Return with comments").click()
    page.wait_for_load_state("load")
    assert "returned with comments" in success_banner(page)
    sign_out(page)

    # The facilitator changes the plan and submits it again.
    sign_in(page, "facilitator", DEMO_PASSWORD)
    assessment = RiskAssessment.objects.get(case=allocated_case, subject="offender")
    page.goto(f"/risk/assessments/{assessment.pk}/")
    assert "Say who will meet them at the door." in page.locator("main").inner_text()
    page.get_by_role("button", name="Change the assessment").click()
    page.wait_for_load_state("load")
    page.get_by_label("Risk management plan").fill("Separate waiting rooms; the second facilitator meets them.")
    page.get_by_role("button", name="Submit for approval").click()
    page.wait_for_load_state("load")
    assert "Risk assessment submitted for approval" in success_banner(page)
    sign_out(page)

    # The manager approves it.
    sign_in(page, "manager", DEMO_PASSWORD)
    open_from_queue(page, reference)
    page.get_by_role("button", name="Approve").click()
    page.wait_for_load_state("load")
    assert "approved" in success_banner(page)
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.APPROVED
    page.goto("/risk/approvals/")
    assert "There are no assessments waiting" in page.locator("main").inner_text()
    sign_out(page)

    # Everyone attending now has a current approved assessment: the conference can be confirmed.
    sign_in(page, "facilitator", DEMO_PASSWORD)
    page.goto(f"/agreements/conferences/{planned_conference.pk}/confirm/")
    page.get_by_role("button", name="Confirm the conference").click()
    page.wait_for_load_state("load")
    planned_conference.refresh_from_db()
    assert planned_conference.status == "confirmed"

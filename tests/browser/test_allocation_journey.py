"""A manager allocates an eligible case; the facilitator finds it in My work."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.demo import DEMO_PASSWORD
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _seeded_codes(transactional_db):
    """An earlier transactional test flushes the codes seeded by migration; the demo and the referral need them."""
    from cases.code_seed import load_codes
    from cases.models import Code

    load_codes(Code)


@pytest.fixture
def eligible_case(demo_users):
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
    return case


def test_manager_allocates_and_facilitator_sees_the_case(page, demo_users, eligible_case):
    reference = eligible_case.reference
    sign_in(page, "manager", DEMO_PASSWORD)
    page.goto("/cases/unallocated/")
    assert page.get_by_role("heading", level=1).inner_text() == "Cases waiting for facilitators"
    page.get_by_role("link", name=f"Allocate {reference}").click()
    page.wait_for_load_state("load")

    page.get_by_role("radio", name="Fern Fictional").check()
    page.get_by_label("Second facilitator").select_option(str(demo_users["facilitator2"].pk))
    page.get_by_role("button", name="Allocate case").click()
    page.wait_for_load_state("load")

    banner = page.locator(".govuk-notification-banner--success")
    assert banner.is_visible()
    assert f"Case {reference} allocated to Fern Fictional and Felix Madeup" in banner.inner_text()
    assert page.get_by_role("link", name=f"Allocate {reference}").count() == 0

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login/")
    sign_in(page, "facilitator", DEMO_PASSWORD)
    page.goto("/cases/my-work/")
    assert page.get_by_role("heading", level=1).inner_text() == "My work"
    my_cases = page.locator("main table").last
    assert reference in my_cases.inner_text()
    assert f"Make first contact on {reference}" in page.locator("main").inner_text()


def test_case_lists_stage_and_close_pages_are_accessible(page, demo_users, eligible_case):
    from cases.services.allocation import case_allocate

    reference = eligible_case.reference
    case_allocate(
        case=eligible_case,
        actor=demo_users["manager"],
        lead=demo_users["facilitator"],
        second=demo_users["facilitator2"],
    )
    sign_in(page, "manager", DEMO_PASSWORD)
    page.goto("/cases/")
    page.get_by_role("checkbox", name="Allocated").check()
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_load_state("load")
    assert reference in page.locator("main table").inner_text()
    download_link = page.get_by_role("link", name="Download these cases as CSV")
    assert download_link.get_attribute("href") == "/cases/export.csv?stage=allocated"
    with page.expect_download() as started:
        download_link.click()
    download = started.value
    assert re.fullmatch(r"[A-Z]+-cases-\d{4}-\d{2}-\d{2}\.csv", download.suggested_filename)
    exported = Path(download.path()).read_text(encoding="utf-8-sig")
    assert reference in exported and "Offendertest" not in exported
    page.goto("/cases/search/")
    page.get_by_label("Search by case reference or name").fill("Offendertest")
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_load_state("load")
    assert "Person responsible" in page.locator("main table").inner_text()

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login/")
    sign_in(page, "facilitator", DEMO_PASSWORD)
    page.goto(f"/cases/{eligible_case.pk}/stage/")
    page.get_by_role("button", name="Change stage").click()
    page.wait_for_load_state("load")
    assert page.locator(".govuk-error-summary").is_visible()
    page.get_by_role("radio", name="Assessment").check()
    page.get_by_role("button", name="Change stage").click()
    page.wait_for_load_state("load")
    assert "moved from Allocated to Assessment" in page.locator(".govuk-notification-banner").inner_text()
    page.goto(f"/cases/{eligible_case.pk}/close/")
    page.get_by_role("button", name="Close case").click()
    page.wait_for_load_state("load")
    assert "Select how the case ends" in page.locator(".govuk-error-summary").inner_text()

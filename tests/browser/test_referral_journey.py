"""An administrator registers a referral in the browser, then screens it."""

from __future__ import annotations

import re

import pytest

from core.demo import DEMO_PASSWORD
from tests.browser.conftest import sign_in
from tests.factories import criteria_for

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _coded_lists(transactional_db):
    """A live-server test empties every table afterwards, the coded lists a migration seeds among them."""
    from cases.code_seed import load_codes
    from cases.models import Code

    load_codes(Code)


def test_administrator_registers_a_referral_and_screens_it(page, demo_users):
    admin = demo_users["admin"]
    criteria = criteria_for(admin.service, admin)
    sign_in(page, "admin", DEMO_PASSWORD)

    page.goto("/cases/settings/criteria/")
    assert f"In force: version {criteria.version}" in page.locator("main").inner_text()
    page.get_by_role("link", name=f"Version {criteria.version}", exact=True).click()
    page.wait_for_load_state("load")
    assert "In force" in page.get_by_role("heading", level=1).inner_text()
    page.goto("/cases/settings/criteria/new/")
    assert f"This will be version {criteria.version + 1}" in page.locator("main").inner_text()

    page.goto("/cases/referrals/new/")
    assert page.get_by_role("heading", level=1).inner_text() == "Register a referral"

    # About the referral: the date defaults to today.
    page.get_by_label("Where the referral came from").select_option(label="Police")
    page.get_by_role("group", name="Who asked for restorative justice").get_by_label("An agency").check()
    page.get_by_role("group", name="Criminal justice stage").get_by_label("Community sentence").check()
    page.get_by_role("group", name="Is taking part statutory or voluntary?").get_by_label("Voluntary").check()
    page.get_by_label("Referrer's name").fill("Pat Police")

    # The offence.
    page.get_by_label("Main offence", exact=True).select_option(label="Residential burglary")
    page.get_by_role("group", name="Seriousness").get_by_label("Medium").check()
    page.get_by_label("Police or offence reference").fill("NS/BROWSER/1")

    # First, a mistake: the person harmed's email is not an email address.
    page.locator("#id_offender-first_name").fill("Bertie")
    page.locator("#id_offender-last_name").fill("Browsertest")
    page.locator("#id_offender-pnc_id").fill("99/424242Z")
    page.locator("#id_victim-first_name").fill("Wendy")
    page.locator("#id_victim-last_name").fill("Webharmed")
    page.locator("#id_victim-email").fill("not an email")
    page.get_by_role("button", name="Register referral").click()
    page.wait_for_load_state("load")

    summary = page.locator(".govuk-error-summary")
    assert "Enter an email address in the correct format" in summary.inner_text()
    assert page.title().startswith("Error: ")
    assert page.locator("#id_offender-last_name").input_value() == "Browsertest"

    page.locator("#id_victim-email").fill("wendy@example.test")
    page.get_by_role("button", name="Register referral").click()
    page.wait_for_load_state("load")

    panel = page.locator(".govuk-panel--confirmation")
    assert "Referral registered" in panel.inner_text()
    reference = re.search(r"NS-\d{4}-\d{5}", panel.inner_text())
    assert reference is not None

    # Screening against the criteria in force.
    page.get_by_role("button", name="Screen this referral").click()
    page.wait_for_load_state("load")
    assert reference.group(0) in page.get_by_role("heading", level=1).inner_text()
    assert f"targeting criteria version {criteria.version}," in page.locator("main").inner_text()
    page.get_by_role("group", name="Does the case meet the targeting criteria?").get_by_label("Yes").check()
    page.get_by_label("Reasons for your decision").fill("A burglary with an identifiable person harmed.")
    page.get_by_role("button", name="Save screening decision").click()
    page.wait_for_load_state("load")

    banner = page.locator(".govuk-notification-banner--success")
    assert "eligible and ready to allocate" in banner.inner_text()
    assert "Eligible" in page.locator(".govuk-summary-list").first.inner_text()


def test_duplicate_warning_lets_the_administrator_add_to_the_existing_case(page, demo_users):
    from cases.services.referrals import referral_register
    from tests.factories import offender_data, referral_case_data

    admin = demo_users["admin"]
    existing = referral_register(
        actor=admin,
        service=admin.service,
        case_data=referral_case_data(police_reference="NS/DUP/1"),
        offender_data=offender_data(pnc_id="99/515151D", crn="", last_name="Duplicatetest"),
        victim_data=None,
    )
    sign_in(page, "admin", DEMO_PASSWORD)
    page.goto("/cases/referrals/new/")
    page.get_by_label("Where the referral came from").select_option(label="Police")
    page.get_by_role("group", name="Who asked for restorative justice").get_by_label("An agency").check()
    page.get_by_role("group", name="Criminal justice stage").get_by_label("Custody").check()
    page.get_by_role("group", name="Is taking part statutory or voluntary?").get_by_label("Voluntary").check()
    page.get_by_label("Main offence", exact=True).select_option(label="Robbery")
    page.locator("#id_offender-first_name").fill("Oscar")
    page.locator("#id_offender-last_name").fill("Duplicatetest")
    page.locator("#id_offender-pnc_id").fill("99/515151D")
    page.locator("#id_victim-first_name").fill("Hattie")
    page.locator("#id_victim-last_name").fill("Harmedtwice")
    page.get_by_role("button", name="Register referral").click()
    page.wait_for_load_state("load")

    warning = page.locator("#possible-duplicates")
    assert existing.reference in warning.inner_text()
    assert "Same PNC ID" in warning.inner_text()
    page.get_by_role("button", name=f"Add to this case instead ({existing.reference})").click()
    page.wait_for_load_state("load")

    banner = page.locator(".govuk-notification-banner--success")
    assert f"added to case {existing.reference}" in banner.inner_text()
    assert existing.victims.get().last_name == "Harmedtwice"

"""A facilitator logs contacts on the victim's record without the page reloading;
the offender manager then follows the case and sees nothing about the victim."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from core.demo import DEMO_PASSWORD
from tests.browser.conftest import sign_in
from tests.factories import VICTIM_MARKERS

pytestmark = pytest.mark.browser


@pytest.fixture
def allocated_case(demo_users):
    from cases.code_seed import load_codes
    from cases.models import Code
    from cases.services.allocation import case_allocate
    from cases.services.referrals import eligibility_decide, referral_register
    from tests.factories import criteria_for, offender_data, referral_case_data, victim_data

    load_codes(Code)  # a transactional test before this one may have flushed the seeded codes
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


def test_facilitator_logs_contacts_in_place_and_the_offender_manager_sees_no_victim(page, demo_users, allocated_case):
    from cases.models import Code

    victim = allocated_case.victims.get()
    phone = Code.objects.get(list_name="contact_type", code="phone")
    sign_in(page, "facilitator", DEMO_PASSWORD)
    page.goto(f"/cases/victims/{victim.pk}/")
    expect(page.locator(".app-side-banner--victim")).to_be_visible()
    expect(page.locator("#contacts-empty")).to_be_visible()
    page.evaluate("() => { window.__rjcaseNoReload = 'still here'; }")
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: frame == page.main_frame and navigations.append(frame.url))

    form = page.locator("#contact-form")
    timeline = page.locator("#contact-timeline .moj-timeline__item")

    # A phone call: the type, date and time are already filled in.
    assert form.get_by_label("Type of contact").input_value() == str(phone.pk)
    form.get_by_label("With whom").fill("Vanessa")
    form.get_by_label("Notes").fill("Introduced the service; she will think about it.")
    form.get_by_role("button", name="Save contact").click()
    expect(timeline).to_have_count(1)
    expect(timeline.first).to_contain_text("Introduced the service")
    expect(page.locator("#contacts-empty")).to_have_count(0)
    expect(page.locator("#contact-status")).to_have_text("Contact logged")
    # The form is fresh and focus is back on its first field.
    expect(form.get_by_label("Notes")).to_have_value("")
    expect(form.get_by_label("Type of contact")).to_be_focused()
    page.axe.check()

    # A mistake: the error is shown in the form, in place, and nothing is lost.
    form.get_by_label("Time", exact=True).fill("25:00")
    form.get_by_label("Notes").fill("Second call")
    form.get_by_role("button", name="Save contact").click()
    expect(form.locator(".govuk-error-summary")).to_be_visible()
    expect(form.locator(".govuk-error-message")).to_contain_text("Enter the time in 24-hour format")
    expect(form.get_by_label("Notes")).to_have_value("Second call")
    expect(timeline).to_have_count(1)
    page.axe.check()

    # "Could not reach" is one click once the time is right.
    form.get_by_label("Time", exact=True).fill("00:00")
    form.get_by_label("Notes").fill("")
    form.get_by_role("button", name="Could not reach them").click()
    expect(timeline).to_have_count(2)
    expect(timeline.first).to_contain_text("Could not reach")
    expect(page.locator("#contact-status")).to_have_text("Attempt to contact logged")

    assert page.evaluate("() => window.__rjcaseNoReload") == "still here"
    assert navigations == []
    assert allocated_case.victims.get().contacts.count() == 2

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login/")
    sign_in(page, "offender_manager", DEMO_PASSWORD)
    page.goto(f"/cases/{allocated_case.pk}/progress/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(allocated_case.reference)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Allocated")
    expect(page.locator("main")).to_contain_text("Oscar Offendertest")
    content = page.content()
    for field, value in VICTIM_MARKERS.items():
        assert value not in content, f"victim {field} shown to the offender manager"
    assert "Introduced the service" not in content

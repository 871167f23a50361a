from __future__ import annotations

import base64

import pytest
from django_otp.oath import TOTP

from core.demo import DEMO_PASSWORD
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

HOMES = [
    ("facilitator", "My work"),
    ("facilitator2", "My work"),
    ("manager", "Assessments waiting for approval"),
    ("admin", "Quarterly returns"),
    ("offender_manager", "My referrals"),
    ("vlo", "My referrals"),
    ("commissioner", "Restorative justice dashboard"),
]


@pytest.mark.parametrize(("username", "heading"), HOMES)
def test_each_demo_role_signs_in_and_sees_its_home_page(page, demo_users, username, heading):
    sign_in(page, username, DEMO_PASSWORD)
    assert page.get_by_role("heading", level=1).inner_text() == heading
    user = demo_users[username]
    header = page.locator("header")
    assert user.get_full_name() in header.inner_text()
    nav = page.get_by_role("navigation", name="Primary navigation")
    current = nav.locator("[aria-current=page]")
    if current.count():
        assert current.first.is_visible()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login/")
    assert page.get_by_role("heading", level=1).inner_text() == "Sign in to rjcase"


def test_wrong_password_shows_the_error_summary(page, demo_users):
    sign_in(page, "facilitator", "not-the-right-password")
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible()
    assert "Enter a correct username and password" in summary.inner_text()
    assert page.get_by_label("Username").input_value() == "facilitator"


def test_keyboard_user_can_skip_to_main_content(page, demo_users):
    sign_in(page, "manager", DEMO_PASSWORD)
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    assert skip.inner_text().strip() == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.url.endswith("#main-content")


def test_first_sign_in_sets_up_two_factor_and_later_sign_ins_ask_for_a_code(page, demo_users):
    page.goto("/login/")
    page.get_by_label("Username").fill("facilitator")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/account/two-factor/set-up/**")
    assert page.get_by_role("heading", level=1).inner_text() == "Set up two-factor authentication"
    assert page.get_by_role("img", name="QR code for your authenticator app").is_visible()
    assert page.get_by_role("navigation", name="Primary navigation").count() == 0
    # Type the key into an "authenticator app", as someone who cannot scan the QR code would.
    key = base64.b32decode(page.locator("#secret-key").inner_text().replace(" ", ""))
    page.get_by_label("Code from your authenticator app").fill(f"{TOTP(key).token():06d}")
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/account/two-factor/recovery-codes/**")
    assert page.get_by_role("heading", level=1).inner_text() == "Your recovery codes"
    assert page.locator("#recovery-codes li").count() == 10
    assert "only time you will see these codes" in page.locator(".govuk-warning-text").inner_text()
    page.get_by_role("button", name="I have kept my recovery codes safe").click()
    page.wait_for_url("**/cases/my-work/")
    assert page.get_by_role("heading", level=1).inner_text() == "My work"
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login/")

    sign_in(page, "facilitator", DEMO_PASSWORD)  # the password, then a code from the app set up above
    assert page.get_by_role("heading", level=1).inner_text() == "My work"


def test_a_manager_resets_two_factor_authentication_for_a_facilitator(page, demo_users):
    sign_in(page, "manager", DEMO_PASSWORD)
    page.goto("/account/two-factor/")
    assert page.get_by_role("heading", level=1).inner_text() == "Two-factor authentication"
    page.get_by_role("link", name="Reset two-factor authentication for someone in your service").click()
    page.wait_for_url("**/account/two-factor/staff/")
    page.get_by_role("link", name="Reset two-factor authentication for Fern Fictional").click()
    page.get_by_role("button", name="Reset two-factor authentication").click()
    page.wait_for_url("**/account/two-factor/staff/")
    banner = page.locator(".govuk-notification-banner").inner_text()
    assert "Two-factor authentication reset for Fern Fictional" in banner
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login/")
    page.get_by_label("Username").fill("facilitator")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/account/two-factor/set-up/**")

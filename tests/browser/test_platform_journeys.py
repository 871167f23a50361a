from __future__ import annotations

import pytest

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

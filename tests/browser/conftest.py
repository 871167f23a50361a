"""Browser test harness: Playwright driving Debian's Chromium against a live server.

Every page a journey loads is checked with axe-core (served from our own static
files) for WCAG 2.2 A and AA; any violation fails the test. Screenshots of
failed tests go to test-artifacts/screenshots/, which CI lists.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.conftest import services_required

CHROMIUM = os.environ.get("RJCASE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parents[2]
AXE_JS = ROOT / "static" / "dist" / "js" / "axe.min.js"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        message = f"Chromium not found at {CHROMIUM}"
        if services_required():
            pytest.fail(message)
        pytest.skip(message)
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} is missing: run `make assets` first")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class AxeChecker:
    """Runs axe-core on every page load and keeps what it found."""

    def __init__(self, page) -> None:
        self.page = page
        self.source = AXE_JS.read_text()
        self.violations: list[str] = []
        self.checked: list[str] = []
        self.enabled = True

    def check(self) -> None:
        from playwright.sync_api import Error as PlaywrightError

        if not self.enabled:
            return
        try:
            self._check()
        except PlaywrightError as exc:
            if self.enabled and "closed" not in str(exc):
                raise

    def _check(self) -> None:
        page = self.page
        page.wait_for_load_state("load")
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.evaluate(self.source)
        result = page.evaluate(
            "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
            AXE_TAGS,
        )
        self.checked.append(page.url)
        for violation in result["violations"]:
            targets = "; ".join(", ".join(node["target"]) for node in violation["nodes"][:5])
            self.violations.append(
                f"{page.url}: {violation['id']} ({violation['impact']}): {violation['help']} at {targets}"
            )


@pytest.fixture
def page(browser, live_server, request):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    axe = AxeChecker(page)
    page.axe = axe
    console_errors: list[str] = []
    expected = re.compile(r"Failed to load resource: the server responded with a status of 422")
    page.on(
        "console",
        lambda msg: msg.type == "error" and not expected.search(msg.text) and console_errors.append(msg.text),
    )
    page.on("pageerror", lambda exc: console_errors.append(str(exc)))
    page.on("load", lambda: axe.check())
    yield page
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    if failed:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    axe.enabled = False
    context.close()
    assert not axe.violations, "Accessibility violations:\n" + "\n".join(axe.violations)
    assert not console_errors, "Browser console errors:\n" + "\n".join(console_errors)
    assert axe.checked, "no page was checked for accessibility"


@pytest.fixture
def demo_users(transactional_db):
    """The demo organisations and staff (no cases: each journey builds what it needs)."""
    from core.demo import load_organisations

    return load_organisations()


@pytest.fixture
def demo_data(transactional_db):
    """Everything `load_demo` creates, cases included."""
    from django.test import override_settings

    from core.demo import load_demo

    with override_settings(DEBUG=True):
        return load_demo()


def sign_in(page, username: str, password: str) -> None:
    """Sign in as a person would: the password, then a code from their authenticator app.

    A user with no authenticator app is given one with a known key first (tests/two_factor.py), and the
    code is worked out from the app's key, as the app on a phone does."""
    from accounts.models import User
    from tests.two_factor import authenticator_for_tests, totp_code

    user = User.objects.filter(username=username).first()
    device = authenticator_for_tests(user) if user is not None else None
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("load")
    if device is not None and "/account/two-factor/code/" in page.url:
        page.get_by_label("Code from your authenticator app").fill(totp_code(device))
        page.get_by_role("button", name="Continue").click()
        page.wait_for_load_state("load")

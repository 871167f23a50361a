"""A commissioner opens the dashboard, sees the charts beside their tables, changes the quarter, downloads a
chart's figures as CSV and follows the link to the compliance report."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from core.demo import DEMO_PASSWORD
from reporting.quarters import DEFAULT_SCHEDULE
from reporting.suppression import SUPPRESSED
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _seeded_codes(transactional_db):
    """An earlier transactional test flushes the codes seeded by migration; the cases need them."""
    from cases.code_seed import load_codes
    from cases.models import Code

    load_codes(Code)


@pytest.fixture
def referrals(demo_users):
    """Referrals in the last quarter that ended: 6 from the police, 5 from probation and a group of 3
    self-referrals (hidden, with the 5 beside it so it cannot be worked out from the total)."""
    from tests.reporting.dashboard_support import bulk_cases

    manager = demo_users["manager"]
    quarter = DEFAULT_SCHEDULE.last_ended(timezone.localdate())
    day = quarter.start + dt.timedelta(days=7)
    bulk_cases(manager.service, manager, day, 6, source="police")
    bulk_cases(manager.service, manager, day, 5, source="probation_community")
    bulk_cases(manager.service, manager, day, 3, source="victim_self")
    return quarter


def test_commissioner_reads_the_dashboard_and_downloads_a_chart(page, demo_users, referrals):
    sign_in(page, demo_users["commissioner"].username, DEMO_PASSWORD)
    page.goto("/reporting/dashboard/")
    page.get_by_role("heading", name="Restorative justice dashboard").wait_for()
    page.get_by_role("heading", name=referrals.label).wait_for()

    sources = page.get_by_role("table", name="Referrals by source")
    assert sources.get_by_role("row", name="Police").get_by_role("cell").first.inner_text() == "6"
    self_referrals = sources.get_by_role("row", name="Self-referral by the person harmed")
    assert self_referrals.get_by_role("cell").first.inner_text() == SUPPRESSED
    # Chart.js drew the chart beside the table (the canvas is hidden from assistive technology)
    canvas = page.locator('canvas[data-chart="chart-referrals"]')
    assert canvas.get_attribute("aria-hidden") == "true"
    page.wait_for_function("() => window.Chart && Object.keys(window.Chart.instances).length >= 9")

    page.get_by_label("Quarter", exact=True).select_option(referrals.previous.key)
    page.get_by_role("button", name="Show figures").click()
    page.get_by_role("heading", name=referrals.previous.label).wait_for()
    page.get_by_label("Quarter", exact=True).select_option(referrals.key)
    page.get_by_label("Compare with the previous quarter").check()
    page.get_by_role("button", name="Show figures").click()
    page.get_by_role("columnheader", name="Previous quarter").first.wait_for()

    with page.expect_download() as download:
        page.get_by_role("link", name="Download “Referrals” (CSV)").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert "Referrals by source" in text
    assert f"Self-referral by the person harmed,{SUPPRESSED}" in text
    assert "Vanessa" not in text

    page.get_by_role("link", name="National Minimum outputs: evidence rates for the same services and quarter").click()
    page.get_by_role("heading", name="National Minimum outputs: evidence rates").wait_for()
    assert page.get_by_role("link", name="See the cases").count() == 0

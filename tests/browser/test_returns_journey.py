"""An administrator opens the draft quarterly return the schedule built, follows a data-quality warning to the
case, rebuilds the return once it is corrected (watching the page follow the build), submits it and downloads
the spreadsheet, then the PDF summary (waiting for Celery to make it)."""

from __future__ import annotations

import datetime as dt
import io
from unittest import mock

import pytest
from django.utils import timezone

from core.demo import DEMO_PASSWORD
from tests.browser.conftest import sign_in
from tests.browser.test_risk_journey import success_banner

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _seeded_codes(transactional_db):
    from cases.code_seed import load_codes
    from cases.models import Code

    load_codes(Code)


@pytest.fixture
def draft(demo_users):
    """A case allocated in the last quarter that ended, its equality details missing, and the draft built."""
    from cases.services.allocation import case_allocate
    from cases.services.referrals import eligibility_decide, referral_register
    from core import clock
    from reporting import tasks
    from reporting.models import QuarterlyReturn
    from reporting.quarters import DEFAULT_SCHEDULE
    from tests.factories import criteria_for, offender_data, referral_case_data, victim_data

    manager = demo_users["manager"]
    quarter = DEFAULT_SCHEDULE.last_ended(timezone.localdate())
    day = quarter.start + dt.timedelta(days=10)
    moment = timezone.make_aware(dt.datetime.combine(day, dt.time(10)))
    with clock.use(lambda: moment):
        criteria_for(manager.service, manager)
        case = referral_register(
            actor=demo_users["admin"],
            service=manager.service,
            case_data=referral_case_data(referral_date=day),
            offender_data=offender_data(),
            victim_data=victim_data(),
        )
        eligibility_decide(case=case, actor=manager, eligible=True, reasons="Meets the criteria.")
        case_allocate(case=case, actor=manager, lead=demo_users["facilitator"], second=demo_users["facilitator2"])
    tasks.build_due_drafts()
    return case, QuarterlyReturn.objects.get(service=manager.service, quarter_start=quarter.start)


def test_administrator_checks_rebuilds_submits_and_downloads_the_return(page, demo_users, draft):
    from openpyxl import load_workbook
    from playwright.sync_api import expect

    from cases.models import CodeList
    from cases.services.participants import participant_update
    from reporting import tasks
    from tests.factories import code

    case, quarterly_return = draft
    label = quarterly_return.quarter.label
    sign_in(page, "admin", DEMO_PASSWORD)
    page.goto("/reporting/returns/")
    page.get_by_role("link", name=f"Check the return for {label}").click()
    expect(page.get_by_role("heading", level=2, name="Data-quality warnings (2)")).to_be_visible()

    # A warning leads to the case
    page.locator("#warning-list").get_by_role("link", name=case.reference).first.click()
    page.wait_for_url(f"**/cases/{case.pk}/**")
    page.go_back()

    # The details are corrected; the rebuild runs in the background while the page waits for it
    offender = case.offenders.get()
    participant_update(
        participant=offender,
        actor=demo_users["facilitator"],
        data={"sex": code(CodeList.SEX, "male"), "ethnicity": code(CodeList.ETHNICITY, "white_british")},
    )
    with mock.patch.object(tasks.build_return, "delay"):
        page.get_by_role("button", name="Build the return again").click()
        expect(page.get_by_text("Building the return", exact=True)).to_be_visible()
    assert "Building the return again" in success_banner(page)
    tasks.build_return(quarterly_return.pk, demo_users["admin"].pk)
    # The page polls the build and shows the new version by itself
    expect(page.get_by_role("heading", level=2, name="Data-quality warnings (0)")).to_be_visible(timeout=15_000)

    with mock.patch.object(tasks.build_return_pdf, "delay"):  # the PDF summary, made again saying "submitted"
        page.get_by_role("button", name="Submit version 1").click()
        assert "Version 1 submitted" in success_banner(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Submitted v1")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Spreadsheet (XLSX): every section").click()
    download = download_info.value
    assert download.suggested_filename == f"return-NS-{quarterly_return.quarter.key}-v1-return.xlsx"
    with open(download.path(), "rb") as handle:
        workbook = load_workbook(io.BytesIO(handle.read()))
    rows = list(workbook["Cases"].iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in rows] == [case.reference]

    # The PDF summary is made in Celery: until it is kept, its link opens a page that waits for it
    page.get_by_role("link", name="Summary (PDF): headline figures and charts").click()
    expect(page.get_by_text("The PDF is being prepared", exact=True)).to_be_visible()
    tasks.build_return_pdf(quarterly_return.versions.get().pk)  # the worker
    download_link = page.get_by_role("link", name="Download the summary (PDF)")
    expect(download_link).to_be_visible(timeout=15_000)  # the page polls and becomes a link by itself
    with page.expect_download() as download_info:
        download_link.click()
    download = download_info.value
    assert download.suggested_filename == f"return-NS-{quarterly_return.quarter.key}-v1-summary.pdf"
    with open(download.path(), "rb") as handle:
        assert handle.read(4) == b"%PDF"

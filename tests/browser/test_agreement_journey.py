"""A facilitator records a held conference and its three-item agreement, downloads the printable copy,
records one item done and one not done (each prompting an update to the person harmed), and the RJ
manager finds the item still outstanding on the list of overdue items."""

from __future__ import annotations

import datetime as dt

import pytest

from core.demo import DEMO_PASSWORD
from tests.browser.conftest import sign_in
from tests.browser.test_risk_journey import sign_out, success_banner

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _seeded_codes(transactional_db):
    from cases.code_seed import load_codes
    from cases.models import Code

    load_codes(Code)


@pytest.fixture
def confirmed_conference(demo_users):
    """A case whose conference was confirmed and took place ten days ago (its record not yet written)."""
    from agreements.models import Conference
    from agreements.services.conferences import conference_confirm, conference_plan
    from cases.services.allocation import case_allocate
    from cases.services.referrals import eligibility_decide, referral_register
    from risk.services.assessments import assessment_approve, assessment_start, assessment_submit, assessment_update
    from tests.factories import criteria_for, offender_data, referral_case_data, victim_data

    manager, lead = demo_users["manager"], demo_users["facilitator"]
    criteria_for(manager.service, manager)
    case = referral_register(
        actor=demo_users["admin"],
        service=manager.service,
        case_data=referral_case_data(),
        offender_data=offender_data(offender_manager=demo_users["offender_manager"]),
        victim_data=victim_data(),
    )
    eligibility_decide(case=case, actor=manager, eligible=True, reasons="Meets the criteria.")
    case_allocate(case=case, actor=manager, lead=lead, second=demo_users["facilitator2"])
    victim, offender = case.victims.get(), case.offenders.get()
    for subject, person in (("victim", victim), ("offender", offender)):
        assessment = assessment_start(case=case, actor=lead, subject=subject, person=person, point="pre_conference")
        assessment_update(
            assessment=assessment,
            actor=lead,
            answers={a.item_id: (False, "") for a in assessment.answers.all()},
            data={"rating": "low", "rating_reasons": "Well supported", "management_plan": "Usual plan",
                  "facilitator_ratio": "2 to 4"},
        )  # fmt: skip
        assessment_submit(assessment=assessment, actor=lead)
        assessment_approve(assessment=assessment, actor=manager)
    conference = conference_plan(
        case=case,
        actor=lead,
        data={"date": dt.date.today() + dt.timedelta(days=7), "start_time": dt.time(10, 0),
              "venue_name": "Northtown Community Centre", "venue_kind": "community"},
        victims=[victim],
        offenders=[offender],
    )  # fmt: skip
    conference_confirm(conference=conference, actor=lead)
    Conference.objects.filter(pk=conference.pk).update(date=dt.date.today() - dt.timedelta(days=10))
    conference.refresh_from_db()
    return conference


def _fill_date(page, name: str, value: dt.date) -> None:
    page.locator(f"input[name={name}_day]").fill(str(value.day))
    page.locator(f"input[name={name}_month]").fill(str(value.month))
    page.locator(f"input[name={name}_year]").fill(str(value.year))


def _add_item(page, kind: str, text: str, target: dt.date | None) -> None:
    page.get_by_role("button", name="Add an item").click()
    page.wait_for_load_state("load")
    page.get_by_role("radio", name=kind).check()
    page.get_by_label("What was agreed").fill(text)
    page.get_by_role("radio", name="The person responsible").check()
    if target:
        _fill_date(page, "target_date", target)
    page.get_by_role("button", name="Save the item").click()
    page.wait_for_load_state("load")
    assert "Item added" in success_banner(page)


def _record_outcome(page, number: int, status: str, comment: str) -> None:
    page.get_by_role("link", name=f"Record outcome of item {number}").click()
    page.wait_for_load_state("load")
    page.get_by_role("radio", name=status, exact=True).check()
    page.get_by_label("Comment").fill(comment)
    page.get_by_role("button", name="Save the outcome").click()
    page.wait_for_load_state("load")


def test_held_conference_agreement_pdf_follow_up_and_escalation(page, demo_users, confirmed_conference, tmp_path):
    from pypdf import PdfReader

    from agreements.models import AgreementItem, VictimUpdate

    today = dt.date.today()
    conference = confirmed_conference
    reference = conference.case.reference

    # The facilitator writes up the conference.
    sign_in(page, "facilitator", DEMO_PASSWORD)
    page.goto(f"/agreements/conferences/{conference.pk}/")
    page.get_by_role("button", name="Record as held").click()
    page.wait_for_load_state("load")
    page.get_by_label("Start time").fill("10:05")
    page.get_by_label("End time").fill("11:40")
    page.get_by_label("Background").fill("A break-in at the family home.")
    page.get_by_label("How it went and its turning points").fill("Hearing about the children's fear changed it.")
    page.get_by_label("Lessons learnt").fill("Plan a longer break.")
    page.get_by_role("button", name="Save the record").click()
    page.wait_for_load_state("load")
    assert "Conference recorded as held" in success_banner(page)

    # Three items, then everyone signs.
    page.get_by_role("button", name="Write the outcome agreement").click()
    page.wait_for_load_state("load")
    assert "Add each item" in success_banner(page)
    _add_item(page, "Action", "Write a letter explaining what happened", today - dt.timedelta(days=3))
    _add_item(page, "Action", "Repaint the garden fence", today - dt.timedelta(days=1))
    _add_item(page, "Action", "Give 10 hours to the community garden", today + dt.timedelta(days=10))
    assert page.locator("#items tbody tr").count() == 3
    page.get_by_role("button", name="Record who signed").click()
    page.wait_for_load_state("load")
    page.get_by_role("checkbox", name="Vanessa Victimcanary").check()
    page.get_by_role("checkbox", name="Oscar Offendertest").check()
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state("load")
    assert "Signatures recorded" in success_banner(page)
    assert "Agreed: following up" in page.get_by_role("heading", name="Outcome agreement", level=2).inner_text()

    # The printable copy for the person responsible's side.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Copy for the person responsible's side (PDF)").click()
    path = tmp_path / "copy.pdf"
    download_info.value.save_as(path)
    text = " ".join(p.extract_text() for p in PdfReader(path).pages)
    assert reference in text and "Repaint the garden fence" in text
    assert "Secretvictim" not in text and "07700 900999" not in text

    # Item 2 done: the page asks for the update to the person harmed, which is recorded.
    _record_outcome(page, 2, "Done", "Fence repainted; checked on a visit.")
    assert "Record what the person harmed was told" in page.get_by_role("heading", level=1).inner_text()
    assert "Repaint the garden fence" in page.locator("#update-item").inner_text()
    page.get_by_role("radio", name="Phone call").check()
    page.get_by_label("What they were told").fill("The fence has been repainted.")
    page.get_by_role("button", name="Save the update").click()
    page.wait_for_load_state("load")
    assert "Update to the person harmed recorded" in success_banner(page)

    # Item 3 not done: the prompt comes again, for a failure this time.
    _record_outcome(page, 3, "Not done", "Did not attend the garden sessions.")
    assert "Record what the person harmed was told" in page.get_by_role("heading", level=1).inner_text()
    page.get_by_role("radio", name="Phone call").check()
    page.get_by_label("What they were told").fill("The garden hours have not been done; we are following it up.")
    page.get_by_role("button", name="Save the update").click()
    page.wait_for_load_state("load")
    assert VictimUpdate.objects.count() == 2
    statuses = dict(AgreementItem.objects.values_list("number", "status"))
    assert statuses == {1: "open", 2: "done", 3: "not_done"}
    sign_out(page)

    # The manager sees the letter, past its date with no outcome, on the overdue list.
    sign_in(page, "manager", DEMO_PASSWORD)
    page.get_by_role("link", name="Overdue items").click()
    page.wait_for_load_state("load")
    table = page.locator("#overdue-items").inner_text()
    assert reference in table and "Write a letter explaining what happened" in table
    assert "Repaint the garden fence" not in table
    page.locator("#overdue-items").get_by_role("link", name=reference).click()
    page.wait_for_load_state("load")
    assert "Overdue" in page.locator("#items").inner_text()

"""Outcome agreements: writing, signing, the copies for each side, follow-up and updates to the person harmed."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from agreements.models import (
    AgreementCopy,
    AgreementItem,
    AgreementStatus,
    ConferenceStatus,
    ItemStatus,
    OutcomeAgreement,
    VictimUpdate,
)
from agreements.services import outcome
from audit.models import ProcessingLogEntry
from cases.models import CaseEvent, Stage, Task, TaskKind
from core import clock
from tests.agreements.support import ITEMS, agreed_agreement, draft_agreement, held_conference
from tests.factories import VICTIM_MARKERS, offender_data

pytestmark = pytest.mark.django_db


def _date(prefix: str, value: dt.date) -> dict[str, str]:
    return {f"{prefix}_day": str(value.day), f"{prefix}_month": str(value.month), f"{prefix}_year": str(value.year)}


def _url(name: str, obj, *extra) -> str:
    return reverse(f"agreements:{name}", args=[obj.pk, *extra])


# --- Starting ------------------------------------------------------------------------------------


def test_an_agreement_starts_from_a_held_conference_with_its_parties(as_user, facilitator, allocated_case):
    conference = held_conference(allocated_case, facilitator)
    response = as_user(facilitator).post(_url("agreement_from_conference", conference))
    agreement = OutcomeAgreement.objects.get()
    assert response.status_code == 302 and response["Location"] == _url("agreement_detail", agreement)
    assert agreement.status == AgreementStatus.DRAFT and agreement.activity_on == conference.date
    assert list(agreement.victims.all()) == list(conference.attending_victims.all())
    assert list(agreement.offenders.all()) == list(conference.attending_offenders.all())
    # A second press of the button opens the same agreement
    again = as_user(facilitator).post(_url("agreement_from_conference", conference))
    assert again["Location"] == _url("agreement_detail", agreement) and OutcomeAgreement.objects.count() == 1
    page = as_user(facilitator).get(_url("conference_detail", conference)).content.decode()
    assert "View the outcome agreement" in page


def test_no_agreement_before_the_conference_is_held(as_user, facilitator, allocated_case):
    conference = held_conference(allocated_case, facilitator)
    type(conference).objects.filter(pk=conference.pk).update(status=ConferenceStatus.CONFIRMED)
    conference.refresh_from_db()
    with pytest.raises(ValidationError, match="held"):
        outcome.agreement_start(case=allocated_case, actor=facilitator, conference=conference)
    response = as_user(facilitator).post(_url("agreement_from_conference", conference))
    assert response.status_code == 302 and not OutcomeAgreement.objects.exists()
    assert (
        "Write the outcome agreement"
        not in as_user(facilitator).get(_url("conference_detail", conference)).content.decode()
    )


def test_one_agreement_per_conference(facilitator, allocated_case):
    agreement = draft_agreement(allocated_case, facilitator)
    with pytest.raises(ValidationError, match="already"):
        outcome.agreement_start(case=allocated_case, actor=facilitator, conference=agreement.conference)


# --- Items -------------------------------------------------------------------------------------


def test_items_are_numbered_and_renumbered_when_one_is_removed(facilitator, allocated_case):
    agreement = draft_agreement(allocated_case, facilitator)
    assert list(agreement.items.values_list("number", flat=True)) == [1, 2, 3]
    outcome.item_remove(item=agreement.items.get(number=2), actor=facilitator)
    assert list(agreement.items.values_list("number", "description")) == [
        (1, ITEMS[0]["description"]),
        (2, ITEMS[2]["description"]),
    ]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"kind": "action", "description": "Write", "responsible": "offender"}, "target_date", "Enter the date"),
        ({"kind": "action", "description": "", "responsible": "offender"}, "description", "Enter what was agreed"),
        ({"kind": "statement", "description": "Sorry", "responsible": "other"}, "responsible_other", "Enter who"),
        ({"kind": "statement", "description": "Sorry", "responsible": ""}, "responsible", "Select who"),
    ],
)
def test_item_form_bad_input_says_what_is_wrong_and_saves_nothing(
    as_user, facilitator, allocated_case, data, field, message
):
    agreement = draft_agreement(allocated_case, facilitator, items=())
    response = as_user(facilitator).post(_url("item_add", agreement), data)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert field in response.context["form"].errors
    assert not agreement.items.exists()


def test_target_date_before_the_conference_is_refused(as_user, facilitator, allocated_case):
    agreement = draft_agreement(allocated_case, facilitator, items=())
    data = {"kind": "action", "description": "Write", "responsible": "offender"}
    data.update(_date("target_date", agreement.activity_on - dt.timedelta(days=1)))
    response = as_user(facilitator).post(_url("item_add", agreement), data)
    assert response.status_code == 422 and "on or after the date of the conference" in response.content.decode()
    assert not agreement.items.exists()


def test_an_item_cannot_name_someone_who_is_not_a_party(facilitator, allocated_case, manager):
    from cases.services import participants

    other = participants.participant_add(
        case=allocated_case,
        actor=manager,
        side="offender",
        data=offender_data(first_name="Colin", last_name="Codefendant", pnc_id="90/999999Z", crn="Z999999"),
    )
    agreement = draft_agreement(allocated_case, facilitator, items=())
    with pytest.raises(ValidationError) as exc:
        outcome.item_add(
            agreement=agreement,
            actor=facilitator,
            data={
                "kind": "statement",
                "description": "Sorry",
                "responsible": "offender",
                "responsible_offender": other,
            },
        )
    assert "responsible_offender" in exc.value.error_dict


def test_items_are_added_through_the_page(as_user, facilitator, allocated_case):
    agreement = draft_agreement(allocated_case, facilitator, items=())
    client = as_user(facilitator)
    data = {"kind": "action", "description": "Pay for the window", "responsible": "offender"}
    data.update(_date("target_date", timezone.localdate() + dt.timedelta(days=30)))
    response = client.post(_url("item_add", agreement), data)
    assert response.status_code == 302
    item = agreement.items.get()
    assert item.responsible_offender == agreement.offenders.get()
    response = client.post(_url("item_edit", item), {**data, "description": "Pay for the new window"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.description == "Pay for the new window"


# --- Signing -----------------------------------------------------------------------------------


def test_signing_by_everyone_agrees_it_and_copies_are_due_in_three_working_days(facilitator, allocated_case):
    # Thursday 24 December 2026: Christmas Day (Fri), the Boxing Day substitute (Mon 28) are not working days
    conference = held_conference(allocated_case, facilitator, on=dt.date(2026, 12, 24))
    agreement = draft_agreement(allocated_case, facilitator, conference=conference, target=dt.date(2027, 2, 1))
    victim, offender = agreement.victims.get(), agreement.offenders.get()
    with clock.use(lambda: dt.datetime(2026, 12, 24, 15, 0, tzinfo=dt.UTC)):
        outcome.signatures_record(
            agreement=agreement, actor=facilitator, signed_on=dt.date(2026, 12, 24), victims=[victim], offenders=[]
        )
        agreement.refresh_from_db()
        assert agreement.status == AgreementStatus.DRAFT
        outcome.signatures_record(
            agreement=agreement, actor=facilitator, signed_on=dt.date(2026, 12, 24), victims=[], offenders=[offender]
        )
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.AGREED
    assert agreement.copies_due_on == dt.date(2026, 12, 31)
    task = Task.objects.get(kind=TaskKind.SEND_COPIES)
    assert task.assignee == facilitator and task.due_on == dt.date(2026, 12, 31)
    allocated_case.refresh_from_db()
    assert allocated_case.stage == Stage.FOLLOW_UP


def test_signatures_need_items_people_and_a_sensible_date(as_user, facilitator, allocated_case):
    agreement = draft_agreement(allocated_case, facilitator, items=())
    with pytest.raises(ValidationError, match="at least one item"):
        outcome.signatures_record(
            agreement=agreement, actor=facilitator, signed_on=agreement.activity_on, victims=[], offenders=[]
        )
    agreement = draft_agreement(allocated_case, facilitator, conference=held_conference(allocated_case, facilitator))
    client = as_user(facilitator)
    response = client.post(_url("agreement_signatures", agreement), _date("signed_on", agreement.activity_on))
    assert response.status_code == 422 and "Select who signed" in response.content.decode()
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    data = {**_date("signed_on", tomorrow), "offenders": [agreement.offenders.get().pk]}
    response = client.post(_url("agreement_signatures", agreement), data)
    assert response.status_code == 422 and "today or in the past" in response.content.decode()
    assert not agreement.signatures.exists()


def test_a_signed_agreement_cannot_be_rewritten(as_user, facilitator, allocated_case):
    agreement = agreed_agreement(allocated_case, facilitator)
    item = agreement.items.first()
    with pytest.raises(ValidationError, match="signed"):
        outcome.item_update(item=item, actor=facilitator, data={"description": "Changed"})
    client = as_user(facilitator)
    assert client.get(_url("item_add", agreement)).status_code == 404
    assert client.get(_url("item_edit", item)).status_code == 404
    assert client.post(_url("item_remove", item)).status_code == 422
    assert agreement.items.count() == 3


# --- Copies --------------------------------------------------------------------------------------


def test_the_distribution_log_records_who_has_which_version(as_user, facilitator, allocated_case):
    agreement = agreed_agreement(allocated_case, facilitator)
    client = as_user(facilitator)
    page = client.get(_url("agreement_detail", agreement)).content.decode()
    assert "Still to receive one" in page
    response = client.post(
        _url("copy_add", agreement),
        {"recipient": "victim", "method": "post", **_date("sent_on", timezone.localdate())},
    )
    assert response.status_code == 302
    copy = AgreementCopy.objects.get()
    assert copy.version == "victim" and copy.victim == agreement.victims.get()
    assert Task.objects.get(kind=TaskKind.SEND_COPIES).done_at is None
    client.post(
        _url("copy_add", agreement),
        {"recipient": "offender", "method": "at_conference", **_date("sent_on", agreement.activity_on)},
    )
    assert Task.objects.get(kind=TaskKind.SEND_COPIES).done_at is not None
    response = client.post(
        _url("copy_add", agreement),
        {"recipient": "offender_manager", "method": "email", **_date("sent_on", timezone.localdate())},
    )
    assert response.status_code == 422 and "Enter the name" in response.content.decode()
    response = client.post(
        _url("copy_add", agreement),
        {
            "recipient": "offender_manager",
            "recipient_name": "Olive OM",
            "method": "secure_email",
            **_date("sent_on", timezone.localdate()),
        },
    )
    assert response.status_code == 302
    assert AgreementCopy.objects.get(recipient="offender_manager").version == "offender"
    assert "Still to receive one" not in client.get(_url("agreement_detail", agreement)).content.decode()


def test_copies_are_not_recorded_for_a_draft(as_user, facilitator, allocated_case):
    agreement = draft_agreement(allocated_case, facilitator)
    assert as_user(facilitator).get(_url("copy_add", agreement)).status_code == 404
    with pytest.raises(ValidationError):
        outcome.copy_record(agreement=agreement, actor=facilitator, data={"recipient": "victim"})


# --- The printable copies -----------------------------------------------------------------------


def _pdf_text(response) -> str:
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    content = b"".join(response.streaming_content) if response.streaming else response.content
    reader = PdfReader(io.BytesIO(content))
    assert reader.pages[0].mediabox.width == pytest.approx(595.3, abs=1)  # A4
    return " ".join(page.extract_text() for page in reader.pages)


def test_each_side_gets_a_copy_without_the_other_partys_contact_details(as_user, facilitator, allocated_case):
    agreement = agreed_agreement(allocated_case, facilitator)
    offender = agreement.offenders.get()
    client = as_user(facilitator)
    offender_copy = _pdf_text(client.get(_url("agreement_pdf", agreement, "offender")))
    victim_copy = _pdf_text(client.get(_url("agreement_pdf", agreement, "victim")))
    for text in (offender_copy, victim_copy):
        assert allocated_case.reference in text
        assert "Repaint the garden fence" in text
        assert "Signature" in text
    for marker in (VICTIM_MARKERS["address"], VICTIM_MARKERS["phone"], VICTIM_MARKERS["email"], "Secretvictim"):
        assert marker not in offender_copy
    for marker in (offender.address, offender.phone, "Offender Road"):
        assert marker not in victim_copy
    assert "person responsible's side" in offender_copy and "person harmed's side" in victim_copy
    assert client.get(reverse("agreements:agreement_pdf", args=[agreement.pk, "both"])).status_code == 404
    assert ProcessingLogEntry.objects.filter(reason__startswith="Outcome agreement printed").exists()


# --- Follow-up ---------------------------------------------------------------------------------


def test_an_outcome_prompts_an_update_to_the_person_harmed(as_user, facilitator, allocated_case):
    agreement = agreed_agreement(allocated_case, facilitator)
    item = agreement.items.get(number=1)
    client = as_user(facilitator)
    data = {"status": "done", "comment": "Letter received and passed on", **_date("outcome_on", timezone.localdate())}
    response = client.post(_url("item_outcome", item), data)
    assert response.status_code == 302
    assert response["Location"] == _url("victim_update_add", agreement) + f"?item={item.pk}"
    task = Task.objects.get(kind=TaskKind.INFORM_VICTIM)
    assert task.victim == agreement.victims.get() and task.side == "victim" and task.assignee == facilitator
    page = client.get(response["Location"]).content.decode()
    assert "Write a letter explaining what happened" in page
    update = {
        "victim": agreement.victims.get().pk,
        "method": "phone",
        "what_was_said": "Told her the letter has arrived",
        **_date("informed_on", timezone.localdate()),
    }
    response = client.post(response["Location"], update)
    assert response.status_code == 302
    assert VictimUpdate.objects.get().item == item
    task.refresh_from_db()
    assert task.done_at is not None
    # The timeline says an update was given, not what was said
    summaries = " ".join(CaseEvent.objects.values_list("summary", flat=True))
    assert "Told her" not in summaries and "letter" not in summaries.lower()


def test_no_prompt_when_the_person_harmed_asked_not_to_be_told(as_user, facilitator, allocated_case):
    agreement = agreed_agreement(allocated_case, facilitator)
    outcome.agreement_update(agreement=agreement, actor=facilitator, data={"victim_wants_updates": False})
    item = agreement.items.get(number=2)
    response = as_user(facilitator).post(
        _url("item_outcome", item),
        {"status": "not_done", "comment": "Fence not painted", **_date("outcome_on", timezone.localdate())},
    )
    assert response["Location"] == _url("agreement_detail", agreement)
    assert not Task.objects.filter(kind=TaskKind.INFORM_VICTIM).exists()


def test_outcome_form_bad_input(as_user, facilitator, allocated_case):
    agreement = agreed_agreement(allocated_case, facilitator)
    item = agreement.items.get(number=1)
    response = as_user(facilitator).post(_url("item_outcome", item), {"status": "done", "comment": ""})
    assert response.status_code == 422
    text = response.content.decode()
    assert "Enter a comment" in text and "Enter the date of the outcome" in text
    item.refresh_from_db()
    assert item.status == ItemStatus.OPEN


def test_sign_off_by_a_facilitator_and_the_agreement_closes_when_all_resolved(
    as_user, facilitator, facilitator2, manager, allocated_case
):
    agreement = agreed_agreement(allocated_case, facilitator)
    items = list(agreement.items.order_by("number"))
    with pytest.raises(ValidationError, match="Record how the item went"):
        outcome.item_sign_off(item=items[0], actor=facilitator)
    for item, status in zip(items, ("done", "not_done", "partly_done"), strict=True):
        outcome.item_outcome_record(
            item=item, actor=facilitator, status=status, outcome_on=timezone.localdate(), comment="Checked"
        )
    with pytest.raises(ValidationError, match="facilitator of this case"):
        outcome.item_sign_off(item=items[0], actor=manager)
    response = as_user(manager).post(_url("item_sign_off", items[0]))
    assert response.status_code == 422
    as_user(facilitator).post(_url("item_sign_off", items[0]))
    as_user(facilitator2).post(_url("item_sign_off", items[1]))
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.AGREED
    response = as_user(facilitator).post(_url("item_sign_off", items[2]))
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.CLOSED and agreement.closed_on == timezone.localdate()
    items[0].refresh_from_db()
    with pytest.raises(ValidationError):
        outcome.item_outcome_record(
            item=items[0], actor=facilitator, status="not_done", outcome_on=timezone.localdate(), comment="x"
        )


# --- Who sees what -------------------------------------------------------------------------------


def test_offender_manager_sees_dates_statuses_and_their_offenders_items_only(
    as_user, facilitator, offender_manager, allocated_case
):
    agreement = agreed_agreement(
        allocated_case,
        facilitator,
        items=(
            *ITEMS,
            {"kind": "action", "description": "Victimitem: choose a charity", "responsible": "victim"},
        ),
    )
    page = as_user(offender_manager).get(reverse("cases:case_progress", args=[allocated_case.pk])).content.decode()
    assert "Repaint the garden fence" in page
    assert "Victimitem" not in page
    assert agreement.conference.date.strftime("%-d %B %Y") in page
    for marker in VICTIM_MARKERS.values():
        assert marker not in page
    assert "Testtown community centre" not in page
    for name in ("agreement_detail", "item_add", "copy_add", "agreement_signatures", "victim_update_add"):
        assert as_user(offender_manager).get(_url(name, agreement)).status_code == 404
    assert as_user(offender_manager).get(_url("agreement_pdf", agreement, "offender")).status_code == 404


def test_managers_see_overdue_items_oldest_first(as_user, facilitator, manager, allocated_case):
    agreement = agreed_agreement(allocated_case, facilitator)
    AgreementItem.objects.filter(agreement=agreement, number=1).update(
        target_date=timezone.localdate() - dt.timedelta(days=9)
    )
    AgreementItem.objects.filter(agreement=agreement, number=2).update(
        target_date=timezone.localdate() - dt.timedelta(days=2)
    )
    page = as_user(manager).get(reverse("agreements:overdue_items")).content.decode()
    assert page.index("Write a letter") < page.index("Repaint the garden fence")
    assert allocated_case.reference in page
    assert as_user(facilitator).get(reverse("agreements:overdue_items")).status_code == 404


@pytest.mark.parametrize("count", [1, 4])
def test_overdue_list_queries_do_not_grow_with_rows(
    as_user, facilitator, manager, allocated_case, django_assert_max_num_queries, count
):
    for _ in range(count):
        agreement = agreed_agreement(allocated_case, facilitator)
        agreement.items.update(target_date=timezone.localdate() - dt.timedelta(days=3))
    client = as_user(manager)
    with django_assert_max_num_queries(7):
        assert client.get(reverse("agreements:overdue_items")).status_code == 200


@pytest.mark.parametrize("extra_items", [0, 5])
def test_agreement_page_queries_do_not_grow_with_items(
    as_user, facilitator, allocated_case, django_assert_max_num_queries, extra_items
):
    items = ITEMS + tuple(
        {"kind": "statement", "description": f"Statement {n}", "responsible": "offender"} for n in range(extra_items)
    )
    agreement = agreed_agreement(allocated_case, facilitator, items=items)
    for item in agreement.items.all()[:2]:
        outcome.item_outcome_record(
            item=item, actor=facilitator, status="done", outcome_on=timezone.localdate(), comment="ok"
        )
    client = as_user(facilitator)
    with django_assert_max_num_queries(37):
        assert client.get(_url("agreement_detail", agreement)).status_code == 200

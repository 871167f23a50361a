"""Indirect communication: messages are reviewed by a facilitator before they pass to the other side."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from agreements.models import IndirectCommunication, IndirectMessage, MessageDirection, ReviewOutcome
from agreements.services.indirect import (
    indirect_complete,
    indirect_start,
    message_pass_on,
    message_record,
    message_review,
)
from audit.models import Operation, ProcessingLogEntry
from cases.models import Case, CaseEvent
from tests.audit.support import refused
from tests.factories import VICTIM_MARKERS

pytestmark = pytest.mark.django_db

OUTSIDERS = [
    "unallocated_facilitator",
    "other_manager",
    "administrator",
    "offender_manager",
    "other_offender_manager",
    "vlo",
    "commissioner",
]
SECRET = "I want you to know how frightened I was"
WAITING = "Not passed on: waiting for review"


def _date(prefix: str, value: dt.date) -> dict[str, str]:
    return {f"{prefix}_day": str(value.day), f"{prefix}_month": str(value.month), f"{prefix}_year": str(value.year)}


def _today() -> dt.date:
    return timezone.localdate()


@pytest.fixture
def victim(allocated_case):
    return allocated_case.victims.get()


@pytest.fixture
def offender(allocated_case):
    return allocated_case.offenders.get()


@pytest.fixture
def vlo_victim(victim, manager, vlo):
    from cases.services.participants import participant_update

    participant_update(participant=victim, actor=manager, data={"vlo": vlo, "in_victim_contact_scheme": True})
    return victim


@pytest.fixture
def communication(allocated_case, facilitator):
    return indirect_start(
        case=allocated_case,
        actor=facilitator,
        kind="letter_of_apology",
        started_on=_today() - dt.timedelta(days=10),
    )


@pytest.fixture
def message(communication, facilitator, victim, offender):
    return message_record(
        communication=communication,
        actor=facilitator,
        direction=MessageDirection.TO_OFFENDER,
        victim=victim,
        offender=offender,
        content=SECRET,
        received_on=_today() - dt.timedelta(days=5),
    )


@pytest.fixture
def approved(message, facilitator):
    return message_review(message=message, actor=facilitator, outcome=ReviewOutcome.APPROVED, notes="")


def _urls(communication, message) -> dict[str, str]:
    return {
        "indirect_new": reverse("agreements:indirect_new", args=[communication.case_id]),
        "indirect_detail": reverse("agreements:indirect_detail", args=[communication.pk]),
        "message_new": reverse("agreements:message_new", args=[communication.pk]),
        "message_review": reverse("agreements:message_review", args=[message.pk]),
        "indirect_complete": reverse("agreements:indirect_complete", args=[communication.pk]),
    }


def _pass_on_post(message, value: dt.date) -> dict[str, str]:
    return _date(f"message-{message.pk}-passed_on", value)


# --- The whole flow through the pages --------------------------------------------------------


def test_the_whole_flow(as_user, facilitator, manager, allocated_case, victim, offender):
    client = as_user(facilitator)
    activity = client.get(reverse("agreements:case_activity", args=[allocated_case.pk]))
    assert "Start indirect communication" in activity.content.decode()

    start_url = reverse("agreements:indirect_new", args=[allocated_case.pk])
    assert client.get(start_url).status_code == 200
    started = _today() - dt.timedelta(days=7)
    response = client.post(start_url, {"kind": "shuttle", **_date("started_on", started)})
    assert response.status_code == 302
    communication = IndirectCommunication.objects.get(case=allocated_case)
    assert communication.kind == "shuttle"
    assert communication.started_on == started
    detail_url = reverse("agreements:indirect_detail", args=[communication.pk])
    assert response.url == detail_url

    # A message from the person harmed
    new_url = reverse("agreements:message_new", args=[communication.pk])
    page = client.get(new_url)
    assert page.status_code == 200
    received = _today() - dt.timedelta(days=5)
    response = client.post(
        new_url,
        {
            "direction": MessageDirection.TO_OFFENDER,
            "victim": str(victim.pk),
            "offender": str(offender.pk),
            "content": SECRET,
            **_date("received_on", received),
        },
    )
    assert response.status_code == 302
    message = IndirectMessage.objects.get(communication=communication)
    assert message.review_outcome == ReviewOutcome.PENDING
    html = client.get(detail_url).content.decode()
    assert SECRET in html  # both sides are the facilitators'
    assert WAITING in html
    assert "Pass on to the person responsible</button>" not in html

    # Review: needs changes (notes required), then approved
    review_url = reverse("agreements:message_review", args=[message.pk])
    assert client.get(review_url).status_code == 200
    response = client.post(review_url, {"outcome": ReviewOutcome.NEEDS_CHANGES, "notes": ""})
    assert response.status_code == 422
    assert "Enter what needs to change before the message can be passed on" in response.content.decode()
    message.refresh_from_db()
    assert message.review_outcome == ReviewOutcome.PENDING
    response = client.post(review_url, {"outcome": ReviewOutcome.NEEDS_CHANGES, "notes": "Remove the address"})
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.review_outcome == ReviewOutcome.NEEDS_CHANGES
    assert message.review_notes == "Remove the address"
    html = client.get(detail_url).content.decode()
    assert "Not passed on: needs changes" in html

    response = as_user(manager).post(review_url, {"outcome": ReviewOutcome.APPROVED, "notes": ""})
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.review_outcome == ReviewOutcome.APPROVED
    assert message.reviewed_by == manager
    assert message.reviewed_at is not None
    html = client.get(detail_url).content.decode()
    assert "Pass on to the person responsible" in html

    # Pass on
    pass_url = reverse("agreements:message_pass_on", args=[message.pk])
    response = client.post(pass_url, _pass_on_post(message, _today()))
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.passed_on == _today()
    html = client.get(detail_url).content.decode()
    assert f"{_today():%-d %B %Y} to the person responsible" in html

    # Complete
    complete_url = reverse("agreements:indirect_complete", args=[communication.pk])
    assert client.get(complete_url).status_code == 200
    response = client.post(
        complete_url,
        {**_date("completed_on", _today()), "effective": "yes", "how_we_know": "Both said it helped them move on"},
    )
    assert response.status_code == 302
    communication.refresh_from_db()
    assert communication.completed_on == _today()
    assert communication.effective is True
    assert communication.how_we_know == "Both said it helped them move on"
    html = client.get(detail_url).content.decode()
    assert "Both said it helped them move on" in html
    assert "Record a message" not in html

    activity = client.get(reverse("agreements:case_activity", args=[allocated_case.pk])).content.decode()
    assert "Shuttle mediation" in activity
    assert "Completed" in activity

    # The timeline never holds the message
    summaries = list(CaseEvent.objects.filter(case=allocated_case).values_list("summary", flat=True))
    assert "Message received" in summaries
    assert "Message passed on" in summaries
    assert not any(SECRET in s or "Remove the address" in s for s in summaries)


# --- Passing on only after approval -----------------------------------------------------------


@pytest.mark.parametrize("outcome", [None, ReviewOutcome.NEEDS_CHANGES])
def test_the_service_refuses_to_pass_on_before_approval(facilitator, message, outcome):
    if outcome:
        message_review(message=message, actor=facilitator, outcome=outcome, notes="Too harsh")
    with pytest.raises(ValidationError, match="only after a facilitator has reviewed and approved it"):
        message_pass_on(message=message, actor=facilitator, passed_on=_today())
    message.refresh_from_db()
    assert message.passed_on is None


def test_the_page_refuses_to_pass_on_before_approval(as_user, facilitator, message):
    response = as_user(facilitator).post(
        reverse("agreements:message_pass_on", args=[message.pk]), _pass_on_post(message, _today())
    )
    assert response.status_code == 422
    assert "only after a facilitator has reviewed and approved it" in response.content.decode()
    message.refresh_from_db()
    assert message.passed_on is None
    assert not ProcessingLogEntry.objects.filter(operation=Operation.DISCLOSURE).exists()


def test_a_passed_on_message_cannot_be_passed_on_or_reviewed_again(facilitator, approved):
    message_pass_on(message=approved, actor=facilitator, passed_on=_today())
    with pytest.raises(ValidationError, match="already been passed on"):
        message_pass_on(message=approved, actor=facilitator, passed_on=_today())
    with pytest.raises(ValidationError, match="already been passed on"):
        message_review(message=approved, actor=facilitator, outcome=ReviewOutcome.NEEDS_CHANGES, notes="x")


def test_review_needs_notes_when_changes_are_needed(facilitator, message):
    with pytest.raises(ValidationError) as exc:
        message_review(message=message, actor=facilitator, outcome=ReviewOutcome.NEEDS_CHANGES, notes="  ")
    assert "notes" in exc.value.error_dict
    with pytest.raises(ValidationError) as exc:
        message_review(message=message, actor=facilitator, outcome=ReviewOutcome.PENDING, notes="")
    assert "outcome" in exc.value.error_dict


def test_only_someone_working_the_case_reviews(message, unallocated_facilitator, administrator):
    for actor in (unallocated_facilitator, administrator):
        with pytest.raises(ValidationError, match="Only a facilitator or manager working this case"):
            message_review(message=message, actor=actor, outcome=ReviewOutcome.APPROVED, notes="")
    message.refresh_from_db()
    assert message.review_outcome == ReviewOutcome.PENDING
    assert message.reviewed_by is None


# --- Dates and case state ---------------------------------------------------------------------


def test_dates_are_checked(facilitator, allocated_case, communication, approved, victim, offender):
    tomorrow = _today() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        indirect_start(case=allocated_case, actor=facilitator, kind="other_letter", started_on=tomorrow)
    assert "started_on" in exc.value.error_dict
    for received_on in (tomorrow, communication.started_on - dt.timedelta(days=1)):
        with pytest.raises(ValidationError) as exc:
            message_record(
                communication=communication,
                actor=facilitator,
                direction=MessageDirection.TO_VICTIM,
                victim=victim,
                offender=offender,
                content="Sorry",
                received_on=received_on,
            )
        assert "received_on" in exc.value.error_dict
    for passed_on in (tomorrow, approved.received_on - dt.timedelta(days=1)):
        with pytest.raises(ValidationError) as exc:
            message_pass_on(message=approved, actor=facilitator, passed_on=passed_on)
        assert "passed_on" in exc.value.error_dict
    with pytest.raises(ValidationError) as exc:
        indirect_complete(
            communication=communication,
            actor=facilitator,
            completed_on=communication.started_on - dt.timedelta(days=1),
            effective=True,
            how_we_know="They said so",
        )
    assert "completed_on" in exc.value.error_dict
    with pytest.raises(ValidationError) as exc:
        indirect_complete(
            communication=communication, actor=facilitator, completed_on=_today(), effective=False, how_we_know=" "
        )
    assert "how_we_know" in exc.value.error_dict
    assert IndirectMessage.objects.count() == 1
    approved.refresh_from_db()
    assert approved.passed_on is None
    communication.refresh_from_db()
    assert communication.completed_on is None


def test_people_must_be_on_the_case(facilitator, communication, offender, other_manager, service):
    from cases.models import Victim

    stranger = Victim.objects.exclude(case=communication.case).first()
    with pytest.raises(ValidationError) as exc:
        message_record(
            communication=communication,
            actor=facilitator,
            direction=MessageDirection.TO_OFFENDER,
            victim=stranger,
            offender=offender,
            content="Hello",
            received_on=_today(),
        )
    assert "victim" in exc.value.error_dict


@pytest.mark.parametrize("state", ["paused", "closed", "unallocated"])
def test_a_paused_closed_or_unallocated_case_cannot_start(facilitator, allocated_case, state):
    changes = {
        "paused": {"is_paused": True},
        "closed": {"stage": "closed"},
        "unallocated": {"lead_facilitator": None},
    }[state]
    Case.objects.filter(pk=allocated_case.pk).update(**changes)
    allocated_case.refresh_from_db()
    with pytest.raises(ValidationError):
        indirect_start(case=allocated_case, actor=facilitator, kind="other_letter", started_on=_today())
    assert not IndirectCommunication.objects.exists()


def test_a_completed_communication_takes_no_more_messages(facilitator, communication, victim, offender):
    indirect_complete(
        communication=communication, actor=facilitator, completed_on=_today(), effective=False, how_we_know="x"
    )
    with pytest.raises(ValidationError, match="has been completed"):
        message_record(
            communication=communication,
            actor=facilitator,
            direction=MessageDirection.TO_VICTIM,
            victim=victim,
            offender=offender,
            content="Sorry",
            received_on=_today(),
        )


# --- Bad input on the pages: 422, nothing saved ------------------------------------------------


def test_bad_input_is_refused_and_nothing_saved(as_user, facilitator, allocated_case, communication, message):
    client = as_user(facilitator)
    urls = _urls(communication, message)
    tomorrow = _today() + dt.timedelta(days=1)

    response = client.post(urls["indirect_new"], {"kind": "", **_date("started_on", tomorrow)})
    assert response.status_code == 422
    html = response.content.decode()
    assert "Error: " in html
    assert "Select the kind of indirect communication" in html
    assert "Date it started must be today or in the past" in html
    assert IndirectCommunication.objects.count() == 1

    response = client.post(urls["message_new"], {"direction": "", "content": "", **_date("received_on", tomorrow)})
    assert response.status_code == 422
    html = response.content.decode()
    assert "Select who the message is from" in html
    assert "Enter the message, or a summary of it for a recording" in html
    assert "Date received must be today or in the past" in html
    assert IndirectMessage.objects.count() == 1

    response = client.post(urls["message_review"], {"outcome": "pending"})
    assert response.status_code == 422
    message.refresh_from_db()
    assert message.reviewed_at is None

    response = client.post(urls["indirect_complete"], {**_date("completed_on", tomorrow), "how_we_know": ""})
    assert response.status_code == 422
    html = response.content.decode()
    assert "Select whether it was effective" in html
    assert "Enter how we know whether it was effective" in html
    communication.refresh_from_db()
    assert communication.completed_on is None


def test_pass_on_without_a_date_is_refused(as_user, facilitator, approved):
    response = as_user(facilitator).post(reverse("agreements:message_pass_on", args=[approved.pk]), {})
    assert response.status_code == 422
    assert "Enter the date the message was passed on" in response.content.decode()
    approved.refresh_from_db()
    assert approved.passed_on is None


# --- Methods ------------------------------------------------------------------------------------


def test_wrong_methods_are_refused(as_user, facilitator, communication, message):
    client = as_user(facilitator)
    urls = _urls(communication, message)
    for name in ("indirect_new", "message_new", "message_review", "indirect_complete"):
        assert client.put(urls[name]).status_code == 405
    assert client.post(urls["indirect_detail"]).status_code == 405
    assert client.get(reverse("agreements:message_pass_on", args=[message.pk])).status_code == 405


# --- Who may open the pages ---------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["facilitator", "manager"])
def test_workers_open_every_page(request, as_user, communication, message, persona):
    client = as_user(request.getfixturevalue(persona))
    for url in _urls(communication, message).values():
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_outsiders_get_404_everywhere(request, as_user, communication, approved, vlo_victim, persona):
    client = as_user(request.getfixturevalue(persona))
    for name, url in _urls(communication, approved).items():
        assert refused(client.get(url), persona, communication.case_id), url
        if name != "indirect_detail":
            assert client.post(url, {}).status_code == 404, url
    response = client.post(reverse("agreements:message_pass_on", args=[approved.pk]), _pass_on_post(approved, _today()))
    assert response.status_code == 404
    approved.refresh_from_db()
    assert approved.passed_on is None


def test_missing_records_get_404(as_user, facilitator):
    client = as_user(facilitator)
    for name in ("indirect_detail", "message_new", "indirect_complete", "message_review"):
        assert client.get(reverse(f"agreements:{name}", args=[999999])).status_code == 404


def test_the_case_section_hides_indirect_communication_from_others(as_user, vlo_victim, communication, message, vlo):
    """The VLO sees only the victim: the section must not list records naming both sides."""
    response = as_user(vlo).get(reverse("agreements:case_activity", args=[communication.case_id]))
    if response.status_code == 200:
        html = response.content.decode()
        assert "Letter of apology" not in html
        assert "Start indirect communication" not in html


def test_offender_side_never_sees_the_victim(as_user, offender_manager, commissioner, communication, message):
    for user in (offender_manager, commissioner):
        client = as_user(user)
        for url in [
            *_urls(communication, message).values(),
            reverse("agreements:case_activity", args=[communication.case_id]),
        ]:
            response = client.get(url)
            body = response.content.decode()
            assert not [v for v in VICTIM_MARKERS.values() if v in body]
            assert SECRET not in body


# --- The processing log ---------------------------------------------------------------------------


def test_processing_log_rows(as_user, facilitator, victim, offender, communication, message):
    collection = ProcessingLogEntry.objects.get(operation=Operation.COLLECTION, object_type="IndirectMessage")
    assert (collection.person_kind, collection.person_id) == ("victim", victim.pk)
    assert collection.object_id == message.pk

    message_review(message=message, actor=facilitator, outcome=ReviewOutcome.APPROVED, notes="")
    alteration = ProcessingLogEntry.objects.get(operation=Operation.ALTERATION, object_type="IndirectMessage")
    assert (alteration.person_kind, alteration.person_id) == ("victim", victim.pk)

    as_user(facilitator).post(
        reverse("agreements:message_pass_on", args=[message.pk]), _pass_on_post(message, _today())
    )
    disclosure = ProcessingLogEntry.objects.get(operation=Operation.DISCLOSURE)
    assert (disclosure.person_kind, disclosure.person_id) == ("victim", victim.pk)
    assert disclosure.recipient == "person responsible"
    assert disclosure.case_id == communication.case_id

    reply = message_record(
        communication=communication,
        actor=facilitator,
        direction=MessageDirection.TO_VICTIM,
        victim=victim,
        offender=offender,
        content="I am sorry",
        received_on=_today(),
    )
    message_review(message=reply, actor=facilitator, outcome=ReviewOutcome.APPROVED, notes="")
    message_pass_on(message=reply, actor=facilitator, passed_on=_today())
    disclosure = ProcessingLogEntry.objects.get(operation=Operation.DISCLOSURE, object_id=reply.pk)
    assert (disclosure.person_kind, disclosure.person_id) == ("offender", offender.pk)
    assert disclosure.recipient == "person harmed"


def test_the_detail_page_logs_the_consultation(as_user, facilitator, victim, offender, communication, message):
    as_user(facilitator).get(reverse("agreements:indirect_detail", args=[communication.pk]))
    rows = ProcessingLogEntry.objects.filter(operation=Operation.CONSULTATION, object_type="IndirectCommunication")
    assert {(r.person_kind, r.person_id) for r in rows} == {("victim", victim.pk), ("offender", offender.pk)}


def test_matrix_support_objects(as_user, allocated_case, victim, offender, facilitator, manager, administrator):
    from tests.agreements.matrix_support import indirect_world

    objects = indirect_world(allocated_case, victim, offender, facilitator)
    message = objects["indirect_message"]
    pass_url = reverse("agreements:message_pass_on", args=[message.pk])
    for user in (facilitator, manager):
        assert as_user(user).post(pass_url).status_code == 422
    assert as_user(administrator).post(pass_url).status_code == 404
    for name in ("indirect_detail", "message_new", "indirect_complete"):
        assert as_user(manager).get(reverse(f"agreements:{name}", args=[objects["indirect"].pk])).status_code == 200

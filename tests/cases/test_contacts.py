"""Logging contacts on a person's record: the htmx form, the plain form, attempts and late entries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import CodeList, OffenderContact, Stage, TaskKind, VictimContact
from cases.services.lifecycle import case_close, decision_record
from cases.services.participants import participant_update
from tests.factories import VICTIM_MARKERS, code

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def victim(allocated_case):
    return allocated_case.victims.get()


@pytest.fixture
def offender(allocated_case):
    return allocated_case.offenders.get()


def _url(side: str, person) -> str:
    return reverse("cases:contact_add", args=[side, person.pk])


def _form(when: dt.datetime | None = None, **overrides) -> dict[str, str]:
    """What the form posts when someone logs a phone call, with its defaults."""
    when = timezone.localtime(when or timezone.now() - dt.timedelta(minutes=10))
    data = {
        "contact_type": str(code(CodeList.CONTACT_TYPE, "phone").pk),
        "occurred_on_day": str(when.day),
        "occurred_on_month": str(when.month),
        "occurred_on_year": str(when.year),
        "occurred_time": f"{when:%H:%M}",
        "direction": str(code(CodeList.DIRECTION, "outgoing").pk),
        "appointment": str(code(CodeList.APPOINTMENT, "not_applicable").pk),
        "notes": "Talked through what happens next.",
    }
    data.update(overrides)
    return data


def test_plain_post_saves_the_contact_and_redirects(as_user, facilitator, victim):
    when = timezone.localtime(timezone.now() - dt.timedelta(hours=3)).replace(second=0, microsecond=0)
    response = as_user(facilitator).post(
        _url("victim", victim), _form(when, with_whom="Vanessa", purpose="First call", minutes_spent="12")
    )
    assert response.status_code == 302
    assert response.url == reverse("cases:victim_detail", args=[victim.pk]) + "#contacts"
    contact = VictimContact.objects.get(participant=victim)
    assert contact.occurred_at == when
    assert contact.minutes_spent == 12
    assert contact.logged_by == facilitator
    assert not contact.is_attempt
    assert not contact.is_late
    follow = as_user(facilitator).get(response.url)
    assert "Talked through what happens next." in follow.content.decode()


def test_htmx_post_returns_the_new_entry_and_a_fresh_form(as_user, facilitator, victim):
    response = as_user(facilitator).post(_url("victim", victim), _form(notes="Agreed a home visit"), **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith('<div class="moj-timeline__item"')
    assert "Agreed a home visit" in html
    assert 'id="contact-form"' in html
    assert 'hx-swap-oob="true"' in html
    assert "data-autofocus" in html
    assert "Contact logged" in html
    assert 'id="contacts-empty" hx-swap-oob="delete"' in html  # the first contact removes the empty message
    assert VictimContact.objects.filter(participant=victim).count() == 1
    second = as_user(facilitator).post(_url("victim", victim), _form(notes="Second call"), **HTMX)
    assert "contacts-empty" not in second.content.decode()


def test_could_not_reach_is_one_click(as_user, facilitator, victim, allocated_case):
    now = timezone.localtime()
    data = {
        "contact_type": str(code(CodeList.CONTACT_TYPE, "phone").pk),
        "occurred_on_day": str(now.day),
        "occurred_on_month": str(now.month),
        "occurred_on_year": str(now.year),
        "occurred_time": f"{now:%H:%M}",
        "attempt": "1",
    }
    response = as_user(facilitator).post(_url("victim", victim), data, **HTMX)
    assert response.status_code == 200
    assert "Could not reach" in response.content.decode()
    contact = VictimContact.objects.get(participant=victim)
    assert contact.is_attempt
    assert contact.direction.code == "attempt"
    assert contact.appointment.code == "not_applicable"
    victim.refresh_from_db()
    assert victim.pathway_status == "not_started"  # an attempt is not contact
    assert allocated_case.tasks.filter(kind=TaskKind.FIRST_CONTACT, done_at__isnull=True).exists()


def test_could_not_reach_overrides_the_direction_chosen(as_user, facilitator, victim):
    as_user(facilitator).post(_url("offender", victim.case.offenders.get()), _form(attempt="1"))
    contact = OffenderContact.objects.get()
    assert contact.is_attempt
    assert contact.direction.code == "attempt"


def test_a_contact_logged_more_than_a_day_later_is_flagged_late(as_user, facilitator, victim):
    when = timezone.now() - dt.timedelta(days=2)
    response = as_user(facilitator).post(_url("victim", victim), _form(when), **HTMX)
    assert response.status_code == 200
    assert "Logged late" in response.content.decode()
    assert VictimContact.objects.get().is_late
    page = as_user(facilitator).get(reverse("cases:victim_detail", args=[victim.pk]))
    assert "Logged late" in page.content.decode()


def test_bad_input_by_htmx_returns_the_form_with_errors_and_saves_nothing(as_user, facilitator, victim):
    response = as_user(facilitator).post(
        _url("victim", victim), _form(occurred_time="25:99", minutes_spent="lots"), **HTMX
    )
    assert response.status_code == 422
    assert response["HX-Retarget"] == "#contact-form"
    assert response["HX-Reswap"] == "outerHTML"
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert "Enter the time in 24-hour format, for example 14:30" in html
    assert "Enter the time spent as a whole number of minutes" in html
    assert 'id="contact-form"' in html
    assert "<html" not in html
    assert 'value="lots"' in html  # what was typed is kept
    assert not VictimContact.objects.exists()


def test_bad_input_without_javascript_shows_the_whole_page_with_errors(as_user, facilitator, victim):
    data = _form()
    del data["occurred_time"]
    response = as_user(facilitator).post(_url("victim", victim), data)
    assert response.status_code == 422
    html = response.content.decode()
    assert "<title>Error:" in html
    assert "Enter the time of the contact" in html
    assert "app-side-banner--victim" in html
    assert not VictimContact.objects.exists()


def test_a_contact_in_the_future_is_refused(as_user, facilitator, victim):
    later = timezone.now() + dt.timedelta(hours=2)
    if timezone.localtime(later).date() != timezone.localdate():
        later = timezone.now() + dt.timedelta(days=1)
    response = as_user(facilitator).post(_url("victim", victim), _form(later), **HTMX)
    assert response.status_code == 422
    html = response.content.decode()
    assert "must be now or in the past" in html or "must be today or in the past" in html
    assert not VictimContact.objects.exists()


def test_next_appointment_needs_a_date(as_user, facilitator, victim):
    response = as_user(facilitator).post(_url("victim", victim), _form(next_where="Testtown office"), **HTMX)
    assert response.status_code == 422
    html = response.content.decode()
    assert "Enter the date of the next appointment" in html
    assert '<details class="govuk-details" open>' in html
    assert not VictimContact.objects.exists()


def test_next_appointment_is_saved_and_shown(as_user, facilitator, victim):
    soon = timezone.localdate() + dt.timedelta(days=3)
    data = _form(
        next_on_day=str(soon.day),
        next_on_month=str(soon.month),
        next_on_year=str(soon.year),
        next_time="10:30",
        next_where="Testtown office",
        next_type=str(code(CodeList.CONTACT_TYPE, "office_visit").pk),
    )
    response = as_user(facilitator).post(_url("victim", victim), data, **HTMX)
    assert response.status_code == 200
    contact = VictimContact.objects.get()
    assert timezone.localtime(contact.next_appointment_at).time() == dt.time(10, 30)
    assert "Testtown office" in response.content.decode()


def test_a_contact_can_tell_the_person_about_a_decision(as_user, facilitator, manager, victim, allocated_case):
    decision_record(case=allocated_case, actor=manager, participant=victim, summary="Assessed as suitable")
    event = allocated_case.events.get(needs_informing=True)
    client = as_user(facilitator)
    page = client.get(reverse("cases:victim_detail", args=[victim.pk]))
    assert "Assessed as suitable" in page.content.decode()
    response = client.post(_url("victim", victim), _form(informs_event=str(event.pk)), **HTMX)
    assert response.status_code == 200
    assert "Told them about: Assessed as suitable" in response.content.decode()
    assert not allocated_case.tasks.filter(kind=TaskKind.TELL_PARTICIPANT, done_at__isnull=True).exists()
    again = client.get(reverse("cases:victim_detail", args=[victim.pk]))
    assert "informs_event" not in again.content.decode()  # nothing left to tell them about


def test_a_decision_about_someone_else_cannot_be_chosen(
    as_user, facilitator, manager, victim, offender, allocated_case
):
    decision_record(case=allocated_case, actor=manager, participant=victim, summary="Victim decision")
    decision_record(case=allocated_case, actor=manager, participant=offender, summary="Offender suitable")
    event = allocated_case.events.get(needs_informing=True, offender=offender)
    client = as_user(facilitator)
    page = client.get(reverse("cases:victim_detail", args=[victim.pk])).content.decode()
    assert "Victim decision" in page
    assert "Offender suitable" not in page
    response = client.post(_url("victim", victim), _form(informs_event=str(event.pk)), **HTMX)
    assert response.status_code == 422
    assert "Select a decision from the list" in response.content.decode()
    assert not VictimContact.objects.exists()


def test_a_decision_is_ignored_when_the_person_has_none_open(
    as_user, facilitator, manager, victim, offender, allocated_case
):
    decision_record(case=allocated_case, actor=manager, participant=offender, summary="Offender suitable")
    event = allocated_case.events.get(needs_informing=True)
    response = as_user(facilitator).post(_url("victim", victim), _form(informs_event=str(event.pk)), **HTMX)
    assert response.status_code == 200
    assert VictimContact.objects.get().informs_event is None


def test_contact_form_only_accepts_post(as_user, facilitator, victim):
    assert as_user(facilitator).get(_url("victim", victim)).status_code == 405


@pytest.mark.parametrize(
    "persona", ["offender_manager", "vlo", "unallocated_facilitator", "other_manager", "commissioner", "administrator"]
)
def test_outsiders_cannot_log_contacts(request, as_user, manager, vlo, victim, offender, persona):
    participant_update(participant=victim, actor=manager, data={"vlo": vlo})
    client = as_user(request.getfixturevalue(persona))
    for side, person in (("victim", victim), ("offender", offender)):
        response = client.post(_url(side, person), _form(), **HTMX)
        assert response.status_code == 404
        for value in VICTIM_MARKERS.values():
            assert value not in response.content.decode()
    assert not VictimContact.objects.exists()
    assert not OffenderContact.objects.exists()


def test_a_victim_contact_never_shows_on_the_offender_record(as_user, facilitator, victim, offender):
    client = as_user(facilitator)
    client.post(_url("victim", victim), _form(notes="VICTIMONLY detail"), **HTMX)
    client.post(_url("offender", offender), _form(notes="OFFENDERONLY detail"), **HTMX)
    assert VictimContact.objects.get().notes == "VICTIMONLY detail"
    assert OffenderContact.objects.get().notes == "OFFENDERONLY detail"
    offender_html = client.get(reverse("cases:offender_detail", args=[offender.pk])).content.decode()
    victim_html = client.get(reverse("cases:victim_detail", args=[victim.pk])).content.decode()
    assert "VICTIMONLY" not in offender_html
    assert "OFFENDERONLY" not in victim_html


def test_closed_case_refuses_contacts(as_user, facilitator, manager, allocated_case, victim):
    case_close(case=allocated_case, actor=manager, stage=Stage.NOT_PROCEEDING, reason_code="victim_declined")
    assert as_user(facilitator).post(_url("victim", victim), _form(), **HTMX).status_code == 404
    response = as_user(manager).post(_url("victim", victim), _form(), **HTMX)
    assert response.status_code == 422
    assert "This case is closed" in response.content.decode()
    assert not VictimContact.objects.exists()
    response = as_user(manager).post(_url("victim", victim), _form())
    assert response.status_code == 422
    assert "This case is closed" in response.content.decode()
    assert not VictimContact.objects.exists()

"""The conference record: changing the plan, other attendees, postponing, cancelling and the write-up."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from agreements.models import ConferenceAttendee, ConferenceStatus
from agreements.services import conferences as services
from audit.models import ProcessingLogEntry
from cases.models import CaseEvent, EventKind, Stage
from tests.agreements.test_conference_gate import assess
from tests.factories import VICTIM_MARKERS

pytestmark = pytest.mark.django_db

OUTSIDERS = ["unallocated_facilitator", "other_manager", "offender_manager", "vlo", "commissioner", "administrator"]
WRITE_UP = {
    "held_start_time": "10:05",
    "held_end_time": "11:50",
    "background": "A burglary at the family home.",
    "how_it_went": "Tense start; the apology was the turning point.",
    "lessons_learnt": "Allow more time for the break.",
}


@pytest.fixture
def victim(allocated_case):
    return allocated_case.victims.get()


@pytest.fixture
def offender(allocated_case):
    return allocated_case.offenders.get()


def _plan(case, actor, victim, offender, **overrides):
    data = {
        "date": timezone.localdate() + dt.timedelta(days=14),
        "start_time": dt.time(10, 0),
        "end_time": dt.time(12, 0),
        "venue_kind": "community",
        "venue_name": "Testtown community centre",
        "video_link": False,
        **overrides,
    }
    return services.conference_plan(case=case, actor=actor, data=data, victims=[victim], offenders=[offender])


@pytest.fixture
def conference(allocated_case, facilitator, victim, offender):
    return _plan(allocated_case, facilitator, victim, offender)


def _set(conference, **fields):
    type(conference).objects.filter(pk=conference.pk).update(**fields)
    conference.refresh_from_db()
    return conference


def _url(name, conference):
    return reverse(f"agreements:{name}", args=[conference.pk])


def _form_data(conference, **overrides):
    date = overrides.pop("date", conference.date)
    data = {
        "date_day": date.day,
        "date_month": date.month,
        "date_year": date.year,
        "start_time": conference.start_time.strftime("%H:%M"),
        "end_time": conference.end_time.strftime("%H:%M") if conference.end_time else "",
        "venue_kind": conference.venue_kind,
        "venue_name": conference.venue_name,
        "victims": [v.pk for v in conference.attending_victims.all()],
        "offenders": [o.pk for o in conference.attending_offenders.all()],
        "lead_facilitator": conference.lead_facilitator_id or "",
        "second_facilitator": conference.second_facilitator_id or "",
    }
    data.update(overrides)
    return data


# --- Planning -------------------------------------------------------------------------------------


def test_planning_defaults_the_facilitators_to_the_cases(conference, allocated_case):
    assert conference.lead_facilitator_id == allocated_case.lead_facilitator_id
    assert conference.second_facilitator_id == allocated_case.second_facilitator_id


def test_a_facilitator_must_be_staff_of_the_service(conference, facilitator, other_manager):
    with pytest.raises(ValidationError) as exc:
        services.conference_update(conference=conference, actor=facilitator, data={"lead_facilitator": other_manager})
    assert "lead_facilitator" in exc.value.error_dict


def test_editing_records_checklist_and_custody(as_user, facilitator, conference):
    data = _form_data(
        conference,
        venue_kind="prison",
        venue_name="HMP Testtown",
        venue_visited="on",
        separate_waiting_rooms="on",
        security_liaison="Security office, agreed escort",
        visitor_list_sent="on",
        id_requirements="Photo ID",
        arrival_plan="Victim arrives 30 minutes later",
        lead_facilitator_agency="Testtown RJ",
    )
    response = as_user(facilitator).post(_url("conference_edit", conference), data)
    assert response.status_code == 302
    conference.refresh_from_db()
    assert conference.venue_visited and conference.separate_waiting_rooms and not conference.venue_safe
    assert conference.security_liaison == "Security office, agreed escort"
    assert conference.lead_facilitator_agency == "Testtown RJ"
    assert services.custody_missing(conference) == []
    detail = as_user(facilitator).get(_url("conference_detail", conference)).content.decode()
    assert "Custody arrangements" in detail and "Photo ID" in detail


def test_editing_page_shows_custody_as_a_fieldset(as_user, facilitator, conference):
    html = as_user(facilitator).get(_url("conference_edit", conference)).content.decode()
    assert "Custody arrangements</h2>" in html
    assert "Venue checklist</h2>" in html


def test_editing_with_bad_input_is_422_and_saves_nothing(as_user, facilitator, conference):
    data = _form_data(conference, venue_name="", end_time="09:00")
    response = as_user(facilitator).post(_url("conference_edit", conference), data)
    assert response.status_code == 422
    html = response.content.decode()
    assert "Enter the name of the venue" in html and "The end time must be after the start time" in html
    conference.refresh_from_db()
    assert conference.venue_name == "Testtown community centre"


def test_changing_a_confirmed_conferences_date_sends_it_back_to_planned(as_user, facilitator, conference):
    _set(conference, status=ConferenceStatus.CONFIRMED, confirmed_at=timezone.now(), confirmed_by=facilitator)
    response = as_user(facilitator).post(
        _url("conference_edit", conference), _form_data(conference, date=conference.date + dt.timedelta(days=1))
    )
    assert response.status_code == 302
    conference.refresh_from_db()
    assert conference.status == ConferenceStatus.PLANNED
    assert conference.confirmed_at is None


def test_changing_only_the_checklist_keeps_it_confirmed(facilitator, conference):
    _set(conference, status=ConferenceStatus.CONFIRMED, confirmed_at=timezone.now(), confirmed_by=facilitator)
    services.conference_update(conference=conference, actor=facilitator, data={"venue_safe": True})
    conference.refresh_from_db()
    assert conference.status == ConferenceStatus.CONFIRMED


def test_changing_a_confirmed_conferences_attendees_sends_it_back(facilitator, conference, victim):
    _set(conference, status=ConferenceStatus.CONFIRMED)
    services.conference_update(conference=conference, actor=facilitator, data={}, victims=[victim], offenders=[])
    conference.refresh_from_db()
    assert conference.status == ConferenceStatus.PLANNED


def test_a_held_conference_cannot_be_edited(as_user, facilitator, conference):
    _set(conference, status=ConferenceStatus.HELD)
    assert as_user(facilitator).get(_url("conference_edit", conference)).status_code == 404
    with pytest.raises(ValidationError):
        services.conference_update(conference=conference, actor=facilitator, data={"venue_name": "Elsewhere"})


# --- Custody blocker ------------------------------------------------------------------------------


def test_prison_venue_cannot_be_confirmed_without_custody_arrangements(
    as_user, facilitator, manager, conference, victim, offender
):
    assess(victim, author=facilitator, decider=manager)
    assess(offender, author=facilitator, decider=manager)
    _set(conference, venue_kind="prison", venue_name="HMP Testtown")
    client = as_user(facilitator)
    assert services.CUSTODY_MESSAGE in client.get(_url("conference_confirm", conference)).content.decode()
    response = client.post(_url("conference_confirm", conference))
    assert response.status_code == 422
    assert services.CUSTODY_MESSAGE in response.content.decode()
    conference.refresh_from_db()
    assert conference.status == ConferenceStatus.PLANNED
    _set(conference, security_liaison="Agreed", visitor_list_sent=True, id_requirements="Photo ID", arrival_plan="x")
    assert client.post(_url("conference_confirm", conference)).status_code == 302
    conference.refresh_from_db()
    assert conference.status == ConferenceStatus.CONFIRMED


def test_community_venue_needs_no_custody_arrangements(conference):
    assert services.custody_missing(conference) == []


# --- Other attendees ------------------------------------------------------------------------------


def test_adding_a_supporter_without_agreement(as_user, facilitator, conference):
    response = as_user(facilitator).post(
        _url("attendee_add", conference),
        {"kind": "victim_supporter", "name": "Sam Support", "relationship_or_organisation": "Friend"},
    )
    assert response.status_code == 302
    attendee = conference.other_attendees.get()
    assert attendee.name == "Sam Support" and not attendee.agreement_recorded
    kinds = set(
        ProcessingLogEntry.objects.filter(
            object_type="Conference", object_id=conference.pk, operation="collection"
        ).values_list("person_kind", flat=True)
    )
    assert kinds == {"victim", "offender"}
    assert CaseEvent.objects.filter(case=conference.case, kind=EventKind.CONFERENCE, summary__contains="added").exists()


@pytest.mark.parametrize("kind", ["observer", "researcher"])
def test_observers_and_researchers_need_agreement(as_user, facilitator, conference, kind):
    client = as_user(facilitator)
    response = client.post(_url("attendee_add", conference), {"kind": kind, "name": "Olive Observer"})
    assert response.status_code == 422
    assert "can attend only if everyone taking part agreed" in response.content.decode()
    assert not conference.other_attendees.exists()
    with pytest.raises(ValidationError):
        services.attendee_add(conference=conference, actor=facilitator, data={"kind": kind, "name": "O"})
    response = client.post(
        _url("attendee_add", conference), {"kind": kind, "name": "Olive Observer", "agreement_recorded": "on"}
    )
    assert response.status_code == 302
    assert conference.other_attendees.get().agreement_recorded


def test_attendee_bad_input_is_422(as_user, facilitator, conference):
    response = as_user(facilitator).post(_url("attendee_add", conference), {"kind": "nonsense", "name": ""})
    assert response.status_code == 422
    assert "Enter the person&#x27;s name" in response.content.decode()
    assert not conference.other_attendees.exists()


def test_removing_an_attendee(as_user, facilitator, conference):
    attendee = services.attendee_add(
        conference=conference, actor=facilitator, data={"kind": "other_affected", "name": "Ann Other"}
    )
    client = as_user(facilitator)
    assert client.get(_url("attendee_remove", conference)).status_code == 405
    assert client.post(_url("attendee_remove", conference), {"attendee": "999999"}).status_code == 422
    assert client.post(_url("attendee_remove", conference), {"attendee": attendee.pk}).status_code == 302
    assert not ConferenceAttendee.objects.filter(pk=attendee.pk).exists()
    assert ProcessingLogEntry.objects.filter(object_id=conference.pk, operation="alteration").count() == 2


def test_an_attendee_of_another_conference_cannot_be_removed(
    as_user, facilitator, conference, allocated_case, victim, offender
):
    other = _plan(allocated_case, facilitator, victim, offender)
    attendee = services.attendee_add(conference=other, actor=facilitator, data={"kind": "other_affected", "name": "A"})
    response = as_user(facilitator).post(_url("attendee_remove", conference), {"attendee": attendee.pk})
    assert response.status_code == 422
    assert ConferenceAttendee.objects.filter(pk=attendee.pk).exists()


# --- Postpone and cancel ----------------------------------------------------------------------------


@pytest.mark.parametrize("start", [ConferenceStatus.PLANNED, ConferenceStatus.CONFIRMED])
def test_postponing(as_user, facilitator, conference, start):
    _set(conference, status=start)
    client = as_user(facilitator)
    assert client.get(_url("conference_postpone", conference)).status_code == 200
    response = client.post(_url("conference_postpone", conference), {"reason": "The person harmed is unwell"})
    assert response.status_code == 302
    conference.refresh_from_db()
    assert conference.status == ConferenceStatus.POSTPONED
    assert conference.status_reason == "The person harmed is unwell"
    assert CaseEvent.objects.filter(case=conference.case, summary__contains="postponed").exists()


def test_a_postponed_conference_is_planned_again_with_a_new_date(as_user, facilitator, conference):
    services.conference_postpone(conference=conference, actor=facilitator, reason="Illness")
    conference.refresh_from_db()
    response = as_user(facilitator).post(
        _url("conference_edit", conference), _form_data(conference, date=conference.date + dt.timedelta(days=7))
    )
    assert response.status_code == 302
    conference.refresh_from_db()
    assert conference.status == ConferenceStatus.PLANNED


@pytest.mark.parametrize("name", ["conference_postpone", "conference_cancel"])
def test_a_reason_is_required(as_user, facilitator, conference, name):
    response = as_user(facilitator).post(_url(name, conference), {"reason": "  "})
    assert response.status_code == 422
    assert "Enter why the conference is being" in response.content.decode()
    conference.refresh_from_db()
    assert conference.status == ConferenceStatus.PLANNED


@pytest.mark.parametrize("start", [ConferenceStatus.HELD, ConferenceStatus.CANCELLED, ConferenceStatus.POSTPONED])
def test_postponing_is_refused_from_the_wrong_state(as_user, facilitator, conference, start):
    _set(conference, status=start)
    response = as_user(facilitator).post(_url("conference_postpone", conference), {"reason": "Because"})
    assert response.status_code == 422
    assert "it cannot be postponed" in response.content.decode()
    conference.refresh_from_db()
    assert conference.status == start


def test_cancelling(as_user, facilitator, conference):
    response = as_user(facilitator).post(_url("conference_cancel", conference), {"reason": "Offender withdrew"})
    assert response.status_code == 302
    conference.refresh_from_db()
    assert conference.status == ConferenceStatus.CANCELLED
    assert conference.status_reason == "Offender withdrew"
    again = as_user(facilitator).post(_url("conference_cancel", conference), {"reason": "Again"})
    assert again.status_code == 422


# --- Held and the write-up -------------------------------------------------------------------------


@pytest.fixture
def confirmed_today(conference, facilitator):
    return _set(conference, status=ConferenceStatus.CONFIRMED, date=timezone.localdate())


def test_recording_held_moves_the_case_to_activity(as_user, facilitator, confirmed_today, allocated_case):
    allocated_case.refresh_from_db()
    assert allocated_case.stage in (Stage.ALLOCATED, Stage.ASSESSMENT, Stage.PREPARATION)
    type(allocated_case).objects.filter(pk=allocated_case.pk).update(stage=Stage.ASSESSMENT)
    client = as_user(facilitator)
    page = client.get(_url("conference_held", confirmed_today)).content.decode()
    assert "video link work" not in page
    response = client.post(_url("conference_held", confirmed_today), WRITE_UP)
    assert response.status_code == 302
    confirmed_today.refresh_from_db()
    assert confirmed_today.status == ConferenceStatus.HELD
    assert confirmed_today.held_start_time == dt.time(10, 5)
    assert confirmed_today.recorded_by == facilitator
    allocated_case.refresh_from_db()
    assert allocated_case.stage == Stage.ACTIVITY
    detail = client.get(_url("conference_detail", confirmed_today)).content.decode()
    assert "Allow more time for the break." in detail


def test_write_up_fields_are_required(as_user, facilitator, confirmed_today):
    response = as_user(facilitator).post(_url("conference_held", confirmed_today), {})
    assert response.status_code == 422
    html = response.content.decode()
    for message in ("Enter the background", "Enter the lessons learnt", "Enter the time the conference started"):
        assert message in html
    assert "video link worked" not in html
    confirmed_today.refresh_from_db()
    assert confirmed_today.status == ConferenceStatus.CONFIRMED


def test_video_fields_are_required_when_video_was_used(as_user, facilitator, confirmed_today):
    _set(confirmed_today, video_link=True)
    client = as_user(facilitator)
    response = client.post(_url("conference_held", confirmed_today), WRITE_UP)
    assert response.status_code == 422
    assert "Select whether the video link worked for the person harmed" in response.content.decode()
    data = {
        **WRITE_UP,
        "video_worked_for_victim": "yes",
        "video_worked_for_offender": "no",
        "video_how_we_know": "Asked",
    }
    assert client.post(_url("conference_held", confirmed_today), data).status_code == 302
    confirmed_today.refresh_from_db()
    assert confirmed_today.video_worked_for_victim is True and confirmed_today.video_worked_for_offender is False


def test_held_is_refused_unless_confirmed(as_user, facilitator, conference):
    _set(conference, date=timezone.localdate())
    client = as_user(facilitator)
    assert "Only a confirmed conference" in client.get(_url("conference_held", conference)).content.decode()
    response = client.post(_url("conference_held", conference), WRITE_UP)
    assert response.status_code == 422
    conference.refresh_from_db()
    assert conference.status == ConferenceStatus.PLANNED


def test_held_is_refused_before_the_date(facilitator, conference):
    _set(conference, status=ConferenceStatus.CONFIRMED)
    with pytest.raises(ValidationError, match="on or after its date"):
        services.conference_record_held(
            conference=conference,
            actor=facilitator,
            data={**WRITE_UP, "held_start_time": dt.time(10), "held_end_time": dt.time(11)},
        )


# --- Access and methods --------------------------------------------------------------------------

PAGES = ["conference_edit", "attendee_add", "conference_postpone", "conference_cancel", "conference_held"]


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("persona", ["facilitator", "manager"])
def test_workers_open_every_page(as_user, request, conference, name, persona):
    assert as_user(request.getfixturevalue(persona)).get(_url(name, conference)).status_code == 200


@pytest.mark.parametrize("name", [*PAGES, "attendee_remove"])
@pytest.mark.parametrize("persona", OUTSIDERS)
def test_outsiders_get_404(as_user, request, conference, name, persona):
    client = as_user(request.getfixturevalue(persona))
    assert client.get(_url(name, conference)).status_code in (404, 405)
    response = client.post(_url(name, conference), {"reason": "x", "attendee": "1"})
    assert response.status_code == 404
    assert not any(value in response.content.decode() for value in VICTIM_MARKERS.values())
    conference.refresh_from_db()
    assert conference.status == ConferenceStatus.PLANNED


@pytest.mark.parametrize("name", PAGES)
def test_wrong_method(as_user, facilitator, conference, name):
    assert as_user(facilitator).put(_url(name, conference)).status_code == 405


# --- Review regressions ---------------------------------------------------------------------


def test_a_closed_case_conference_cannot_be_changed_by_anyone(allocated_case, manager, facilitator):
    import datetime as dt

    from django.core.exceptions import ValidationError
    from django.utils import timezone

    from agreements.services.conferences import attendee_add, conference_plan, conference_postpone
    from cases.models import Stage
    from cases.services.lifecycle import case_close

    conference = conference_plan(
        case=allocated_case,
        actor=facilitator,
        data={
            "date": timezone.localdate() + dt.timedelta(days=7),
            "start_time": dt.time(10, 0),
            "venue_name": "Hall",
            "venue_kind": "community",
        },
        victims=list(allocated_case.victims.all()),
        offenders=list(allocated_case.offenders.all()),
    )
    case_close(case=allocated_case, actor=manager, stage=Stage.NOT_PROCEEDING, reason_code="victim_declined")
    with pytest.raises(ValidationError):
        attendee_add(conference=conference, actor=manager, data={"kind": "victim_supporter", "name": "Bob"})
    with pytest.raises(ValidationError):
        conference_postpone(conference=conference, actor=manager, reason="Illness")


def test_postponement_reasons_stay_off_the_case_timeline(allocated_case, facilitator):
    import datetime as dt

    from django.utils import timezone

    from agreements.services.conferences import conference_plan, conference_postpone

    conference = conference_plan(
        case=allocated_case,
        actor=facilitator,
        data={
            "date": timezone.localdate() + dt.timedelta(days=7),
            "start_time": dt.time(10, 0),
            "venue_name": "Hall",
            "venue_kind": "community",
        },
        victims=list(allocated_case.victims.all()),
        offenders=list(allocated_case.offenders.all()),
    )
    conference_postpone(conference=conference, actor=facilitator, reason="Secret reason about someone")
    assert not allocated_case.events.filter(summary__contains="Secret reason").exists()
    conference.refresh_from_db()
    assert conference.status_reason == "Secret reason about someone"


def test_changing_the_venue_or_adding_someone_sends_a_confirmed_conference_back(facilitator, conference):
    from agreements.services.conferences import attendee_add, conference_update

    _set(conference, status=ConferenceStatus.CONFIRMED, confirmed_at=timezone.now(), confirmed_by=facilitator)
    conference_update(conference=conference, actor=facilitator, data={"venue_kind": "prison", "venue_name": "HMP X"})
    conference.refresh_from_db()
    assert conference.status == ConferenceStatus.PLANNED
    _set(conference, status=ConferenceStatus.CONFIRMED, confirmed_at=timezone.now(), confirmed_by=facilitator)
    attendee_add(
        conference=conference,
        actor=facilitator,
        data={"kind": "observer", "name": "Olive Observer", "agreement_recorded": True},
    )
    conference.refresh_from_db()
    assert conference.status == ConferenceStatus.PLANNED

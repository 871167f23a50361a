"""Moving a case to its next stage, and closing it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import permissions
from cases.models import CaseEvent, EventKind, Stage, WithdrawnBy
from cases.services.lifecycle import case_set_stage
from tests.factories import VICTIM_MARKERS

pytestmark = pytest.mark.django_db

OUTSIDERS = ["administrator", "offender_manager", "vlo", "commissioner", "other_manager", "unallocated_facilitator"]


def stage_url(case):
    return reverse("cases:case_stage", args=[case.pk])


def close_url(case):
    return reverse("cases:case_close", args=[case.pk])


def date_fields(name, date):
    return {f"{name}_day": str(date.day), f"{name}_month": str(date.month), f"{name}_year": str(date.year)}


def move_to(case, actor, *stages):
    for stage in stages:
        case_set_stage(case=case, actor=actor, stage=stage)
    case.refresh_from_db()
    return case


# --- Stage moves -----------------------------------------------------------------------------


def test_facilitator_sees_the_next_stage(as_user, facilitator, allocated_case):
    response = as_user(facilitator).get(stage_url(allocated_case))
    assert response.status_code == 200
    content = response.content.decode()
    assert 'value="assessment"' in content
    assert 'value="withdrawn"' not in content
    assert 'value="activity"' not in content
    for marker in VICTIM_MARKERS.values():
        assert marker not in content


@pytest.mark.parametrize("persona", ["facilitator", "facilitator2", "manager"])
def test_case_workers_move_the_case_on(request, as_user, persona, allocated_case):
    response = as_user(request.getfixturevalue(persona)).post(
        stage_url(allocated_case), {"stage": "assessment", "note": "First meeting booked"}
    )
    assert response.status_code == 302
    allocated_case.refresh_from_db()
    assert allocated_case.stage == Stage.ASSESSMENT
    event = CaseEvent.objects.filter(case=allocated_case, kind=EventKind.STAGE).latest("occurred_at")
    assert event.summary == "Stage changed from Allocated to Assessment. First meeting booked"


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_stage_page_is_not_found_for_others(request, as_user, persona, allocated_case):
    client = as_user(request.getfixturevalue(persona))
    assert client.get(stage_url(allocated_case)).status_code == 404
    assert client.post(stage_url(allocated_case), {"stage": "assessment"}).status_code == 404
    allocated_case.refresh_from_db()
    assert allocated_case.stage == Stage.ALLOCATED


@pytest.mark.parametrize("method", ["put", "delete"])
def test_stage_page_refuses_other_methods(as_user, facilitator, allocated_case, method):
    assert getattr(as_user(facilitator), method)(stage_url(allocated_case)).status_code == 405


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Select the stage"),
        ({"stage": "activity"}, "Select a stage from the list"),
        ({"stage": "closed"}, "Select a stage from the list"),
        ({"stage": "assessment", "note": "x" * 401}, "Note must be 400 characters or fewer"),
    ],
)
def test_stage_bad_input_changes_nothing(as_user, facilitator, allocated_case, data, message):
    response = as_user(facilitator).post(stage_url(allocated_case), data)
    assert response.status_code == 422
    content = response.content.decode()
    assert message in content
    assert "Error: Change the stage" in content
    allocated_case.refresh_from_db()
    assert allocated_case.stage == Stage.ALLOCATED


def test_follow_up_case_is_sent_to_closure(as_user, manager, allocated_case):
    move_to(allocated_case, manager, Stage.ASSESSMENT, Stage.PREPARATION, Stage.ACTIVITY, Stage.FOLLOW_UP)
    content = as_user(manager).get(stage_url(allocated_case)).content.decode()
    assert "The next step for this case is to close it" in content
    assert 'name="stage"' not in content


# --- Closure ----------------------------------------------------------------------------------


def test_close_page_offers_only_the_endings_allowed(as_user, facilitator, allocated_case):
    response = as_user(facilitator).get(close_url(allocated_case))
    assert response.status_code == 200
    content = response.content.decode()
    assert 'value="withdrawn"' in content
    assert 'value="not_proceeding"' in content
    assert 'value="closed"' not in content
    assert f'value="{timezone.localdate().day}"' in content
    for marker in VICTIM_MARKERS.values():
        assert marker not in content


def test_facilitator_withdraws_a_case(as_user, facilitator, allocated_case):
    closed_on = timezone.localdate()
    response = as_user(facilitator).post(
        close_url(allocated_case),
        {
            "stage": "withdrawn",
            "not_proceeding_reason": _code_pk("not_proceeding", "victim_declined"),
            "withdrawn_by": WithdrawnBy.VICTIM,
            "outcome_reason": "Decided not to take part after the first visit.",
            **date_fields("closed_on", closed_on),
        },
    )
    assert response.status_code == 302
    allocated_case.refresh_from_db()
    assert allocated_case.stage == Stage.WITHDRAWN
    assert allocated_case.withdrawn_by == WithdrawnBy.VICTIM
    assert allocated_case.not_proceeding_reason.code == "victim_declined"
    assert allocated_case.outcome.code == "not_proceeding"
    assert allocated_case.closed_on == closed_on
    assert not permissions.has_object_perm(facilitator, permissions.CASE_CHANGE, allocated_case)
    assert permissions.has_object_perm(facilitator, permissions.CASE_VIEW, allocated_case)


def test_manager_closes_a_case_after_follow_up(as_user, manager, allocated_case):
    move_to(allocated_case, manager, Stage.ASSESSMENT, Stage.PREPARATION, Stage.ACTIVITY, Stage.FOLLOW_UP)
    end = timezone.localdate() + dt.timedelta(days=60)
    response = as_user(manager).post(
        close_url(allocated_case),
        {
            "stage": "closed",
            "outcome": _code_pk("outcome", "conference"),
            "withdrawn_by": WithdrawnBy.OFFENDER,
            "outcome_reason": "Both parties wanted to meet; risk was managed.",
            **date_fields("closed_on", timezone.localdate()),
            **date_fields("victim_contact_end_on", end),
        },
    )
    assert response.status_code == 302
    allocated_case.refresh_from_db()
    assert allocated_case.stage == Stage.CLOSED
    assert allocated_case.outcome.code == "conference"
    assert allocated_case.withdrawn_by == ""
    assert allocated_case.victim_contact_end_on == end


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_close_page_is_not_found_for_others(request, as_user, persona, allocated_case):
    client = as_user(request.getfixturevalue(persona))
    assert client.get(close_url(allocated_case)).status_code == 404
    response = client.post(
        close_url(allocated_case),
        {
            "stage": "not_proceeding",
            "not_proceeding_reason": _code_pk("not_proceeding", "offender_declined"),
            "outcome_reason": "Declined",
            **date_fields("closed_on", timezone.localdate()),
        },
    )
    assert response.status_code == 404
    allocated_case.refresh_from_db()
    assert allocated_case.is_open


@pytest.mark.parametrize("method", ["put", "delete"])
def test_close_page_refuses_other_methods(as_user, facilitator, allocated_case, method):
    assert getattr(as_user(facilitator), method)(close_url(allocated_case)).status_code == 405


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"stage": ""}, "Select how the case ends"),
        ({"stage": "closed"}, "Select how the case ends"),
        ({"not_proceeding_reason": ""}, "Select the reason the case is not going ahead"),
        ({"withdrawn_by": ""}, "Select who withdrew"),
        ({"outcome_reason": ""}, "Enter why the case ended this way"),
        ({"closed_on_day": "", "closed_on_month": "", "closed_on_year": ""}, "Enter the closure date"),
        ({"closed_on_day": "31", "closed_on_month": "2"}, "Enter closure date as a real date"),
        ({"not_proceeding_reason": "999999"}, "Select a reason from the list"),
    ],
)
def test_close_bad_input_changes_nothing(as_user, facilitator, allocated_case, changes, message):
    data = {
        "stage": "withdrawn",
        "not_proceeding_reason": _code_pk("not_proceeding", "offender_declined"),
        "withdrawn_by": WithdrawnBy.OFFENDER,
        "outcome_reason": "Changed their mind.",
        **date_fields("closed_on", timezone.localdate()),
    }
    data.update(changes)
    response = as_user(facilitator).post(close_url(allocated_case), data)
    assert response.status_code == 422
    content = response.content.decode()
    assert message in content
    assert "Error: Close case" in content
    assert "Changed their mind." in content or changes.get("outcome_reason") == ""
    allocated_case.refresh_from_db()
    assert allocated_case.is_open
    assert permissions.has_object_perm(facilitator, permissions.CASE_CHANGE, allocated_case)


def test_closure_date_cannot_be_in_the_future(as_user, facilitator, allocated_case):
    response = as_user(facilitator).post(
        close_url(allocated_case),
        {
            "stage": "not_proceeding",
            "not_proceeding_reason": _code_pk("not_proceeding", "offender_declined"),
            "outcome_reason": "Declined.",
            **date_fields("closed_on", timezone.localdate() + dt.timedelta(days=2)),
        },
    )
    assert response.status_code == 422
    assert "Closure date must be today or in the past" in response.content.decode()


def test_closed_case_cannot_be_closed_again(as_user, manager, allocated_case):
    client = as_user(manager)
    data = {
        "stage": "not_proceeding",
        "not_proceeding_reason": _code_pk("not_proceeding", "offender_declined"),
        "outcome_reason": "Declined.",
        **date_fields("closed_on", timezone.localdate()),
    }
    assert client.post(close_url(allocated_case), data).status_code == 302
    assert "This case is already closed" in client.get(close_url(allocated_case)).content.decode()
    again = client.post(close_url(allocated_case), data)
    assert again.status_code == 422
    stage_page = client.get(stage_url(allocated_case)).content.decode()
    assert "This case is closed, so its stage cannot change" in stage_page


def _code_pk(list_name, value):
    from tests.factories import code

    return code(list_name, value).pk

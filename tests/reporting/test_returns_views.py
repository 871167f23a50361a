"""Who may open returns, the pages themselves, and the return schedule settings."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from reporting.models import QuarterlyReturn, ReturnSchedule
from reporting.returns import services
from tests.reporting import returns_support
from tests.reporting.returns_support import QUARTER, at, make_case, moment

pytestmark = pytest.mark.django_db

people = returns_support.people


# --- The pages -------------------------------------------------------------------------------------


def _return(people) -> QuarterlyReturn:
    quarterly_return, _ = services.return_get_or_create(service=people["service"], quarter=QUARTER, actor=None)
    services.return_build(quarterly_return=quarterly_return, actor=people["administrator"])
    return quarterly_return


def test_the_return_page_lists_warnings_as_links_to_the_cases(people, as_user):
    case = make_case(people, allocated_at=at(dt.date(2026, 4, 9)), offender={"ethnicity": None})
    quarterly_return = _return(people)
    page = as_user(people["administrator"]).get(quarterly_return.get_absolute_url()).content.decode()
    link = reverse("cases:case_detail", args=[case.pk])
    assert f'<a class="govuk-link" href="{link}">{case.reference}</a>: The person responsible' in page
    assert "Data-quality warnings (1)" in page
    assert "Submit version 1" in page and "Build the return again" in page
    assert reverse("reporting:version_xlsx", args=[quarterly_return.versions.get().pk]) in page
    assert "Counting rules" in page and "<script>" not in page
    # The administrator can follow the link to the case
    assert as_user(people["administrator"]).get(link).status_code == 200


def test_the_returns_list_shows_status_due_date_and_warnings(people, as_user):
    make_case(people, allocated_at=at(dt.date(2026, 4, 9)), offender={"sex": None})
    quarterly_return = _return(people)
    with moment(at(dt.date(2026, 9, 2))):
        page = as_user(people["manager"]).get(reverse("reporting:returns")).content.decode()
    assert quarterly_return.get_absolute_url() in page
    assert "April to June 2026" in page and "1 September 2026" in page and "Overdue" in page
    assert "Draft v1: ready" in page


def test_the_returns_list_takes_the_same_queries_for_one_return_or_four(people, as_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reporting.quarters import Quarter

    client = as_user(people["administrator"])
    _return(people)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("reporting:returns"))
    for start in (dt.date(2025, 4, 1), dt.date(2025, 7, 1), dt.date(2025, 10, 1)):
        quarterly_return, _ = services.return_get_or_create(
            service=people["service"], quarter=Quarter(start), actor=None
        )
        services.return_build(quarterly_return=quarterly_return, actor=None)
    with CaptureQueriesContext(connection) as four:
        page = client.get(reverse("reporting:returns")).content.decode()
    assert page.count("Draft v1: ready") >= 4
    assert len(four.captured_queries) == len(one.captured_queries)


def test_another_services_manager_sees_only_their_own_returns(people, other_manager, as_user):
    quarterly_return = _return(people)
    client = as_user(other_manager)
    assert quarterly_return.get_absolute_url() not in client.get(reverse("reporting:returns")).content.decode()
    version = quarterly_return.versions.get()
    for url in (
        quarterly_return.get_absolute_url(),
        reverse("reporting:version_xlsx", args=[version.pk]),
        reverse("reporting:version_csv", args=[version.pk, "cases"]),
    ):
        assert client.get(url).status_code == 404
    submit = reverse("reporting:return_submit", args=[quarterly_return.pk])
    assert client.post(submit, {"version": 1}).status_code == 404
    assert not quarterly_return.versions.get().is_submitted


def test_wrong_methods_are_refused(people, as_user):
    quarterly_return = _return(people)
    client = as_user(people["administrator"])
    assert client.get(reverse("reporting:return_rebuild", args=[quarterly_return.pk])).status_code == 405
    assert client.get(reverse("reporting:return_submit", args=[quarterly_return.pk])).status_code == 405
    assert client.get(reverse("reporting:return_start")).status_code == 405
    assert client.post(quarterly_return.get_absolute_url()).status_code == 405


def test_a_missing_return_is_404(people, as_user):
    assert as_user(people["administrator"]).get(reverse("reporting:return_detail", args=[999999])).status_code == 404


# --- The return schedule ---------------------------------------------------------------------------


def test_the_administrator_changes_the_schedule_and_due_dates_follow(people, as_user):
    client = as_user(people["administrator"])
    url = reverse("reporting:return_schedule")
    assert client.get(url).status_code == 200
    response = client.post(url, {"first_month": "1", "due_months_after_end": "1", "due_day": "15"})
    assert response.status_code == 302
    schedule = ReturnSchedule.objects.get(service=people["service"])
    assert (schedule.first_month, schedule.due_months_after_end, schedule.due_day) == (1, 1, 15)
    assert schedule.changed_by == people["administrator"]
    quarter = services.schedule_for(people["service"]).parse("2026-01")
    assert quarter is not None and quarter.due_on == dt.date(2026, 5, 15)  # a Friday
    page = client.get(url).content.decode()
    assert people["administrator"].display_name in page and "January" in page


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"first_month": "13", "due_months_after_end": "2", "due_day": "1"}, "first_month", "Select the month"),
        ({"first_month": "4", "due_months_after_end": "x", "due_day": "1"}, "due_months_after_end", "whole number"),
        ({"first_month": "4", "due_months_after_end": "9", "due_day": "1"}, "due_months_after_end", "from 0 to 6"),
        ({"first_month": "4", "due_months_after_end": "2", "due_day": "31"}, "due_day", "from 1 to 28"),
        ({"first_month": "4", "due_months_after_end": "2", "due_day": ""}, "due_day", "Enter the day"),
    ],
)
def test_bad_schedule_input_is_explained_at_the_field(people, as_user, data, field, message):
    response = as_user(people["administrator"]).post(reverse("reporting:return_schedule"), data)
    assert response.status_code == 422
    page = response.content.decode()
    assert f'id="id_{field}-error"' in page and message in page and "There is a problem" in page
    assert f'value="{data["due_day"]}"' in page or field == "due_day"
    assert not ReturnSchedule.objects.exists()


def test_only_administrators_change_the_schedule(people, as_user):
    for user in (people["manager"], people["facilitator"]):
        assert as_user(user).get(reverse("reporting:return_schedule")).status_code == 404

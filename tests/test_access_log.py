"""Managers see who has seen a record, and can search their service's processing log."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audit.models import ProcessingLogEntry

pytestmark = pytest.mark.django_db


def test_who_has_seen_a_victims_record(as_user, facilitator, manager, allocated_case):
    victim = allocated_case.victims.get()
    as_user(facilitator).get(reverse("cases:victim_detail", args=[victim.pk]))
    page = as_user(manager).get(reverse("cases:victim_detail", args=[victim.pk])).content.decode()
    assert reverse("audit:person_log", args=["victim", victim.pk]) in page
    response = as_user(manager).get(reverse("audit:person_log", args=["victim", victim.pk]))
    text = response.content.decode()
    assert response.status_code == 200
    assert facilitator.username in text and "Consultation" in text and "Record page" in text


@pytest.mark.parametrize("persona", ["facilitator", "administrator", "offender_manager", "vlo", "commissioner"])
def test_only_managers_see_the_log(as_user, allocated_case, persona, request):
    victim = allocated_case.victims.get()
    client = as_user(request.getfixturevalue(persona))
    assert client.get(reverse("audit:person_log", args=["victim", victim.pk])).status_code == 404
    assert client.get(reverse("audit:log_search")).status_code == 404


def test_another_services_manager_sees_nothing_of_this_service(as_user, other_manager, manager, allocated_case):
    victim = allocated_case.victims.get()
    as_user(manager).get(reverse("cases:victim_detail", args=[victim.pk]))
    assert as_user(other_manager).get(reverse("audit:person_log", args=["victim", victim.pk])).status_code == 404
    page = as_user(other_manager).get(reverse("audit:log_search")).content.decode()
    assert allocated_case.reference not in page


def test_search_by_reference_user_and_operation(as_user, facilitator, manager, allocated_case):
    victim = allocated_case.victims.get()
    as_user(facilitator).get(reverse("cases:victim_detail", args=[victim.pk]))
    client = as_user(manager)
    found = client.get(
        reverse("audit:log_search"),
        {"reference": allocated_case.reference, "username": facilitator.username, "operation": "consultation"},
    )
    assert found.status_code == 200 and "Record page" in found.content.decode()
    none = client.get(reverse("audit:log_search"), {"username": "nobody-at-all"})
    assert "No entries match" in none.content.decode()
    bad = client.get(
        reverse("audit:log_search"),
        {"since_day": "5", "since_month": "11", "since_year": "2026", "until_day": "1", "until_month": "11",
         "until_year": "2026"},
    )  # fmt: skip
    assert bad.status_code == 422 and "on or after the start date" in bad.content.decode()
    assert ProcessingLogEntry.objects.exists()


@pytest.mark.parametrize("rows", [2, 12])
def test_log_search_queries_do_not_grow(
    as_user, facilitator, manager, allocated_case, django_assert_max_num_queries, rows
):
    victim = allocated_case.victims.get()
    for _ in range(rows):
        as_user(facilitator).get(reverse("cases:victim_detail", args=[victim.pk]))
    client = as_user(manager)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("audit:log_search")).status_code == 200

"""The National Minimum compliance report and managers' lists of the cases behind each figure."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reporting.suppression import SUPPRESSED
from tests.reporting import dashboard_support as support
from tests.reporting.dashboard_support import QUARTER, bulk_cases, bulk_contacts, row_of, tables_of

pytestmark = pytest.mark.django_db
fixed_clock, staff, world = support.fixed_clock, support.staff, support.world

REPORT = reverse("reporting:compliance")


def cases_url(output: str) -> str:
    return reverse("reporting:compliance_cases", args=[output])


def test_the_report_shows_each_output_with_its_counting_rule(world, commissioner, as_user):
    response = as_user(commissioner).get(REPORT)
    assert response.status_code == 200
    table = tables_of(response)["Testshire RJ"]
    assert [row[0].split(":")[0] for row in table[1:]] == [f"R{n}" for n in range(1, 13)]
    r3 = row_of(table, "R3: Safety assured")
    assert "pre-conference risk assessment approved" in r3[1]
    assert r3[2:] == [SUPPRESSED, SUPPRESSED]  # 1 of 1: too few to show
    assert row_of(table, "R12: Data for monitoring and returns")[2] == "Not due yet (due 1 December 2026)"
    assert "See the cases" not in response.content.decode()


def test_rates_are_shown_only_when_no_small_group_can_be_worked_out(
    service, manager, commissioner, as_user, fixed_clock
):
    day = QUARTER.start + dt.timedelta(days=20)
    bulk_contacts(bulk_cases(service, manager, day, 10), manager, day)
    table = tables_of(as_user(commissioner).get(REPORT))["Testshire RJ"]
    assert row_of(table, "R11: A secure record of all activity")[2:] == ["100%", "10"]
    # 6 of 10 logged in time: 4 late is a small group, so the rate is hidden
    bulk_contacts(bulk_cases(service, manager, day, 10), manager, day, late=4)
    table = tables_of(as_user(commissioner).get(REPORT))["Testshire RJ"]
    assert row_of(table, "R11: A secure record of all activity")[2:] == [SUPPRESSED, "20"]
    # R4 has nothing to count this quarter
    assert row_of(table, "R4: Additional needs identified and addressed")[2:] == ["Nothing to count", "0"]


def test_a_rate_made_of_two_parts_is_hidden_when_one_part_is_small(
    service, manager, commissioner, as_user, fixed_clock
):
    """R11 adds up both sides' contacts. With 3 contacts with people responsible, its base less the
    dashboard's figure for one side would give the other side's 3 away."""
    day = QUARTER.start + dt.timedelta(days=20)
    cases = bulk_cases(service, manager, day, 10)
    bulk_contacts(cases, manager, day)
    bulk_contacts(cases[:3], manager, day, side="offender")
    table = tables_of(as_user(commissioner).get(REPORT))["Testshire RJ"]
    assert row_of(table, "R11: A secure record of all activity")[2:] == [SUPPRESSED, SUPPRESSED]
    dashboard = tables_of(as_user(commissioner).get(reverse("reporting:dashboard")))
    standards = dashboard["Work done within the national standards"]
    assert row_of(standards, "Contacts logged within 24 hours")[1:] == [SUPPRESSED, SUPPRESSED]


def test_managers_can_follow_a_figure_to_the_cases_behind_it(world, manager, as_user):
    client = as_user(manager)
    report = client.get(REPORT)
    assert f'href="{cases_url("r5")}?quarter=2026-07"' in report.content.decode()
    response = client.get(cases_url("r5"))
    assert response.status_code == 200
    table = tables_of(response)["Cases missing evidence, July to September 2026"]
    assert sorted(table[1:]) == sorted([[world["a"].reference, "2", "1"], [world["b"].reference, "1", "0"]])
    body = response.content.decode()
    assert reverse("cases:case_detail", args=[world["a"].pk]) in body
    every = tables_of(client.get(cases_url("r6"), {"show": "all"}))["Every case counted, July to September 2026"]
    assert sorted(row[0] for row in every[1:]) == sorted([world["a"].reference, world["d"].reference])


def test_commissioners_never_get_the_cases_behind_a_figure(world, commissioner, as_user):
    for output in ("r1", "r5", "r11"):
        assert as_user(commissioner).get(cases_url(output)).status_code == 404


@pytest.mark.parametrize("persona", ["facilitator", "administrator", "offender_manager", "vlo"])
def test_other_staff_get_404_on_the_cases_behind_a_figure(persona, world, request, as_user):
    assert as_user(request.getfixturevalue(persona)).get(cases_url("r5")).status_code == 404


def test_a_manager_of_another_service_sees_none_of_these_cases(world, other_manager, as_user):
    response = as_user(other_manager).get(cases_url("r5"), {"show": "all"})
    assert response.status_code == 200
    assert world["a"].reference not in response.content.decode()


@pytest.mark.parametrize("output", ["r12", "r13", "victims"])
def test_outputs_without_cases_have_no_list(output, manager, as_user, fixed_clock):
    assert as_user(manager).get(cases_url(output)).status_code == 404


def test_a_quarter_outside_the_choices_is_a_form_error(manager, as_user, fixed_clock):
    response = as_user(manager).get(cases_url("r5"), {"quarter": "2026-08"})
    assert response.status_code == 422
    assert "Select a quarter from the list" in response.content.decode()


def test_the_list_of_cases_is_paged_and_costs_the_same_for_3_and_12_pages(service, manager, as_user, fixed_clock):
    day = QUARTER.start + dt.timedelta(days=20)
    client = as_user(manager)

    def page_queries(url: str) -> tuple[int, list[list[str]]]:
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        return len(captured), tables_of(response).get("Cases missing evidence, July to September 2026", [])

    bulk_contacts(bulk_cases(service, manager, day, 3), manager, day, late=3)
    few, rows = page_queries(cases_url("r11"))
    assert len(rows) == 1 + 3
    bulk_contacts(bulk_cases(service, manager, day, 27), manager, day, late=27)
    many, rows = page_queries(cases_url("r11"))
    assert few == many
    assert len(rows) == 1 + 25
    first = client.get(cases_url("r11"))
    second = client.get(cases_url("r11") + first.context["next_url"])
    rest = tables_of(second)["Cases missing evidence, July to September 2026"][1:]
    assert len(rest) == 5
    assert not {row[0] for row in rest} & {row[0] for row in rows[1:]}


def test_the_compliance_csv_has_every_output_for_every_service(world, commissioner, as_user):
    import csv
    import io

    response = as_user(commissioner).get(reverse("reporting:compliance_csv"))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    body = [row for row in rows if len(row) == 7 and row[0] == "Testshire RJ"]
    assert [row[1] for row in body] == [f"R{n}" for n in range(1, 13)]
    assert body[2][4:6] == [SUPPRESSED, SUPPRESSED]

"""The dashboard pages and their CSV downloads: who may see them, filters, suppression, no personal data."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from cases.models import Code, CodeList
from reporting.csv_export import safe_cell
from reporting.models import FigureSnapshot
from reporting.suppression import SUPPRESSED
from tests.factories import VICTIM_MARKERS, PccAreaFactory, ServiceFactory, UserFactory, offender_data
from tests.reporting import dashboard_support as support
from tests.reporting.dashboard_support import PREVIOUS, QUARTER, bulk_cases, row_of, tables_of

pytestmark = pytest.mark.django_db
fixed_clock, staff, world = support.fixed_clock, support.staff, support.world

DASHBOARD = reverse("reporting:dashboard")


def csv_url(section: str) -> str:
    return reverse("reporting:dashboard_csv", args=[section])


def read_csv(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode())))


def figures_of(response) -> set[str]:
    """Every figure cell on a page: table cells other than the row labels."""
    return {cell for rows in tables_of(response).values() for row in rows[1:] for cell in row[1:]}


def personal_values(world) -> list[str]:
    offender = offender_data()
    values = [*VICTIM_MARKERS.values(), offender["first_name"], offender["last_name"], offender["pnc_id"]]
    values += [offender["crn"], offender["address"], offender["phone"]]
    values += [world[name].reference for name in ("a", "b", "c", "d")]
    values += ["Threats made about a neighbour", "Interpreter booked", "Denies it", "Write a letter"]
    return values


# --- Who may see it ------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["facilitator", "administrator", "offender_manager", "vlo"])
@pytest.mark.parametrize(
    "url",
    [DASHBOARD, csv_url("referrals"), reverse("reporting:compliance"), reverse("reporting:compliance_csv")],
)
def test_staff_without_the_dashboard_get_404(persona, url, request, as_user, fixed_clock):
    assert as_user(request.getfixturevalue(persona)).get(url).status_code == 404


def test_the_dashboard_is_only_read(commissioner, as_user, fixed_clock):
    assert as_user(commissioner).post(DASHBOARD).status_code == 405


def test_the_commissioner_of_the_area_and_the_manager_of_the_service_see_it(world, commissioner, manager, as_user):
    for user in (commissioner, manager):
        response = as_user(user).get(DASHBOARD)
        assert response.status_code == 200
        assert "Testshire RJ" in response.content.decode()
        assert response.context["quarter"] == QUARTER  # the last quarter that has ended
        assert row_of(tables_of(response)["Referrals by source"], "Total")[1] == SUPPRESSED  # 3 referrals


def test_a_commissioner_of_another_area_sees_nothing_of_this_service(world, service, area, other_area, as_user):
    outsider = UserFactory(username="pcc2", role=Role.COMMISSIONER, areas=[other_area])
    client = as_user(outsider)
    page = client.get(DASHBOARD)
    assert page.status_code == 200
    assert "Testshire RJ" not in page.content.decode()
    for query in ({"service": service.pk}, {"area": area.pk}):
        refused = client.get(DASHBOARD, query)
        assert refused.status_code == 422
        assert "Referrals by source" not in refused.content.decode()
        assert client.get(csv_url("referrals"), query).status_code == 422
        assert client.get(reverse("reporting:compliance"), query).status_code == 422
        assert client.get(reverse("reporting:compliance_csv"), query).status_code == 422


def test_a_manager_sees_only_their_own_service(world, other_manager, service, as_user):
    client = as_user(other_manager)
    page = client.get(DASHBOARD)
    assert "Elsewhere RJ" in page.content.decode()
    assert "Testshire RJ" not in page.content.decode()
    assert client.get(DASHBOARD, {"service": service.pk}).status_code == 422


@pytest.mark.parametrize(
    "query",
    [
        {"quarter": "2026-08"},  # not the start of a quarter
        {"quarter": "1999-04"},  # not offered
        {"quarter": "<script>"},
        {"service": "99999999999999999999999"},
        {"area": "nonsense"},
    ],
)
def test_filters_outside_the_choices_are_form_errors(query, commissioner, as_user, fixed_clock):
    response = as_user(commissioner).get(DASHBOARD, query)
    assert response.status_code == 422
    assert "There is a problem" in response.content.decode()
    assert as_user(commissioner).get(csv_url("headline"), query).status_code == 422


def test_a_service_outside_the_chosen_area_is_refused(world, commissioner, area, as_user):
    second_area = PccAreaFactory(code="second", name="Second area")
    commissioner.areas.add(second_area)
    elsewhere = ServiceFactory(code="SA", name="Second area RJ", area=second_area)
    response = as_user(commissioner).get(DASHBOARD, {"area": area.pk, "service": elsewhere.pk})
    assert response.status_code == 422
    assert "Select a service in the area you chose" in response.content.decode()


def test_an_unknown_section_has_no_download(commissioner, as_user, fixed_clock):
    assert as_user(commissioner).get(csv_url("victims")).status_code == 404


# --- Suppression ---------------------------------------------------------------------------------


@pytest.fixture
def referrals(service, manager, fixed_clock):
    """14 referrals in the quarter: police 6, probation 5 and a group of 3 self-referrals."""
    day = QUARTER.start + dt.timedelta(days=10)
    bulk_cases(service, manager, day, 6, source="police")
    bulk_cases(service, manager, day, 5, source="probation_community")
    bulk_cases(service, manager, day, 3, source="victim_self")


def test_a_group_of_3_is_never_shown_on_the_page_nor_worked_out_from_the_total(referrals, commissioner, as_user):
    response = as_user(commissioner).get(DASHBOARD)
    table = tables_of(response)["Referrals by source"]
    assert row_of(table, "Police")[1] == "6"
    assert row_of(table, "Self-referral by the person harmed")[1] == SUPPRESSED
    # 14 - 6 would give the 3 away, so the next smallest group is hidden too
    assert row_of(table, "Probation: community sentence")[1] == SUPPRESSED
    assert row_of(table, "Total")[1] == "14"
    assert "3" not in figures_of(response)
    chart = json.loads(re.search(r'id="chart-referrals"[^>]*>(.*?)</script>', response.content.decode()).group(1))
    assert 3 not in chart["datasets"][0]["data"] and 5 not in chart["datasets"][0]["data"]


def test_a_group_of_3_is_never_in_a_csv(referrals, commissioner, as_user):
    client = as_user(commissioner)
    for section in ("headline", "referrals", "funnel", "activity", "equality", "timeliness"):
        rows = read_csv(client.get(csv_url(section)))
        assert "3" not in {cell for row in rows for cell in row}, section
    rows = read_csv(client.get(csv_url("referrals")))
    assert ["Self-referral by the person harmed", SUPPRESSED] in rows
    assert ["Probation: community sentence", SUPPRESSED] in rows
    assert ["Total", "14"] in rows


def test_a_group_hidden_for_one_service_stays_hidden_when_services_are_added_up(
    service, manager, commissioner, area, as_user, fixed_clock
):
    """Service 1: police 10, probation 10, self-referral 3 (police is hidden beside the 3). Service 2:
    police 10. Added up, police (20) must stay hidden, or 20 - 10 would give service 1's police and
    then its 3."""
    second = ServiceFactory(code="T2", name="Testshire East RJ", area=area)
    day = QUARTER.start + dt.timedelta(days=3)
    bulk_cases(service, manager, day, 10, source="police")
    bulk_cases(service, manager, day, 10, source="probation_community")
    bulk_cases(service, manager, day, 3, source="victim_self")
    bulk_cases(second, manager, day, 10, source="police")
    client = as_user(commissioner)
    alone = tables_of(client.get(DASHBOARD, {"service": service.pk}))["Referrals by source"]
    assert [row_of(alone, label)[1] for label in ("Police", "Probation: community sentence", "Total")] == [
        SUPPRESSED,
        "10",
        "23",
    ]
    other = tables_of(client.get(DASHBOARD, {"service": second.pk}))["Referrals by source"]
    assert row_of(other, "Police")[1] == "10"
    both = tables_of(client.get(DASHBOARD))["Referrals by source"]
    assert row_of(both, "Police")[1] == SUPPRESSED
    assert row_of(both, "Self-referral by the person harmed")[1] == SUPPRESSED
    assert row_of(both, "Total")[1] == "33"


# --- No personal data ----------------------------------------------------------------------------


def test_no_names_identifiers_or_free_text_reach_commissioner_pages_or_csvs(world, commissioner, as_user):
    client = as_user(commissioner)
    bodies = [client.get(DASHBOARD, {"compare": "on"}), client.get(reverse("reporting:compliance"))]
    bodies += [client.get(csv_url(section)) for section in ("headline", "referrals", "funnel", "activity")]
    bodies += [client.get(csv_url(section)) for section in ("items", "timeliness", "feedback", "needs")]
    bodies += [client.get(csv_url(section)) for section in ("safeguarding", "equality")]
    bodies.append(client.get(reverse("reporting:compliance_csv")))
    for response in bodies:
        assert response.status_code == 200
        content = response.content.decode()
        leaked = [value for value in personal_values(world) if value in content]
        assert not leaked, f"{response.request['PATH_INFO']}: {leaked}"
        assert "/cases/" not in content  # no link to any record


# --- Comparison ----------------------------------------------------------------------------------


def test_compare_with_the_previous_quarter_adds_a_change_column(service, manager, commissioner, as_user, fixed_clock):
    bulk_cases(service, manager, QUARTER.start + dt.timedelta(days=5), 7)
    bulk_cases(service, manager, PREVIOUS.start + dt.timedelta(days=5), 5)
    response = as_user(commissioner).get(DASHBOARD, {"compare": "on"})
    table = tables_of(response)["Referrals by source"]
    assert table[0] == ["Source", "Referrals", "Previous quarter", "Change"]
    assert row_of(table, "Police") == ["Police", "7", "5", "up 2"]
    assert row_of(table, "Prison") == ["Prison", "0", "0", "no change"]
    headline = response.context["board"].headlines[0]
    assert (headline.cell.text, headline.previous.text, headline.change.text) == ("7", "5", "up 2")
    rows = read_csv(as_user(commissioner).get(csv_url("referrals"), {"compare": "on"}))
    assert ["Police", "7", "5", "up 2"] in rows


def test_a_change_next_to_a_hidden_figure_is_not_shown(service, manager, commissioner, as_user, fixed_clock):
    bulk_cases(service, manager, QUARTER.start + dt.timedelta(days=5), 7)
    bulk_cases(service, manager, PREVIOUS.start + dt.timedelta(days=5), 2)
    table = tables_of(as_user(commissioner).get(DASHBOARD, {"compare": "on"}))["Referrals by source"]
    assert row_of(table, "Police") == ["Police", "7", SUPPRESSED, "not shown"]


# --- CSV safety ----------------------------------------------------------------------------------


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_cells_that_could_run_as_formulas_get_an_apostrophe(start):
    assert safe_cell(f"{start}SUM(A1)") == f"'{start}SUM(A1)"
    assert safe_cell("fewer than 5") == "fewer than 5"


def test_csv_downloads_neutralise_formulas_in_labels_and_names(service, manager, commissioner, as_user, fixed_clock):
    Code.objects.create(
        list_name=CodeList.REFERRAL_SOURCE, code="formula", label='=HYPERLINK("http://evil.example")', sort_order=99
    )
    service.name = "@Testshire RJ"
    service.save()
    bulk_cases(service, manager, QUARTER.start, 6, source="formula")
    rows = read_csv(as_user(commissioner).get(csv_url("referrals")))
    assert ['\'=HYPERLINK("http://evil.example")', "6"] in rows
    assert ["Services", "'@Testshire RJ"] in rows
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


# --- Queries -------------------------------------------------------------------------------------


def _queries(client, url, query=None) -> int:
    connection.queries_log.clear()  # the log keeps the last 9,000 queries only: start it afresh
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, query or {}).status_code == 200
    return len(captured)


def _cold_and_warm(client, url, query=None) -> tuple[int, int]:
    """Queries for a view with no stored figures (worked out live, then stored) and again (read back)."""
    FigureSnapshot.objects.all().delete()
    return _queries(client, url, query), _queries(client, url, query)


def test_the_dashboard_takes_the_same_number_of_queries_for_3_and_12_cases(
    service, manager, commissioner, as_user, fixed_clock, django_assert_max_num_queries
):
    client = as_user(commissioner)
    bulk_cases(service, manager, QUARTER.start, 3)
    few = {url: _cold_and_warm(client, url, {"compare": "on"}) for url in (DASHBOARD, csv_url("equality"))}
    few[reverse("reporting:compliance")] = _queries(client, reverse("reporting:compliance"))
    bulk_cases(service, manager, QUARTER.start, 9)
    many = {url: _cold_and_warm(client, url, {"compare": "on"}) for url in (DASHBOARD, csv_url("equality"))}
    many[reverse("reporting:compliance")] = _queries(client, reverse("reporting:compliance"))
    assert few == many
    FigureSnapshot.objects.all().delete()
    connection.queries_log.clear()
    with django_assert_max_num_queries(64):  # both quarters worked out live and stored
        client.get(DASHBOARD, {"compare": "on"})
    connection.queries_log.clear()
    with django_assert_max_num_queries(14):  # both read back from the summary table
        client.get(DASHBOARD, {"compare": "on"})
    connection.queries_log.clear()
    with django_assert_max_num_queries(14):  # read back, then cached
        client.get(DASHBOARD)
    connection.queries_log.clear()
    with django_assert_max_num_queries(28):
        client.get(reverse("reporting:compliance"))

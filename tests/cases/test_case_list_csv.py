"""The service case list as a CSV download: who may have it, what is in it (and what never is), the filters,
formula cells, its cost in queries, streaming, and its processing-log row."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from audit.models import Operation, ProcessingLogEntry
from cases import exports, permissions
from cases.models import Case, CaseGroupObjectPermission, Code, CodeList, Stage
from core import clock
from reporting.csv_export import BOM, csv_chunks
from tests.cases.test_lists import bulk_cases
from tests.factories import VICTIM_MARKERS, UserFactory

pytestmark = pytest.mark.django_db

CASE_LIST = reverse("cases:case_list")
CSV_URL = reverse("cases:case_list_csv")

# Text held on the case or its people that must never leave in the file: names, contact details, the offence
# narrative and place, free-text notes and reasons, the referrer and the officer in the case.
CASE_MARKERS = {
    "referrer_name": "Rita Referrermarker",
    "referrer_phone": "07700 900555",
    "referrer_email": "rita@referrer.example",
    "officer_in_case": "PC Officermarker",
    "police_station": "Stationmarker Police Station",
    "paused_reason": "Pausedmarker reason",
    "outcome_reason": "Outcomemarker reason",
}
OFFENDER_MARKERS = ("Oscar", "Offendertest", "90/123456A", "X123456", "12 Offender Road", "07700 900111")
OFFENCE_MARKERS = ("Entered a house through a back window", "Testtown high street", "TS/12345/26")


def download(client, params=None):
    response = client.get(CSV_URL, params or {})
    assert response.status_code == 200, response.status_code
    assert response.streaming
    return response, b"".join(response.streaming_content)


def rows_of(body: bytes) -> list[list[str]]:
    assert body.startswith(BOM.encode())
    return list(csv.reader(io.StringIO(body.decode("utf-8").removeprefix(BOM))))


def by_reference(body: bytes) -> dict[str, dict[str, str]]:
    header, *rows = rows_of(body)
    assert tuple(header) == exports.HEADER
    return {row[0]: dict(zip(header, row, strict=True)) for row in rows}


# --- Who may have it ------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["manager", "administrator"])
def test_service_team_downloads_the_case_list(request, as_user, persona, allocated_case):
    response, body = download(as_user(request.getfixturevalue(persona)))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="TS-cases-{clock.today().isoformat()}.csv"'
    assert response["Cache-Control"] == "no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    row = by_reference(body)[allocated_case.reference]
    allocated_on = timezone.localtime(allocated_case.allocated_at).date().isoformat()
    assert row == {
        "Reference": allocated_case.reference,
        "Referred on": "2026-10-01",
        "Referral source": Code.objects.get(list_name=CodeList.REFERRAL_SOURCE, code="probation_community").label,
        "Stage": "Allocated",
        "Paused": "No",
        "Lead facilitator": "Fay Cilitator",
        "Second facilitator": "Fred Second",
        "Allocated on": allocated_on,
        "First contact on": "",
        "Last contact on": "",
        "Next due on": _day(allocated_case.tasks.filter(done_at__isnull=True).order_by("due_on").first().due_on),
        "Closed on": "",
        "Outcome": "",
        "Domestic abuse": "No",
        "Sexual offence": "No",
        "Hate crime": "No",
        "Offence caused death": "No",
        "Child victim": "No",
        "Youth justice route": "No",
        "Number of persons harmed": "1",
        "Number of persons responsible": "1",
    }


def _day(value):
    return value.isoformat() if value else ""


@pytest.fixture
def volunteer(service):
    return UserFactory(username="fac_volunteer", role=Role.FACILITATOR, service=service, is_volunteer=True)


@pytest.mark.parametrize("persona", ["facilitator", "volunteer", "offender_manager", "vlo", "commissioner"])
def test_other_roles_get_not_found(request, as_user, persona, allocated_case):
    response = as_user(request.getfixturevalue(persona)).get(CSV_URL)
    assert response.status_code == 404
    assert not response.streaming
    assert not ProcessingLogEntry.objects.filter(object_type="CaseList").exists()


def test_signed_out_visitor_gets_no_file(client, allocated_case):
    response = client.get(CSV_URL)
    assert response.status_code in (302, 404)
    assert not response.streaming


def test_another_services_manager_gets_none_of_our_cases(as_user, other_manager, allocated_case):
    response, body = download(as_user(other_manager))
    assert allocated_case.reference not in body.decode()
    assert rows_of(body) == [list(exports.HEADER)]
    assert 'filename="EW-cases-' in response["Content-Disposition"]


def test_download_refuses_post(as_user, manager):
    assert as_user(manager).post(CSV_URL).status_code == 405


def test_a_case_whose_permission_row_is_gone_is_not_in_the_file(as_user, service, manager, allocated_case):
    """The file lists what the list page lists: the cases the manager's permission rows open, not the service's."""
    hidden = bulk_cases(1, service=service, created_by=manager, start=7)[0]
    CaseGroupObjectPermission.objects.filter(content_object=hidden, permission__codename=permissions.CASE_VIEW).delete()
    _, body = download(as_user(manager))
    found = by_reference(body)
    assert allocated_case.reference in found
    assert hidden.reference not in found


# --- What is in it ----------------------------------------------------------------------------------


def test_no_one_is_named_and_no_contact_detail_narrative_or_note_leaves(as_user, manager, allocated_case):
    Case.objects.filter(pk=allocated_case.pk).update(is_paused=True, **CASE_MARKERS)
    _, body = download(as_user(manager))
    text = body.decode("utf-8")
    assert allocated_case.reference in text
    for marker in (*VICTIM_MARKERS.values(), *OFFENDER_MARKERS, *OFFENCE_MARKERS, *CASE_MARKERS.values()):
        assert marker not in text, marker
    assert by_reference(body)[allocated_case.reference]["Paused"] == "Yes"


def test_labels_dates_flags_and_counts(as_user, service, manager, facilitator, allocated_case):
    closed = bulk_cases(1, service=service, created_by=manager, start=3, stage=Stage.CLOSED)[0]
    outcome = Code.objects.filter(list_name=CodeList.OUTCOME).first()
    late_evening = dt.datetime(2026, 7, 1, 23, 30, tzinfo=dt.UTC)  # 00:30 on 2 July in London
    Case.objects.filter(pk=closed.pk).update(
        closed_on=dt.date(2026, 11, 2),
        outcome=outcome,
        first_contact_at=late_evening,
        flag_hate_crime=True,
        flag_child_victim=True,
        youth_route=True,
    )
    _, body = download(as_user(manager))
    row = by_reference(body)[closed.reference]
    assert row["Stage"] == "Closed"
    assert row["Closed on"] == "2026-11-02"
    assert row["Outcome"] == outcome.label
    assert row["First contact on"] == "2026-07-02"
    assert row["Lead facilitator"] == row["Second facilitator"] == ""
    assert (row["Hate crime"], row["Child victim"], row["Youth justice route"]) == ("Yes", "Yes", "Yes")
    assert (row["Domestic abuse"], row["Sexual offence"]) == ("No", "No")
    assert (row["Number of persons harmed"], row["Number of persons responsible"]) == ("0", "1")


def test_rows_come_newest_first_as_on_the_list(as_user, service, manager):
    bulk_cases(4, service=service, created_by=manager)
    _, body = download(as_user(manager))
    references = [row[0] for row in rows_of(body)[1:]]
    assert references == [f"TS-BULK-{i:05d}" for i in range(4)]


def test_formula_cells_are_neutralised(as_user, service, manager, facilitator, facilitator2, allocated_case):
    facilitator.first_name, facilitator.last_name = '=HYPERLINK("http://evil.example")', ""
    facilitator.save(update_fields=["first_name", "last_name"])
    facilitator2.first_name, facilitator2.last_name = "@SUM(A1:A2)", ""
    facilitator2.save(update_fields=["first_name", "last_name"])
    Code.objects.filter(pk=allocated_case.referral_source_id).update(label="+cmd|' /C calc'!A0")
    _, body = download(as_user(manager))
    row = by_reference(body)[allocated_case.reference]
    assert row["Lead facilitator"] == '\'=HYPERLINK("http://evil.example")'
    assert row["Second facilitator"] == "'@SUM(A1:A2)"
    assert row["Referral source"] == "'+cmd|' /C calc'!A0"


# --- The filters ------------------------------------------------------------------------------------


def test_filters_choose_the_rows_across_all_pages(as_user, service, manager, facilitator, allocated_case):
    waiting = bulk_cases(1, service=service, created_by=manager, stage=Stage.ELIGIBILITY)[0]
    flagged = bulk_cases(1, service=service, created_by=manager, start=1, facilitators=[facilitator])[0]
    Case.objects.filter(pk=flagged.pk).update(flag_domestic_abuse=True)
    many = bulk_cases(30, service=service, created_by=manager, start=100)  # more than one page of the list
    client = as_user(manager)

    everything = set(by_reference(download(client)[1]))
    assert everything == {allocated_case.reference, waiting.reference, flagged.reference} | {c.reference for c in many}
    assert set(by_reference(download(client, {"stage": "eligibility"})[1])) == {waiting.reference}
    unallocated = set(by_reference(download(client, {"unallocated": "on"})[1]))
    assert waiting.reference in unallocated and allocated_case.reference not in unallocated
    by_facilitator = set(by_reference(download(client, {"facilitator": facilitator.pk})[1]))
    assert by_facilitator == {allocated_case.reference, flagged.reference}
    assert set(by_reference(download(client, {"flags": "domestic_abuse"})[1])) == {flagged.reference}
    assert set(by_reference(download(client, {"flags": "sexual"})[1])) == set()


def test_bad_filter_shows_the_list_page_with_the_error_not_a_file(as_user, manager, other_manager, allocated_case):
    response = as_user(manager).get(CSV_URL, {"facilitator": other_manager.pk})
    assert response.status_code == 422
    assert not response.streaming
    assert response["Content-Type"].startswith("text/html")
    content = response.content.decode()
    assert "govuk-error-summary" in content and "Select a facilitator from the list" in content
    assert not ProcessingLogEntry.objects.filter(object_type="CaseList").exists()
    bad_stage = as_user(manager).get(CSV_URL, {"stage": "nonsense"})
    assert bad_stage.status_code == 422 and not bad_stage.streaming


def test_the_list_page_links_to_the_file_with_its_filters(as_user, service, manager, allocated_case):
    bulk_cases(30, service=service, created_by=manager)
    client = as_user(manager)
    page = client.get(CASE_LIST, {"stage": ["allocated", "referral"], "facilitator": "", "page": "token"}).content
    assert f'href="{CSV_URL}?stage=allocated&amp;stage=referral"'.encode() in page  # no page token, no empty value
    assert b"Download these cases as CSV" in page
    assert f'href="{CSV_URL}"' in client.get(CASE_LIST).content.decode()


def test_the_list_page_offers_no_file_when_a_filter_is_wrong(as_user, manager, other_manager, allocated_case):
    page = as_user(manager).get(CASE_LIST, {"facilitator": other_manager.pk})
    assert page.status_code == 422
    assert CSV_URL not in page.content.decode()


# --- Cost and streaming -----------------------------------------------------------------------------


def _queries_for_download(client) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        _, body = download(client)
    return len(queries), len(rows_of(body)) - 1


def test_queries_do_not_grow_with_cases(
    as_user, service, manager, facilitator, facilitator2, django_assert_max_num_queries
):
    client = as_user(manager)
    bulk_cases(3, service=service, created_by=manager, facilitators=[facilitator, facilitator2])
    three, rows = _queries_for_download(client)
    assert rows == 3
    bulk_cases(27, service=service, created_by=manager, start=3, facilitators=[facilitator, facilitator2])
    thirty, rows = _queries_for_download(client)
    assert rows == 30
    assert three == thirty, (three, thirty)
    with django_assert_max_num_queries(12):
        download(client)


def test_the_file_is_written_a_chunk_at_a_time():
    header = ("Reference", "Stage")
    rows = ([f"R{i}", "=1+1"] for i in range(5))
    chunks = list(csv_chunks(header, rows, rows_per_chunk=2))
    assert chunks[0] == BOM.encode() + b"Reference,Stage\r\n"  # the header goes at once
    assert [chunk.count(b"\r\n") for chunk in chunks[1:]] == [2, 2, 1]
    assert b"'=1+1" in chunks[1]


def test_rows_are_read_only_while_the_file_is_sent(as_user, manager, allocated_case):
    response = as_user(manager).get(CSV_URL)
    with CaptureQueriesContext(connection) as queries:
        body = b"".join(response.streaming_content)
    assert allocated_case.reference.encode() in body
    assert any("cases_case" in q["sql"] for q in queries.captured_queries)


def test_case_rows_stop_at_the_limit(service, manager):
    bulk_cases(5, service=service, created_by=manager)
    rows = list(exports.case_rows(Case.objects.all(), limit=3))
    assert [row[0] for row in rows] == ["TS-BULK-00000", "TS-BULK-00001", "TS-BULK-00002"]


# --- The processing log -----------------------------------------------------------------------------


def test_each_download_logs_a_disclosure_of_every_person_on_its_cases_and_no_one_else(
    as_user, service, manager, facilitator, facilitator2, allocated_case
):
    chosen = bulk_cases(3, service=service, created_by=manager, facilitators=[facilitator2], stage=Stage.PREPARATION)
    before = ProcessingLogEntry.objects.count()
    response = as_user(manager).get(CSV_URL, {"facilitator": facilitator2.pk, "stage": "preparation"})
    b"".join(response.streaming_content)
    entries = list(ProcessingLogEntry.objects.filter(object_type="CaseList"))
    people = {("offender", o.pk, o.case_id) for case in chosen for o in case.offenders.all()}
    people |= {("victim", v.pk, v.case_id) for case in chosen for v in case.victims.all()}
    assert {(e.person_kind, e.person_id, e.case_id) for e in entries} == people and len(entries) == len(people) == 3
    assert ProcessingLogEntry.objects.count() == before + len(people)
    assert not any(e.case_id == allocated_case.pk for e in entries)  # not in the file: not disclosed
    for entry in entries:
        assert (entry.user, entry.operation, entry.break_glass, entry.recipient) == (
            manager,
            Operation.DISCLOSURE,
            False,
            "",
        )
        assert entry.reason.startswith("Case list downloaded as CSV: 3 cases")
        assert "stage preparation" in entry.reason and f"facilitator user {facilitator2.pk}" in entry.reason
        assert facilitator2.first_name not in entry.reason and facilitator2.last_name not in entry.reason
        assert entry.path == CSV_URL  # without the query string
    everyone = as_user(manager).get(CSV_URL)
    b"".join(everyone.streaming_content)
    on_cases = {e.case_id for e in ProcessingLogEntry.objects.filter(object_type="CaseList")}
    assert allocated_case.pk in on_cases  # the whole list, its people too

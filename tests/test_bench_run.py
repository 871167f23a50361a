"""The benchmark runner's pieces (bench/run.py, bench/runner/, bench/baselines.py), quickly and without gunicorn,
so they cannot rot: the timing maths, the results table, the form reader, a signed-in session making one real
request through the test client with its queries captured, and each baseline page still swapping what it says
it swaps (bench.urls)."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.urls import reverse

from bench.runner import scenario
from bench.runner.auth import session_for
from bench.runner.client import form_fields
from bench.runner.scenario import ensure_generic_permissions
from bench.runner.sql import capture, explain, in_process_client
from bench.runner.stats import Check, Row, Summary, markdown_table, ms, percentile
from cases import selectors_lists
from cases.services.allocation import case_allocate
from cases.services.referrals import eligibility_decide, referral_register
from core.pagination import keyset_page
from tests.factories import offender_data, referral_case_data, victim_data

REFERENCE = re.compile(rb"\b[A-Z]{2,3}-\d{4}-\d{3,5}\b")

# --- Timing maths and the table ---------------------------------------------------------------------


def test_percentile_is_the_nearest_rank():
    values = list(range(100, 0, -1))  # 100 .. 1, unsorted on purpose
    assert percentile(values, 0.95) == 95
    assert percentile(values, 0.5) == 50
    assert percentile(values, 1.0) == 100
    assert percentile([7.5], 0.95) == 7.5
    assert percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 1000], 0.95) == 19
    with pytest.raises(ValueError):
        percentile([], 0.95)
    with pytest.raises(ValueError):
        percentile([1.0], 0)


def test_summary_gives_n_median_and_p95():
    summary = Summary.of([4.0, 1.0, 3.0, 2.0])
    assert (summary.n, summary.median, summary.p95) == (4, 2.5, 4.0)


def test_a_row_is_met_only_when_every_check_is():
    assert Row("page", "p95 ≤ 25 ms", checks=[Check("p95", 20.0, 25)]).met == "yes"
    failing = Row("page", "", checks=[Check("p95", 30.0, 25), Check("SQL", 1.0, 3), Check("queries", 9, 8)])
    assert failing.met == "no (p95, queries)"
    assert Row("page", "", checks=[Check("p95", None, 25)]).met == "unknown"
    assert Row("rate", "", checks=[Check("requests/s", 160, 150, at_least=True)]).met == "yes"
    assert Row("rate", "", checks=[Check("requests/s", 140, 150, at_least=True)]).met == "no (requests/s)"
    assert Row("csv", "", status="not built", checks=[Check("time", 1.0, 10)]).met == "not built"
    assert Row("info", "").met == "n/a"


def test_the_table_has_a_cell_for_every_column_and_escapes_pipes():
    rows = [
        Row("A | B", "≤ 1 ms", n=200, median=ms(0.5), p95=ms(1234.5), sql="0.30 (all 0.50)", queries="7"),
        Row("Storage", "≤ 1.5 GB", status="not built"),
    ]
    lines = markdown_table(rows).splitlines()
    assert lines[0].startswith("| what | target | n | median ms | p95 ms | SQL ms | queries |")
    assert len(lines) == 4
    for line in lines[2:]:
        assert len(re.split(r"(?<!\\)\|", line)) == len(lines[0].split("|"))
    assert "A \\| B" in lines[2] and "| 0.50 | 1,234 |" in lines[2] and lines[3].endswith("| not built |")


def test_form_fields_are_read_as_a_browser_would_submit_them():
    html = """
    <form method="post" action="/cases/search/"><input name="q" value="x"></form>
    <form method="post" action="/cases/victim/5/contacts/add/">
      <input type="hidden" name="csrfmiddlewaretoken" value="tok">
      <input name="occurred_on" value="30/11/2026"><input type="number" name="minutes_spent">
      <input type="radio" name="direction" value="1"><input type="radio" name="direction" value="2" checked>
      <input type="checkbox" name="attempt" value="yes"><input type="submit" name="save" value="Save">
      <select name="contact_type"><option value="">Choose</option><option value="9" selected>Phone</option></select>
      <select name="appointment"><option value="3">Not applicable</option><option value="4">Kept</option></select>
      <textarea name="notes">Left a message</textarea>
    </form>"""
    action, fields = form_fields(html, "/contacts/add/")
    assert action == "/cases/victim/5/contacts/add/"
    assert fields == {
        "csrfmiddlewaretoken": "tok",
        "occurred_on": "30/11/2026",
        "minutes_spent": "",
        "direction": "2",
        "contact_type": "9",
        "appointment": "3",
        "notes": "Left a message",
    }


# --- A real request through the runner's session and query capture -------------------------------


def test_a_bench_session_opens_my_work_and_its_queries_are_captured(facilitator, allocated_case):
    client = in_process_client(session_for(facilitator))
    captured = capture(client, reverse("cases:my_work"))
    assert captured.status == 200, "the session must be signed in and two-factor verified"
    assert allocated_case.reference.encode() in captured.body
    assert 0 < captured.count < 20
    assert any("cases_case" in sql for sql in captured.queries)
    plan = explain(captured.queries)  # EXPLAIN ANALYZE only on PostgreSQL
    if connection.vendor == "postgresql":
        assert plan.main_ms is not None and plan.main_ms >= 0
    else:
        assert plan.main_ms is None


def test_a_captured_post_is_rolled_back(facilitator, allocated_case):
    victim = allocated_case.victims.get()
    client = in_process_client(session_for(facilitator))
    page = client.get(reverse("cases:victim_detail", args=[victim.pk]))
    action, data = form_fields(page.content.decode(), "/contacts/add/")
    before = victim.contacts.count()
    captured = capture(client, action, method="POST", data=data, headers={"HX-Request": "true"}, rollback=True)
    assert captured.status == 200, captured.body[:500]
    assert any(sql.startswith("INSERT") for sql in captured.queries)
    assert victim.contacts.count() == before


# --- The baselines still swap what they say ---------------------------------------------------------


def _references(content: bytes) -> set[bytes]:
    return set(REFERENCE.findall(content))


@pytest.mark.urls("bench.urls")
def test_guardian_and_offset_baselines_list_the_same_cases_as_the_product(manager, allocated_case, referred_case):
    ensure_generic_permissions(out=lambda _: None)
    client = in_process_client(session_for(manager))
    ours = client.get("/cases/")
    guardian = client.get("/bench/baselines/case-list-guardian/")
    offset = client.get("/bench/baselines/case-list-offset/?page_number=1")
    assert ours.status_code == guardian.status_code == offset.status_code == 200
    assert _references(ours.content) == {allocated_case.reference.encode()}
    assert _references(guardian.content) == _references(ours.content)
    assert _references(offset.content) == _references(ours.content)
    assert client.get("/bench/baselines/case-list-offset/?page_number=2").content.count(b"govuk-table__row") <= 1


@pytest.mark.urls("bench.urls")
def test_guardian_baseline_lists_nothing_without_generic_rows(manager, allocated_case):
    client = in_process_client(session_for(manager))
    response = client.get("/bench/baselines/case-list-guardian/")
    assert response.status_code == 200
    assert allocated_case.reference.encode() not in response.content  # it reads guardian's tables, not ours


@pytest.mark.urls("bench.urls")
def test_per_row_has_perm_baseline_shows_the_same_case_page(facilitator, allocated_case):
    client = in_process_client(session_for(facilitator))
    ours = client.get(f"/cases/{allocated_case.pk}/")
    naive = client.get(f"/bench/baselines/cases/{allocated_case.pk}/has-perm/")
    assert ours.status_code == naive.status_code == 200
    links = re.compile(rb'href="(/[^"]*)"')
    assert links.findall(naive.content) == links.findall(ours.content)  # the same tabs, actions and people
    ours_count = capture(client, f"/cases/{allocated_case.pk}/").count
    naive_count = capture(client, f"/bench/baselines/cases/{allocated_case.pk}/has-perm/").count
    assert naive_count > ours_count  # one query or more per object and permission


@pytest.mark.urls("bench.urls")
def test_baselines_refuse_a_user_who_may_not_open_the_page(facilitator, allocated_case):
    client = in_process_client(session_for(facilitator))
    assert client.get("/bench/baselines/case-list-guardian/").status_code == 404
    assert client.get("/bench/baselines/dashboard-live/").status_code == 404


@pytest.mark.urls("bench.urls")
def test_dashboard_baselines_answer_for_a_commissioner(commissioner, other_service, allocated_case):
    client = in_process_client(session_for(commissioner))
    live = client.get("/bench/baselines/dashboard-live/")
    assert live.status_code == 200 and b"computed for 2 services (1 chosen)" in live.content
    national = client.get("/bench/national-dashboard/")
    assert national.status_code == 200
    assert other_service.name.encode() in national.content
    assert other_service.name.encode() not in client.get("/reporting/dashboard/").content


def test_the_product_urlconf_has_no_bench_pages(manager):
    client = in_process_client(session_for(manager))
    assert client.get("/bench/baselines/case-list-guardian/").status_code == 404


# --- The landmarks the runner finds in a dataset ----------------------------------------------------


@pytest.fixture
def second_case(service, administrator, manager, facilitator, facilitator2, offender_manager, criteria):
    case = referral_register(
        actor=administrator,
        service=service,
        case_data=referral_case_data(),
        offender_data=offender_data(offender_manager=offender_manager),
        victim_data=victim_data(),
    )
    eligibility_decide(case=case, actor=manager, eligible=True, reasons="Meets the criteria.")
    return case_allocate(case=case, actor=manager, lead=facilitator, second=facilitator2)


def test_landmarks_and_the_deep_page_token(
    monkeypatch, facilitator, manager, commissioner, allocated_case, second_case
):
    monkeypatch.setattr(scenario, "PAGE_SIZE", 1)  # two cases: page 2 is the deepest full page
    users = {"bench_facilitator": facilitator, "bench_manager": manager, "bench_commissioner": commissioner}
    found = scenario.find(users)
    assert {found.case_pk, allocated_case.pk, second_case.pk} == {allocated_case.pk, second_case.pk}
    assert found.contact_victim_pk != found.victim_pk
    assert found.manager_cases == 2 and found.deep_page == 2
    listed = selectors_lists.case_list_filtered(user=manager)
    newest_first = list(listed.order_by("-created_at", "-id"))
    page_two = keyset_page(listed, field="created_at", token=found.deep_token, size=1)
    assert page_two.rows == newest_first[1:2]


def test_the_quarterly_return_is_built_once_and_its_newest_version_found(manager, allocated_case):
    return_pk = scenario.quarterly_return(manager)
    assert scenario.quarterly_return(manager) == return_pk
    version = scenario.return_version(return_pk)
    assert version.csv_section and version.csv_rows >= 0


def test_a_failed_job_reports_its_exception_line_and_the_report_holds_the_table():
    from bench.run import _last_error, report

    trace = (
        'Traceback (most recent call last):\n  File "x.py", line 1\n    refresh()\n    ^^^^^^^^^\n'
        'django.db.utils.ProgrammingError: relation "reporting_figuresnapshot" does not exist\n'
        "LINE 1: INSERT INTO ...\n                    ^\n"
    )
    assert _last_error(trace) == 'django.db.utils.ProgrammingError: relation "reporting_figuresnapshot" does not exist'
    assert _last_error("") == "no output"
    rows = [Row("My cases", "p95 ≤ 25 ms", n=200, median="12.0", p95="20.0", checks=[Check("p95", 20.0, 25)],
                note="Line one.\nLine two.")]  # fmt: skip
    plan = "\n".join(f"node {i}" for i in range(60))
    text = report(rows, cases=20000, facts={"machine": "2 vCPUs"}, plans=[("My cases", plan, 1.25)])
    assert text.startswith("# Benchmark results at N = 20,000\n")
    assert "| My cases | p95 ≤ 25 ms | 200 | 12.0 | 20.0 |" in text and "| yes |" in text
    assert "- **My cases**: Line one. Line two." in text
    assert "### My cases (1.2 ms)" in text and "node 39" in text and "node 40" not in text and "…" in text


@pytest.mark.urls("bench.urls")
def test_bench_case_export_streams_the_products_rows_over_every_service(
    manager, facilitator, allocated_case, other_manager, other_service
):
    from cases import exports

    other_case = referral_register(
        actor=other_manager,
        service=other_service,
        case_data=referral_case_data(),
        offender_data=offender_data(),
        victim_data=None,
    )
    client = in_process_client(session_for(manager))
    response = client.get("/bench/case-export.csv")
    assert response.status_code == 200 and response.streaming
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = body.splitlines()
    assert lines[0] == ",".join(exports.HEADER)
    assert {line.split(",")[0] for line in lines[1:]} == {allocated_case.reference, other_case.reference}
    ours = b"".join(client.get(reverse("cases:case_list_csv")).streaming_content).decode("utf-8-sig")
    assert [line for line in ours.splitlines() if line.startswith(allocated_case.reference)] == [
        line for line in lines if line.startswith(allocated_case.reference)
    ]
    assert in_process_client(session_for(facilitator)).get("/bench/case-export.csv").status_code == 404

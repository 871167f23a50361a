"""Issue 8's table, row by row: each page timed over HTTP against gunicorn, its SQL captured in this process
and replayed under EXPLAIN ANALYZE, its baseline timed the same way; jobs timed in a process of their own."""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from bench.runner import client as http
from bench.runner.auth import session_for
from bench.runner.scenario import DEEP_PAGE, PAGE_SIZE, Landmarks, storage_bytes
from bench.runner.server import Server
from bench.runner.sql import Explained, capture, explain, in_process_client
from bench.runner.stats import Check, Row, Summary, ms, ratio

MY_WORK = "/cases/my-work/"
CASE_LIST = "/cases/"
CONTACT_NOTES = "Phoned to arrange the next meeting (logged by the benchmark)."


@dataclass
class Options:
    requests: int = 200
    warmup: int = 10
    budget_seconds: float = 20.0
    baseline_requests: int = 50
    clients: int = 8
    throughput_seconds: float = 10.0
    job_repeats: int = 3


@dataclass
class PageResult:
    label: str
    path: str
    summary: Summary | None = None
    stopped_early: bool = False
    queries: int | None = None
    explained: Explained = field(default_factory=Explained)
    error: str = ""

    @property
    def p95(self) -> float | None:
        return self.summary.p95 if self.summary else None

    @property
    def median(self) -> float | None:
        return self.summary.median if self.summary else None


def _over(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


class Bench:
    def __init__(
        self,
        *,
        server: Server,
        landmarks: Landmarks,
        return_pk: int | None,
        options: Options,
        cases: int,
        run_job: Callable[..., dict[str, Any]],
        out: Callable[[str], None] = print,
    ) -> None:
        self.server = server
        self.landmarks = landmarks
        self.return_pk = return_pk
        self.options = options
        self.cases = cases
        self.run_job = run_job
        self.out = out
        self.pages: list[PageResult] = []

    # --- Measuring one page ------------------------------------------------------------------------

    def _client(self, session_key: str) -> http.Client:
        cookies = {settings.SESSION_COOKIE_NAME: session_key}
        return http.Client(self.server.port, http.Session(cookies=cookies))

    def page(
        self,
        label: str,
        username: str,
        path: str,
        *,
        form_page: str = "",
        headers: dict[str, str] | None = None,
        requests: int | None = None,
    ) -> PageResult:
        """Time `path` for `username`; with `form_page`, POST the form found there whose action contains `path`."""
        result = PageResult(label=label, path=path)
        key = session_for(self.landmarks.users[username])
        client = self._client(key)
        options = self.options
        try:
            data: dict[str, str] | None = None
            if form_page:
                status, body, _ = client.get(form_page)
                http.expect(status, (200,), f"{label}: the form page", body)
                path, data = http.form_fields(body.decode(), path)
                data["notes"] = CONTACT_NOTES
                result.path = path
            method = "POST" if data is not None else "GET"
            captured = capture(
                in_process_client(key), path, method=method, data=data, headers=headers, rollback=method == "POST"
            )
            http.expect(captured.status, (200,), f"{label} (in process)", captured.body)
            result.queries = captured.count
            result.explained = explain(captured.queries)

            def call(c: http.Client) -> tuple[int, bytes, float]:
                return c.post(path, data or {}, headers) if data is not None else c.get(path, headers)

            timings = http.measure(
                client,
                call,
                what=label,
                requests=requests or options.requests,
                warmup=options.warmup,
                budget_seconds=options.budget_seconds,
            )
            result.summary = Summary.of(timings.values)
            result.stopped_early = timings.stopped_early
        except Exception as exc:  # noqa: BLE001 - one broken page is reported in its row, the run goes on
            result.error = f"{type(exc).__name__}: {exc}"[:400]
        finally:
            client.close()
        self.pages.append(result)
        self._progress(result)
        return result

    def baseline(self, label: str, username: str, path: str) -> PageResult:
        """A baseline page, timed like ours over fewer requests (only its ratio to ours is reported)."""
        return self.page(label, username, path, requests=min(self.options.baseline_requests, self.options.requests))

    def _progress(self, r: PageResult) -> None:
        if r.error:
            self.out(f"  {r.label}: {r.error}")
            return
        sql = f", SQL {ms(r.explained.main_ms)} ms" if r.explained.main_ms is not None else ""
        early = " (time budget reached)" if r.stopped_early else ""
        self.out(
            f"  {r.label}: median {ms(r.median)} ms, p95 {ms(r.p95)} ms, n={r.summary.n}{early}, "
            f"{r.queries} queries{sql}"
        )

    def queries_of(self, username: str, path: str) -> int | None:
        try:
            captured = capture(in_process_client(session_for(self.landmarks.users[username])), path)
        except Exception:  # noqa: BLE001
            return None
        return captured.count if captured.status == 200 else None

    # --- Rows --------------------------------------------------------------------------------------

    def _row(self, what: str, target: str, r: PageResult, *checks: Check, baseline: str = "", note: str = "") -> Row:
        row = Row(what=what, target=target, baseline=baseline, note=note)
        if r.error:
            row.status = "error"
            row.note = (note + " " if note else "") + f"Error: {r.error}"
            return row
        row.n = r.summary.n
        row.median, row.p95 = ms(r.median), ms(r.p95)
        if r.explained.main_ms is not None:
            jit = f"; JIT {ms(r.explained.main_jit_ms)}" if r.explained.main_jit_ms >= 1 else ""
            row.sql = f"{ms(r.explained.main_ms)} (all {ms(r.explained.total_ms)}{jit})"
        row.queries = "" if r.queries is None else str(r.queries)
        row.checks = list(checks)
        if r.stopped_early:
            row.note = (note + " " if note else "") + "Fewer requests than asked: the time budget ran out."
        return row

    @staticmethod
    def _baseline(name: str, ours: PageResult, theirs: PageResult) -> str:
        if theirs.error:
            return f"{name}: error"
        times = _over(theirs.p95, ours.p95)
        return f"{name}: p95 {ms(theirs.p95)} ms" + (f" ({ratio(times)})" if times is not None else "")

    def rows(self) -> list[Row]:
        land = self.landmarks
        rows: list[Row] = []
        area_query = urllib.parse.urlencode({"quarter": land.quarter_key, "area": land.area_pk})

        self.out("Pages (HTTP through gunicorn; SQL replayed with EXPLAIN ANALYZE):")
        mine = self.page("My cases", "bench_facilitator", MY_WORK)
        nogrants = self.page("My cases, no grants", "bench_nogrants", MY_WORK)
        counts = {
            "facilitator": mine.queries,
            "no grants": nogrants.queries,
            "manager": self.queries_of("bench_manager", MY_WORK),
        }
        known = [count for count in counts.values() if count is not None]
        row = self._row(
            'Facilitator\'s "My cases" (25 rows)',
            "p95 ≤ 25 ms; SQL ≤ 3 ms; ≤ 8 queries",
            mine,
            Check("p95", mine.p95, 25),
            Check("SQL", mine.explained.main_ms, 3),
            Check("queries", max(known) if known else None, 8),
            note="Queries on My work for each user: " + ", ".join(f"{k} {v}" for k, v in counts.items()) + ".",
        )
        rows.append(row)

        managers = self.page("Manager's case list", "bench_manager", CASE_LIST)
        guardian = self.baseline("Baseline: guardian generic", "bench_manager", "/bench/baselines/case-list-guardian/")
        rows.append(
            self._row(
                f"Manager's case list ({land.manager_cases:,} cases)",
                "p95 ≤ 30 ms",
                managers,
                Check("p95", managers.p95, 30),
                baseline=self._baseline("django-guardian generic, get_objects_for_user defaults", managers, guardian),
            )
        )

        deep_path = f"{CASE_LIST}?{urllib.parse.urlencode({'page': land.deep_token})}"
        deep = self.page(f"Page {land.deep_page:,} of the case list", "bench_manager", deep_path)
        offset = self.baseline(
            f"Baseline: OFFSET page {land.deep_page:,}",
            "bench_manager",
            f"/bench/baselines/case-list-offset/?page_number={land.deep_page}",
        )
        short = ""
        if land.deep_page < DEEP_PAGE:
            short = (
                f"The manager's list has {land.manager_cases:,} cases ({land.manager_cases // PAGE_SIZE:,} full "
                f"pages), so its deepest full page, {land.deep_page:,}, is timed: page 2,000 needs "
                f"{DEEP_PAGE * PAGE_SIZE:,} cases in one list."
            )
        deep_ratio = _over(deep.p95, managers.p95)
        row = self._row(
            f"Page {land.deep_page:,} of the manager's list (keyset)",
            "≤ 1.5 x page 1",
            deep,
            Check("ratio to page 1", deep_ratio, 1.5),
            baseline=self._baseline("OFFSET", deep, offset),
            note=short,
        )
        if deep_ratio is not None:
            row.p95 += f" ({ratio(deep_ratio)} page 1)"
        rows.append(row)

        rows.append(
            self._row(
                "A user with no grants at all (My cases)",
                "≤ 10 ms",
                nogrants,
                Check("p95", nogrants.p95, 10),
            )
        )

        case = self.page("Case page", "bench_facilitator", f"/cases/{land.case_pk}/")
        per_row = self.baseline(
            "Baseline: per-row has_perm", "bench_facilitator", f"/bench/baselines/cases/{land.case_pk}/has-perm/"
        )
        rows.append(
            self._row(
                "Case page: overview (participants)",
                "p95 ≤ 40 ms",
                case,
                Check("p95", case.p95, 40),
                baseline=self._baseline("per-row has_perm", case, per_row),
            )
        )
        person = self.page("Person page", "bench_facilitator", f"/cases/victims/{land.victim_pk}/")
        rows.append(
            self._row(
                "Case page: person harmed (latest contacts)",
                "p95 ≤ 40 ms",
                person,
                Check("p95", person.p95, 40),
            )
        )

        contact = self.page(
            "Log a contact",
            "bench_facilitator",
            "/contacts/add/",
            form_page=f"/cases/victims/{land.contact_victim_pk}/",
            headers={"HX-Request": "true"},
        )
        rows.append(
            self._row(
                "Log a contact (POST, htmx)",
                "p95 ≤ 40 ms",
                contact,
                Check("p95", contact.p95, 40),
                note=f"Each run adds its contacts to one person harmed (victim {land.contact_victim_pk}).",
            )
        )

        approvals = self.page("Approvals queue", "bench_manager", "/risk/approvals/")
        rows.append(self._row("Manager's approvals queue", "p95 ≤ 25 ms", approvals, Check("p95", approvals.p95, 25)))

        for label, username, term in (
            ("Search by reference (manager)", "bench_manager", land.reference),
            ("Search by name (manager)", "bench_manager", land.surname),
            ("Search by name (facilitator)", "bench_facilitator", land.surname),
        ):
            found = self.page(label, username, f"/cases/search/?{urllib.parse.urlencode({'q': term})}")
            rows.append(self._row(label, "p95 ≤ 100 ms", found, Check("p95", found.p95, 100)))

        rows.append(self._summary_refresh())  # first, so the dashboard reads fresh summaries as it would in service
        board = self.page("Dashboard, one area", "bench_commissioner", f"/reporting/dashboard/?{area_query}")
        live = self.baseline(
            "Baseline: live GROUP BY", "bench_commissioner", f"/bench/baselines/dashboard-live/?{area_query}"
        )
        rows.append(
            self._row(
                "Commissioner dashboard, one area, one quarter",
                "p95 ≤ 50 ms",
                board,
                Check("p95", board.p95, 50),
                baseline=self._baseline("figures live, GROUP BY over all cases", board, live),
            )
        )
        national = self.page(
            "Dashboard, national",
            "bench_commissioner",
            f"/bench/national-dashboard/?{urllib.parse.urlencode({'quarter': land.quarter_key})}",
        )
        rows.append(
            self._row(
                "Dashboard, national view (every service)",
                "p95 ≤ 200 ms",
                national,
                Check("p95", national.p95, 200),
                note="The product has no national page yet: the bench serves the product's dashboard view with "
                "every service offered (bench/baselines.py).",
            )
        )
        rows.extend(self._returns())
        rows.append(self._reminders())
        rows.append(self._throughput())
        rows.append(self._storage())
        return rows

    # --- Jobs and the rest -------------------------------------------------------------------------

    def _job(self, name: str, **kwargs: Any) -> dict[str, Any]:
        self.out(f"  job {name} …")
        try:
            return self.run_job(name, **kwargs)
        except Exception as exc:  # noqa: BLE001
            return {"error": f"{type(exc).__name__}: {exc}"[:400]}

    @staticmethod
    def _job_error(what: str, target: str, result: dict[str, Any]) -> Row:
        return Row(what=what, target=target, status="error", note=f"Error: {result['error']}")

    def _summary_refresh(self) -> Row:
        what, target = "Dashboard summary tables refreshed (Celery)", "≤ 5 s per 1M cases"
        result = self._job("summary_refresh")
        if "error" in result:
            return self._job_error(what, target, result)
        if not result.get("built"):
            return Row(
                what=what, target=target, status="not built", note="No summary tables: the dashboard counts live."
            )
        per_million = result["seconds"] * 1_000_000 / self.cases
        return Row(
            what=what,
            target=target,
            n=1,
            median=ms(result["seconds"] * 1000),
            checks=[Check("per 1M cases", per_million, 5)],
            note=f"reporting.tasks.{result['task']} with its default arguments: {result['seconds']:.1f} s at this "
            f"N, {per_million:.1f} s per 1M cases if it grows in proportion (the run at 1M says for sure). Run "
            "before the dashboard rows, so they read fresh summaries.",
        )

    def _returns(self) -> list[Row]:
        rows: list[Row] = []
        back = self.return_pk
        if back is None:
            return [Row(what="Quarterly return", target="", status="error", note="No return could be set up.")]
        screen = self.page("Return on screen", "bench_manager", f"/reporting/returns/{back}/")
        rows.append(
            self._row(
                "Quarterly return, one service-quarter: on screen",
                "p95 ≤ 200 ms",
                screen,
                Check("p95", screen.p95, 200),
            )
        )
        built = self._job("return_build", return_pk=back, username="bench_manager")
        if "error" in built:
            rows.append(self._job_error("Quarterly return: build (Celery task's work)", "", built))
        else:
            rows.append(
                Row(
                    what="Quarterly return: build (Celery task's work)",
                    target="(no target)",
                    n=1,
                    median=ms(built["seconds"] * 1000),
                    note=f"{built['rows']:,} case rows; rolled back.",
                )
            )
        sheet = self._job("xlsx", return_pk=back, repeats=self.options.job_repeats)
        if "error" in sheet:
            rows.append(self._job_error("Quarterly return: XLSX", "≤ 5 s", sheet))
        else:
            made = Summary.of(sheet["seconds"])
            rows.append(
                Row(
                    what="Quarterly return: XLSX",
                    target="≤ 5 s",
                    n=made.n,
                    median=ms(made.median * 1000),
                    p95=ms(made.p95 * 1000),
                    checks=[Check("time", made.p95, 5)],
                    note=f"Making the spreadsheet from the stored snapshot ({sheet['rows']:,} case rows, "
                    f"{sheet['bytes'] / 1024:,.0f} KB); downloads then serve the kept file.",
                )
            )
        paper = self._job("pdf", return_pk=back, username="bench_manager", repeats=self.options.job_repeats)
        if "error" in paper:
            rows.append(self._job_error("Quarterly return: PDF", "≤ 5 s and ≤ 300 MB", paper))
        else:
            made = Summary.of(paper["seconds"])
            rows.append(
                Row(
                    what="Quarterly return: PDF",
                    target="≤ 5 s and ≤ 300 MB",
                    n=made.n,
                    median=ms(made.median * 1000),
                    p95=ms(made.p95 * 1000),
                    checks=[Check("time", made.p95, 5), Check("memory", paper["peak_rss_mb"], 300)],
                    note=f"Built in Celery after the spreadsheet and kept with the version: the task's body "
                    f"(reporting.tasks.build_return_pdf) timed in a process of its own, rolled back; peak memory "
                    f"of that process {paper['peak_rss_mb']:.0f} MB ({paper['rss_before_mb']:.0f} MB before the "
                    f"first PDF). The download serves the kept file: median "
                    f"{Summary.of(paper['download_seconds']).median * 1000:,.0f} ms.",
                )
            )
        rows.append(self._csv(back))
        return rows

    def _csv(self, return_pk: int) -> Row:
        """The case list as CSV (cases.exports), streamed: the bench page sending the product's rows for the first
        100,000 cases of the whole dataset, timed to the last byte with the gunicorn workers' peak memory before and
        after; and the manager's own download of their service's list, timed the same way. `return_pk` is not
        used: this row once timed a return section, the nearest download before the export was built."""
        import time

        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        what, target = "CSV export of 100,000 rows (streamed)", "≤ 10 s, memory flat"
        big_path, own_path = "/bench/case-export.csv", "/cases/export.csv"
        key = session_for(self.landmarks.users["bench_manager"])

        def in_process(path: str) -> tuple[list[str], int, int]:
            """The download run in this process, body read to the end (the rows are read only while it is
            sent): its queries, rows and bytes."""
            client = in_process_client(key)
            with CaptureQueriesContext(connection) as queries:
                response = client.get(path)
                http.expect(response.status_code, (200,), f"{path} (in process)")
                lines = size = 0
                for chunk in response.streaming_content:
                    lines, size = lines + chunk.count(b"\r\n"), size + len(chunk)
            return [q["sql"] for q in queries.captured_queries], lines - 1, size

        def timed(label: str, path: str, requests: int) -> tuple[PageResult, int, int]:
            result = PageResult(label=label, path=path)
            rows = size = 0
            client = self._client(key)
            try:
                sql, rows, size = in_process(path)
                result.queries = len(sql)
                result.explained = explain(sql)
                timings = http.measure(
                    client,
                    lambda c: c.get(path),
                    what=label,
                    requests=requests,
                    warmup=1,
                    budget_seconds=max(self.options.budget_seconds, 60.0),
                )
                result.summary = Summary.of(timings.values)
                result.stopped_early = timings.stopped_early
            except Exception as exc:  # noqa: BLE001 - reported in the row, the run goes on
                result.error = f"{type(exc).__name__}: {exc}"[:400]
            finally:
                client.close()
            self.pages.append(result)
            self._progress(result)
            return result, rows, size

        started = time.perf_counter()
        before = self.server.worker_peak_rss_mb()
        big, rows, size = timed("Case list CSV, first 100,000 cases", big_path, min(self.options.requests, 5))
        after = self.server.worker_peak_rss_mb()
        growth = max((after[pid] - before.get(pid, after[pid]) for pid in after), default=0.0)
        own, own_rows, own_size = timed("Manager's own case list CSV", own_path, min(self.options.requests, 20))
        seconds = None if big.p95 is None else big.p95 / 1000
        row = self._row(
            what,
            target,
            big,
            Check("time", seconds, 10),
            Check("memory growth MB", growth if big.summary else None, 25),
            note=f"The bench page {big_path} streams the product's own rows (cases.exports.case_rows through "
            f"reporting.csv_export.stream_csv) for the first {rows:,} cases of the whole dataset, newest first "
            f"({size / 1024**2:,.1f} MB); median and p95 are the time to the last byte. The gunicorn workers' "
            f"peak memory (VmHWM) grew by {growth:.1f} MB over its downloads (largest growth of any worker; "
            f"before {max(before.values(), default=0):.0f} MB, after {max(after.values(), default=0):.0f} MB). "
            f"Queries and SQL are counted in this process with the body read to the end. ",
        )
        if own.error:
            row.note += f"The manager's own download ({own_path}): error {own.error}."
        else:
            row.note += (
                f"The manager's own download ({own_path}, their service's {own_rows:,} cases, "
                f"{own_size / 1024:,.0f} KB, with its processing-log row): median {ms(own.median)} ms, p95 "
                f"{ms(own.p95)} ms over {own.summary.n} downloads, {own.queries} queries, SQL "
                f"{ms(own.explained.main_ms)} ms."
            )
        row.note += f" ({time.perf_counter() - started:.0f} s for this row.)"
        return row

    def _reminders(self) -> Row:
        what, target = "Daily reminder job", "≤ 30 s; cost follows the due items"
        result = self._job("reminders")
        if "error" in result:
            return self._job_error(what, target, result)
        first, second = result["first_seconds"], result["second_seconds"]
        return Row(
            what=what,
            target=target,
            n=1,
            median=ms(first * 1000),
            checks=[Check("time", first, 30), Check("nothing due", second, 3)],
            note=f"As of today, every service in one pass ({result['open_cases']:,} open cases): "
            f"{result['first_reminders']:,} reminders for {result['first_services']} services and "
            f"{result['first_emails']:,} emails in "
            f"{first:.1f} s; run again the same day (nothing new due): {result['second_reminders']:,} reminders in "
            f"{second:.1f} s ('nothing due' asks at most 3 s, a tenth of the budget: finding reads only the open "
            "cases, about 5% of all, in a fixed 15 queries, and giving costs a few statements a service). Both in a "
            "transaction rolled back afterwards.",
        )

    def _throughput(self) -> Row:
        clients, seconds = self.options.clients, self.options.throughput_seconds
        self.out(f"  throughput: {clients} clients for {seconds:.0f} s …")
        key = session_for(self.landmarks.users["bench_facilitator"])
        result = http.throughput(lambda: self._client(key), lambda c: c.get(MY_WORK), clients=clients, seconds=seconds)
        row = Row(
            what=f'Throughput on "My cases", {clients} concurrent clients',
            target="≥ 150 requests/s on 2 cores",
            n=result.completed,
            checks=[Check("requests/s", result.per_second, 150, at_least=True)],
        )
        if result.latencies:
            under_load = Summary.of(result.latencies)
            row.median, row.p95 = ms(under_load.median), ms(under_load.p95)
        row.note = (
            f"{result.per_second:.0f} requests/s over {seconds:.0f} s (latencies under load in the median and p95 "
            "columns); the clients run on the same 2 cores as gunicorn and PostgreSQL."
        )
        if result.errors:
            row.status = "error"
            row.note += f" Errors: {', '.join(sorted(set(result.errors))[:3])}"
        return row

    def _storage(self) -> Row:
        plain, history = storage_bytes()
        per_million = plain * 1_000_000 / self.cases / 1024**3
        return Row(
            what="Storage (history tables excluded)",
            target="≤ 1.5 GB per 1M cases",
            checks=[Check("GB per 1M", per_million, 1.5)],
            median=f"{per_million:.2f} GB/1M",
            note=f"App tables with their indexes: {plain / 1024**3:.2f} GB at this N ({per_million:.2f} GB per 1M "
            f"cases); history tables another {history / 1024**3:.2f} GB.",
        )

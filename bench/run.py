"""Measure rjcase against issue 8's targets on the national dataset, on PostgreSQL.

    .venv/bin/python bench/run.py --cases 100000 --database-url postgres://postgres@127.0.0.1:5432/rjcase_bench
    make bench N=100000

Makes sure the database holds the dataset of N cases (creating the database, migrating it and running
bench/generate.py when it does not), serves the app with gunicorn (2 gthread workers, DEBUG off, the bench
URLconf with the baselines) on a free loopback port, and measures from this process: each page signed in as
its bench user, warmed up, then timed over HTTP (median and p95 of 200 requests, or fewer once the time budget
of a page is spent); each page's queries captured through Django's test client in this process and replayed
under EXPLAIN ANALYZE; the baselines the same way; jobs in a process of their own. Prints the table and writes
it, with the machine, the notes and the slowest query plans, to bench/results-<N>.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.runner import server as serving  # noqa: E402
from bench.runner.stats import Row, markdown_table, notes  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/rjcase_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"
PLAN_LINES = 40


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, help="N: the dataset's number of cases (generated when not held)")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL, help="the Celery broker gunicorn's pages may use")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page (default 200)")
    parser.add_argument("--warmup", type=int, default=10, help="untimed requests first (default 10)")
    parser.add_argument(
        "--baseline-requests", type=int, default=50, help="timed requests per baseline page (default 50)"
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=20.0,
        help="seconds a page may take in all (default 20): fewer requests after that",
    )
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients for the throughput row")
    parser.add_argument("--throughput-seconds", type=float, default=10.0)
    parser.add_argument("--output", type=Path, help="default: bench/results-<N>.md")
    parser.add_argument("--no-generate", action="store_true", help="refuse rather than generate a missing dataset")
    parser.add_argument("--job", help=argparse.SUPPRESS)  # internal: run one job (bench/runner/jobs.py)
    parser.add_argument("--job-args", default="{}", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not args.job and (args.cases is None or args.cases < 1):
        parser.error("--cases N is required")
    return args


# --- The dataset ---------------------------------------------------------------------------------


def _connect(database_url: str, *, database: str | None = None):
    import psycopg2

    parts = urllib.parse.urlparse(database_url)
    return psycopg2.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=urllib.parse.unquote(parts.username or ""),
        password=urllib.parse.unquote(parts.password or "") or None,
        dbname=database or parts.path.lstrip("/"),
    )


def ensure_dataset(database_url: str, cases: int, env: dict[str, str], *, generate: bool) -> None:
    """Create and migrate the database if needed; generate the dataset unless it holds exactly N cases."""
    import psycopg2

    name = urllib.parse.urlparse(database_url).path.lstrip("/")
    if not name.replace("_", "").isalnum():
        sys.exit(f"Unexpected database name {name!r}")
    try:
        _connect(database_url).close()
    except psycopg2.OperationalError as exc:
        if f'database "{name}" does not exist' not in str(exc):
            raise
        print(f"Creating the database {name}")
        maintenance = _connect(database_url, database="postgres")
        maintenance.autocommit = True
        with maintenance.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        maintenance.close()
    child_env = {**os.environ, **env}
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput", "-v", "0"], env=child_env, check=True
    )
    conn = _connect(database_url)
    with conn.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM cases_case")
        held = cursor.fetchone()[0]
    conn.close()
    if held == cases:
        print(f"The database {name} holds {cases:,} cases.")
        return
    if not generate:
        sys.exit(f"The database {name} holds {held:,} cases, not {cases:,} (and --no-generate was given).")
    print(f"The database {name} holds {held:,} cases: generating {cases:,} (bench/generate.py) …")
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "generate.py"), "--cases", str(cases), "--database-url", database_url],
        env=child_env,
        check=True,
    )


# --- Jobs in a process of their own --------------------------------------------------------------


def job_runner(env: dict[str, str]):
    def run_job(name: str, **kwargs) -> dict:
        completed = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--job", name, "--job-args", json.dumps(kwargs)],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            check=False,
        )
        lines = [line for line in completed.stdout.splitlines() if line.startswith("{")]
        if completed.returncode != 0 or not lines:
            raise RuntimeError(f"job {name} failed: {_last_error(completed.stderr or completed.stdout)[:300]}")
        return json.loads(lines[-1])

    return run_job


def _last_error(output: str) -> str:
    """The exception line of a traceback (its last line naming an error), else the last line."""
    lines = [line.strip() for line in output.strip().splitlines() if line.strip()]
    named = [line for line in lines if re.match(r"^[\w.]+(Error|Exception|DoesNotExist|Refused)\b", line)]
    return (named or lines or ["no output"])[-1]


def run_one_job(name: str, job_args: str) -> None:
    import django

    django.setup()
    from bench.runner.jobs import JOBS

    print(json.dumps(JOBS[name](**json.loads(job_args))))


# --- The report ------------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    from django.db import connection

    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        total_kb = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
        memory = f"{total_kb / 1024**2:.0f} GB RAM"
    except (OSError, StopIteration):
        memory = "unknown RAM"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
        cursor.execute("SHOW shared_buffers")
        buffers = cursor.fetchone()[0]
    import django
    import gunicorn

    return {
        "machine": f"{os.cpu_count()} vCPUs ({cpu}), {memory}",
        "database": f"PostgreSQL {version} (shared_buffers {buffers})",
        "software": (
            f"Python {platform.python_version()}, Django {django.get_version()}, gunicorn {gunicorn.__version__}"
        ),
    }


def report(rows: list[Row], *, cases: int, facts: dict[str, str], plans: list[tuple[str, str, float]]) -> str:
    lines = [
        f"# Benchmark results at N = {cases:,}",
        "",
        *(f"- {key}: {value}" for key, value in facts.items()),
        "",
        markdown_table(rows),
        "",
        "Times are in milliseconds unless a row says otherwise. SQL ms: planning and execution time of the page's "
        "slowest query under EXPLAIN ANALYZE (all: every query of the page), beside the page's own time. Baseline: "
        "the same page done the naive way (bench/baselines.py), its p95 and the ratio to ours.",
        "",
        "## Notes",
        "",
        notes(rows),
        "",
        "## The slowest query of each page",
        "",
    ]
    for label, plan, took in plans:
        shown = plan.splitlines()
        cut = len(shown) > PLAN_LINES
        lines += [f"### {label} ({took:.1f} ms)", "", "```", *shown[:PLAN_LINES], *(["…"] if cut else []), "```", ""]
    return "\n".join(lines).rstrip() + "\n"


# --- The run ---------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.job:
        run_one_job(args.job, args.job_args)
        return 0
    started = time.monotonic()
    env = serving.bench_environment(args.database_url, redis_url=args.redis_url)
    ensure_dataset(args.database_url, args.cases, env, generate=not args.no_generate)
    os.environ.update(env)
    import django

    django.setup()
    from bench.runner import scenario
    from bench.runner.targets import Bench, Options

    print("Finding the bench users' cases and setting up the baselines …")
    users = scenario.users()
    landmarks = scenario.find(users)
    try:
        return_pk = scenario.quarterly_return(users["bench_manager"])
    except Exception as exc:  # noqa: BLE001 - reported in the return's rows
        print(f"  no quarterly return: {exc}")
        return_pk = None
    scenario.ensure_generic_permissions()
    serving.collect_static(env)
    load_before = os.getloadavg()
    print("Starting gunicorn …")
    server = serving.start(env)
    print(f"  serving on {server.base} (2 gthread workers, 4 threads each; log {server.log})")
    options = Options(
        requests=args.requests,
        warmup=args.warmup,
        budget_seconds=args.budget,
        baseline_requests=args.baseline_requests,
        clients=args.clients,
        throughput_seconds=args.throughput_seconds,
    )
    try:
        bench = Bench(
            server=server,
            landmarks=landmarks,
            return_pk=return_pk,
            options=options,
            cases=args.cases,
            run_job=job_runner(env),
        )
        rows = bench.rows()
    finally:
        server.stop()
    load_after = os.getloadavg()
    facts = {
        "date": dt.date.today().isoformat(),
        "N": f"{args.cases:,} cases (the manager's service: {landmarks.manager_cases:,})",
        **machine(),
        "server": "gunicorn, 2 gthread workers x 4 threads, DEBUG off, on the same machine as PostgreSQL and "
        "the client (loopback)",
        "requests": (
            f"{args.requests} timed per page ({args.baseline_requests} per baseline) after up to {args.warmup} "
            f"untimed, at most {args.budget:.0f} s a page"
        ),
        "load average (1 min)": f"{load_before[0]:.1f} before, {load_after[0]:.1f} after",
        "run time": f"{(time.monotonic() - started) / 60:.1f} min",
    }
    plans = [
        (page.label, page.explained.main_plan, page.explained.main_ms or 0.0)
        for page in bench.pages
        if page.explained.main_plan
    ]
    text = report(rows, cases=args.cases, facts=facts, plans=plans)
    output = args.output or ROOT / "bench" / f"results-{args.cases}.md"
    output.write_text(text)
    print()
    print(markdown_table(rows))
    print()
    print(notes(rows))
    print(f"\nWritten to {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

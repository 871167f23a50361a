"""Build a realistic national dataset for the benchmark: 42 PCC areas, about 120 services, 2,000 staff and
N cases with everything the services would have written for them.

    .venv/bin/python bench/generate.py --cases 100000 --database-url postgres://postgres@127.0.0.1:5432/rjcase_bench

Rows go in bulk (PostgreSQL COPY; executemany elsewhere), never through the ORM one at a time. The database
must be migrated. It refuses a database holding anything but an earlier benchmark dataset unless --fresh is
given, which empties the app tables first (the coded lists, role groups and default feedback questions stay).
Every generated user has the password printed at the end; the benchmark signs in as bench_facilitator (about
40 open cases), bench_manager (the biggest service), bench_commissioner (its area) and bench_nogrants (a
facilitator with no cases). bench/README.md has the measured timings and what the dataset holds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import random
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BENCH_PASSWORD = "rjcase-bench-2026"  # noqa: S105 - the published password of the benchmark's made-up users
YEARS = 10
GROWTH_PER_YEAR = 0.08  # referrals grow by about 8% a year
DROP_INDEXES_FROM = 5_000  # cases: from here on, indexes are rebuilt after the load rather than kept up to date


@dataclass
class Result:
    cases: int
    seconds: float
    counts: dict[str, int] = field(default_factory=dict)
    fates: dict[str, int] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)
    password: str = BENCH_PASSWORD


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, required=True, help="how many cases (N)")
    parser.add_argument("--database-url", help="database to fill (default: DATABASE_URL, else the SQLite default)")
    parser.add_argument("--seed", type=int, default=2026, help="random seed: the same seed gives the same data")
    parser.add_argument("--fresh", action="store_true", help="empty the app tables first, whatever they hold")
    parser.add_argument("--today", type=dt.date.fromisoformat, help="the day the dataset ends (default: today)")
    parser.add_argument(
        "--history",
        choices=("all", "core", "none"),
        default="all",
        help="history rows: for every historied model (default), only cases, people, users and services, or none",
    )
    parser.add_argument(
        "--drop-indexes",
        choices=("auto", "yes", "no"),
        default="auto",
        help=f"PostgreSQL: rebuild indexes after loading (auto: from {DROP_INDEXES_FROM:,} cases)",
    )
    parser.add_argument("--quiet", action="store_true", help="print only the summary")
    args = parser.parse_args(argv)
    if args.cases < 1:
        parser.error("--cases must be at least 1")
    return args


def setup_django(database_url: str | None) -> None:
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rjcase.settings")
    if "SECRET_KEY" not in os.environ:
        os.environ.setdefault("DEBUG", "1")  # settings insist on a secret outside DEBUG; this tool serves no pages
    import django

    django.setup()


def main(argv: Sequence[str] | None = None, *, connection=None, out: Callable[[str], None] = print) -> Result:
    """Command-line entry point. Tests pass `connection` (Django is then already set up)."""
    args = parse_args(argv)
    if connection is None:
        setup_django(args.database_url)
        from django.db import connection as default_connection

        connection = default_connection
    return generate(
        connection,
        cases=args.cases,
        seed=args.seed,
        fresh=args.fresh,
        today=args.today,
        history=args.history,
        drop_indexes=args.drop_indexes,
        out=(lambda _: None) if args.quiet else out,
        summary=out,
    )


# --- The run ------------------------------------------------------------------------------------


class Refused(SystemExit):
    pass


class FastRandom(random.Random):
    """random.Random with cheaper randint, randrange and choice (a float multiply instead of getrandbits loops).

    The bias is below one part in 2**50: nothing a dataset of made-up people could show.
    """

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def randrange(self, start: int, stop: int | None = None, step: int = 1) -> int:  # type: ignore[override]
        if stop is None:
            return int(self.random() * start)
        return start + int(self.random() * (stop - start))

    def choice(self, seq):  # type: ignore[override]
        return seq[int(self.random() * len(seq))]


def referral_days(rng: random.Random, n: int, first: int, last: int) -> Iterator[int]:
    """n referral days between first and last, in order, denser towards the end (steady growth).

    Sorted uniforms one at a time (the minimum of k uniforms is 1 - U**(1/k)), mapped through the inverse of
    the growth curve's distribution function.
    """
    years = (last - first) / 365.25
    scale = math.expm1(GROWTH_PER_YEAR * years)
    x = 0.0
    for k in range(n, 0, -1):
        x += (1.0 - x) * (1.0 - rng.random() ** (1.0 / k))
        yield first + int(math.log1p(x * scale) / GROWTH_PER_YEAR * 365.25)


def generate(
    connection,
    *,
    cases: int,
    seed: int = 2026,
    fresh: bool = False,
    today: dt.date | None = None,
    history: str = "all",
    drop_indexes: str = "auto",
    out: Callable[[str], None] = print,
    summary: Callable[[str], None] = print,
) -> Result:
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from bench.datagen import org, pipeline, registry
    from bench.datagen import tables as tablib
    from bench.datagen.cases import FATE_NAMES, Builder
    from bench.datagen.timebase import Timebase

    started = time.perf_counter()
    phases: list[tuple[str, float]] = []
    postgres = connection.vendor == "postgresql"
    owns_transaction = not connection.in_atomic_block
    fast = postgres and owns_transaction
    rebuild_indexes = fast and (drop_indexes == "yes" or (drop_indexes == "auto" and cases >= DROP_INDEXES_FROM))
    rng = FastRandom(seed)
    tb = Timebase(today or dt.date.today(), YEARS)
    tables = registry.build_tables(history=history)
    all_tables = [t for table in tables.values() for t in (table, table.history) if t is not None]

    def phase(name: str, since: float) -> float:
        now = time.perf_counter()
        phases.append((name, now - since))
        out(f"{name}: {now - since:.1f} s")
        return now

    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        state = _existing_data(cursor)
        if state == "other" and not fresh:
            raise Refused(
                "This database holds data that is not a benchmark dataset. Use --fresh to empty the app tables "
                "first (everything in them is lost), or choose another database with --database-url."
            )
        if state != "empty" or fresh or fast:
            _wipe(connection, cursor, all_tables)
        for table in all_tables:
            cursor.execute(f'SELECT MAX("{table.pk_column}") FROM "{table.name}"')
            table.next_id = (cursor.fetchone()[0] or 0) + 1
        if fast:
            cursor.execute("SET LOCAL session_replication_role = replica")  # no per-row foreign-key triggers
            cursor.execute("SET LOCAL synchronous_commit = off")
            cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        rebuild: dict[str, list[str]] = {}
        if rebuild_indexes:
            for table in all_tables:
                if table.name not in _ORG_TABLES:
                    rebuild[table.name] = tablib.pg_drop_secondary_indexes(cursor, table.name)
        codes, perms, question_set, links = _codes(), _permission_ids(), _question_set(), _links()
        role_groups = _role_groups()
        if postgres:
            cursor.execute("SET LOCAL TIME ZONE 'UTC'")
            sink = tablib.PgCopySink(connection.connection.cursor(), freeze=fast)
            if fast:
                sink.frozen_ok = {t.name for t in all_tables if t.name != "auth_group"}
        else:
            sink = tablib.SqlSink(cursor)
        mark = phase("prepare", started)

        world = org.build_world(
            rng=rng,
            tb=tb,
            tables=tables,
            password_hash=make_password(BENCH_PASSWORD),
            codes=codes,
            role_groups=role_groups,
        )
        tablib.flush(all_tables, sink)
        mark = phase("organisations and staff", mark)

        builder = Builder(
            rng=rng,
            tb=tb,
            world=world,
            tables=tables,
            codes=codes,
            perms=perms,
            question_set=question_set,
            links=links,
        )
        days = referral_days(rng, cases, tb.start, tb.today - 1)
        derive = pipeline.Deriver(cursor, tables, perms, world.joined)
        derive(pipeline.ranges(tables, {}))  # the history of the organisations and staff
        if postgres:
            stats = pipeline.forked(builder, days, tables, sink, derive, out, cases)
            out(
                f"  (COPY {sink.busy:.1f} s, derived rows {derive.seconds['derived']:.1f} s, history "
                f"{derive.seconds['history']:.1f} s, waiting for the generator {stats['waited']:.1f} s)"
            )
        else:

            def emit(table, rows) -> None:
                table.count += len(rows)
                sink.write(table, rows)

            stats = pipeline.produce(builder, days, tables, emit, derive, out, cases)
        mark = phase("cases", mark)

        if postgres:
            if rebuild:
                index_seconds: dict[str, float] = {}
                for name, statements in rebuild.items():
                    began = time.perf_counter()
                    for statement in statements:
                        cursor.execute(statement)
                    index_seconds[name] = time.perf_counter() - began
                for table in all_tables:
                    table.seconds += index_seconds.get(table.name, 0.0)
                mark = phase("indexes rebuilt", mark)
            for table in all_tables:
                tablib.pg_set_sequence(cursor, table)
            if fast:
                cursor.execute("SET LOCAL session_replication_role = origin")
            else:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # check every foreign key now
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            mark = phase("sequences", mark)
    mark = phase("commit", mark)  # with --fresh or a rerun, the commit also removes the old tables' files
    if postgres:
        _analyze(connection, [t.name for t in all_tables], parallel=fast)
        mark = phase("analyze", mark)

    total = time.perf_counter() - started
    result = Result(
        cases=cases,
        seconds=total,
        counts={t.name: t.count for t in all_tables},
        fates=dict(zip(FATE_NAMES, stats["fates"], strict=True)),
        users=world.bench,
    )
    _summary(summary, result, all_tables, phases, world, stats["bench_caseload"], connection)
    return result


# --- Helpers ------------------------------------------------------------------------------------

_ORG_TABLES = {
    "accounts_pccarea",
    "accounts_service",
    "auth_group",
    "accounts_team",
    "accounts_user",
    "accounts_user_groups",
    "accounts_user_areas",
}


def _analyze(connection, names: list[str], *, parallel: bool) -> None:
    """Planner statistics for every table written: on two connections at once when the data is committed.

    The permission tables, written by INSERT ... SELECT rather than COPY FREEZE, are vacuumed as well, so their
    visibility map allows index-only scans (as autovacuum would have made it by now in a running service).
    """
    if not parallel:
        with connection.cursor() as cursor:
            for name in names:
                cursor.execute(f'ANALYZE "{name}"')
        return
    from concurrent.futures import ThreadPoolExecutor

    import psycopg2

    params = connection.get_connection_params()
    work = sorted(names, key=lambda name: name.endswith("objectpermission"))  # the longest (vacuums) first

    def worker() -> None:
        conn = psycopg2.connect(**params)
        conn.autocommit = True
        try:
            with conn.cursor() as cursor:
                while work:
                    try:
                        name = work.pop()
                    except IndexError:
                        return
                    vacuum = name.endswith("objectpermission")
                    cursor.execute(f'{"VACUUM (ANALYZE)" if vacuum else "ANALYZE"} "{name}"')
        finally:
            conn.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        for future in [pool.submit(worker) for _ in range(2)]:
            future.result()


def _existing_data(cursor) -> str:
    """ "empty", "bench" (only an earlier benchmark dataset) or "other"."""
    from bench.datagen.org import BENCH_EMAIL_DOMAIN

    cursor.execute("SELECT COUNT(*) FROM accounts_user")
    users = cursor.fetchone()[0]
    cursor.execute("SELECT COUNT(*) FROM accounts_pccarea")
    areas = cursor.fetchone()[0]
    cursor.execute("SELECT COUNT(*) FROM cases_case")
    case_count = cursor.fetchone()[0]
    if not (users or areas or case_count):
        return "empty"
    cursor.execute("SELECT COUNT(*) FROM accounts_user WHERE email NOT LIKE %s", [f"%@{BENCH_EMAIL_DOMAIN}"])
    other_users = cursor.fetchone()[0]
    cursor.execute("SELECT COUNT(*) FROM accounts_pccarea WHERE code NOT LIKE %s", ["bench-%"])
    other_areas = cursor.fetchone()[0]
    return "other" if other_users or other_areas else "bench"


def _app_tables(connection, all_tables) -> list[str]:
    """Our tables and every other table of the project's apps that holds case or staff data (those that exist)."""
    from django.apps import apps

    keep = {"cases_code", "agreements_feedbackquestionset", "agreements_feedbackquestion", "auth_group"}
    names = {t.name for t in all_tables}
    for label in ("accounts", "cases", "risk", "agreements", "audit", "reporting"):
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            names.add(model._meta.db_table)
    names |= {"guardian_userobjectpermission", "guardian_groupobjectpermission", "django_session"}
    existing = set(connection.introspection.table_names())
    return sorted((names - keep) & existing)


def _wipe(connection, cursor, all_tables) -> None:
    """Empty the app tables, keeping the coded lists, the role groups and the default feedback questions."""
    names = _app_tables(connection, all_tables)
    if connection.vendor == "postgresql":
        cursor.execute("SELECT * FROM agreements_feedbackquestionset WHERE service_id IS NULL")
        set_columns = [d[0] for d in cursor.description]
        sets = cursor.fetchall()
        cursor.execute(
            "SELECT q.* FROM agreements_feedbackquestion q JOIN agreements_feedbackquestionset s "
            "ON s.id = q.question_set_id WHERE s.service_id IS NULL"
        )
        question_columns = [d[0] for d in cursor.description]
        questions = cursor.fetchall()
        cursor.execute("TRUNCATE " + ", ".join(f'"{n}"' for n in names) + " CASCADE")
        for columns, rows, table in (
            (set_columns, sets, "agreements_feedbackquestionset"),
            (question_columns, questions, "agreements_feedbackquestion"),
        ):
            for row in rows:
                values = dict(zip(columns, row, strict=True))
                if "introduced_by_id" in values:
                    values["introduced_by_id"] = None
                if "choices" in values and not isinstance(values["choices"], str):
                    import json

                    values["choices"] = json.dumps(values["choices"])
                quoted = ", ".join(f'"{c}"' for c in values)
                marks = ", ".join(["%s"] * len(values))
                cursor.execute(f'INSERT INTO "{table}" ({quoted}) VALUES ({marks})', list(values.values()))
    else:
        cursor.execute(
            "DELETE FROM agreements_feedbackquestion WHERE question_set_id IN "
            "(SELECT id FROM agreements_feedbackquestionset WHERE service_id IS NOT NULL)"
        )
        cursor.execute("DELETE FROM agreements_feedbackquestionset WHERE service_id IS NOT NULL")
        cursor.execute("UPDATE agreements_feedbackquestionset SET introduced_by_id = NULL")
        with connection.constraint_checks_disabled():
            for name in names:
                cursor.execute(f'DELETE FROM "{name}"')
    cursor.execute(
        "DELETE FROM auth_group_permissions WHERE group_id IN (SELECT id FROM auth_group WHERE name LIKE %s)",
        ["service:%"],
    )
    cursor.execute("DELETE FROM auth_group WHERE name LIKE %s", ["service:%"])


def _codes() -> dict[str, dict[str, int]]:
    from cases.models import Code

    codes: dict[str, dict[str, int]] = {}
    for list_name, code, pk in Code.objects.values_list("list_name", "code", "pk"):
        codes.setdefault(list_name, {})[code] = pk
    return codes


def _role_groups() -> dict[str, int]:
    """The id of each role's group (made by migrate: accounts.roles.ensure_role_groups)."""
    from django.contrib.auth.models import Group

    from accounts.roles import ROLE_PERMISSIONS, role_group_name

    found = dict(Group.objects.filter(name__startswith="role:").values_list("name", "pk"))
    missing = [role for role in ROLE_PERMISSIONS if role_group_name(role) not in found]
    if missing:
        raise RuntimeError(f"Role groups missing (run migrate first): {', '.join(missing)}")
    return {role: found[role_group_name(role)] for role in ROLE_PERMISSIONS}


def _permission_ids() -> dict[str, int]:
    from django.contrib.auth.models import Permission

    perms = Permission.objects.filter(
        content_type__app_label="cases", content_type__model__in=["case", "victim", "offender"]
    )
    return dict(perms.values_list("codename", "pk"))


def _question_set() -> tuple[int, list[dict]]:
    """The newest default version of the feedback questions (service-less), with each question's choices."""
    from agreements.models import FeedbackQuestionSet
    from agreements.services.question_sets import current_question_set

    default = FeedbackQuestionSet.objects.filter(service__isnull=True).order_by("-version").first()
    default = default or current_question_set(None)
    questions = list(default.questions.order_by("order").values("key", "kind", "choices", "measure"))
    return default.pk, questions


def _links() -> dict[str, str]:
    """Page addresses tasks link to, as format strings taking an id."""
    from django.urls import reverse

    marker = 987654321
    return {
        "agreement": reverse("agreements:agreement_detail", args=[marker]).replace(str(marker), "{}"),
        "victim_feedback": reverse("agreements:feedback_new", kwargs={"side": "victim", "pk": marker}).replace(
            str(marker), "{}"
        ),
        "offender_feedback": reverse("agreements:feedback_new", kwargs={"side": "offender", "pk": marker}).replace(
            str(marker), "{}"
        ),
    }


def _summary(out, result: Result, all_tables, phases, world, bench_caseload: int, connection) -> None:
    out("")
    out(f"Generated {result.cases:,} cases in {result.seconds:.1f} s ({connection.vendor}).")
    for name, seconds in phases:
        out(f"  {name:<28} {seconds:8.1f} s")
    out("Rows per table (seconds: time in COPY/INSERT on the writer, plus index rebuild):")
    for table in sorted(all_tables, key=lambda t: -t.count):
        if table.count:
            out(f"  {table.name:<44} {table.count:>12,} {table.seconds:8.1f} s")
    out(f"  {'total':<44} {sum(t.count for t in all_tables):>12,}")
    fates = ", ".join(f"{name} {count:,}" for name, count in result.fates.items())
    out(f"Fates: {fates}")
    out(f"Bench facilitator's open cases: {bench_caseload}; the big service is {world.big.code} ({world.big.name}).")
    out(f"Every user's password: {BENCH_PASSWORD}")
    out("Sign in as: " + ", ".join(sorted(world.bench)))


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except Refused as exc:
        print(exc.code, file=sys.stderr)
        sys.exit(2)

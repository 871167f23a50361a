"""What a page asks the database: its queries, captured through Django's test client in the runner's process,
then each replayed under EXPLAIN ANALYZE (PostgreSQL) to time the SQL alone, without the framework around it.

Replaying runs in one transaction that is rolled back, in the order the page ran them, so a `SET LOCAL` the
page made (reporting turns JIT off) applies to the queries after it and writes leave nothing behind.
"""

from __future__ import annotations

import json
import re
import statistics
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.runner.server import LOOPBACK

_CONTROL = re.compile(r"^\s*(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK|BEGIN|COMMIT)\b", re.IGNORECASE)
_SETTING = re.compile(r"^\s*SET\b", re.IGNORECASE)


@dataclass
class Captured:
    status: int
    queries: list[str]
    body: bytes = b""

    @property
    def count(self) -> int:
        return len(self.queries)


@dataclass
class Explained:
    main_ms: float | None = None  # the slowest query: planning + execution
    total_ms: float | None = None  # every query of the page
    main_sql: str = ""
    main_plan: str = ""
    main_jit_ms: float = 0.0  # of main_ms: compiling the query (PostgreSQL's JIT), not running it
    failures: list[str] = field(default_factory=list)


def in_process_client(session_key: str) -> Client:
    from django.conf import settings

    client = Client(HTTP_HOST=LOOPBACK, HTTP_X_FORWARDED_PROTO="https")
    client.cookies[settings.SESSION_COOKIE_NAME] = session_key
    return client


def capture(
    client: Client,
    path: str,
    *,
    method: str = "GET",
    data: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    rollback: bool = False,
) -> Captured:
    """Run one request in this process and keep every query it made (rolled back afterwards if asked)."""
    with CaptureQueriesContext(connection) as queries:
        if rollback:
            with transaction.atomic():
                response = _send(client, path, method, data, headers)
                transaction.set_rollback(True)
        else:
            response = _send(client, path, method, data, headers)
    content = b"" if getattr(response, "streaming", False) else response.content
    return Captured(status=response.status_code, queries=[q["sql"] for q in queries.captured_queries], body=content)


def _send(client: Client, path: str, method: str, data, headers):
    if method == "POST":
        return client.post(path, data or {}, headers=headers or {})
    return client.get(path, headers=headers or {})


def _plan_ms(sql: str) -> tuple[float, dict]:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql)
        raw = cursor.fetchone()[0]
    plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]
    return plan.get("Planning Time", 0.0) + plan["Execution Time"], plan


def _plan_text(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def explain(queries: list[str], *, repeats: int = 3) -> Explained:
    """Time each query with EXPLAIN ANALYZE; the slowest is run `repeats` times (median) and its plan kept."""
    if connection.vendor != "postgresql" or not queries:
        return Explained()
    result = Explained(total_ms=0.0)
    slowest: tuple[float, str] | None = None
    with transaction.atomic():
        for sql in queries:
            if _CONTROL.match(sql):
                continue
            if _SETTING.match(sql):
                with connection.cursor() as cursor:
                    cursor.execute(sql)
                continue
            try:
                with transaction.atomic():
                    took, _ = _plan_ms(sql)
            except Exception as exc:  # noqa: BLE001 - a query that cannot be replayed is reported, not fatal
                result.failures.append(f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}")
                continue
            result.total_ms += took
            if slowest is None or took > slowest[0]:
                slowest = (took, sql)
        if slowest is not None:
            times = [slowest[0]]
            jit = []
            with transaction.atomic():
                for _ in range(repeats - 1):
                    took, plan = _plan_ms(slowest[1])
                    times.append(took)
                    jit.append(plan.get("JIT", {}).get("Timing", {}).get("Total", 0.0))
                result.main_plan = _plan_text(slowest[1])
                transaction.set_rollback(True)
            result.main_ms = statistics.median(times)
            result.main_jit_ms = statistics.median(jit) if jit else 0.0
            result.total_ms += result.main_ms - slowest[0]  # the slowest counted at its median, as shown
            result.main_sql = slowest[1]
        transaction.set_rollback(True)
    return result

"""Building the cases and loading them: in this process (SQLite, tests), or in a forked child on PostgreSQL.

On PostgreSQL a forked process builds the cases and formats CSV while this one runs COPY, so Python works on
one core while PostgreSQL parses and stores rows on the other. After each chunk of cases the database derives
rows from it (derived.py: permissions, contact and "person added" entries; and the "+" history rows) while the
child builds the next chunk.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

BATCH_CASES = 2000
FLUSH_ROWS = 20_000  # a table's buffer goes to the database once it holds this many rows (and at each chunk's end)
CHUNK_CASES = 100_000  # at most: after each chunk the database derives rows from it while the next is built
QUEUE_MESSAGES = 256  # batches (up to FLUSH_ROWS rows each) waiting for COPY while the database derives rows


class Deriver:
    """Writes the rows that follow from a chunk of loaded rows (derived.py) and their history rows."""

    def __init__(self, cursor, tables, perms: dict[str, int], joined: str) -> None:
        from bench.datagen import registry

        self.cursor = cursor
        self.tables = tables
        self.perms = perms
        self.joined = joined
        self.parents = registry.HISTORY_PARENT
        self.by_name = {t.name: t for table in tables.values() for t in (table, table.history) if t is not None}
        self.seconds = {"derived": 0.0, "history": 0.0}

    def __call__(self, ranges: dict[str, tuple[int, int]]) -> None:
        from bench.datagen import derived

        cursor = self.cursor
        began = time.perf_counter()
        for name, sql, params in derived.statements(self.perms, ranges):
            cursor.execute(sql, params)
            self.by_name[name].count += max(cursor.rowcount, 0)
        middle = time.perf_counter()
        self.seconds["derived"] += middle - began
        for key, table in self.tables.items():
            low, high = ranges.get(table.name, (1, 0))
            if table.history is None or low > high:
                continue
            sql, params = table.history_statement(low, high, self.parents.get(key))
            cursor.execute(sql, [self.joined if p is None else p for p in params])
            table.history.count += max(cursor.rowcount, 0)
        self.seconds["history"] += time.perf_counter() - middle


def ranges(tables, since: dict[str, int]) -> dict[str, tuple[int, int]]:
    """The id range of each table written since `since` (table name -> first id of the range)."""
    return {t.name: (since.get(t.name, 1), t.next_id - 1) for t in tables.values()}


def produce(builder, days: Iterator[int], tables, emit, on_chunk, progress: Callable[[str], None], total: int) -> dict:
    """Build every case, handing each table's rows to `emit(table, rows)` in batches, and after each chunk of
    cases (all its rows handed over) calling `on_chunk(ranges)` with the id ranges the chunk used."""
    all_tables = [t for table in tables.values() for t in (table, table.history) if t is not None]
    started = time.perf_counter()
    report_every = max(BATCH_CASES, total // 20 // BATCH_CASES * BATCH_CASES)
    chunk = max(BATCH_CASES, min(CHUNK_CASES, total // 8) // BATCH_CASES * BATCH_CASES)
    since = {t.name: t.next_id for t in tables.values()}

    def hand_over(minimum: int) -> None:
        for table in all_tables:
            if table.rows and len(table.rows) >= minimum:
                rows, table.rows = table.rows, []
                emit(table, rows)

    for index, day in enumerate(days, start=1):
        builder.build(day)
        if index % chunk == 0 or index == total:
            if index == total:
                counters(tables, builder.world)
            hand_over(1)
            on_chunk(ranges(tables, since))
            since = {t.name: t.next_id for t in tables.values()}
        elif index % BATCH_CASES == 0:
            hand_over(FLUSH_ROWS)
        if index % report_every == 0:
            progress(f"  {index:,} cases ({index / (time.perf_counter() - started):,.0f} a second)")
    return {"fates": builder.fate_counts, "bench_caseload": builder.bench_count, "waited": 0.0}


def forked(builder, days: Iterator[int], tables, sink, derive, out: Callable[[str], None], total: int) -> dict:
    """PostgreSQL: a forked process builds the cases and formats CSV while this one runs COPY and, after each
    chunk, derive() for it.

    Python builds rows on one core while PostgreSQL parses and stores them, and derives rows from the chunk
    before, on the other. The child never touches the database connection (it leaves through os._exit, so
    the inherited connection is not closed).
    """
    import multiprocessing
    import queue as queues
    import traceback

    from bench.datagen.tables import csv_bytes

    by_name = {t.name: t for table in tables.values() for t in (table, table.history) if t is not None}
    context = multiprocessing.get_context("fork")
    channel = context.Queue(maxsize=QUEUE_MESSAGES)

    def child() -> None:
        try:

            def emit(table, rows) -> None:
                channel.put(("copy", table.name, csv_bytes(rows), len(rows)))

            stats = produce(
                builder,
                days,
                tables,
                emit,
                lambda ranges: channel.put(("chunk", ranges)),
                lambda text: channel.put(("progress", text)),
                total,
            )
            channel.put(("done", stats))
        except BaseException:  # noqa: BLE001 - reported to the parent, which raises
            channel.put(("error", traceback.format_exc()))

    process = context.Process(target=child, name="bench-generate", daemon=True)
    process.start()
    waited = 0.0
    try:
        while True:
            began = time.perf_counter()
            try:
                message = channel.get(timeout=10)
            except queues.Empty:
                if not process.is_alive():
                    raise RuntimeError("The generator process stopped without a word") from None
                continue
            finally:
                waited += time.perf_counter() - began
            kind = message[0]
            if kind == "copy":
                _, name, data, count = message
                table = by_name[name]
                sink.copy(table, data)
                table.count += count
            elif kind == "chunk":
                derive(message[1])
            elif kind == "progress":
                out(message[1])
            elif kind == "done":
                stats = message[1]
                break
            else:
                raise RuntimeError(f"The generator process failed:\n{message[1]}")
    finally:
        process.join(timeout=30)
        if process.is_alive():
            process.terminate()
    stats["waited"] = waited
    return stats


def counters(tables, world) -> None:
    """CaseReferenceCounter rows, so the next referral of each service-year gets the next number."""
    table = tables["counter"]
    make = table.maker("id service_id year last_number")
    for service in world.services:
        for year, number in sorted(service.counters.items()):
            table.rows.append(make(table.new_id(), service.id, year, number))

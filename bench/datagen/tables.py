"""Row buffers for each table, and the bulk writers that empty them.

A Table is built from a Django model: its columns in the model's order, each column's default taken from
the model field, so a row maker only names the columns it sets and a column added to a model later gets its
default without any change here (a new column without a default fails loudly at start instead). Models with
django-simple-history get their Historical* table too: one "+" row per object, written by the database itself
(INSERT ... SELECT) once the objects are loaded, dated and signed from the object's own columns.

Values in rows are already in the database's text form: dates "YYYY-MM-DD", timestamps
"YYYY-MM-DD HH:MM:SS" in UTC, JSON as a JSON string, booleans as True/False. On PostgreSQL rows go
through COPY ... FROM STDIN (CSV, with FORCE_NOT_NULL on the text columns so an empty string stays an empty
string while an empty unquoted field of a nullable column is NULL). Elsewhere (SQLite, for tests) they go
through executemany.
"""

from __future__ import annotations

import csv
import io
import json
import keyword
import time
from collections.abc import Callable, Iterable
from typing import Any

from django.db import models

HISTORY_EXTRA = ("history_id", "history_date", "history_change_reason", "history_type", "history_user_id")
TEXT_TYPES = (models.CharField, models.TextField, models.EmailField, models.SlugField)


def _db_default(field: models.Field) -> Any:
    """The value the model would store when the field is not given, in our text form (None: must be given)."""
    if field.has_default():
        value = field.get_default()
        return json.dumps(value) if isinstance(field, models.JSONField) else value
    if not field.null and isinstance(field, TEXT_TYPES):
        return ""
    return None


class Table:
    """One table's columns, defaults, id counter and buffered rows (with its history table, if any)."""

    def __init__(
        self, model: type[models.Model], *, history: bool = True, is_history: bool = False, auto_id: bool = False
    ) -> None:
        meta = model._meta
        self.model = model
        self.name: str = meta.db_table
        # auto_id: rows are written without their id, which the database gives (for tables written both from
        # Python and by INSERT ... SELECT, whose rows nothing refers to)
        self.auto_id = auto_id
        self.fields = [f for f in meta.concrete_fields if not (auto_id and f.primary_key)]
        self.columns = [f.column for f in self.fields]
        self.pos: dict[str, int] = {}
        for index, field in enumerate(self.fields):
            self.pos[field.column] = index
            self.pos.setdefault(field.name, index)
        self.pk_column: str = meta.pk.column
        self.defaults = [_db_default(f) for f in self.fields]
        self.required = {
            i for i, f in enumerate(self.fields) if self.defaults[i] is None and not f.null and not f.primary_key
        }
        # Text columns that are never NULL: an empty CSV field there is an empty string, not NULL.
        self.not_null_text = [f.column for f in self.fields if isinstance(f, TEXT_TYPES) and not f.null]
        self.rows: list[tuple] = []
        self.next_id = 1
        self.count = 0
        self.seconds = 0.0
        self.is_history = is_history
        self.history: Table | None = None
        historical = getattr(getattr(model, "history", None), "model", None)
        if history and historical is not None and not is_history:
            self.history = Table(historical, is_history=True)

    def __repr__(self) -> str:
        return f"<Table {self.name}>"

    # --- Making rows ---------------------------------------------------------------------------

    def maker(self, names: str) -> Callable[..., tuple]:
        """A function taking the named columns (positionally, or by column name) and returning a whole row,
        the other columns at their defaults.

        Built once per table with exec, the defaults bound as keyword-only locals: one tuple per call.
        """
        wanted = names.split()
        unknown = [n for n in wanted if n not in self.pos or keyword.iskeyword(n)]
        if unknown:
            raise LookupError(f"{self.name} has no column {', '.join(unknown)} (or it is a Python keyword)")
        columns = [self.columns[self.pos[n]] for n in wanted]
        given = {self.pos[n]: column for n, column in zip(wanted, columns, strict=True)}
        missing = [self.columns[i] for i in sorted(self.required) if i not in given]
        if missing:
            raise LookupError(f"{self.name}: these columns have no default and must be given: {', '.join(missing)}")
        parts = [given.get(i, f"_d{i}") for i in range(len(self.columns))]
        kwonly = ", ".join(f"_d{i}=_defaults[{i}]" for i in range(len(self.columns)) if i not in given)
        signature = f"{', '.join(columns)}, *, {kwonly}" if kwonly else ", ".join(columns)
        source = f"def make({signature}):\n    return ({', '.join(parts)},)\n"
        namespace: dict[str, Any] = {"_defaults": self.defaults}
        exec(compile(source, f"<maker {self.name}>", "exec"), namespace)  # noqa: S102 - our own generated code
        return namespace["make"]

    def new_id(self) -> int:
        value = self.next_id
        self.next_id = value + 1
        return value

    def add(self, row: tuple) -> None:
        self.rows.append(row)

    def history_statement(self, low: int, high: int, parent: tuple[str, str] | None = None) -> tuple[str, list[Any]]:
        """SQL writing one "+" history row for each row of this table with an id from low to high, dated and
        signed from its own columns.

        The date and author come from the first pair found of (created_at, created_by), (recorded_at, recorded_by),
        (logged_at, logged_by)...; a row without such columns takes them from `parent`: (foreign key column,
        parent table), which has them.
        """
        if self.history is None:
            raise ValueError(f"{self.name} keeps no history")
        source = self if parent is None else None
        pairs = (
            ("created_at", "created_by_id"),
            ("recorded_at", "recorded_by_id"),
            ("logged_at", "logged_by_id"),
            ("decided_at", "decided_by_id"),
            ("changed_at", "changed_by_id"),
            ("updated_at", "updated_by_id"),
            ("date_joined", None),
        )
        date_sql = user_sql = None
        if source is not None:
            for date_column, user_column in pairs:
                if date_column in self.pos:
                    date_sql = f'b."{date_column}"'
                    user_sql = f'b."{user_column}"' if user_column in self.pos else "NULL"
                    break
        elif parent is not None:
            key, parent_table = parent
            date_sql = f'(SELECT p."created_at" FROM "{parent_table}" p WHERE p."id" = b."{key}")'
            user_sql = f'(SELECT p."created_by_id" FROM "{parent_table}" p WHERE p."id" = b."{key}")'
        params: list[Any] = []
        if date_sql is None:
            date_sql, user_sql = "%s", "NULL"
            params.append(None)  # filled in by the caller: a moment for every row
        columns, values = [], []
        for column in self.history.columns:
            if column == "history_id":
                continue
            columns.append(f'"{column}"')
            if column == "history_date":
                values.append(date_sql)
            elif column == "history_change_reason":
                values.append("NULL")
            elif column == "history_type":
                values.append("'+'")
            elif column == "history_user_id":
                values.append(user_sql)
            else:
                values.append(f'b."{column}"')
        sql = (
            f'INSERT INTO "{self.history.name}" ({", ".join(columns)}) '
            f'SELECT {", ".join(values)} FROM "{self.name}" b '
            f'WHERE b."{self.pk_column}" BETWEEN {int(low)} AND {int(high)} ORDER BY b."{self.pk_column}"'
        )
        return sql, params


# --- Writers -----------------------------------------------------------------------------------


class SqlSink:
    """executemany through Django's cursor: any database, slow, for small datasets and tests."""

    def __init__(self, cursor) -> None:
        self.cursor = cursor
        self._sql: dict[str, str] = {}

    def write(self, table: Table, rows: list[tuple]) -> None:
        sql = self._sql.get(table.name)
        if sql is None:
            quoted = ", ".join(f'"{c}"' for c in table.columns)
            marks = ", ".join(["%s"] * len(table.columns))
            sql = self._sql[table.name] = f'INSERT INTO "{table.name}" ({quoted}) VALUES ({marks})'
        started = time.perf_counter()
        self.cursor.executemany(sql, rows)
        table.seconds += time.perf_counter() - started

    def finish(self) -> None:
        return None


class PgCopySink:
    """COPY FROM STDIN in CSV on PostgreSQL. `write` formats the rows; `copy` loads text already formatted."""

    def __init__(self, raw_cursor, *, freeze: bool = False) -> None:
        self.cursor = raw_cursor
        self.freeze = freeze
        self.frozen_ok: set[str] = set()
        self.busy = 0.0  # seconds spent in COPY

    def statement(self, table: Table) -> str:
        columns = ", ".join(f'"{c}"' for c in table.columns)
        options = ["FORMAT csv"]
        if table.not_null_text:
            options.append("FORCE_NOT_NULL (" + ", ".join(f'"{c}"' for c in table.not_null_text) + ")")
        if self.freeze and table.name in self.frozen_ok:
            options.append("FREEZE")
        return f'COPY "{table.name}" ({columns}) FROM STDIN WITH ({", ".join(options)})'

    def copy(self, table: Table, data: bytes) -> None:
        started = time.perf_counter()
        self.cursor.copy_expert(self.statement(table), io.BytesIO(data), size=1 << 20)
        spent = time.perf_counter() - started
        table.seconds += spent
        self.busy += spent

    def write(self, table: Table, rows: list[tuple]) -> None:
        self.copy(table, csv_bytes(rows))

    def finish(self) -> None:
        return None


def csv_bytes(rows: list[tuple]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode()


def flush(tables: Iterable[Table], sink, *, min_rows: int = 1) -> None:
    """Hand the buffered rows of every table holding at least `min_rows` to the sink and empty those buffers."""
    for t in tables:
        if len(t.rows) >= min_rows:
            rows = t.rows
            t.rows = []
            t.count += len(rows)
            sink.write(t, rows)


# --- PostgreSQL bulk-load helpers --------------------------------------------------------------


def pg_drop_secondary_indexes(cursor, table: str) -> list[str]:
    """Drop the table's indexes and unique constraints (not its primary key); return the SQL that rebuilds them."""
    rebuild: list[str] = []
    cursor.execute(
        """
        SELECT c.conname, pg_get_constraintdef(c.oid)
        FROM pg_constraint c
        WHERE c.conrelid = %s::regclass AND c.contype = 'u'
          AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = c.conindid)
        """,
        [table],
    )
    for name, definition in cursor.fetchall():
        cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
        rebuild.append(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
    cursor.execute(
        """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
        FROM pg_index i
        WHERE i.indrelid = %s::regclass AND NOT i.indisprimary
          AND NOT EXISTS (
              SELECT 1 FROM pg_constraint c WHERE c.conrelid = i.indrelid AND c.conindid = i.indexrelid
          )
        """,
        [table],
    )
    for name, definition in cursor.fetchall():
        cursor.execute(f"DROP INDEX {name}")
        rebuild.append(definition)
    return rebuild


def pg_set_sequence(cursor, table: Table) -> None:
    column = table.pk_column
    cursor.execute(
        f'SELECT setval(pg_get_serial_sequence(%s, %s), COALESCE(MAX("{column}"), 1), MAX("{column}") IS NOT NULL) '
        f'FROM "{table.name}"',
        [table.name, column],
    )

"""The DuckDB store: opening, locking, migrations and transactions.

One process owns the file for writing (DuckDB's own lock); a second process
gets :class:`~aivitals.errors.StoreBusyError` with a message that says what
to do instead. Bulk writes go in as Arrow tables.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import duckdb
import pyarrow as pa

from aivitals.errors import StoreBusyError, StoreError
from aivitals.store._keys import key_halves
from aivitals.store._schema import ID_KEY_SQL, MIGRATIONS

__all__ = [
    "DEFAULT_STORE",
    "Store",
    "insert_arrow_sql",
    "insert_select_sql",
    "insert_sql",
    "resolve_store_path",
    "sql_name",
    "sql_string",
    "with_key",
]

DEFAULT_STORE = Path(".vitals") / "vitals.duckdb"

# Keys the store derives from a row's id on every insert, as DuckDB has no
# stored generated columns to do it: table -> (key column, id column).
_KEYED: dict[str, tuple[str, str]] = {
    "records": ("record_key", "record_id"),
    "events": ("event_key", "event_id"),
}
_HI, _LO = "_aivitals_key_hi", "_aivitals_key_lo"


def sql_name(name: str) -> str:
    """A quoted SQL identifier: ``sql_name('a"b')`` is ``"a""b"``."""
    return '"' + name.replace('"', '""') + '"'


def sql_string(text: str) -> str:
    """A DuckDB string literal: ``sql_string("it's")`` is ``'it''s'``."""
    return "'" + text.replace("'", "''") + "'"


def _select(columns: Sequence[tuple[str, str]], source: str) -> str:
    named = ", ".join(f"{expr} AS {sql_name(name)}" for name, expr in columns)
    return f"SELECT {named} FROM {source}"


def insert_sql(table: str, columns: Sequence[tuple[str, str]], source: str) -> str:
    """``INSERT INTO table`` of ``(column, SQL expression)`` pairs read from ``source``.

    Args:
        table: The target table.
        columns: Target column and the SQL that computes it, in order.
        source: What follows ``FROM``: a table, view or table function.
    """
    return insert_select_sql(table, _select(columns, source))


def insert_select_sql(table: str, select: str) -> str:
    """``INSERT INTO table`` of the rows of a query, its columns named as the table's.

    Every insert into the store's tables goes through here or
    :func:`insert_arrow_sql`, so that each row gets the key the store
    derives from its id (``records.record_key``, ``events.event_key``), on
    which idempotent ingest rests.
    """
    if table in _KEYED:
        key, id_column = _KEYED[table]
        expr = ID_KEY_SQL.format(id=sql_name(id_column))
        select = f"SELECT *, {expr} AS {key} FROM ({select}) AS _aivitals_rows"
    return f"INSERT INTO {table} BY NAME {select}"


def with_key(table: str, data: pa.Table) -> pa.Table:
    """``data`` with the halves of each row's key, if ``table`` is keyed.

    Register the result and insert it with :func:`insert_arrow_sql`.
    """
    if table not in _KEYED:
        return data
    high, low = key_halves(data.column(_KEYED[table][1]).to_pylist())
    return data.append_column(_HI, high).append_column(_LO, low)


def insert_arrow_sql(table: str, data: pa.Table, view: str) -> str:
    """``INSERT INTO table`` of Arrow rows made by :func:`with_key`, registered as ``view``."""
    columns = [(name, sql_name(name)) for name in data.column_names if name not in (_HI, _LO)]
    if table in _KEYED:
        columns.append((_KEYED[table][0], f"({_HI}::UHUGEINT << 64) | {_LO}::UHUGEINT"))
    return f"INSERT INTO {table} BY NAME {_select(columns, view)}"


def resolve_store_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The store to use: the argument, else ``$VITALS_STORE``, else the default."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("VITALS_STORE")
    return Path(env) if env else DEFAULT_STORE


class Store:
    """An open DuckDB store at the current schema version.

    Use as a context manager, or call :meth:`close`.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, *, read_only: bool = False):
        self.path = resolve_store_path(path)
        self.read_only = read_only
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        elif not self.path.exists():
            raise StoreError(f"no store at {self.path}; run an evaluation first")
        try:
            self.con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise StoreBusyError(
                    f"the store {self.path} is held by another process (is `vitals serve` "
                    "running?); stop it, or use its API, or pass --store for another file"
                ) from None
            raise StoreError(f"cannot open store {self.path}: {exc}") from None
        if not read_only:
            self._migrate()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection (idempotent)."""
        self.con.close()

    def reader(self) -> Store:
        """A second connection to this open store, for reads in another thread.

        Each DuckDB connection reads its own snapshot of committed data, so
        reads on it neither wait for this connection's work nor hold it up.
        Close it before this store.
        """
        view = object.__new__(Store)
        view.path, view.read_only, view.con = self.path, True, self.con.cursor()
        return view

    def _migrate(self) -> None:
        self.con.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations "
            "(version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)"
        )
        row = self.one("SELECT max(version) FROM schema_migrations")
        current = int(row[0]) if row and row[0] is not None else 0
        newest = MIGRATIONS[-1][0]
        if current > newest:
            raise StoreError(
                f"store {self.path} has schema version {current}, newer than this "
                f"aivitals understands ({newest}); upgrade aivitals"
            )
        for version, sql in MIGRATIONS:
            if version <= current:
                continue
            with self.transaction():
                self.con.execute(sql)
                self.con.execute(
                    "INSERT INTO schema_migrations VALUES (?, ?)", [version, datetime.now(UTC)]
                )

    @property
    def schema_version(self) -> int:
        """The schema version the file is at."""
        row = self.one("SELECT max(version) FROM schema_migrations")
        return int(row[0]) if row and row[0] is not None else 0

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Run a block atomically: all of it is committed, or none."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield self.con
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    def insert_new(
        self, statements: Sequence[tuple[str, str]]
    ) -> tuple[bool, list[list[tuple[Any, ...]]]]:
        """Run ``INSERT`` statements in one transaction, skipping already-stored keys.

        The plain statements run first: the unique index refuses the first
        row whose key is already stored, and if none is, that is the whole
        cost. Only then do they run again with their ``ON CONFLICT`` tails,
        which make DuckDB check every row against the index on its own and
        cost about half as much again as the insert (0.8 s per million rows).

        Args:
            statements: ``(INSERT ..., tail)`` pairs; the tail (``ON
                CONFLICT DO NOTHING``, with ``RETURNING`` if the caller
                needs to know which rows went in) is used on the slow path.

        Returns:
            Whether every row was new (no tail was needed), and each
            statement's result rows: its count, or what its tail returned.
        """
        try:
            with self.transaction():
                return True, [self.con.execute(sql).fetchall() for sql, _ in statements]
        except duckdb.ConstraintException:
            pass
        with self.transaction():
            return False, [self.con.execute(f"{sql} {tail}").fetchall() for sql, tail in statements]

    def insert(self, table: str, data: pa.Table) -> None:
        """Append an Arrow table to ``table``, matching columns by name."""
        if data.num_rows == 0:
            return
        data = with_key(table, data)
        self.con.register("_aivitals_insert", data)
        try:
            self.con.execute(insert_arrow_sql(table, data, "_aivitals_insert"))
        finally:
            self.con.unregister("_aivitals_insert")

    def one(self, sql: str, params: Any = None) -> tuple[Any, ...] | None:
        """The first row of a query, or ``None``.

        Fetches the whole result: DuckDB refuses further work on a
        connection whose last result was not read to the end.
        """
        rows = self.con.execute(sql, params or []).fetchall()
        return rows[0] if rows else None

    def query(self, sql: str, params: Any = None) -> list[dict[str, Any]]:
        """Run a query and return rows as dictionaries."""
        cursor = self.con.execute(sql, params or [])
        names = [d[0] for d in cursor.description or []]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

"""Vectorised ingest of telemetry files: JSONL, CSV and Parquet.

A file is read into DuckDB once and inserted as a set, each row checked by
SQL expressions on the way (required fields, types, event types and scales,
future timestamps). Ids already stored are skipped (see
:meth:`aivitals.store.Store.insert_new`). The first invalid row aborts the
insert; a second pass then names up to 50 bad rows and fields, and nothing
is stored — as with dataset loading. No Python object is made per row: that
is what keeps a million-row Parquet file to about two seconds.
"""

from __future__ import annotations

import codecs
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import duckdb
import pyarrow.parquet as pq

from aivitals.errors import InputError, Problem
from aivitals.io import detect_format
from aivitals.store import Store, insert_sql, sql_name, sql_string
from aivitals.telemetry._model import EVENT_TYPES, MAX_FUTURE

__all__ = ["FILE_FORMATS", "FileIngestResult", "Kind", "ingest_file"]

Kind = Literal["interactions", "events"]
FILE_FORMATS = ("jsonl", "csv", "parquet")
_MAX_PROBLEMS = 50
_SRC = "_aivitals_file"
# The message of the error() that stops an insert at an invalid row.
_INVALID = "aivitals: a row failed its checks"

# Field -> how its cell is read. "id" and "text" are VARCHAR, "int"/"float"
# numbers (not negative), "ts" a timestamp, "json" the input (text or
# messages), "list" a JSON list, "tags" a text map, "extra" a JSON object.
_INTERACTION_FIELDS = {
    "id": "id",
    "session_id": "text",
    "turn": "int",
    "ts": "ts",
    "system_version": "text",
    "input": "json",
    "output": "text",
    "context": "list",
    "expected": "list",
    "tags": "tags",
    "latency_ms": "float",
    "tokens_in": "int",
    "tokens_out": "int",
    "cost": "float",
    "error": "text",
    "error_kind": "text",
    "user_id": "text",
    "trace_id": "text",
    "span_id": "text",
    "attributes": "extra",
}
_EVENT_FIELDS = {
    "id": "id",
    "session_id": "text",
    "record_id": "text",
    "ts": "ts",
    "type": "text",
    "value": "number",
    "attrs": "extra",
}
_REQUIRED = {"interactions": ("id", "input"), "events": ("id", "type")}
_NESTED = ("STRUCT", "MAP", "[]", "UNION")


@dataclass(frozen=True)
class FileIngestResult:
    """What a file ingest stored.

    Attributes:
        path: The file.
        kind: ``interactions`` or ``events``.
        rows: Rows in the file.
        accepted: Rows newly stored.
        duplicates: Rows whose id was already stored (or repeated in the file).
        seconds: Wall time of read, checks and insert.
    """

    path: str
    kind: Kind
    rows: int
    accepted: int
    duplicates: int
    seconds: float


def _check_utf8(path: Path) -> None:
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = lines = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 22):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                line = lines + chunk.count(b"\n", 0, exc.start) + 1
                raise InputError(
                    Problem(
                        f"not valid UTF-8 (byte {offset + exc.start}); re-save the file as UTF-8",
                        file=str(path),
                        line=line,
                    )
                ) from None
            offset += len(chunk)
            lines += chunk.count(b"\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise InputError(
                Problem("not valid UTF-8 (truncated at the end)", file=str(path), line=lines + 1)
            ) from None


def _blank(path: Path) -> bool:
    """Whether a text file holds nothing but whitespace (DuckDB cannot read it)."""
    with path.open("rb") as handle:
        head = handle.read(1 << 16)
        return not head.strip() and not handle.read(1)


def _jsonl_problems(path: Path) -> list[Problem]:
    problems: list[Problem] = []
    with path.open(encoding="utf-8") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                value = json.loads(raw)
            except json.JSONDecodeError as exc:
                problems.append(Problem(f"invalid JSON: {exc.msg}", file=str(path), line=number))
            else:
                if not isinstance(value, dict):
                    problems.append(
                        Problem(
                            f"expected an object, found {type(value).__name__}",
                            file=str(path),
                            line=number,
                        )
                    )
            if len(problems) >= _MAX_PROBLEMS:
                break
    return problems


def _load(store: Store, path: Path, fmt: str) -> None:
    """Make ``_SRC`` (a view or temp table) with a 1-based ``_row`` column."""
    con = store.con
    if fmt == "parquet":
        # A view, not a copy: DuckDB reads the file in parallel for the checks
        # and again for the insert, faster than materialising it once.
        try:
            pq.read_schema(path)
            con.execute(
                f"CREATE OR REPLACE TEMP VIEW {_SRC} AS SELECT * EXCLUDE (file_row_number), "
                f"file_row_number + 1 AS _row "
                f"FROM read_parquet({sql_string(str(path))}, file_row_number = true)"
            )
        except Exception as exc:  # pyarrow and duckdb raise several unrelated types
            raise InputError(Problem(f"unreadable Parquet: {exc}", file=str(path))) from None
        return
    _check_utf8(path)
    reader = (
        "read_json(?, format='newline_delimited', maximum_object_size=16777216)"
        if fmt == "jsonl"
        else "read_csv(?, header=true, all_varchar=true)"
    )
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {_SRC} AS "
            f"SELECT row_number() OVER () AS _row, * FROM {reader}",
            [str(path)],
        )
    except duckdb.Error as exc:
        problems = _jsonl_problems(path) if fmt == "jsonl" else []
        first = str(exc).splitlines()[0]
        raise InputError(
            problems or Problem(f"unreadable {fmt}: {first}", file=str(path))
        ) from None


def _drop(store: Store, fmt: str) -> None:
    kind = "VIEW" if fmt == "parquet" else "TABLE"
    store.con.execute(f"DROP {kind} IF EXISTS {_SRC}")


@dataclass(frozen=True)
class _Column:
    """One target column: its SQL value and the checks on it."""

    name: str
    expr: str
    checks: tuple[tuple[str, str], ...] = ()  # (SQL condition that is bad, message SQL)


def _convert(field: str, how: str, src: str | None, dtype: str) -> _Column:  # noqa: C901, PLR0911
    """SQL that turns source column ``src`` (DuckDB type ``dtype``) into ``field``."""
    if src is None:
        default = {"ts": "now()", "list": "'[]'", "tags": "MAP {}", "extra": "'{}'"}
        return _Column(field, f"{default.get(how, 'NULL')}")
    col = sql_name(src)
    nested = any(marker in dtype for marker in _NESTED)
    if how in ("id", "text"):
        if nested:
            raise InputError(Problem(f"column '{src}' holds {dtype}, not text", field=field))
        expr = f"CAST({col} AS VARCHAR)" if dtype != "JSON" else f"({col} ->> '$')"
        return _Column(field, expr)
    if how in ("int", "float", "number"):
        sql_type = "BIGINT" if how == "int" else "DOUBLE"
        expr = f"TRY_CAST({col} AS {sql_type})"
        word = "a whole number" if how == "int" else "a number"
        checks = [
            (f"{col} IS NOT NULL AND {expr} IS NULL", f"'not {word}: ' || CAST({col} AS VARCHAR)")
        ]
        if how != "number":
            checks.append(
                (f"{expr} < 0", f"'must not be negative, got ' || CAST({expr} AS VARCHAR)")
            )
        return _Column(field, expr, tuple(checks))
    if how == "ts":
        cast = f"TRY_CAST({col} AS TIMESTAMPTZ)"
        minutes = int(MAX_FUTURE.total_seconds() // 60)
        return _Column(
            field,
            f"coalesce({cast}, now())",
            (
                (
                    f"{col} IS NOT NULL AND {cast} IS NULL",
                    f"'not a timestamp: ' || CAST({col} AS VARCHAR)",
                ),
                (
                    f"{cast} > now() + INTERVAL {minutes} MINUTE",
                    f"'more than {minutes} minutes in the future: ' || CAST({cast} AS VARCHAR) "
                    "|| '; check the sender''s clock and time zone'",
                ),
            ),
        )
    if how == "json":
        return _Column(field, f"CAST(to_json({col}) AS VARCHAR)")
    if how == "list":
        if nested or dtype == "JSON":
            return _Column(field, f"coalesce(CAST(to_json({col}) AS VARCHAR), '[]')")
        return _Column(
            field, f"CASE WHEN {col} IS NULL THEN '[]' ELSE to_json([CAST({col} AS VARCHAR)]) END"
        )
    if how == "tags":
        if dtype.startswith("MAP(VARCHAR, VARCHAR)"):
            return _Column(field, f"coalesce({col}, MAP {{}})")
        expr = f"TRY_CAST(to_json({col}) AS MAP(VARCHAR, VARCHAR))"
        if dtype == "VARCHAR":
            expr = f"TRY_CAST(CAST({col} AS JSON) AS MAP(VARCHAR, VARCHAR))"
        return _Column(
            field,
            f"coalesce({_without_nulls(expr)}, MAP {{}})",
            (
                (
                    f"{col} IS NOT NULL AND {expr} IS NULL",
                    "'not an object of slice names to values'",
                ),
            ),
        )
    # extra: a JSON object
    return _Column(field, f"coalesce(CAST(to_json({col}) AS VARCHAR), '{{}}')")


def _without_nulls(map_expr: str) -> str:
    """A map without its NULL values (absent struct keys, empty cells)."""
    return f"map_from_entries(list_filter(map_entries({map_expr}), lambda e: e.value IS NOT NULL))"


def _event_checks(type_expr: str, value_expr: str) -> list[tuple[str, str, str]]:
    known = ", ".join(sql_string(t) for t in EVENT_TYPES)
    checks = [
        (
            "type",
            f"{type_expr} NOT IN ({known})",
            f"'unknown event type ''' || {type_expr} || '''; use one of {', '.join(EVENT_TYPES)}'",
        ),
    ]
    for name, rule in EVENT_TYPES.items():
        if rule.allowed:
            ok = f"{value_expr} IN ({', '.join(repr(v) for v in rule.allowed)})"
            scale = " or ".join(f"{v:+g}" for v in rule.allowed)
        else:
            ok = (
                f"{value_expr} BETWEEN {rule.low} AND {rule.high} "
                f"AND {value_expr} = round({value_expr})"
            )
            scale = f"a whole number from {rule.low:g} to {rule.high:g}"
        if not rule.required:
            ok = f"({value_expr} IS NULL OR {ok})"
        bad = f"{type_expr} = {sql_string(name)} AND NOT coalesce({ok}, false)"
        got = f"coalesce(CAST({value_expr} AS VARCHAR), 'nothing')"
        checks.append(("value", bad, f"'{name} value must be {scale}, got ' || {got}"))
    return checks


def _resolve_mapping(
    kind: Kind, mapping: Mapping[str, str] | None, columns: Mapping[str, str], path: Path
) -> tuple[dict[str, str], dict[str, str]]:
    """Field -> source column, and tag name -> source column."""
    fields = _INTERACTION_FIELDS if kind == "interactions" else _EVENT_FIELDS
    chosen: dict[str, str] = {}
    tags: dict[str, str] = {}
    problems: list[Problem] = []
    for field, column in (mapping or {}).items():
        if column not in columns:
            problems.append(
                Problem(f"no column '{column}' in the file", file=str(path), field=field)
            )
        elif field.startswith("tags.") and kind == "interactions" and len(field) > 5:
            tags[field[5:]] = column
        elif field in fields:
            chosen[field] = column
        else:
            known = ", ".join([*fields, "tags.NAME"] if kind == "interactions" else fields)
            problems.append(Problem(f"unknown field; use one of {known}", field=field))
    for field in fields:
        if field not in chosen and field in columns and field not in (mapping or {}).values():
            chosen[field] = field
    for field in _REQUIRED[kind]:
        if field not in chosen and not problems:
            problems.append(
                Problem(
                    f"no column for required field '{field}'; pass --map {field}=COLUMN",
                    file=str(path),
                    field=field,
                )
            )
    if problems:
        raise InputError(problems)
    return chosen, tags


def _plan(
    kind: Kind, chosen: dict[str, str], tags: dict[str, str], columns: Mapping[str, str]
) -> tuple[list[tuple[str, str]], list[tuple[str, str, str]]]:
    """Target (column, SQL) pairs and (field, bad-condition, message) checks."""
    fields = _INTERACTION_FIELDS if kind == "interactions" else _EVENT_FIELDS
    out: dict[str, _Column] = {
        f: _convert(f, how, chosen.get(f), columns.get(chosen.get(f, ""), ""))
        for f, how in fields.items()
    }
    checks = [(c.name, bad, msg) for c in out.values() for bad, msg in c.checks]
    for field in _REQUIRED[kind]:
        checks.insert(0, (field, f"({out[field].expr}) IS NULL", "'is required'"))
    used = set(chosen.values()) | set(tags.values()) | {"_row", "kind"}
    extra = [c for c in columns if c not in used]
    extra_name = "attributes" if kind == "interactions" else "attrs"
    if extra:
        members = ", ".join(f"{sql_name(c)} := {sql_name(c)}" for c in extra)
        packed = f"to_json(struct_pack({members}))"
        base = out[extra_name].expr
        out[extra_name] = _Column(
            extra_name, f"CAST(json_merge_patch({packed}, {base}) AS VARCHAR)"
        )
    if tags:
        keys = ", ".join(sql_string(k) for k in tags)
        values = ", ".join(f"CAST({sql_name(c)} AS VARCHAR)" for c in tags.values())
        extra_tags = _without_nulls(f"MAP([{keys}], [{values}])")
        out["tags"] = _Column("tags", f"map_concat({out['tags'].expr}, {extra_tags})")
    if kind == "interactions":
        targets = [("record_id" if f == "id" else f, c.expr) for f, c in out.items()]
        targets += [("source", "'prod'"), ("cached", "false")]
    else:
        type_expr, value_expr = out["type"].expr, out["value"].expr
        checks += _event_checks(type_expr, value_expr)
        subject = f"({out['session_id'].expr}) IS NULL AND ({out['record_id'].expr}) IS NULL"
        checks.append(("session_id", subject, "'an event needs a session_id or a record_id'"))
        targets = [("event_id" if f == "id" else f, c.expr) for f, c in out.items()]
        targets.append(("source", "'prod'"))
    return targets, checks


def _line_of(path: Path, fmt: str, rows: list[int]) -> dict[int, int]:
    """File line of each 1-based row: what a person looks at in an editor."""
    if fmt == "parquet":
        return {r: r for r in rows}
    if fmt == "csv":
        return {r: r + 1 for r in rows}  # the header is line 1
    wanted, found, row = set(rows), {}, 0
    with path.open(encoding="utf-8") as handle:
        for number, raw in enumerate(handle, start=1):
            if raw.strip():
                row += 1
                if row in wanted:
                    found[row] = number
                    if len(found) == len(wanted):
                        break
    return found


def _guard(checks: list[tuple[str, str, str]]) -> str:
    """A row filter that aborts the insert at the first row failing a check.

    The checks ride along with the insert rather than running as a pass of
    their own: for Parquet, a second read of the file cost 1.7-5% of the whole
    ingest (docs/design/telemetry.md).
    """
    return f"CASE WHEN {_any_bad(checks)} THEN error({sql_string(_INVALID)}) ELSE true END"


def _any_bad(checks: list[tuple[str, str, str]]) -> str:
    return " OR ".join(f"coalesce({bad}, false)" for _, bad, _ in checks) or "false"


def _validate(
    store: Store, path: Path, fmt: str, checks: list[tuple[str, str, str]], chosen: dict[str, str]
) -> None:
    """Raise an InputError naming up to 50 invalid rows and their fields."""
    found = ", ".join(
        f"CASE WHEN coalesce({bad}, false) THEN [{sql_string(field)}, {msg}] END"
        for field, bad, msg in checks
    )
    rows = store.con.execute(
        f"SELECT _row, list_filter([{found}], lambda x: x IS NOT NULL) FROM {_SRC} "
        f"WHERE {_any_bad(checks)} ORDER BY _row LIMIT {_MAX_PROBLEMS}"
    ).fetchall()
    if not rows:
        return
    lines = _line_of(path, fmt, [r[0] for r in rows])
    problems = []
    for row, found_here in rows:
        for field, message in found_here:
            column = chosen.get(field, field)
            shown = field if column == field else f"{field}' (column '{column}"
            problems.append(Problem(message, file=str(path), line=lines.get(row), field=shown))
    raise InputError(problems[:_MAX_PROBLEMS])


def ingest_file(
    store: Store,
    path: str | Path,
    *,
    kind: Kind = "interactions",
    mapping: Mapping[str, str] | None = None,
    fmt: str | None = None,
) -> FileIngestResult:
    """Check every row of a JSONL, CSV or Parquet file and store them all, or none.

    Args:
        store: An open, writable store.
        path: The file.
        kind: ``interactions`` (rows of ``records``) or ``events``.
        mapping: Field -> column, for files whose columns are named
            otherwise (``{"id": "request_id", "tags.segment": "plan"}``).
            Columns that are not mapped to a field go to ``attributes``.
        fmt: ``jsonl``, ``csv`` or ``parquet``; by default from the suffix.

    Raises:
        InputError: The file is unreadable, or some rows are invalid; up to
            50 problems name the line (row) and field. Nothing is stored.
    """
    start = time.perf_counter()
    path = Path(path)
    if kind not in ("interactions", "events"):
        raise InputError(Problem("must be 'interactions' or 'events'", field="kind"))
    if not path.is_file():
        raise InputError(Problem("no such file", file=str(path)))
    fmt = detect_format(path, fmt, formats=FILE_FORMATS)
    if fmt != "parquet" and _blank(path):
        return FileIngestResult(str(path), kind, 0, 0, 0, time.perf_counter() - start)
    con = store.con
    zone = con.execute("SELECT current_setting('TimeZone')").fetchall()[0][0]
    # Timestamps without a zone are UTC, whatever the machine's zone is.
    con.execute("SET TimeZone = 'UTC'")
    try:
        _load(store, path, fmt)
        try:
            columns = dict(
                (str(r[0]), str(r[1])) for r in con.execute(f"DESCRIBE {_SRC}").fetchall()
            )
            chosen, tags = _resolve_mapping(kind, mapping, columns, path)
            targets, checks = _plan(kind, chosen, tags, columns)
            n_rows = int(con.execute(f"SELECT count(*) FROM {_SRC}").fetchall()[0][0])
            table = "records" if kind == "interactions" else "events"
            insert = insert_sql(table, targets, f"{_SRC} WHERE {_guard(checks)}")
            try:
                _, counts = store.insert_new([(insert, "ON CONFLICT DO NOTHING")])
            except duckdb.Error:
                # The insert is rolled back. If a row failed a check (the
                # guard's error, or a conversion that met it first), a second
                # pass names every bad row and field; else the error stands.
                _validate(store, path, fmt, checks, chosen)
                raise
        finally:
            _drop(store, fmt)
    finally:
        con.execute(f"SET TimeZone = {sql_string(str(zone))}")
    accepted = int(counts[0][0][0])
    return FileIngestResult(
        str(path), kind, n_rows, accepted, n_rows - accepted, time.perf_counter() - start
    )

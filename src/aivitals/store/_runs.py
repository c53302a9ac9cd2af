"""Runs in the store: written whole in one transaction, listed, exported.

A run's records and scores are inserted together with its row, so a reader
never sees a half-written run; an interrupted run leaves only its call-cache
entries behind, which the next attempt reuses.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from aivitals.errors import InputError, StoreError
from aivitals.model import Record
from aivitals.store._db import Store, sql_name, sql_string
from aivitals.store._tables import ScoreColumns, records_table

__all__ = [
    "EXPORT_FORMATS",
    "export_run",
    "get_run",
    "list_runs",
    "resolve_run_id",
    "save_run",
    "update_run_summary",
]

EXPORT_FORMATS = ("jsonl", "csv", "parquet")


def save_run(
    store: Store, row: dict[str, Any], records: Sequence[Record], scores: ScoreColumns
) -> None:
    """Insert a run, its records and its scores atomically."""
    run_id = row["run_id"]
    with store.transaction():
        store.con.execute(
            "INSERT INTO runs (run_id, name, status, started_at, ended_at, target_id, datasets, "
            "manifest, summary, n_records, n_errors, n_cache_hits) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                run_id,
                row["name"],
                row["status"],
                row["started_at"],
                row["ended_at"],
                row["target_id"],
                json.dumps(row["datasets"]),
                json.dumps(row["manifest"]),
                json.dumps(row.get("summary")),
                row["n_records"],
                row["n_errors"],
                row["n_cache_hits"],
            ],
        )
        store.insert("records", records_table(records))
        store.insert("scores", scores.table(run_id))


def update_run_summary(store: Store, run_id: str, summary: dict[str, Any]) -> None:
    """Attach the computed summary to a stored run."""
    store.con.execute("UPDATE runs SET summary = ? WHERE run_id = ?", [json.dumps(summary), run_id])


def list_runs(store: Store, limit: int = 50) -> list[dict[str, Any]]:
    """The newest runs first, with their headline counts."""
    return store.query(
        "SELECT run_id, name, status, started_at, ended_at, target_id, n_records, n_errors, "
        "n_cache_hits FROM runs ORDER BY started_at DESC LIMIT ?",
        [limit],
    )


def resolve_run_id(store: Store, ref: str) -> str:
    """Accept a full run id, a unique prefix, or ``latest``.

    Raises:
        StoreError: No run, or an ambiguous prefix.
    """
    if ref == "latest":
        rows = store.query("SELECT run_id FROM runs ORDER BY started_at DESC LIMIT 1")
    else:
        rows = store.query(
            "SELECT run_id FROM runs WHERE run_id LIKE ? ORDER BY started_at DESC LIMIT 2",
            [f"{ref}%"],
        )
    if not rows:
        raise StoreError(f"no run '{ref}' in {store.path}; see `vitals runs list`")
    if len(rows) > 1 and rows[0]["run_id"] != ref:
        raise StoreError(f"'{ref}' matches several runs; give more of the id")
    return str(rows[0]["run_id"])


def get_run(store: Store, ref: str) -> dict[str, Any]:
    """One run's row, with manifest and summary decoded."""
    run_id = resolve_run_id(store, ref)
    row = store.query("SELECT * FROM runs WHERE run_id = ?", [run_id])[0]
    for key in ("manifest", "summary", "datasets"):
        if row.get(key) is not None:
            row[key] = json.loads(row[key])
    return row


def _export_sql(store: Store, run_id: str) -> str:
    scorers = [
        r["scorer"]
        for r in store.query(
            "SELECT DISTINCT scorer FROM scores WHERE run_id = ? ORDER BY scorer", [run_id]
        )
    ]
    pivots = []
    for name in scorers:
        literal = sql_string(name)
        pivots.append(f"max(s.value) FILTER (WHERE s.scorer = {literal}) AS {sql_name(name)}")
        pivots.append(
            f"bool_and(s.passed) FILTER (WHERE s.scorer = {literal}) "
            f"AS {sql_name(name + '.passed')}"
        )
    score_cols = (", " + ", ".join(pivots)) if pivots else ""
    return (
        "SELECT r.record_id, r.case_id, r.dataset, r.repeat, "
        # Text inputs export as text; chat inputs stay JSON.
        "CASE WHEN json_type(r.input) = 'VARCHAR' THEN r.input ->> '$' "
        "ELSE CAST(r.input AS VARCHAR) END AS input, "
        "r.output, r.expected, "
        "r.context, r.tags, r.latency_ms, r.tokens_in, r.tokens_out, r.cost, r.error, "
        f"r.error_kind, r.cached{score_cols} "
        "FROM records r LEFT JOIN scores s USING (record_id) "
        f"WHERE r.run_id = {sql_string(run_id)} "
        "GROUP BY ALL ORDER BY r.dataset, r.case_id, r.repeat"
    )


def export_run(store: Store, ref: str, path: Path, fmt: str) -> int:
    """Write a run's records, one row each with its scores as columns.

    Returns:
        The number of rows written.

    Raises:
        InputError: An unknown format.
    """
    if fmt not in EXPORT_FORMATS:
        raise InputError(f"unknown export format '{fmt}'; use one of {', '.join(EXPORT_FORMATS)}")
    run_id = resolve_run_id(store, ref)
    options = {"jsonl": "FORMAT json", "csv": "FORMAT csv, HEADER", "parquet": "FORMAT parquet"}
    path.parent.mkdir(parents=True, exist_ok=True)
    target = sql_string(str(path))
    store.con.execute(f"COPY ({_export_sql(store, run_id)}) TO {target} ({options[fmt]})")
    row = store.one("SELECT count(*) FROM records WHERE run_id = ?", [run_id])
    if row is None:
        raise StoreError("export counted no rows")
    return int(row[0])

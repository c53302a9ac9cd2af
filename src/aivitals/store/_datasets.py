"""Datasets in the store: save a version once, list, fetch."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from aivitals.errors import StoreError
from aivitals.model import Case, Dataset
from aivitals.store._db import Store
from aivitals.store._tables import cases_table

__all__ = ["get_dataset", "list_datasets", "save_dataset"]


def save_dataset(store: Store, dataset: Dataset, mapping: dict[str, Any] | None = None) -> bool:
    """Store a dataset version; a version already stored is left as it is.

    Returns:
        Whether the version was new.
    """
    exists = store.one(
        "SELECT 1 FROM datasets WHERE name = ? AND version = ?", [dataset.name, dataset.version]
    )
    if exists:
        return False
    with store.transaction():
        store.con.execute(
            "INSERT INTO datasets VALUES (?, ?, ?, ?, ?, ?)",
            [
                dataset.name,
                dataset.version,
                dataset.source,
                len(dataset.cases),
                json.dumps(mapping or {}),
                datetime.now(UTC),
            ],
        )
        store.insert("cases", cases_table(dataset.name, dataset.version, dataset.cases))
    return True


def list_datasets(store: Store) -> list[dict[str, Any]]:
    """Every stored dataset version, newest first."""
    return store.query(
        "SELECT name, version, n_cases, source, created_at FROM datasets "
        "ORDER BY created_at DESC, name"
    )


def get_dataset(store: Store, ref: str) -> Dataset:
    """Fetch ``name`` (newest version) or ``name@version`` (a version prefix works).

    Raises:
        StoreError: No such dataset or version.
    """
    name, _, version = ref.partition("@")
    rows = store.query(
        "SELECT name, version, source FROM datasets WHERE name = ? AND version LIKE ? "
        "ORDER BY created_at DESC LIMIT 1",
        [name, f"{version}%"],
    )
    if not rows:
        raise StoreError(f"no dataset '{ref}' in the store; see `vitals datasets list`")
    row = rows[0]
    cursor = store.con.execute(
        "SELECT case_id, input, expected, context, map_entries(tags), metadata FROM cases "
        "WHERE dataset_name = ? AND dataset_version = ? ORDER BY position",
        [row["name"], row["version"]],
    )
    cases = tuple(
        Case(
            id=case_id,
            input=json.loads(inp),
            expected=tuple(json.loads(exp or "[]")),
            context=tuple(json.loads(ctx or "[]")),
            tags={e["key"]: e["value"] for e in tags or []},
            metadata=json.loads(meta or "{}"),
        )
        for case_id, inp, exp, ctx, tags, meta in cursor.fetchall()
    )
    return Dataset(name=row["name"], cases=cases, version=row["version"], source=row["source"])

"""The call cache: target responses keyed by a hash of the request.

A key is a hash of (target identity, request payload, repeat index), so a
changed prompt, model or parameter misses, while an interrupted or repeated
run finds every call it already paid for. Errors are never cached.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

from aivitals.store._db import Store

__all__ = ["CacheEntry", "lookup_cached", "save_cached"]

CacheEntry = tuple[str, str, dict[str, Any]]
"""(key, target id, response as JSON-able dict)."""


def lookup_cached(store: Store, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Return the cached responses for those of ``keys`` that are stored."""
    if not keys:
        return {}
    wanted = pa.table({"key": pa.array(list(keys), type=pa.string())})
    store.con.register("_aivitals_keys", wanted)
    try:
        rows = store.con.execute(
            "SELECT c.key, c.response FROM call_cache c JOIN _aivitals_keys k USING (key)"
        ).fetchall()
    finally:
        store.con.unregister("_aivitals_keys")
    return {key: json.loads(response) for key, response in rows}


def save_cached(store: Store, entries: Iterable[CacheEntry]) -> int:
    """Store responses; keys already present are kept as they are.

    Returns:
        How many entries were written.
    """
    items = list(entries)
    if not items:
        return 0
    now = datetime.now(UTC)
    table = pa.table(
        {
            "key": [k for k, _, _ in items],
            "target_id": [t for _, t, _ in items],
            "response": [json.dumps(r, ensure_ascii=False) for _, _, r in items],
            "created_at": pa.array([now] * len(items), type=pa.timestamp("us", tz="UTC")),
        }
    )
    store.con.register("_aivitals_cache", table)
    try:
        store.con.execute(
            "INSERT INTO call_cache SELECT * FROM _aivitals_cache ON CONFLICT (key) DO NOTHING"
        )
    finally:
        store.con.unregister("_aivitals_cache")
    return len(items)

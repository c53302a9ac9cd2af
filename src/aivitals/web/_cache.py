"""Computed results cached in memory, keyed by the store's data version.

The store is append-only for what the dashboard reads (ingest turns repeated
ids into no-ops, runs and scores are only added), so row counts are a data
version: when none changed, an earlier answer to the same query is still
right. Counting rows is metadata work for DuckDB (milliseconds at 10M rows),
so every request checks the version.

When the version moved on, the last answer to the same query is served at
once, marked stale, while one recomputation runs in the background (stale
while revalidate): a page over millions of events stays fast while traffic
streams in, and is at most one recomputation behind. Concurrent requests for
the same key share that one computation (single flight).

Chosen queries (the overview) are also written to a directory next to the
store, tagged with the package version: after a restart the last overview is
served at once — fresh if no row changed since, else stale while it is
recomputed — instead of making the first visitor of a 10M-event store wait
for the whole computation.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aivitals.store import Store

__all__ = ["DEFAULT_CACHE_ENTRIES", "Cached", "ResultCache", "data_version"]

#: Results kept before the least recently used one is dropped.
DEFAULT_CACHE_ENTRIES = 64

_VERSION_TABLES = ("records", "events", "scores", "labels", "runs", "alerts")


def data_version(store: Store) -> tuple[int, ...]:
    """Row counts of the tables the dashboard reads (run on the reader thread)."""
    sql = "SELECT " + ", ".join(f"(SELECT count(*) FROM {t})" for t in _VERSION_TABLES)
    row = store.one(sql)
    return tuple(int(v) for v in row) if row else ()


@dataclass(frozen=True)
class Cached:
    """A result and whether it was computed from the current data.

    Attributes:
        value: The result.
        fresh: ``False`` when it answers an older data version while the
            current one is being computed.
    """

    value: Any
    fresh: bool


class ResultCache:
    """An LRU map from (data version, query) to a computed result.

    Args:
        max_entries: How many results to keep.
        directory: Where results of ``persist`` queries are kept across
            restarts (``None``: memory only).
        persist: Query kinds (a query's first element) to keep there; their
            results must be plain JSON.
        tag: Written with each kept result; a file with another tag (an
            older package version) is ignored.
    """

    def __init__(
        self,
        max_entries: int = DEFAULT_CACHE_ENTRIES,
        *,
        directory: Path | None = None,
        persist: frozenset[str] = frozenset(),
        tag: str = "",
    ) -> None:
        self.max_entries = max_entries
        self.directory = directory
        self.persist = persist
        self.tag = tag
        self._entries: OrderedDict[tuple[Hashable, Hashable], Any] = OrderedDict()
        self._latest: dict[Hashable, Hashable] = {}  # query -> newest cached version
        self._running: dict[tuple[Hashable, Hashable], asyncio.Task[Any]] = {}
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def _kept(self, query: Hashable) -> Path | None:
        """The file that keeps ``query``'s result, if it is kept."""
        if self.directory is None or not isinstance(query, tuple) or not query:
            return None
        if query[0] not in self.persist:
            return None
        name = hashlib.sha256(_text(query).encode()).hexdigest()[:32]
        return self.directory / f"{name}.json"

    def _write(self, key: tuple[Hashable, Hashable], value: Any) -> None:
        path = self._kept(key[1])
        if path is None:
            return
        body = {"tag": self.tag, "query": _text(key[1]), "version": key[0], "value": value}
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(".tmp")
            partial.write_text(json.dumps(body, default=str), encoding="utf-8")
            os.replace(partial, path)  # a reader never sees half a file
        except (OSError, TypeError, ValueError):
            return  # best effort: the cache in memory still has it

    def _read(self, query: Hashable) -> None:
        """Load ``query``'s kept result into memory, if there is a usable one."""
        path = self._kept(query)
        if path is None or query in self._latest or not path.is_file():
            return
        try:
            body = json.loads(path.read_text(encoding="utf-8"))
            version = tuple(body["version"])
        except (OSError, ValueError, KeyError, TypeError):
            return
        if body.get("tag") != self.tag or body.get("query") != _text(query):
            return
        self._entries[(version, query)] = body["value"]
        self._latest[query] = version

    def _store(self, key: tuple[Hashable, Hashable], value: Any) -> None:
        self._write(key, value)
        self._entries[key] = value
        self._latest[key[1]] = key[0]
        while len(self._entries) > self.max_entries:
            (_, query), _ = self._entries.popitem(last=False)
            if not any(q == query for _, q in self._entries):
                self._latest.pop(query, None)

    async def _compute(
        self, key: tuple[Hashable, Hashable], compute: Callable[[], Awaitable[Any]]
    ) -> Any:
        try:
            value = await compute()
        finally:
            self._running.pop(key, None)
        self._store(key, value)
        return value

    async def get(
        self,
        version: Hashable,
        query: Hashable,
        compute: Callable[[], Awaitable[Any]],
        *,
        stale_ok: bool = True,
    ) -> Cached:
        """The result of ``query`` at ``version``, computing it once if missing.

        Args:
            version: The store's data version.
            query: What is computed (hashable parameters).
            compute: Computes it (awaited at most once per key at a time).
            stale_ok: Answer with the query's last result of an older
                version while this one is computed in the background.

        A failed computation is not cached; its waiters all get its error.
        """
        key = (version, query)
        self._read(query)
        if key in self._entries:
            self.hits += 1
            self._entries.move_to_end(key)
            return Cached(self._entries[key], True)
        task = self._running.get(key)
        if task is None:
            self.misses += 1
            task = asyncio.get_running_loop().create_task(self._compute(key, compute))
            self._running[key] = task
            # A background failure is seen by waiters; do not warn about it.
            task.add_done_callback(lambda t: t.cancelled() or t.exception())
        older = self._latest.get(query)
        if stale_ok and older is not None and (older, query) in self._entries:
            self.hits += 1
            return Cached(self._entries[(older, query)], False)
        return Cached(await asyncio.shield(task), True)

    async def close(self) -> None:
        """Cancel computations still running (the server is stopping)."""
        for task in list(self._running.values()):
            task.cancel()
            with contextlib.suppress(BaseException):
                await task


def _text(query: Hashable) -> str:
    """A stable text form of a query (tuples of text, numbers, times)."""
    return json.dumps(query, default=str)

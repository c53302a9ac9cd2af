"""The one writer: every DuckDB call of the server runs here, serialised.

The store connection is not thread-safe, so all store work runs in a single
worker thread. Ingest requests that arrive while a batch is being written are
coalesced into the next ``ingest_batch`` call (group commit): one transaction
and one commit for many small requests, each request still getting its own
per-item verdicts, and none answered before that commit.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from aivitals.store import Store
from aivitals.telemetry import MAX_BATCH_ITEMS, IngestResult, ItemResult, ingest_batch

__all__ = ["Writer"]

T = TypeVar("T")


@dataclass
class _Pending:
    items: Sequence[Mapping[str, Any]]
    future: asyncio.Future[IngestResult]


class Writer:
    """Owns the store for the server's lifetime; runs store work in one thread."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vitals-writer")
        self._queue: list[_Pending] = []
        self._wakeup: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._busy = False

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(*args)`` in the writer thread (``fn`` may use the store)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, fn, *args)

    async def ingest(self, items: Sequence[Mapping[str, Any]]) -> IngestResult:
        """Validate and store ``items``; returns after the commit."""
        loop = asyncio.get_running_loop()
        if self._task is None:
            self._wakeup = asyncio.Event()
            self._task = loop.create_task(self._drain())
        future: asyncio.Future[IngestResult] = loop.create_future()
        self._queue.append(_Pending(items, future))
        assert self._wakeup is not None
        self._wakeup.set()
        return await asyncio.shield(future)

    def _take(self) -> list[_Pending]:
        taken: list[_Pending] = []
        total = 0
        while self._queue:
            size = len(self._queue[0].items)
            if taken and total + size > MAX_BATCH_ITEMS:
                break
            taken.append(self._queue.pop(0))
            total += size
        return taken

    async def _drain(self) -> None:
        assert self._wakeup is not None
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            while self._queue:
                self._busy = True
                group = self._take()
                combined = [item for p in group for item in p.items]
                try:
                    result = await self.run(ingest_batch, self.store, combined)
                except Exception as exc:
                    for p in group:
                        if not p.future.done():
                            p.future.set_exception(exc)
                    continue
                start = 0
                for p in group:
                    part = result.items[start : start + len(p.items)]
                    start += len(p.items)
                    if not p.future.done():
                        p.future.set_result(
                            IngestResult(
                                tuple(
                                    ItemResult(
                                        r.index - (start - len(p.items)),
                                        r.id,
                                        r.status,
                                        r.reason,
                                        r.field,
                                    )
                                    for r in part
                                )
                            )
                        )
            self._busy = False

    async def close(self) -> None:
        """Finish queued work, then stop the thread."""
        if self._task is not None:
            while self._queue or self._busy:
                await asyncio.sleep(0.01)
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self._executor.shutdown(wait=True)

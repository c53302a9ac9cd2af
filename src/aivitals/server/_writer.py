"""The one writer: every DuckDB call of the server runs here, serialised.

The store connection is not thread-safe, so all store work runs in a single
worker thread. Ingest requests that arrive while a batch is being written
are coalesced into the next batch (group commit): one transaction and one
commit for many small requests, each request still getting its own per-item
verdicts, and none answered before that commit.

Admission control: work is counted in items (events, spans, log records)
from the moment a request is admitted until its commit. Past
``max_pending`` items the writer refuses new work with :class:`Overloaded`
(HTTP 503 with ``Retry-After``) instead of queueing without bound, so memory
stays flat under overload and the client, not the server, holds what it has
not yet been told is stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import math
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from aivitals.store import Store
from aivitals.telemetry import MAX_BATCH_ITEMS, IngestResult, ingest_batch

__all__ = ["DEFAULT_MAX_PENDING", "Overloaded", "Writer"]

T = TypeVar("T")

#: Items admitted but not yet committed before new work is refused.
DEFAULT_MAX_PENDING = 200_000


class Overloaded(Exception):
    """The writer has more uncommitted work than it admits; retry later.

    Attributes:
        retry_after: Whole seconds after which a retry should be admitted,
            from the backlog and the recent commit rate.
        pending: Items waiting when the work was refused.
    """

    def __init__(self, retry_after: int, pending: int) -> None:
        super().__init__(
            f"ingest queue is full ({pending} items waiting); retry after {retry_after} s"
        )
        self.retry_after = retry_after
        self.pending = pending


@dataclass
class _Pending:
    items: Sequence[Mapping[str, Any]]
    future: asyncio.Future[IngestResult]
    text_checked: bool = False


class Writer:
    """Owns the store for the server's lifetime; runs store work in one thread."""

    def __init__(self, store: Store, *, max_pending: int = DEFAULT_MAX_PENDING) -> None:
        self.store = store
        self.max_pending = max_pending
        self.pending = 0
        # Items committed per second, smoothed; sizes Retry-After.
        self._rate = 10_000.0
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vitals-writer")
        # Dashboard reads run on their own connection and thread: a page over
        # millions of rows takes seconds, which ingest must not wait behind.
        self._read_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vitals-reader")
        self._reader: Store | None = None
        self._queue: list[_Pending] = []
        self._wakeup: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._busy = False

    def _admit(self, n: int) -> None:
        # One request larger than the whole budget still gets in on an idle
        # writer; otherwise it could never be stored.
        if self.pending and self.pending + n > self.max_pending:
            retry = max(1, min(60, math.ceil(self.pending / self._rate)))
            raise Overloaded(retry, self.pending)
        self.pending += n

    def _done(self, n: int, seconds: float) -> None:
        self.pending -= n
        if n and seconds > 0:
            self._rate = 0.8 * self._rate + 0.2 * (n / seconds)

    async def run(self, fn: Callable[..., T], *args: Any, items: int = 0) -> T:
        """Run ``fn(*args)`` in the writer thread (``fn`` may use the store).

        Args:
            fn: The store work.
            *args: Its arguments.
            items: How many items it writes, for admission control.

        Raises:
            Overloaded: Too much work is already waiting; nothing was run.
        """
        self._admit(items)
        loop = asyncio.get_running_loop()
        start = time.perf_counter()
        try:
            return await loop.run_in_executor(self._executor, fn, *args)
        finally:
            self._done(items, time.perf_counter() - start)

    async def read(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(store, *args)`` in the reader thread, on a second connection.

        ``fn`` must only read: it sees what is committed, and never waits for
        the writer's work or delays it.
        """
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._read_executor, self._read, fn, args)

    def _read(self, fn: Callable[..., T], args: tuple[Any, ...]) -> T:
        if self._reader is None:
            self._reader = self.store.reader()
        return fn(self._reader, *args)

    async def ingest(
        self, items: Sequence[Mapping[str, Any]], *, text_checked: bool = False
    ) -> IngestResult:
        """Validate and store ``items``; returns after the commit.

        ``text_checked``: as for :func:`aivitals.telemetry.ingest_batch`.

        Raises:
            Overloaded: Too much work is already waiting; nothing was stored.
        """
        self._admit(len(items))
        loop = asyncio.get_running_loop()
        if self._task is None:
            self._wakeup = asyncio.Event()
            self._task = loop.create_task(self._drain())
        future: asyncio.Future[IngestResult] = loop.create_future()
        self._queue.append(_Pending(items, future, text_checked))
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
        loop = asyncio.get_running_loop()
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            while self._queue:
                self._busy = True
                group = self._take()
                combined = [item for p in group for item in p.items]
                # Validation stays on this thread too: a second thread for it
                # measured no faster (the GIL), so one thread keeps it simple.
                ingest = functools.partial(
                    ingest_batch, text_checked=all(p.text_checked for p in group)
                )
                start_time = time.perf_counter()
                try:
                    result = await loop.run_in_executor(
                        self._executor, ingest, self.store, combined
                    )
                except Exception as exc:
                    for p in group:
                        if not p.future.done():
                            p.future.set_exception(exc)
                    continue
                finally:
                    self._done(len(combined), time.perf_counter() - start_time)
                start = 0
                for p in group:
                    if not p.future.done():
                        p.future.set_result(result.part(start, start + len(p.items)))
                    start += len(p.items)
            self._busy = False

    async def close(self) -> None:
        """Finish queued work and reads, then stop the threads."""
        if self._task is not None:
            while self._queue or self._busy:
                await asyncio.sleep(0.01)
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self._executor.shutdown(wait=True)
        # After any read in progress: a connection must not close under it.
        await asyncio.get_running_loop().run_in_executor(self._read_executor, self._close_reader)
        self._read_executor.shutdown(wait=True)

    def _close_reader(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None

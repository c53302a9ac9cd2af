"""The Python SDK: log interactions and session events from a live service.

Calls return at once: items go to a bounded in-memory buffer that a
background thread sends in batches to a sink (the local store, or the ingest
API over HTTP). The SDK never raises into the host and never blocks it:
when the sink is down it retries with backoff, and when the buffer is full
the oldest items are dropped and counted. Pending items are flushed at exit.
"""

from __future__ import annotations

import atexit
import collections
import functools
import inspect
import json
import logging
import os
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ParamSpec, Protocol, TypeVar

from pydantic import ValidationError

from aivitals.telemetry._model import Interaction, SessionEvent, new_id

__all__ = [
    "Client",
    "ClientStats",
    "HttpSink",
    "Sink",
    "SinkRejected",
    "StoreSink",
    "Tracker",
    "configure",
    "get_client",
    "log_event",
    "log_interaction",
    "track",
]

log = logging.getLogger("aivitals.telemetry")

P = ParamSpec("P")
R = TypeVar("R")


class SinkRejected(Exception):
    """The sink refused a batch for good (bad request, bad key): do not retry."""


class Sink(Protocol):
    """Where batches go. ``send`` raises to have the batch retried later."""

    def send(self, items: Sequence[Mapping[str, Any]]) -> None:
        """Deliver ``items`` durably, or raise."""

    def close(self) -> None:
        """Release resources; called once, from the sending thread."""


class StoreSink:
    """Writes batches to a local DuckDB store with :func:`ingest_batch`.

    The store is opened by the sending thread on first use and held until
    :meth:`close`: this process becomes the file's writer (DuckDB allows one).
    """

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = path
        self._store: Any = None

    def send(self, items: Sequence[Mapping[str, Any]]) -> None:
        """Ingest ``items``; item-level rejections are logged, not retried."""
        from aivitals.store import Store  # noqa: PLC0415 - opened lazily, in the sender
        from aivitals.telemetry._ingest import ingest_batch  # noqa: PLC0415

        if self._store is None:
            self._store = Store(self.path)
        result = ingest_batch(self._store, items)
        if result.rejected:
            first = result.rejected[0]
            raise SinkRejected(
                f"{len(result.rejected)} item(s) rejected, e.g. item {first.id}: "
                f"{first.field or ''} {first.reason}"
            )

    def close(self) -> None:
        """Close the store, releasing the file lock."""
        if self._store is not None:
            self._store.close()
            self._store = None


class HttpSink:
    """POSTs batches to an aivitals ingest API: ``POST {url}/api/v1/ingest``.

    The body is ``{"items": [...]}`` with ``Authorization: Bearer KEY``. A 2xx
    answer means every valid item is stored; 4xx other than 408/429 is a
    verdict that retrying cannot change; anything else is retried.
    """

    def __init__(self, url: str, api_key: str | None = None, *, timeout: float = 10.0) -> None:
        self.endpoint = url.rstrip("/") + "/api/v1/ingest"
        self.api_key = api_key
        self.timeout = timeout

    def send(self, items: Sequence[Mapping[str, Any]]) -> None:
        """POST one batch."""
        body = json.dumps({"items": list(items)}, default=str, ensure_ascii=False)
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        request = urllib.request.Request(
            self.endpoint, data=body.encode("utf-8"), headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                answer = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            if 400 <= exc.code < 500 and exc.code not in (408, 429):
                raise SinkRejected(f"HTTP {exc.code} from {self.endpoint}") from None
            raise
        rejected = answer.get("rejected") if isinstance(answer, dict) else None
        if rejected:
            raise SinkRejected(f"{len(rejected)} item(s) rejected, e.g. {rejected[0]}")

    def close(self) -> None:
        """Nothing to release: each batch is one request."""


@dataclass(frozen=True)
class ClientStats:
    """Counters of a client since it started.

    Attributes:
        queued: Items waiting to be sent.
        sent: Items the sink took.
        dropped: Items dropped because the buffer was full.
        rejected: Items the sink refused (invalid) or the SDK could not validate.
        retries: Failed send attempts that were retried.
    """

    queued: int
    sent: int
    dropped: int
    rejected: int
    retries: int


class Client:
    """Buffers telemetry and sends it in the background; never raises.

    Args:
        sink: Where batches go.
        batch_size: Most items per send.
        max_queue: Most items held while waiting; beyond it the oldest drop.
        flush_interval: Seconds to wait for a batch to fill.
        max_backoff: Longest wait between retries when the sink is down.
        flush_at_exit: Seconds to spend sending what is left at interpreter
            exit (0 to skip).
    """

    def __init__(
        self,
        sink: Sink,
        *,
        batch_size: int = 500,
        max_queue: int = 100_000,
        flush_interval: float = 1.0,
        max_backoff: float = 30.0,
        flush_at_exit: float = 5.0,
    ) -> None:
        self.sink = sink
        self.batch_size = batch_size
        self.flush_interval = flush_interval
        self.max_backoff = max_backoff
        self._buffer: collections.deque[dict[str, Any]] = collections.deque()
        self._max_queue = max_queue
        self._cond = threading.Condition()
        self._in_flight = 0
        self._closed = False
        self._flush_wanted = False
        self._sent = self._dropped = self._rejected = self._retries = 0
        self._warned: set[str] = set()
        self._thread = threading.Thread(target=self._run, name="aivitals-telemetry", daemon=True)
        self._thread.start()
        self._flush_at_exit = flush_at_exit
        if flush_at_exit > 0:
            atexit.register(self.close, flush_at_exit)

    # -- the host's side -------------------------------------------------

    @property
    def stats(self) -> ClientStats:
        """Counters so far."""
        with self._cond:
            return ClientStats(
                len(self._buffer), self._sent, self._dropped, self._rejected, self._retries
            )

    def log_interaction(self, input: Any, output: str | None = None, **fields: Any) -> str:
        """Queue one interaction; return its id (generated unless given).

        Fields are those of :class:`~aivitals.telemetry.Interaction`; unknown
        keyword arguments go to ``attributes``.
        """
        return self._enqueue(Interaction, {"input": input, "output": output, **fields})

    def log_event(self, type: str, value: float | None = None, **fields: Any) -> str:
        """Queue one session event (``csat``, ``feedback``...); return its id."""
        return self._enqueue(SessionEvent, {"type": type, "value": value, **fields})

    def track(self, input: Any = None, **fields: Any) -> Tracker:
        """Record latency, output and errors of a call, as decorator or ``with`` block.

        As a decorator, the call's arguments are the input (the first one if
        it is text or messages) and its return value the output. In a
        ``with`` block, set ``tracker.output`` (and any field) yourself. The
        host's exception is recorded and re-raised unchanged.
        """
        return Tracker(self, input, fields)

    def flush(self, timeout: float | None = 10.0) -> bool:
        """Wait until everything queued so far is sent; ``False`` on timeout."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            self._flush_wanted = True
            self._cond.notify_all()
            while self._buffer or self._in_flight:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                self._cond.wait(remaining if remaining is not None else 0.5)
            self._flush_wanted = False
        return True

    def close(self, timeout: float = 5.0) -> None:
        """Flush for up to ``timeout`` seconds, then stop the sender."""
        if self._closed:
            return
        try:
            self.flush(timeout)
        finally:
            with self._cond:
                self._closed = True
                self._cond.notify_all()
            self._thread.join(timeout=1.0)
            if self._flush_at_exit > 0:
                atexit.unregister(self.close)

    def _enqueue(self, model: type[Interaction | SessionEvent], data: dict[str, Any]) -> str:
        data = {k: v for k, v in data.items() if v is not None}
        data.setdefault("id", new_id())
        try:
            item = model.model_validate(data).model_dump(mode="json", exclude_defaults=False)
        except ValidationError as exc:
            with self._cond:
                self._rejected += 1
            self._warn_once("invalid", f"aivitals: dropped an invalid {model.__name__}: {exc}")
            return str(data["id"])
        except Exception as exc:  # never raise into the host
            self._warn_once("invalid", f"aivitals: could not record telemetry: {exc!r}")
            return str(data.get("id", ""))
        item["kind"] = "interaction" if model is Interaction else "event"
        with self._cond:
            if self._closed:
                self._dropped += 1
                return str(item["id"])
            if len(self._buffer) >= self._max_queue:
                self._buffer.popleft()
                self._dropped += 1
                full = True
            else:
                full = False
            self._buffer.append(item)
            if len(self._buffer) >= self.batch_size:
                self._cond.notify_all()
        if full:
            self._warn_once("full", "aivitals: telemetry buffer full; dropping the oldest items")
        return str(item["id"])

    def _warn_once(self, key: str, message: str) -> None:
        if key not in self._warned:
            self._warned.add(key)
            log.warning(message)

    # -- the sender's side -----------------------------------------------

    def _next_batch(self) -> list[dict[str, Any]] | None:
        with self._cond:
            deadline = time.monotonic() + self.flush_interval
            while (
                not self._closed and not self._flush_wanted and len(self._buffer) < self.batch_size
            ):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(remaining)
            if not self._buffer:
                return None if self._closed else []
            batch = [self._buffer.popleft() for _ in range(min(self.batch_size, len(self._buffer)))]
            self._in_flight = len(batch)
            return batch

    def _run(self) -> None:
        try:
            while (batch := self._next_batch()) is not None:
                if batch:
                    self._deliver(batch)
        finally:
            try:
                self.sink.close()
            except Exception as exc:
                self._warn_once("close", f"aivitals: closing the telemetry sink failed: {exc!r}")

    def _deliver(self, batch: list[dict[str, Any]]) -> None:
        backoff = 0.05
        while True:
            try:
                self.sink.send(batch)
            except SinkRejected as exc:
                self._warn_once("rejected", f"aivitals: telemetry rejected: {exc}")
                with self._cond:
                    self._rejected += len(batch)
                    break
            except Exception as exc:
                self._warn_once("down", f"aivitals: telemetry sink unavailable, retrying: {exc!r}")
                with self._cond:
                    self._retries += 1
                    if self._closed:
                        self._dropped += len(batch)
                        break
                    self._cond.wait(backoff)
                backoff = min(backoff * 2, self.max_backoff)
                continue
            else:
                with self._cond:
                    self._sent += len(batch)
                    break
        with self._cond:
            self._in_flight = 0
            self._cond.notify_all()


def _as_input(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Any:
    if len(args) == 1 and not kwargs and isinstance(args[0], str | list):
        return args[0]
    if args and isinstance(args[0], str | list):
        return args[0]
    return json.dumps({"args": list(args), "kwargs": dict(kwargs)}, default=repr)


def _as_output(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=repr)


class Tracker:
    """Records one interaction around a block or each call of a function.

    Attributes:
        output: Set it inside a ``with`` block to record the answer.
        fields: Any other interaction fields (``tokens_in``, ``tags``...).
    """

    def __init__(self, client: Client | None, input: Any, fields: Mapping[str, Any]) -> None:
        self._bound = client
        self.input = input
        self.output: Any = None
        self.fields: dict[str, Any] = dict(fields)
        self.id: str = str(self.fields.pop("id", None) or new_id())
        self._start = 0.0

    @property
    def client(self) -> Client:
        """The client it logs to: its own, else the default one *at call time*.

        Resolving the default late matters for ``@aivitals.track`` at module
        level: it runs at import, before the application calls
        :func:`configure`, which replaces (and closes) the default client.
        """
        return self._bound if self._bound is not None else get_client()

    def set(self, **fields: Any) -> None:
        """Add or change fields of the interaction being recorded."""
        self.fields.update(fields)

    def __enter__(self) -> Tracker:
        self._start = time.perf_counter()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: Any
    ) -> None:
        try:
            latency = (time.perf_counter() - self._start) * 1000
            fields = {"latency_ms": latency, **self.fields, "id": self.id}
            if exc is not None:
                fields.setdefault("error", str(exc) or type(exc).__name__)
                fields.setdefault("error_kind", type(exc).__name__)
            output = None if self.output is None else _as_output(self.output)
            self.client.log_interaction(
                self.input if self.input is not None else "", output, **fields
            )
        except Exception as error:
            self.client._warn_once("track", f"aivitals: could not record a tracked call: {error!r}")

    def __call__(self, fn: Callable[P, R]) -> Callable[P, R]:
        """Wrap ``fn`` so that every call is recorded as one interaction."""
        template = self

        def fresh(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Tracker:
            given = template.input if template.input is not None else _as_input(args, kwargs)
            return Tracker(template._bound, given, template.fields)

        if inspect.iscoroutinefunction(fn):

            @functools.wraps(fn)
            async def run_async(*args: Any, **kwargs: Any) -> Any:
                with fresh(args, kwargs) as tracker:
                    tracker.output = await fn(*args, **kwargs)
                    return tracker.output

            return run_async  # type: ignore[return-value]

        @functools.wraps(fn)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            with fresh(args, kwargs) as tracker:
                result = fn(*args, **kwargs)
                tracker.output = result
                return result

        return run


_default: Client | None = None
_default_lock = threading.Lock()


def configure(
    sink: Sink | None = None,
    *,
    store: str | os.PathLike[str] | None = None,
    url: str | None = None,
    api_key: str | None = None,
    **options: Any,
) -> Client:
    """Set up the default client that the module-level functions use.

    Args:
        sink: A sink to use as is; else ``url`` for the ingest API, else the
            local ``store`` (default ``$VITALS_STORE`` or .vitals/vitals.duckdb).
        store: Path of a local store.
        url: Base URL of an aivitals server (``https://vitals.example.com``).
        api_key: Its API key (``$VITALS_API_KEY`` by default).
        **options: Passed to :class:`Client` (``batch_size``, ``max_queue``...).
    """
    global _default
    if sink is None:
        url = url or os.environ.get("VITALS_URL")
        if url:
            sink = HttpSink(url, api_key or os.environ.get("VITALS_API_KEY"))
        else:
            sink = StoreSink(Path(store) if store else None)
    client = Client(sink, **options)
    with _default_lock:
        previous, _default = _default, client
    if previous is not None:
        previous.close()
    return client


def get_client() -> Client:
    """The default client, configured from the environment if need be."""
    with _default_lock:
        client = _default
    return client if client is not None else configure()


def log_interaction(input: Any, output: str | None = None, **fields: Any) -> str:
    """Queue one interaction on the default client; see :meth:`Client.log_interaction`."""
    return get_client().log_interaction(input, output, **fields)


def log_event(type: str, value: float | None = None, **fields: Any) -> str:
    """Queue one session event on the default client; see :meth:`Client.log_event`."""
    return get_client().log_event(type, value, **fields)


def track(input: Any = None, **fields: Any) -> Tracker:
    """Track a call on the default client; see :meth:`Client.track`.

    The default client is looked up when the tracked call ends, so a
    decorator applied at import still logs to the client :func:`configure`
    sets up later.
    """
    return Tracker(None, input, fields)

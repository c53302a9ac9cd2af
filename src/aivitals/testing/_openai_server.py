"""A real OpenAI-compatible chat-completions server with injectable faults.

It listens on 127.0.0.1 on a free port and answers ``POST
/v1/chat/completions`` (and ``/chat/completions``) deterministically, so
tests and benchmarks exercise the real client stack: sockets, keep-alive,
timeouts, status codes and malformed bodies. It is not a model: the answer
is a function of the request.

Use it from sync code (``with``: it runs its own event loop in a thread)
or from async code (``async with``: it runs on the caller's loop).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import random
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import TracebackType
from typing import Any, Self

from aiohttp import web

from aivitals.model import input_text

__all__ = ["FakeOpenAIServer", "ReceivedRequest", "Reply", "echo_answer"]

_CHAT_PATHS = frozenset({"/v1/chat/completions", "/chat/completions"})
_MODEL_PATHS = frozenset({"/v1/models", "/models"})


class Reply(StrEnum):
    """What the server does with one chat request."""

    OK = "ok"
    RATE_LIMIT = "429"
    SERVER_ERROR = "500"
    HANG = "hang"
    NOT_JSON = "not_json"
    NO_CHOICES = "no_choices"


@dataclass(frozen=True)
class ReceivedRequest:
    """A request as the server saw it.

    Attributes:
        method: HTTP method.
        path: URL path.
        headers: Request headers.
        body: Decoded JSON body, or ``None`` if absent or not JSON.
        at: ``time.monotonic()`` when it arrived.
    """

    method: str
    path: str
    headers: Mapping[str, str]
    body: Any
    at: float


def echo_answer(body: Mapping[str, Any]) -> str:
    """Default answer: ``"answer: "`` and the last user message."""
    messages = body.get("messages") or []
    return f"answer: {input_text(messages)}"


def _words(value: Any) -> int:
    return len(str(value).split()) if value else 0


def _json(data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> web.Response:
    return web.Response(
        body=json.dumps(data).encode("utf-8"),
        status=status,
        headers=headers,
        content_type="application/json",
    )


def _error(
    status: int, message: str, kind: str, headers: Mapping[str, str] | None = None
) -> web.Response:
    return _json({"error": {"message": message, "type": kind}}, status, headers)


class FakeOpenAIServer:
    """An OpenAI-compatible server whose latency and failures tests control.

    Which :class:`Reply` a chat request gets is decided, in order, by the
    ``script`` queue (one entry per request), then ``reply_for(body)``, then
    the ``rates`` probabilities, else :attr:`Reply.OK`. Settings are plain
    attributes and may be changed while the server runs.

    Args:
        latency_ms: Delay before every answer: fixed, or ``(low, high)``
            for a uniform random delay.
        answer: Makes the answer text from the request body.
        script: Replies for the next requests, in arrival order.
        rates: Probability of each reply, e.g. ``{"429": 0.1, "500": 0.05}``.
        reply_for: Chooses a reply from the request body (``None``: no say),
            e.g. to make one case always fail whatever the arrival order.
        retry_after: ``Retry-After`` header value sent with 429s (``None``:
            no header).
        api_key: If set, requests must send ``Authorization: Bearer <key>``.
        usage: Whether answers report token usage (whitespace word counts).
        seed: Seed of the random latency and rates.
        keep: How many :attr:`received` requests to keep.
        port: Port to listen on; 0 picks a free one.
    """

    def __init__(
        self,
        *,
        latency_ms: float | tuple[float, float] = 0.0,
        answer: Callable[[Mapping[str, Any]], str] = echo_answer,
        script: Iterable[Reply | str] = (),
        rates: Mapping[Reply | str, float] | None = None,
        reply_for: Callable[[Mapping[str, Any]], Reply | str | None] | None = None,
        retry_after: float | str | None = 1,
        api_key: str | None = None,
        usage: bool = True,
        seed: int = 0,
        keep: int = 1000,
        port: int = 0,
    ) -> None:
        self.latency_ms = latency_ms
        self.answer = answer
        self.rates: dict[Reply, float] = {Reply(k): v for k, v in (rates or {}).items()}
        self.reply_for = reply_for
        self.retry_after = retry_after
        self.api_key = api_key
        self.usage = usage
        self._rng = random.Random(seed)
        self._port = port
        self._lock = threading.Lock()
        self._script: deque[Reply] = deque(Reply(r) for r in script)
        self._counts: Counter[str] = Counter()
        self._received: deque[ReceivedRequest] = deque(maxlen=keep)
        self._in_flight = 0
        self._max_in_flight = 0
        self._runner: web.ServerRunner | None = None
        self._closing: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- what tests read -------------------------------------------------

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        if self._runner is None:
            raise RuntimeError("server is not running")
        return f"http://127.0.0.1:{self._port}"

    @property
    def base_url(self) -> str:
        """The OpenAI ``base_url``: :attr:`url` + ``/v1``."""
        return f"{self.url}/v1"

    @property
    def request_count(self) -> int:
        """Requests received on any path since start or :meth:`reset`."""
        with self._lock:
            return sum(self._counts.values())

    @property
    def requests_by_path(self) -> dict[str, int]:
        """Requests received, per URL path."""
        with self._lock:
            return dict(self._counts)

    @property
    def received(self) -> list[ReceivedRequest]:
        """The last ``keep`` requests, oldest first."""
        with self._lock:
            return list(self._received)

    @property
    def max_in_flight(self) -> int:
        """Most requests being handled at the same time."""
        with self._lock:
            return self._max_in_flight

    def count(self, path: str = "/v1/chat/completions") -> int:
        """Requests received on ``path``."""
        with self._lock:
            return self._counts[path]

    # -- what tests control ----------------------------------------------

    def script(self, *replies: Reply | str) -> None:
        """Queue replies for the next requests, in arrival order."""
        with self._lock:
            self._script.extend(Reply(r) for r in replies)

    def reset(self) -> None:
        """Forget counts, received requests and queued replies."""
        with self._lock:
            self._counts.clear()
            self._received.clear()
            self._script.clear()
            self._max_in_flight = 0

    # -- lifecycle -------------------------------------------------------

    async def astart(self) -> Self:
        """Start serving on the running event loop."""
        if self._runner is not None:
            raise RuntimeError("server is already running")
        self._closing = asyncio.Event()
        # The low-level server skips routing and middlewares: less CPU per request.
        server = web.Server(self._dispatch, access_log=None)
        runner = web.ServerRunner(server, handle_signals=False, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", self._port, backlog=1024)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._port = int(runner.addresses[0][1])
        self._runner = runner
        return self

    async def astop(self) -> None:
        """Stop serving; requests left hanging are released first."""
        runner, self._runner = self._runner, None
        if runner is None:
            return
        if self._closing is not None:
            self._closing.set()
        await runner.cleanup()

    def start(self) -> Self:
        """Start serving from a background thread with its own event loop."""
        if self._thread is not None or self._runner is not None:
            raise RuntimeError("server is already running")
        loop = asyncio.new_event_loop()
        started: concurrent.futures.Future[None] = concurrent.futures.Future()

        def serve() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self.astart())
            except BaseException as exc:
                started.set_exception(exc)
                loop.close()
                return
            started.set_result(None)
            loop.run_forever()
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

        thread = threading.Thread(target=serve, name="fake-openai-server", daemon=True)
        thread.start()
        started.result()
        self._thread, self._loop = thread, loop
        return self

    def stop(self) -> None:
        """Stop the background server and join its thread."""
        thread, loop = self._thread, self._loop
        if thread is None or loop is None:
            return
        asyncio.run_coroutine_threadsafe(self.astop(), loop).result()
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        self._thread = self._loop = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    async def __aenter__(self) -> Self:
        return await self.astart()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.astop()

    # -- serving ---------------------------------------------------------

    def _choose(self, body: Mapping[str, Any]) -> Reply:
        with self._lock:
            if self._script:
                return self._script.popleft()
        if self.reply_for is not None:
            chosen = self.reply_for(body)
            if chosen is not None:
                return Reply(chosen)
        draw = self._rng.random()
        for reply, rate in self.rates.items():
            if draw < rate:
                return Reply(reply)
            draw -= rate
        return Reply.OK

    def _latency_s(self) -> float:
        latency = self.latency_ms
        if isinstance(latency, tuple):
            latency = self._rng.uniform(*latency)
        return max(0.0, latency) / 1000.0

    async def _dispatch(self, request: web.BaseRequest) -> web.StreamResponse:
        raw = await request.read()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        arrived = ReceivedRequest(
            request.method, request.path, request.headers.copy(), body, time.monotonic()
        )
        with self._lock:
            self._counts[request.path] += 1
            self._received.append(arrived)
            self._in_flight += 1
            self._max_in_flight = max(self._max_in_flight, self._in_flight)
        try:
            return await self._respond(request, body)
        finally:
            with self._lock:
                self._in_flight -= 1

    async def _respond(self, request: web.BaseRequest, body: Any) -> web.Response:
        if request.method == "GET" and request.path in _MODEL_PATHS:
            return _json({"object": "list", "data": []})
        if request.method != "POST" or request.path not in _CHAT_PATHS:
            return _error(404, f"no route {request.method} {request.path}", "not_found")
        if self.api_key is not None and (
            request.headers.get("Authorization") != f"Bearer {self.api_key}"
        ):
            return _error(401, "invalid API key", "invalid_request_error")
        if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
            return _error(
                400, "body must be a JSON object with 'messages'", "invalid_request_error"
            )
        reply = self._choose(body)
        delay = self._latency_s()
        if delay:
            await asyncio.sleep(delay)
        return await self._reply(body, reply)

    async def _reply(self, body: Mapping[str, Any], reply: Reply) -> web.Response:
        if reply is Reply.HANG:
            if self._closing is not None:
                await self._closing.wait()
            return _error(503, "server shutting down", "server_error")
        if reply is Reply.RATE_LIMIT:
            headers = {} if self.retry_after is None else {"Retry-After": str(self.retry_after)}
            return _error(429, "rate limit reached", "rate_limit_error", headers)
        if reply is Reply.SERVER_ERROR:
            return _error(500, "the server had an error", "server_error")
        if reply is Reply.NOT_JSON:
            return web.Response(text="<html>502 Bad Gateway</html>", content_type="text/html")
        if reply is Reply.NO_CHOICES:
            return _json({"id": "chatcmpl-fake", "object": "chat.completion"})
        return _json(self._completion(body))

    def _completion(self, body: Mapping[str, Any]) -> dict[str, Any]:
        text = self.answer(body)
        completion: dict[str, Any] = {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": str(body.get("model", "fake")),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": "stop",
                }
            ],
        }
        if self.usage:
            prompt = sum(_words(m.get("content")) for m in body["messages"] if isinstance(m, dict))
            done = _words(text)
            completion["usage"] = {
                "prompt_tokens": prompt,
                "completion_tokens": done,
                "total_tokens": prompt + done,
            }
        return completion

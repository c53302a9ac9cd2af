"""The SDK: background batching, tracking, failure isolation, flush at exit."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from aivitals.store import Store
from aivitals.telemetry import Client, HttpSink, SinkRejected, StoreSink


class MemorySink:
    def __init__(self) -> None:
        self.batches: list[list[dict[str, Any]]] = []
        self.down = False
        self.closed = False

    def send(self, items: Sequence[Mapping[str, Any]]) -> None:
        if self.down:
            raise ConnectionError("sink down")
        self.batches.append([dict(i) for i in items])

    def close(self) -> None:
        self.closed = True

    @property
    def items(self) -> list[dict[str, Any]]:
        return [i for b in self.batches for i in b]


@pytest.fixture
def sink() -> MemorySink:
    return MemorySink()


@pytest.fixture
def client(sink: MemorySink) -> Iterator[Client]:
    c = Client(sink, batch_size=10, flush_interval=0.05, max_backoff=0.05, flush_at_exit=0)
    yield c
    c.close(timeout=1)


def test_logged_items_arrive_in_batches(client: Client, sink: MemorySink) -> None:
    ids = [client.log_interaction(f"q{i}", "a", session_id="s", turn=i) for i in range(25)]
    client.log_event("csat", 5, session_id="s")
    assert client.flush(5)
    assert [i["id"] for i in sink.items if i["kind"] == "interaction"] == ids
    assert max(len(b) for b in sink.batches) <= 10
    assert client.stats.sent == 26


def test_decorator_records_latency_output_and_reraises(client: Client, sink: MemorySink) -> None:
    @client.track(session_id="s1", tags={"intent": "refund"})
    def answer(question: str) -> str:
        if "boom" in question:
            raise ValueError("model exploded")
        return "ok: " + question

    assert answer("hello") == "ok: hello"
    with pytest.raises(ValueError, match="model exploded") as info:
        answer("boom")
    assert type(info.value) is ValueError
    client.flush(5)
    good, bad = sink.items
    assert (good["input"], good["output"], good["error"]) == ("hello", "ok: hello", None)
    assert good["latency_ms"] >= 0 and good["tags"] == {"intent": "refund"}
    assert (bad["error"], bad["error_kind"], bad["output"]) == (
        "model exploded",
        "ValueError",
        None,
    )
    assert good["id"] != bad["id"]


def test_async_decorator(client: Client, sink: MemorySink) -> None:
    @client.track()
    async def answer(question: str) -> dict[str, int]:
        await asyncio.sleep(0.01)
        return {"n": len(question)}

    assert asyncio.run(answer("abc")) == {"n": 3}
    client.flush(5)
    (item,) = sink.items
    assert item["output"] == '{"n": 3}' and item["latency_ms"] >= 10


def test_context_manager(client: Client, sink: MemorySink) -> None:
    with client.track("question", session_id="s") as t:
        t.output = "answer"
        t.set(tokens_in=3)
    client.flush(5)
    (item,) = sink.items
    assert (item["input"], item["output"], item["tokens_in"]) == ("question", "answer", 3)


def test_invalid_calls_never_raise(client: Client, sink: MemorySink, caplog: Any) -> None:
    client.log_event("tip", session_id="s")
    client.log_event("csat", 9, session_id="s")
    client.log_interaction(object())
    client.flush(5)
    assert sink.items == []
    assert client.stats.rejected == 3
    assert sum("dropped an invalid" in r.message for r in caplog.records) == 1


def test_sink_down_keeps_memory_bounded_and_counts_drops(sink: MemorySink) -> None:
    sink.down = True
    client = Client(sink, batch_size=10, max_queue=100, flush_interval=0.01, flush_at_exit=0)
    try:
        for i in range(1_000):
            client.log_interaction(f"q{i}")
        assert client.flush(0.2) is False  # cannot deliver, does not hang
        stats = client.stats
        assert stats.queued <= 100
        assert stats.dropped >= 1_000 - 100 - 10
        assert stats.retries >= 1
        sink.down = False
        assert client.flush(5)
        # the newest items survive; the oldest were dropped
        assert sink.items[-1]["input"] == "q999"
    finally:
        client.close(1)
    assert sink.closed


def test_rejected_batches_are_not_retried(caplog: Any) -> None:
    class Refusing(MemorySink):
        def send(self, items: Sequence[Mapping[str, Any]]) -> None:
            self.batches.append(list(items))
            raise SinkRejected("HTTP 401")

    sink = Refusing()
    client = Client(sink, flush_interval=0.01, flush_at_exit=0)
    client.log_interaction("q")
    assert client.flush(5)
    client.close(1)
    assert len(sink.batches) == 1 and client.stats.rejected == 1


def test_store_sink_writes_through_ingest_batch(tmp_path: Path) -> None:
    path = tmp_path / "v.duckdb"
    client = Client(StoreSink(path), flush_interval=0.01, flush_at_exit=0)
    rid = client.log_interaction("q", "a", id="fixed", session_id="s")
    client.log_interaction("q", "a", id="fixed", session_id="s")  # idempotent
    client.log_event("feedback", -1, session_id="s", record_id=rid)
    assert client.flush(10)
    client.close(5)
    with Store(path) as store:
        assert store.one("SELECT count(*) FROM records WHERE source = 'prod'") == (1,)
        assert store.one("SELECT type, value FROM events") == ("feedback", -1.0)


def test_flush_at_exit(tmp_path: Path) -> None:
    path = tmp_path / "v.duckdb"
    script = textwrap.dedent(
        f"""
        import aivitals.telemetry as t
        t.configure(store={str(path)!r}, flush_interval=60, batch_size=10_000)
        for i in range(50):
            t.log_interaction(f"q{{i}}", "a", session_id="s")
        t.log_event("task_completed", session_id="s")

        @t.track()
        def f(x):
            return x
        f("tracked")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    with Store(path) as store:
        assert store.one("SELECT count(*) FROM records") == (51,)
        assert store.one("SELECT count(*) FROM events") == (1,)


def test_module_level_decorator_before_configure_logs_to_the_configured_client(
    tmp_path: Path,
) -> None:
    # The usual application layout: decorate at import, configure in main().
    path = tmp_path / "v.duckdb"
    script = textwrap.dedent(
        f"""
        import aivitals

        @aivitals.track(system_version="bot-v1")
        def answer(question):
            return "yes"

        client = aivitals.configure(store={str(path)!r}, flush_interval=0.01)
        for i in range(3):
            answer(f"q{{i}}")
        assert client.flush(10)
        assert client.stats.dropped == 0, client.stats
        """
    )
    env = {**os.environ, "VITALS_STORE": str(tmp_path / "default.duckdb")}
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    with Store(path) as store:
        assert store.one("SELECT count(*), min(system_version) FROM records") == (3, "bot-v1")


class IngestServer:
    """A tiny aiohttp server speaking the documented ingest contract."""

    def __init__(self, fail_first: int = 0) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.auth: list[str | None] = []
        self.fail_first = fail_first
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.port = 0

    async def handle(self, request: web.Request) -> web.Response:
        self.auth.append(request.headers.get("Authorization"))
        if request.headers.get("Authorization") != "Bearer sekrit":
            return web.json_response({"error": "bad key"}, status=401)
        if self.fail_first > 0:
            self.fail_first -= 1
            return web.json_response({"error": "busy"}, status=503)
        body = await request.json()
        self.bodies.append(body)
        return web.json_response({"accepted": len(body["items"]), "duplicates": 0, "rejected": []})

    async def _start(self) -> web.AppRunner:
        app = web.Application()
        app.router.add_post("/api/v1/ingest", self.handle)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return runner

    def __enter__(self) -> IngestServer:
        self.thread.start()
        self.runner = asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(10)
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def test_http_sink_posts_batches_and_retries_when_down() -> None:
    with IngestServer(fail_first=2) as server:
        client = Client(
            HttpSink(server.url, "sekrit"), flush_interval=0.01, max_backoff=0.05, flush_at_exit=0
        )
        client.log_interaction("q", "a", session_id="s")
        client.log_event("nps", 9, session_id="s")
        assert client.flush(10)
        client.close(1)
    (body,) = server.bodies
    assert [i["kind"] for i in body["items"]] == ["interaction", "event"]
    assert body["items"][1]["value"] == 9
    assert client.stats.retries == 2
    assert set(server.auth) == {"Bearer sekrit"}


def test_http_sink_wrong_key_is_rejected_not_retried() -> None:
    with IngestServer() as server:
        client = Client(HttpSink(server.url, "wrong"), flush_interval=0.01, flush_at_exit=0)
        client.log_interaction("q")
        assert client.flush(10)
        client.close(1)
    assert len(server.auth) == 1 and client.stats.rejected == 1


def test_http_sink_unreachable_never_raises() -> None:
    client = Client(
        HttpSink("http://127.0.0.1:9", timeout=0.5), flush_interval=0.01, flush_at_exit=0
    )
    client.log_interaction("q")
    assert client.flush(0.3) is False
    client.close(0.1)
    assert json.dumps(client.stats.__dict__)

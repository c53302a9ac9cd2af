"""The ingest API over real HTTP on 127.0.0.1 (aiohttp client and the SDK)."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from tests.serving import Running, serve_in_thread

from aivitals.server import WRITER_KEY, ApiKeys, create_app, create_key, key_file_for
from aivitals.store import Store
from aivitals.telemetry import MAX_BATCH_ITEMS, Client, HttpSink, SinkRejected


@dataclass
class Served:
    url: str
    key: str
    store: Store

    @property
    def ingest(self) -> str:
        return self.url + "/api/v1/ingest"

    def auth(self, key: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {key or self.key}"}

    def count(self, table: str) -> int:
        # Runs while the server is idle (each test awaits its answers first).
        row = self.store.one(f"SELECT count(*) FROM {table}")
        assert row is not None
        return int(row[0])


@contextmanager
def _serve_app(
    store: Store, keys: ApiKeys | None, max_body: int, **options: Any
) -> Iterator[Running]:
    app = create_app(store, keys=keys, max_body_bytes=max_body, **options)
    with serve_in_thread(app) as running:
        yield running


def _serve(store: Store, keys: ApiKeys | None, max_body: int) -> Iterator[str]:
    with _serve_app(store, keys, max_body) as running:
        yield running.url


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    store_path = tmp_path / "vitals.duckdb"
    key = create_key(key_file_for(store_path), "test")
    with Store(store_path) as store:
        for url in _serve(store, ApiKeys(key_file_for(store_path)), 64 * 1024):
            yield Served(url, key, store)


def event(i: int | str, **over: Any) -> dict[str, Any]:
    return {"id": f"e{i}", "session_id": "s1", "type": "csat", "value": 4, **over}


def post(url: str, body: Any = None, *, data: bytes | None = None, **kw: Any) -> tuple[int, Any]:
    async def go() -> tuple[int, Any]:
        async with aiohttp.ClientSession() as session:
            if data is None:
                kw.setdefault("json", body)
            else:
                kw["data"] = data
            async with session.post(url, **kw) as response:
                return response.status, await response.json()

    return asyncio.run(go())


def test_health_needs_no_key(served: Served) -> None:
    async def go() -> tuple[int, Any]:
        async with (
            aiohttp.ClientSession() as session,
            session.get(served.url + "/api/v1/health") as response,
        ):
            return response.status, await response.json()

    status, body = asyncio.run(go())
    assert status == 200 and body["status"] == "ok"


def test_ingest_refuses_missing_or_wrong_key(served: Served) -> None:
    status, body = post(served.ingest, {"items": [event(1)]})
    assert status == 401 and "missing API key" in body["error"]
    status, body = post(served.ingest, {"items": [event(1)]}, headers=served.auth("vk_x_nope"))
    assert status == 401 and body["error"] == "invalid API key"
    wrong_secret = served.key[:-4] + "AAAA"
    status, _ = post(served.ingest, {"items": [event(1)]}, headers=served.auth(wrong_secret))
    assert status == 401
    assert served.count("events") == 0


def test_key_file_holds_only_salted_hashes(tmp_path: Path) -> None:
    path = tmp_path / "api_keys.json"
    key = create_key(path, "ci")
    text = path.read_text()
    assert key not in text and key.split("_", 2)[2] not in text
    entry = json.loads(text)["keys"][0]
    assert entry["name"] == "ci" and len(bytes.fromhex(entry["salt"])) == 16
    keys = ApiKeys(path)
    assert keys.verify(key) == "ci" and keys.verify(key + "x") is None
    second = create_key(path, "other")  # picked up without a restart
    assert keys.verify(second) == "other" and keys.verify(key) == "ci"


def test_mixed_batch_gets_per_item_results_and_keeps_valid_items(served: Served) -> None:
    future = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    items = [
        event(1),
        event(2, value="many"),  # wrong type
        event(3, type="teleported"),  # unknown event type
        event(4, ts=future),  # far in the future
        event(1),  # duplicate within the batch
        "not an object",
        {"id": "i1", "input": "hi", "output": "hello"},
    ]
    status, body = post(served.ingest, {"items": items}, headers=served.auth())
    assert status == 207
    assert [r["status"] for r in body["results"]] == [
        "accepted",
        "rejected",
        "rejected",
        "rejected",
        "duplicate",
        "rejected",
        "accepted",
    ]
    assert body["accepted"] == 2 and body["duplicates"] == 1 and body["n_rejected"] == 4
    by_index = {r["index"]: r for r in body["rejected"]}
    assert by_index[1]["field"] == "value"
    assert by_index[2]["field"] == "type"
    assert by_index[3]["field"] == "ts"
    assert body["results"][1]["reason"]
    assert served.count("events") == 1 and served.count("records") == 1


def test_repeated_ids_across_requests_are_no_ops(served: Served) -> None:
    items = [event(i) for i in range(5)]
    status, body = post(served.ingest, {"items": items}, headers=served.auth())
    assert status == 200 and body["accepted"] == 5
    status, body = post(served.ingest, {"items": items}, headers=served.auth())
    assert status == 200 and body["accepted"] == 0 and body["duplicates"] == 5
    assert served.count("events") == 5


def test_all_rejected_is_422_naming_item_and_field(served: Served) -> None:
    status, body = post(served.ingest, {"items": [event(1, value=99)]}, headers=served.auth())
    assert status == 422
    assert body["rejected"] == [
        {"index": 0, "id": "e1", "reason": body["rejected"][0]["reason"], "field": "value"}
    ]
    assert served.count("events") == 0


def test_malformed_json_names_line_and_column(served: Served) -> None:
    data = b'{"items": [\n  {"id": "e1",, }\n]}'
    headers = {**served.auth(), "Content-Type": "application/json"}
    status, body = post(served.ingest, data=data, headers=headers)
    assert status == 400 and body["line"] == 2 and body["column"] == 15
    assert "line 2" in body["error"]


def test_invalid_utf8_is_400_with_offset(served: Served) -> None:
    headers = {**served.auth(), "Content-Type": "application/json"}
    data = b'{"items": [{"id": "e1", "type": "retry", "session_id": "\xff\xfe"}]}'
    status, body = post(served.ingest, data=data, headers=headers)
    assert status == 400 and "UTF-8" in body["error"] and body["offset"] == data.index(b"\xff")
    assert served.count("events") == 0


def test_lone_surrogate_escape_is_rejected_per_item(served: Served) -> None:
    # Valid UTF-8 on the wire, but a JSON escape makes a lone surrogate.
    body = (
        b'{"items": [{"id": "ok1", "session_id": "s", "type": "csat", "value": 4},'
        b' {"id": "bad", "session_id": "\\ud800", "type": "csat", "value": 4},'
        b' {"id": "pair", "session_id": "\\ud83d\\ude00", "type": "csat", "value": 4}]}'
    )
    status, answer = post(
        served.ingest, data=body, headers={**served.auth(), "Content-Type": "application/json"}
    )
    assert status == 207, answer
    assert [r["status"] for r in answer["results"]] == ["accepted", "rejected", "accepted"]
    assert "UTF-8" in answer["rejected"][0]["reason"]
    assert served.count("events") == 2


def test_wrong_shape_is_400(served: Served) -> None:
    status, body = post(served.ingest, {"things": []}, headers=served.auth())
    assert status == 400 and body["field"] == "items"


def test_oversized_body_is_413_and_loses_nothing(served: Served) -> None:
    status, _ = post(served.ingest, {"items": [event("kept")]}, headers=served.auth())
    assert status == 200
    big = [event(i, attrs={"pad": "x" * 200}) for i in range(400)]  # > 64 KiB limit
    status, body = post(served.ingest, {"items": big}, headers=served.auth())
    assert status == 413 and "larger than" in body["error"]

    async def chunked() -> int:  # no Content-Length: the limit is enforced while reading
        async def gen() -> Any:
            for _ in range(100):
                yield b" " * 1024

        async with (
            aiohttp.ClientSession() as session,
            session.post(served.ingest, data=gen(), headers=served.auth()) as r,
        ):
            return r.status

    assert asyncio.run(chunked()) == 413
    assert served.count("events") == 1


def test_batch_over_item_limit_is_413(served: Served, tmp_path: Path) -> None:
    # The byte limit of this fixture is small; send a compact batch of tiny items.
    items = [0] * (MAX_BATCH_ITEMS + 1)
    status, body = post(served.ingest, {"items": items}, headers=served.auth())
    assert status == 413 and body["field"] == "items" and str(MAX_BATCH_ITEMS) in body["error"]


def test_concurrent_requests_get_their_own_results(served: Served) -> None:
    async def go() -> list[Any]:
        async with aiohttp.ClientSession() as session:

            async def one(i: int) -> Any:
                items = [event(f"{i}-{j}") for j in range(3)] + [event(f"{i}-bad", value=0)]
                async with session.post(
                    served.ingest, json={"items": items}, headers=served.auth()
                ) as r:
                    assert r.status == 207
                    return await r.json()

            return await asyncio.gather(*(one(i) for i in range(40)))

    answers = asyncio.run(go())
    for i, body in enumerate(answers):
        assert [r["index"] for r in body["results"]] == [0, 1, 2, 3]
        assert [r["id"] for r in body["results"]] == [f"e{i}-{j}" for j in (0, 1, 2, "bad")]
        assert body["accepted"] == 3 and body["rejected"][0]["index"] == 3
    assert served.count("events") == 120


def test_sdk_http_sink_against_the_real_server(served: Served) -> None:
    sink = HttpSink(served.url, served.key)
    sink.send([event(1), event(2)])
    sink.send([event(1)])  # a duplicate is fine
    with pytest.raises(SinkRejected):
        sink.send([event(3), event(4, value=42)])
    with pytest.raises(SinkRejected):
        HttpSink(served.url, "wrong").send([event(5)])
    assert served.count("events") == 3

    client = Client(HttpSink(served.url, served.key), flush_interval=0.01, flush_at_exit=0)
    for i in range(50):
        client.log_event("csat", 5, session_id="s2", id=f"c{i}")
    assert client.flush(10)
    client.close()
    assert client.stats.rejected == 0
    assert served.count("events") == 53


def test_no_auth_app_accepts_without_key(tmp_path: Path) -> None:
    with Store(tmp_path / "v.duckdb") as store:
        for url in _serve(store, None, 1 << 20):
            status, body = post(url + "/api/v1/ingest", [event(1)])
            assert status == 200 and body["accepted"] == 1


def test_overload_is_503_with_retry_after_and_loses_nothing_acknowledged(tmp_path: Path) -> None:
    # Hold the one writer thread so admitted work stays uncommitted, then
    # send more than the queue admits: the overflow is refused, not dropped.
    release = threading.Event()
    with Store(tmp_path / "v.duckdb") as store:
        with _serve_app(store, None, 1 << 20, max_pending=5) as running:
            writer = running.app[WRITER_KEY]
            held = asyncio.run_coroutine_threadsafe(writer.run(release.wait, 30), running.loop)

            async def go() -> list[tuple[int, Any, str | None]]:
                async with aiohttp.ClientSession() as session:

                    async def one(n: int, prefix: str) -> tuple[int, Any, str | None]:
                        items = [event(f"{prefix}{j}") for j in range(n)]
                        async with session.post(running.url + "/api/v1/ingest", json=items) as r:
                            return r.status, await r.json(), r.headers.get("Retry-After")

                    first = asyncio.ensure_future(one(4, "a"))
                    while writer.pending < 4:
                        await asyncio.sleep(0.01)
                    second = await one(4, "b")  # 4 waiting + 4 > 5: refused now
                    release.set()
                    return [await first, second]

            (status_a, body_a, _), (status_b, body_b, retry_b) = asyncio.run(go())
            held.result(10)
            assert status_b == 503 and retry_b is not None and int(retry_b) >= 1
            assert body_b["retry_after"] == int(retry_b) and "queue is full" in body_b["error"]
            assert status_a == 200 and body_a["accepted"] == 4
            status_c, body_c = post(running.url + "/api/v1/ingest", [event("b0")])
            assert status_c == 200 and body_c["accepted"] == 1  # admitted again once drained
        assert store.one("SELECT count(*) FROM events") == (5,)
        assert store.one("SELECT count(*) FROM events WHERE event_id LIKE 'eb%'") == (1,)

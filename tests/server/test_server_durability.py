"""``vitals serve`` in a subprocess: kill -9 under load loses no acknowledged event."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path
from typing import Any

import aiohttp
from tests.serving import serve_process

from aivitals.server import create_key, key_file_for
from aivitals.store import Store

# ``aivitals.cli`` does not import the serve command module yet; register it here.


def _event(i: int, worker: int) -> dict[str, Any]:
    return {"id": f"w{worker}-{i}", "session_id": f"s{worker}", "type": "retry"}


async def _load(url: str, key: str, acked: set[str], sent: set[str], stop: asyncio.Event) -> None:
    headers = {"Authorization": f"Bearer {key}"}

    async def worker(w: int) -> None:
        n = 0
        async with aiohttp.ClientSession() as session:
            while not stop.is_set():
                batch = [_event(n + j, w) for j in range(50)]
                n += 50
                sent.update(item["id"] for item in batch)
                try:
                    async with session.post(
                        url + "/api/v1/ingest", json={"items": batch}, headers=headers
                    ) as r:
                        body = await r.json()
                        assert r.status == 200, body
                        acked.update(x["id"] for x in body["results"] if x["status"] == "accepted")
                except (TimeoutError, aiohttp.ClientError):
                    return  # the server died: this batch was never acknowledged

    await asyncio.gather(*(worker(w) for w in range(4)))


def test_kill_9_under_load_keeps_every_acknowledged_event(tmp_path: Path) -> None:
    store = tmp_path / "vitals.duckdb"
    key = create_key(key_file_for(store), "load")
    acked: set[str] = set()
    sent: set[str] = set()
    with serve_process(store) as (proc, url):

        async def run() -> None:
            stop = asyncio.Event()
            load = asyncio.create_task(_load(url, key, acked, sent, stop))
            deadline = time.monotonic() + 10
            while len(acked) < 2_000 and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
            os.kill(proc.pid, signal.SIGKILL)  # mid-load, requests in flight
            await asyncio.wait_for(load, 10)

        asyncio.run(run())
        assert proc.wait(10) == -signal.SIGKILL
    assert len(acked) >= 2_000

    with serve_process(store) as (proc, url):
        # The restarted server sees every acknowledged id as already stored.
        async def resend() -> list[str]:
            ids = sorted(acked)
            statuses: list[str] = []
            async with aiohttp.ClientSession() as session:
                for start in range(0, len(ids), 1000):
                    items = [
                        {"id": i, "session_id": "x", "type": "retry"}
                        for i in ids[start : start + 1000]
                    ]
                    async with session.post(
                        url + "/api/v1/ingest",
                        json={"items": items},
                        headers={"Authorization": f"Bearer {key}"},
                    ) as r:
                        statuses += [x["status"] for x in (await r.json())["results"]]
            return statuses

        assert set(asyncio.run(resend())) == {"duplicate"}
        proc.send_signal(signal.SIGTERM)  # graceful stop releases the store
        assert proc.wait(15) == 0

    with Store(store, read_only=True) as opened:
        rows = opened.con.execute("SELECT event_id, count(*) FROM events GROUP BY 1").fetchall()
    counts = dict(rows)
    assert set(counts.values()) == {1}
    assert acked <= set(counts) <= sent

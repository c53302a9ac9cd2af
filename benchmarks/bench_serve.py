"""HTTP ingest throughput of ``vitals serve``.

The server runs in its own process on 127.0.0.1 with a real API key; the
client (aiohttp, bounded concurrency, bodies encoded up front) runs here.
Two loads: batches of 1,000 events, and single-event requests. Every request
is answered only after its items are committed. Usage:
``python -m benchmarks.bench_serve [N_EVENTS_BATCHED] [N_SINGLE_REQUESTS]``.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

from aivitals.server import create_key, key_file_for
from benchmarks._common import save

SINGLE_CONCURRENCY = 128
_LAUNCH = "import aivitals.cli._serve; from aivitals.cli import main; main()"


def _event(i: int, prefix: str) -> dict[str, Any]:
    return {"id": f"{prefix}{i}", "session_id": f"s{i % 997}", "type": "csat", "value": 1 + i % 5}


async def _blast(url: str, key: str, bodies: list[bytes], concurrency: int) -> float:
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    queue = list(reversed(bodies))
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker() -> None:
            while queue:
                body = queue.pop()
                async with session.post(url + "/api/v1/ingest", data=body, headers=headers) as r:
                    await r.read()
                    assert r.status == 200, r.status

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - start


def main(n_batched: int = 200_000, n_single: int = 10_000) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "vitals.duckdb"
        key = create_key(key_file_for(store), "bench")
        proc = subprocess.Popen(
            [sys.executable, "-c", _LAUNCH, "serve", "--store", str(store), "--port", "0"],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert proc.stdout is not None
            url = proc.stdout.readline().split("listening on ")[1].split()[0]
            batches = [
                json.dumps({"items": [_event(i, "b") for i in range(s, s + 1000)]}).encode()
                for s in range(0, n_batched, 1000)
            ]
            singles = [json.dumps({"items": [_event(i, "s")]}).encode() for i in range(n_single)]
            # Warm up (first key verification, DuckDB caches).
            asyncio.run(_blast(url, key, [json.dumps([_event(0, "w")]).encode()], 1))
            batch_s = asyncio.run(_blast(url, key, batches, 4))
            single_s = asyncio.run(_blast(url, key, singles, SINGLE_CONCURRENCY))
        finally:
            proc.terminate()
            proc.wait(30)
    figures = {
        "batched_events": n_batched,
        "batch_size": 1000,
        "batched_seconds": round(batch_s, 3),
        "batched_events_per_s": round(n_batched / batch_s),
        "single_requests": n_single,
        "single_seconds": round(single_s, 3),
        "single_requests_per_s": round(n_single / single_s),
        "targets": {"batched_events_per_s": 50_000, "single_requests_per_s": 2_000},
    }
    save("serve", figures)


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    main(*args)

"""HTTP ingest throughput of ``vitals serve``.

The server runs in its own process on 127.0.0.1 with a real API key. Two
loads, each from two clients: batches of 1,000 events (4 connections), and
single-event requests (128 connections); then, from wrk only, batches of
1,000 interactions (text, tags, latency, tokens). The clients are an aiohttp loop
here (bodies encoded up front, a fixed number of requests), and — when
Debian's ``wrk`` is installed — ``wrk`` with ``benchmarks/wrk/ingest.lua``
(one thread, a fixed duration, unique ids made per request in Lua), which
takes far less of the two cores than a Python client; each wrk load runs
three times and the median run is the figure, as the machine may be shared,
with the server's own CPU time per event beside it. Every request is
answered only after its items are committed; after the server stops, the
store must hold exactly the events that were acknowledged. Usage:
``python -m benchmarks.bench_serve [N_EVENTS_BATCHED] [N_SINGLE_REQUESTS]``.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

from aivitals.server import create_key, key_file_for
from aivitals.store import Store
from benchmarks._common import save, vitals_serve

SINGLE_CONCURRENCY = 128
WRK_SECONDS = 15
WRK_RUNS = 3
WRK_SCRIPT = Path(__file__).parent / "wrk" / "ingest.lua"


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


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wrk(
    url: str, key: str, batch: int, connections: int, run: str, pid: int, kind: str = "event"
) -> dict[str, Any]:
    """One wrk run; events acknowledged per second, the 200/other counts, server CPU."""
    cpu = _cpu_seconds(pid)
    done = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{WRK_SECONDS}s",
            "--timeout",
            "30s",
            "-s",
            str(WRK_SCRIPT),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "VITALS_KEY": key, "BATCH": str(batch), "RUN": run, "KIND": kind},
    )
    cpu = _cpu_seconds(pid) - cpu
    found = re.search(r"WRK_RESULT ok=(\d+) failed=(\d+) p99_ms=([\d.]+)", done.stdout)
    assert found, done.stdout + done.stderr
    ok, failed = int(found.group(1)), int(found.group(2))
    seconds = float(re.search(r"requests in ([\d.]+)s", done.stdout).group(1))  # type: ignore[union-attr]
    return {
        "requests_ok": ok,
        "requests_failed": failed,
        "seconds": seconds,
        "events_per_s": round(ok * batch / seconds),
        "requests_per_s": round(ok / seconds),
        "p99_ms": float(found.group(3)),
        "server_cpu_us_per_event": round(cpu / max(ok * batch, 1) * 1e6, 1),
    }


def _repeat(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Every run, and the median run by throughput (the machine may be shared)."""
    ranked = sorted(runs, key=lambda r: r["events_per_s"])
    return {"median": ranked[len(ranked) // 2], "runs": runs}


def main(n_batched: int = 200_000, n_single: int = 10_000) -> None:
    figures: dict[str, Any] = {"batch_size": 1000}
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "vitals.duckdb"
        key = create_key(key_file_for(store), "bench")
        acknowledged = 1
        acknowledged_interactions = 0
        in_flight = 0  # requests wrk had open when its time ran out: stored, never read
        with vitals_serve(store) as (proc, url):
            batches = [
                json.dumps({"items": [_event(i, "b") for i in range(s, s + 1000)]}).encode()
                for s in range(0, n_batched, 1000)
            ]
            singles = [json.dumps({"items": [_event(i, "s")]}).encode() for i in range(n_single)]
            # Warm up (first key verification, DuckDB caches).
            asyncio.run(_blast(url, key, [json.dumps([_event(0, "w")]).encode()], 1))
            batch_s = asyncio.run(_blast(url, key, batches, 4))
            single_s = asyncio.run(_blast(url, key, singles, SINGLE_CONCURRENCY))
            acknowledged += n_batched + n_single
            figures["aiohttp_client"] = {
                "batched_events": n_batched,
                "batched_events_per_s": round(n_batched / batch_s),
                "single_requests": n_single,
                "single_requests_per_s": round(n_single / single_s),
            }
            if shutil.which("wrk"):
                batched = [_wrk(url, key, 1000, 4, f"b{i}-", proc.pid) for i in range(WRK_RUNS)]
                single = [
                    _wrk(url, key, 1, SINGLE_CONCURRENCY, f"s{i}-", proc.pid)
                    for i in range(WRK_RUNS)
                ]
                rich = [
                    _wrk(url, key, 1000, 4, f"i{i}-", proc.pid, kind="interaction")
                    for i in range(WRK_RUNS)
                ]
                acknowledged += sum(r["requests_ok"] for r in batched) * 1000
                acknowledged += sum(r["requests_ok"] for r in single)
                acknowledged_interactions = sum(r["requests_ok"] for r in rich) * 1000
                in_flight = WRK_RUNS * (4 * 1000 + SINGLE_CONCURRENCY)
                figures["wrk_client"] = {
                    "batched": _repeat(batched),
                    "single": _repeat(single),
                    "batched_interactions": _repeat(rich),
                }
            else:
                figures["wrk_client"] = "not measured: wrk not installed (apt-get install wrk)"
        with Store(store) as opened:
            stored = opened.one("SELECT count(*) FROM events")[0]
            stored_interactions = opened.one("SELECT count(*) FROM records")[0]
    figures["acknowledged_events"] = acknowledged
    figures["stored_events"] = stored
    figures["acknowledged_interactions"] = acknowledged_interactions
    figures["stored_interactions"] = stored_interactions
    # Every acknowledged item is stored; beyond them at most what was in flight.
    assert acknowledged <= stored <= acknowledged + in_flight, (stored, acknowledged)
    slack = WRK_RUNS * 4 * 1000
    assert acknowledged_interactions <= stored_interactions <= acknowledged_interactions + slack
    figures["targets"] = {"batched_events_per_s": 50_000, "single_requests_per_s": 2_000}
    save("serve", figures)


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    main(*args)

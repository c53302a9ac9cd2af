"""OTLP/HTTP span ingest end to end: ``vitals serve`` against Arize Phoenix.

Both servers run in their own processes on 127.0.0.1 and get the same
protobuf bodies from the same client: GenAI chat spans carrying both the
OpenTelemetry ``gen_ai.*`` attributes and OpenInference's, 512 to a request
(the OpenTelemetry SDK's default export batch), over 4 connections, for at
most ``SEND_SECONDS``. A request answered 429/503 is counted as refused and
not retried, so each server is judged on what it acknowledged.

The figure is spans *persisted* per second: the time from the first request
until the server's own storage holds them. ``vitals serve`` answers only
after the commit, so its figure is its acknowledged rate; Phoenix answers
first and writes later, so its storage (SQLite, ``phoenix.db``) is polled
for ``DRAIN_SECONDS`` after the load, or until it holds every span, and
the rate is what it held at its last growth over the time to then. Then each
server is stopped with SIGTERM, as a supervisor would, and its storage is
counted once more: acknowledged spans missing then were lost.

Phoenix lives in its own environment (``make bench-phoenix``), never in
aivitals'; without it only aivitals is measured. Usage: ``python -m
benchmarks.bench_otlp [SEND_SECONDS]``.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from aivitals.server import create_key, key_file_for
from aivitals.store import Store
from benchmarks._common import save, stop, vitals_serve

BATCH = 512
CONNECTIONS = 4
SEND_SECONDS = 20.0
DRAIN_SECONDS = 60.0
PHOENIX = Path(__file__).parents[1] / ".bench-phoenix" / "bin" / "phoenix"


def _kv(key: str, value: str | int) -> KeyValue:
    if isinstance(value, int):
        return KeyValue(key=key, value=AnyValue(int_value=value))
    return KeyValue(key=key, value=AnyValue(string_value=value))


def _span(i: int, rng: random.Random, start_ns: int) -> Span:
    question = f"where is my refund for order {i}?"
    answer = f"Refunds for order {i} take 5 business days."
    attributes = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4o",
        "gen_ai.usage.input_tokens": 40 + i % 900,
        "gen_ai.usage.output_tokens": 20 + i % 300,
        "gen_ai.conversation.id": f"conv-{i // 4}",
        "gen_ai.input.messages": json.dumps(
            [{"role": "user", "parts": [{"type": "text", "content": question}]}]
        ),
        "gen_ai.output.messages": json.dumps(
            [{"role": "assistant", "parts": [{"type": "text", "content": answer}]}]
        ),
        "openinference.span.kind": "LLM",
        "llm.model_name": "gpt-4o",
        "input.value": question,
        "output.value": answer,
        "aivitals.tag.segment": ("free", "pro", "enterprise")[i % 3],
    }
    begin = start_ns + i * 1_000_000
    return Span(
        trace_id=rng.randbytes(16),
        span_id=rng.randbytes(8),
        name="chat gpt-4o",
        kind=Span.SPAN_KIND_CLIENT,
        start_time_unix_nano=begin,
        end_time_unix_nano=begin + (200 + i % 1800) * 1_000_000,
        attributes=[_kv(k, v) for k, v in attributes.items()],
    )


def bodies(n_batches: int) -> list[bytes]:
    """``n_batches`` ExportTraceServiceRequest bodies of BATCH spans each."""
    rng = random.Random(7)
    start_ns = time.time_ns() - 3_600 * 10**9
    out = []
    for b in range(n_batches):
        request = ExportTraceServiceRequest()
        resource_spans = request.resource_spans.add()
        resource_spans.resource.attributes.append(_kv("service.name", "support-bot"))
        scope = resource_spans.scope_spans.add()
        scope.scope.name = "bench"
        scope.spans.extend(_span(b * BATCH + i, rng, start_ns) for i in range(BATCH))
        out.append(request.SerializeToString())
    return out


async def send(
    url: str, headers: dict[str, str], payloads: list[bytes], seconds: float
) -> dict[str, Any]:
    """Post ``payloads`` over CONNECTIONS connections for at most ``seconds``."""
    queue = list(reversed(payloads))
    counts = {"acknowledged_spans": 0, "refused_requests": 0, "failed_requests": 0}
    headers = {**headers, "Content-Type": "application/x-protobuf"}
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=CONNECTIONS), timeout=timeout
    ) as session:
        start = time.perf_counter()

        async def worker() -> None:
            while queue and time.perf_counter() - start < seconds:
                body = queue.pop()
                async with session.post(url, data=body, headers=headers) as response:
                    await response.read()
                    if response.status == 200:
                        counts["acknowledged_spans"] += BATCH
                    elif response.status in (429, 503):
                        counts["refused_requests"] += 1
                    else:
                        counts["failed_requests"] += 1

        await asyncio.gather(*(worker() for _ in range(CONNECTIONS)))
        return {**counts, "send_s": round(time.perf_counter() - start, 2)}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_http(url: str, seconds: float) -> None:
    async def poll() -> None:
        deadline = time.monotonic() + seconds
        async with aiohttp.ClientSession() as session:
            while True:
                try:
                    async with session.get(url) as response:
                        if response.status < 500:
                            return
                except aiohttp.ClientError:
                    pass
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{url} did not come up in {seconds} s")
                await asyncio.sleep(0.5)

    asyncio.run(poll())


def run_aivitals(payloads: list[bytes], tmp: Path, seconds: float) -> dict[str, Any]:
    store = tmp / "vitals.duckdb"
    key = create_key(key_file_for(store), "bench")
    with vitals_serve(store) as (_, url):
        start = time.perf_counter()
        headers = {"Authorization": f"Bearer {key}"}
        sent = asyncio.run(send(f"{url}/v1/traces", headers, payloads, seconds))
        elapsed = time.perf_counter() - start
    with Store(store) as opened:
        stored = int(opened.one("SELECT count(*) FROM records")[0])  # type: ignore[index]
    return {
        **sent,
        # Acknowledged means committed: persisted when the last answer came.
        "persisted_spans_per_s": round(sent["acknowledged_spans"] / elapsed),
        "stored_after_stop": stored,
        "lost_after_stop": max(sent["acknowledged_spans"] - stored, 0),
    }


def _phoenix_count(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as con:
            return int(con.execute("SELECT count(*) FROM spans").fetchone()[0])
    except sqlite3.OperationalError:  # the table is not made yet, or locked
        return -1


def run_phoenix(payloads: list[bytes], tmp: Path, seconds: float) -> dict[str, Any]:
    work = tmp / "phoenix"
    work.mkdir()
    port = _free_port()
    env = {
        **os.environ,
        "PHOENIX_WORKING_DIR": str(work),
        "PHOENIX_HOST": "127.0.0.1",
        "PHOENIX_PORT": str(port),
        "PHOENIX_GRPC_PORT": str(_free_port()),
        "PHOENIX_TELEMETRY_ENABLED": "false",
    }
    log = (tmp / "phoenix.log").open("w")
    proc = subprocess.Popen([str(PHOENIX), "serve"], env=env, stdout=log, stderr=log)
    db = work / "phoenix.db"
    try:
        _wait_http(f"http://127.0.0.1:{port}/", 120)
        start = time.perf_counter()
        sent = asyncio.run(send(f"http://127.0.0.1:{port}/v1/traces", {}, payloads, seconds))
        # Poll the storage for DRAIN_SECONDS, or until it holds everything:
        # with a long queue Phoenix may go many seconds between writes.
        last, last_change = _phoenix_count(db), time.perf_counter()
        drain_end = time.perf_counter() + DRAIN_SECONDS
        while last < sent["acknowledged_spans"] and time.perf_counter() < drain_end:
            time.sleep(2.0)
            now = _phoenix_count(db)
            if now > last:
                last, last_change = now, time.perf_counter()
        persisted = max(last, 0)
    finally:
        stop(proc)
        log.close()
    stored = _phoenix_count(db)
    return {
        **sent,
        "persisted_before_stop": persisted,
        "persisted_spans_per_s": round(persisted / max(last_change - start, 1e-9)),
        "stored_after_stop": stored,
        "lost_after_stop": max(sent["acknowledged_spans"] - stored, 0),
    }


def _phoenix_version() -> str:
    done = subprocess.run(
        [str(PHOENIX.parent / "python"), "-c", "import phoenix; print(phoenix.__version__)"],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def main(send_seconds: float = SEND_SECONDS) -> None:
    payloads = bodies(400)  # 204,800 spans: more than either sends in the window
    print(f"{len(payloads)} OTLP bodies of {BATCH} spans, {len(payloads[0]) / 1e3:.0f} kB each")
    figures: dict[str, Any] = {
        "spans_per_request": BATCH,
        "connections": CONNECTIONS,
        "send_seconds_max": send_seconds,
    }
    with tempfile.TemporaryDirectory() as tmp:
        figures["aivitals"] = run_aivitals(payloads, Path(tmp), send_seconds)
        print("aivitals", figures["aivitals"], flush=True)
        if PHOENIX.exists():
            figures["phoenix"] = {
                "version": _phoenix_version(),
                **run_phoenix(payloads, Path(tmp), send_seconds),
            }
            print("phoenix", figures["phoenix"], flush=True)
            figures["ratio_persisted_aivitals_vs_phoenix"] = round(
                figures["aivitals"]["persisted_spans_per_s"]
                / max(figures["phoenix"]["persisted_spans_per_s"], 1),
                1,
            )
        else:
            figures["phoenix"] = "not measured: make bench-phoenix"
    assert figures["aivitals"]["lost_after_stop"] == 0, figures["aivitals"]
    save("otlp", figures)


if __name__ == "__main__":
    main(*(float(a) for a in sys.argv[1:]))

"""The OpenTelemetry SDK's OTLP HTTP exporters against the real server app."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import (
    NonRecordingSpan,
    SpanContext,
    SpanKind,
    TraceFlags,
    set_span_in_context,
)
from tests.serving import serve_in_thread

from aivitals.server import WRITER_KEY, ApiKeys, create_app, create_key, key_file_for
from aivitals.store import Store

PART = {"type": "text", "content": "<script>alert(1)</script> refunds take 5 days"}
RESOURCE = Resource.create({"service.name": "support-bot", "deployment.environment": "prod"})


@contextmanager
def running(
    store_path: Path, **options: Any
) -> Iterator[tuple[str, str, Store, web.Application, asyncio.AbstractEventLoop]]:
    key = create_key(key_file_for(store_path), "otel")
    with Store(store_path) as store:
        app = create_app(store, keys=ApiKeys(key_file_for(store_path)), **options)
        # As `vitals serve` runs it: gzip is left to the OTLP decoder.
        with serve_in_thread(app, auto_decompress=False) as served:
            yield served.url, key, store, served.app, served.loop


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, str, Store]]:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    with running(tmp_path / "vitals.duckdb") as (url, key, store, _, _):
        yield url, key, store


def send_chat_span(url: str, key: str, compression: Compression) -> tuple[int, int]:
    exporter = OTLPSpanExporter(
        endpoint=f"{url}/v1/traces",
        headers={"Authorization": f"Bearer {key}"},
        compression=compression,
    )
    provider = TracerProvider(resource=RESOURCE)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span("chat gpt-4o", kind=SpanKind.CLIENT) as span:
        span.set_attributes(
            {
                "gen_ai.operation.name": "chat",
                "gen_ai.provider.name": "openai",
                "gen_ai.request.model": "gpt-4o",
                "gen_ai.usage.input_tokens": 812,
                "gen_ai.usage.output_tokens": 164,
                "gen_ai.conversation.id": "conv_42",
                "gen_ai.output.messages": json.dumps([{"role": "assistant", "parts": [PART]}]),
            }
        )
        ids = (span.get_span_context().trace_id, span.get_span_context().span_id)
    provider.shutdown()
    return ids


@pytest.mark.parametrize("compression", [Compression.NoCompression, Compression.Gzip])
def test_sdk_spans_and_evaluations_land_in_the_store(
    server: tuple[str, str, Store], compression: Compression
) -> None:
    url, key, store = server
    trace_id, span_id = send_chat_span(url, key, compression)
    record_id = f"{trace_id:032x}{span_id:016x}"
    logs = LoggerProvider(resource=RESOURCE)
    logs.add_log_record_processor(
        SimpleLogRecordProcessor(
            OTLPLogExporter(endpoint=f"{url}/v1/logs", headers={"Authorization": f"Bearer {key}"})
        )
    )
    parent = NonRecordingSpan(SpanContext(trace_id, span_id, False, TraceFlags(1)))
    logs.get_logger("evals").emit(
        event_name="gen_ai.evaluation.result",
        context=set_span_in_context(parent),
        attributes={"gen_ai.evaluation.name": "user_csat", "gen_ai.evaluation.score.value": 2.0},
    )
    logs.shutdown()
    rows = store.query(
        "SELECT source, session_id, output, tokens_in, tokens_out, system_version, tags "
        "FROM records WHERE record_id = ?",
        [record_id],
    )
    assert len(rows) == 1
    row = rows[0]
    assert (row["source"], row["session_id"], row["tokens_in"], row["tokens_out"]) == (
        "prod",
        "conv_42",
        812,
        164,
    )
    assert row["output"] == "<script>alert(1)</script> refunds take 5 days"
    assert row["tags"]["service.name"] == "support-bot"
    scores = store.query("SELECT scorer, value FROM scores WHERE record_id = ?", [record_id])
    assert scores == [{"scorer": "user_csat", "value": 2.0}]


def test_otlp_needs_the_key(server: tuple[str, str, Store]) -> None:
    url, _, store = server
    exporter = OTLPSpanExporter(
        endpoint=f"{url}/v1/traces", headers={"Authorization": "Bearer wrong"}
    )
    provider = TracerProvider(resource=RESOURCE)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    with provider.get_tracer("t").start_as_current_span("chat m") as span:
        span.set_attribute("gen_ai.operation.name", "chat")
    provider.shutdown()
    assert store.one("SELECT count(*) FROM records") == (0,)


def test_overload_is_503_with_retry_after_and_the_exporter_retries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    release = threading.Event()
    with running(tmp_path / "vitals.duckdb", max_pending=1) as (url, key, store, app, loop):
        # One admitted item holds the writer: any further span is refused.
        held = asyncio.run_coroutine_threadsafe(
            app[WRITER_KEY].run(release.wait, 30, items=1), loop
        )
        span = {"name": "chat m", "traceId": "0" * 31 + "1", "spanId": "0" * 15 + "1"}
        span["attributes"] = [{"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}}]
        body = {"resourceSpans": [{"scopeSpans": [{"spans": [span]}]}]}

        async def post() -> tuple[int, str | None]:
            async with (
                aiohttp.ClientSession() as session,
                session.post(
                    f"{url}/v1/traces", json=body, headers={"Authorization": f"Bearer {key}"}
                ) as response,
            ):
                return response.status, response.headers.get("Retry-After")

        status, retry_after = asyncio.run(post())
        assert status == 503 and retry_after is not None and int(retry_after) >= 1
        # The real exporter gets 503 too, backs off, and is stored on a retry.
        threading.Timer(0.5, release.set).start()
        start = time.monotonic()
        trace_id, span_id = send_chat_span(url, key, Compression.NoCompression)
        held.result(10)
        assert time.monotonic() - start >= 0.4  # it had to wait for the release
        record_id = f"{trace_id:032x}{span_id:016x}"
        assert store.one("SELECT count(*) FROM records WHERE record_id = ?", [record_id]) == (1,)
        assert store.one("SELECT count(*) FROM records") == (1,)  # the refused one is not kept

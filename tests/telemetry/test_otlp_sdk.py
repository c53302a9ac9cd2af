"""OTLP/HTTP against the real OpenTelemetry SDK and its OTLP HTTP exporters.

A tiny aiohttp server on 127.0.0.1 captures exactly what the exporter sends
(body and headers, gzip left as sent); the captured bytes go through the
decoder, the mapper and into a real store.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import SpanKind, Status, StatusCode

from aivitals.store import Store
from aivitals.telemetry._otlp_decode import (
    build_logs_response,
    build_trace_response,
    decode_logs,
    decode_traces,
)
from aivitals.telemetry._otlp_map import (
    ingest_logs,
    ingest_traces,
    logs_to_scores,
    spans_to_interactions,
)


@dataclass
class Captured:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Collector:
    """An OTLP/HTTP endpoint that records what it receives."""

    port: int = 0
    received: list[Captured] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def take(self, path: str) -> Captured:
        matching = [c for c in self.received if c.path == path]
        assert len(matching) == 1, [c.path for c in self.received]
        return matching[0]


@pytest.fixture
def collector(monkeypatch: pytest.MonkeyPatch) -> Iterator[Collector]:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    state = Collector()
    loop = asyncio.new_event_loop()
    ready = threading.Event()

    async def handle(request: web.Request) -> web.Response:
        body = await request.read()
        state.received.append(Captured(request.path, dict(request.headers), body))
        content_type = request.headers.get("Content-Type", "")
        build = build_trace_response if request.path == "/v1/traces" else build_logs_response
        return web.Response(body=build(0, "", content_type), content_type=content_type)

    app = web.Application()
    app.router.add_post("/v1/traces", handle)
    app.router.add_post("/v1/logs", handle)
    runner = web.AppRunner(app, auto_decompress=False)

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", 0)
        loop.run_until_complete(site.start())
        state.port = runner.addresses[0][1]
        ready.set()
        loop.run_forever()
        loop.run_until_complete(runner.cleanup())

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert ready.wait(10)
    try:
        yield state
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


RESOURCE = Resource.create(
    {"service.name": "support-bot", "service.version": "1.4.0", "deployment.environment": "prod"}
)


def export_spans(
    collector: Collector, compression: Compression = Compression.NoCompression
) -> None:
    provider = TracerProvider(resource=RESOURCE)
    exporter = OTLPSpanExporter(endpoint=collector.url("/v1/traces"), compression=compression)
    provider.add_span_processor(BatchSpanProcessor(exporter))
    tracer = provider.get_tracer("my.instr")
    with tracer.start_as_current_span("invoke_agent support", kind=SpanKind.INTERNAL):
        with tracer.start_as_current_span("chat gpt-4o", kind=SpanKind.CLIENT) as span:
            span.set_attributes(
                {
                    "gen_ai.operation.name": "chat",
                    "gen_ai.provider.name": "openai",
                    "gen_ai.request.model": "gpt-4o",
                    "gen_ai.response.model": "gpt-4o-2024-08-06",
                    "gen_ai.usage.input_tokens": 812,
                    "gen_ai.usage.output_tokens": 164,
                    "gen_ai.conversation.id": "conv_42",
                    "user.id": "u7",
                    "gen_ai.input.messages": json.dumps(
                        [{"role": "user", "parts": [{"type": "text", "content": "refund?"}]}]
                    ),
                    "gen_ai.output.messages": json.dumps(
                        [
                            {
                                "role": "assistant",
                                "parts": [{"type": "text", "content": "Within 30 days."}],
                                "finish_reason": "stop",
                            }
                        ]
                    ),
                }
            )
        with tracer.start_as_current_span("chat gpt-4o", kind=SpanKind.CLIENT) as failed:
            failed.set_attributes(
                {
                    "gen_ai.operation.name": "chat",
                    "gen_ai.request.model": "gpt-4o",
                    "error.type": "timeout",
                }
            )
            failed.set_status(Status(StatusCode.ERROR, "upstream timed out"))
        with tracer.start_as_current_span("embeddings text-embedding-3") as emb:
            emb.set_attribute("gen_ai.operation.name", "embeddings")
    assert provider.force_flush(10_000)
    provider.shutdown()


def export_evaluation(collector: Collector, trace_id: int, span_id: int) -> None:
    from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags, set_span_in_context

    provider = LoggerProvider(resource=RESOURCE)
    provider.add_log_record_processor(
        BatchLogRecordProcessor(OTLPLogExporter(endpoint=collector.url("/v1/logs")))
    )
    logger = provider.get_logger("my.evals")
    parent = NonRecordingSpan(SpanContext(trace_id, span_id, False, TraceFlags(1)))
    logger.emit(
        event_name="gen_ai.evaluation.result",
        context=set_span_in_context(parent),
        attributes={
            "gen_ai.evaluation.name": "Relevance",
            "gen_ai.evaluation.score.value": 0.75,
            "gen_ai.evaluation.score.label": "pass",
            "gen_ai.evaluation.explanation": "answers the question",
        },
    )
    logger.emit(body="an ordinary log line", context=set_span_in_context(parent))
    assert provider.force_flush(10_000)
    provider.shutdown()


@pytest.mark.parametrize("compression", [Compression.NoCompression, Compression.Gzip])
def test_sdk_spans_decode_and_map(collector: Collector, compression: Compression) -> None:
    export_spans(collector, compression)
    sent = collector.take("/v1/traces")
    assert sent.headers["Content-Type"] == "application/x-protobuf"
    if compression is Compression.Gzip:
        assert sent.headers["Content-Encoding"] == "gzip"
        assert sent.body[:2] == b"\x1f\x8b"
    request = decode_traces(
        sent.body, sent.headers["Content-Type"], sent.headers.get("Content-Encoding")
    )
    items, rejections, skipped = spans_to_interactions(request)
    assert rejections == []
    assert skipped == 2  # the agent span and the embeddings span
    ok, failed = sorted(items, key=lambda i: i["error"] is not None)
    assert ok["session_id"] == "conv_42"
    assert ok["user_id"] == "u7"
    assert ok["system_version"] == "gpt-4o-2024-08-06"
    assert ok["input"] == [{"role": "user", "content": "refund?"}]
    assert ok["output"] == "Within 30 days."
    assert (ok["tokens_in"], ok["tokens_out"]) == (812, 164)
    assert ok["latency_ms"] is not None and ok["latency_ms"] >= 0
    assert ok["tags"]["service.name"] == "support-bot"
    assert ok["tags"]["deployment.environment"] == "prod"
    assert ok["tags"]["provider"] == "openai"
    assert ok["id"] == ok["trace_id"] + ok["span_id"]
    assert len(ok["trace_id"]) == 32 and len(ok["span_id"]) == 16
    assert ok["attributes"]["kind"] == "CLIENT"
    assert ok["attributes"]["parent_span_id"]
    assert ok["attributes"]["span"]["gen_ai.request.model"] == "gpt-4o"
    assert failed["error"] == "upstream timed out"
    assert failed["error_kind"] == "timeout"
    assert failed["input"] == ""  # content not captured: still an interaction


def test_sdk_traces_and_evaluation_logs_end_to_end(collector: Collector, store: Store) -> None:
    export_spans(collector, Compression.Gzip)
    sent = collector.take("/v1/traces")
    request = decode_traces(sent.body, sent.headers["Content-Type"], "gzip")
    result = ingest_traces(store, request)
    assert (result.accepted, result.duplicates, result.rejected) == (2, 0, 0)
    assert result.skipped == 2
    again = ingest_traces(store, request)  # the exporter retrying
    assert (again.accepted, again.duplicates) == (0, 2)
    assert store.one("SELECT count(*) FROM records WHERE source = 'prod'") == (2,)

    row = store.one(
        "SELECT trace_id, span_id, session_id, tokens_in FROM records WHERE error IS NULL"
    )
    assert row is not None and row[2:] == ("conv_42", 812)
    export_evaluation(collector, int(row[0], 16), int(row[1], 16))
    logs = collector.take("/v1/logs")
    log_request = decode_logs(
        logs.body, logs.headers["Content-Type"], logs.headers.get("Content-Encoding")
    )
    scores, rejections, skipped = logs_to_scores(log_request)
    assert rejections == [] and skipped == 1
    assert scores == [
        {
            "record_id": row[0] + row[1],
            "scorer": "Relevance",
            "value": 0.75,
            "passed": True,
            "label": "pass",
            "explanation": "answers the question",
        }
    ]
    stored = ingest_logs(store, log_request)
    assert (stored.accepted, stored.duplicates, stored.rejected, stored.skipped) == (1, 0, 0, 1)
    assert ingest_logs(store, log_request).duplicates == 1  # re-sent: a no-op
    rows: list[dict[str, Any]] = store.query(
        "SELECT record_id, run_id, scorer, scorer_version, spec_hash, value, passed, label "
        "FROM scores"
    )
    assert rows == [
        {
            "record_id": row[0] + row[1],
            "run_id": None,
            "scorer": "Relevance",
            "scorer_version": "otel",
            "spec_hash": "otel",
            "value": 0.75,
            "passed": True,
            "label": "pass",
        }
    ]

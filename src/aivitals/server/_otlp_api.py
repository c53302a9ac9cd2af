"""OTLP/HTTP receivers: ``POST /v1/traces`` and ``POST /v1/logs``.

Thin handlers over :mod:`aivitals.telemetry` (decoding, GenAI mapping,
scores from ``gen_ai.evaluation.result``): authentication as for the ingest
API, the body read raw (the app runs with aiohttp's automatic decompression
off, so the decoder bounds gzip expansion itself), store work on the one
writer thread, and the answer in the request's encoding with
``partial_success`` counts. A failing store answers 503 with
``Retry-After``, never a silent drop.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web

from aivitals.server._ingest_api import _Refused, require_key
from aivitals.server._state import WRITER_KEY
from aivitals.server._writer import Overloaded
from aivitals.telemetry import (
    MAX_OTLP_BODY,
    OtlpError,
    build_error_status,
    build_logs_response,
    build_trace_response,
    decode_logs,
    decode_traces,
    ingest_logs,
    ingest_traces,
    response_content_type,
)

__all__ = ["LOGS_PATH", "TRACES_PATH", "register_otlp_routes"]

TRACES_PATH = "/v1/traces"
LOGS_PATH = "/v1/logs"


def _count(message: Any) -> int:
    """Spans or log records in an OTLP export request (its admission weight)."""
    if hasattr(message, "resource_spans"):
        return sum(len(s.spans) for r in message.resource_spans for s in r.scope_spans)
    return sum(len(s.log_records) for r in message.resource_logs for s in r.scope_logs)


def _handler(
    decode: Callable[..., Any], ingest: Callable[..., Any], respond: Callable[..., bytes]
) -> Callable[[web.Request], Any]:
    async def handle(request: web.Request) -> web.StreamResponse:
        content_type = request.headers.get("Content-Type")
        out_type = response_content_type(content_type)
        try:
            await require_key(request)
        except _Refused as refused:
            return refused.response
        if (request.content_length or 0) > MAX_OTLP_BODY:
            body = build_error_status("body too large", content_type, 413)
            return web.Response(status=413, body=body, content_type=out_type)
        raw = await request.read()
        try:
            message = decode(raw, content_type, request.headers.get("Content-Encoding"))
        except OtlpError as exc:
            body = build_error_status(str(exc), content_type, exc.status)
            return web.Response(status=exc.status, body=body, content_type=out_type)
        writer = request.app[WRITER_KEY]
        try:
            result = await writer.run(ingest, writer.store, message, items=_count(message))
        except Overloaded as exc:  # exporters retry 503 after Retry-After
            body = build_error_status(str(exc), content_type, 503)
            headers = {"Retry-After": str(exc.retry_after)}
            return web.Response(status=503, body=body, content_type=out_type, headers=headers)
        except Exception as exc:  # the store failed: ask the client to retry
            body = build_error_status(f"store unavailable: {exc}", content_type, 503)
            return web.Response(
                status=503, body=body, content_type=out_type, headers={"Retry-After": "5"}
            )
        return web.Response(
            body=respond(result.rejected, result.message, content_type), content_type=out_type
        )

    return handle


def register_otlp_routes(app: web.Application) -> None:
    """Add ``/v1/traces`` and ``/v1/logs`` to the server app."""
    app.router.add_post(TRACES_PATH, _handler(decode_traces, ingest_traces, build_trace_response))
    app.router.add_post(LOGS_PATH, _handler(decode_logs, ingest_logs, build_logs_response))

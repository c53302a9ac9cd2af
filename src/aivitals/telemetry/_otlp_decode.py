"""OTLP/HTTP wire format: decode export requests, encode export responses.

Independent of any HTTP server. A route handler for ``POST /v1/traces`` or
``POST /v1/logs`` does, in order (see :mod:`aivitals.telemetry._otlp_map`
for the mapping and storing half)::

    try:
        request = decode_traces(body, content_type, content_encoding)  # or decode_logs
    except OtlpError as exc:
        return Response(status=exc.status,
                        body=build_error_status(str(exc), content_type),
                        content_type=response_content_type(content_type))
    ...  # map and store (blocking: run it where the store's writer runs)
    return Response(status=200,
                    body=build_trace_response(rejected, message, content_type),
                    content_type=response_content_type(content_type))

``body`` must be the bytes exactly as received: with aiohttp, turn its own
request decompression off (``AppRunner(app, auto_decompress=False)`` or
``handler_args={"auto_decompress": False}``) so that the decompressed-size
limit here applies; otherwise a small gzip bomb is inflated before we see it.

Facts (OTLP specification): protobuf (``application/x-protobuf``) or
OTLP-JSON (``application/json``), optionally ``Content-Encoding: gzip``; the
response uses the request's content type; bad data is 400 with a
``google.rpc.Status`` body, an oversized body 413, an unsupported media type
415. OTLP-JSON differs from canonical protobuf JSON in that trace and span ids
are hex, not base64; enums as integers, int64 as strings and unknown fields
are all accepted by :func:`google.protobuf.json_format.ParseDict` with
``ignore_unknown_fields``.
"""

from __future__ import annotations

import base64
import json
import zlib
from typing import Any, TypeVar

from google.protobuf import json_format
from google.protobuf.message import DecodeError, Message
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceRequest,
    ExportLogsServiceResponse,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from aivitals.errors import VitalsError

__all__ = [
    "MAX_OTLP_BODY",
    "OtlpDecodeError",
    "OtlpError",
    "PayloadTooLarge",
    "UnsupportedMediaType",
    "build_error_status",
    "build_logs_response",
    "build_trace_response",
    "decode_logs",
    "decode_traces",
    "response_content_type",
]

#: Largest body accepted, checked before and after decompression (the OTLP
#: specification's recommended default, 64 MiB).
MAX_OTLP_BODY = 64 * 1024 * 1024

PROTOBUF = "application/x-protobuf"
JSON = "application/json"
_PROTOBUF_TYPES = {PROTOBUF, "application/protobuf"}
_ID_KEYS = {"traceId", "spanId", "parentSpanId", "trace_id", "span_id", "parent_span_id"}
_ID_LENGTHS = {32, 16}  # hex digits of a trace id and a span id

M = TypeVar("M", bound=Message)


class OtlpError(VitalsError):
    """An OTLP request that cannot be accepted; ``status`` is the HTTP answer."""

    status = 400


class OtlpDecodeError(OtlpError):
    """The body is not a valid export request (HTTP 400: do not retry)."""

    status = 400


class PayloadTooLarge(OtlpError):
    """The body, or what it decompresses to, exceeds the limit (HTTP 413)."""

    status = 413


class UnsupportedMediaType(OtlpError):
    """Content type or content encoding not supported (HTTP 415)."""

    status = 415


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def _is_json(content_type: str | None) -> bool:
    media = _media_type(content_type)
    if media == JSON:
        return True
    if media in _PROTOBUF_TYPES:
        return False
    raise UnsupportedMediaType(
        f"unsupported Content-Type '{content_type or ''}'; send {PROTOBUF} or {JSON}"
    )


def response_content_type(request_content_type: str | None) -> str:
    """The content type to answer with: the request's (JSON or protobuf)."""
    try:
        return JSON if _is_json(request_content_type) else PROTOBUF
    except UnsupportedMediaType:
        return PROTOBUF


def _gunzip(body: bytes, limit: int) -> bytes:
    out = bytearray()
    data = body
    while data:
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        try:
            out += inflater.decompress(data, limit + 1 - len(out))
            if len(out) > limit:
                raise PayloadTooLarge(f"gzip body decompresses to more than {limit} bytes")
            if not inflater.eof:
                if inflater.unconsumed_tail:  # output limit reached mid-stream
                    raise PayloadTooLarge(f"gzip body decompresses to more than {limit} bytes")
                raise OtlpDecodeError("gzip body is truncated")
        except zlib.error as exc:
            raise OtlpDecodeError(f"body is not valid gzip: {exc}") from None
        data = inflater.unused_data  # a further gzip member, if any
    return bytes(out)


def _decompress(body: bytes, content_encoding: str | None, limit: int) -> bytes:
    if len(body) > limit:
        raise PayloadTooLarge(f"body of {len(body)} bytes exceeds the limit of {limit} bytes")
    encoding = (content_encoding or "identity").strip().lower()
    if encoding in ("", "identity"):
        return body
    if encoding in ("gzip", "x-gzip"):
        return _gunzip(body, limit)
    raise UnsupportedMediaType(
        f"unsupported Content-Encoding '{content_encoding}'; send gzip or identity"
    )


def _fix_ids(node: Any) -> Any:
    """Turn OTLP-JSON hex ids into the base64 protobuf-JSON expects, in place."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in _ID_KEYS and isinstance(value, str):
                if len(value) in _ID_LENGTHS:
                    try:
                        node[key] = base64.b64encode(bytes.fromhex(value)).decode("ascii")
                    except ValueError:
                        raise OtlpDecodeError(f"'{key}' is not a hex id: '{value}'") from None
                elif value:
                    raise OtlpDecodeError(
                        f"'{key}' must be {'32' if 'race' in key else '16'} hex digits, "
                        f"got {len(value)} characters"
                    )
            else:
                _fix_ids(value)
    elif isinstance(node, list):
        for value in node:
            _fix_ids(value)
    return node


def _decode(message: M, body: bytes, content_type: str, content_encoding: str | None) -> M:
    as_json = _is_json(content_type)
    raw = _decompress(body, content_encoding, MAX_OTLP_BODY)
    name = type(message).__name__
    if as_json:
        try:
            data = json.loads(raw.decode("utf-8")) if raw.strip() else {}
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise OtlpDecodeError(f"body is not valid JSON: {exc}") from None
        if not isinstance(data, dict):
            raise OtlpDecodeError(f"body must be a JSON object ({name}), got {type(data).__name__}")
        try:
            json_format.ParseDict(_fix_ids(data), message, ignore_unknown_fields=True)
        except json_format.ParseError as exc:
            raise OtlpDecodeError(f"body is not a valid OTLP-JSON {name}: {exc}") from None
        return message
    try:
        message.ParseFromString(raw)
    except (DecodeError, ValueError) as exc:
        raise OtlpDecodeError(f"body is not a valid protobuf {name}: {exc}") from None
    return message


def decode_traces(
    body: bytes, content_type: str, content_encoding: str | None = None
) -> ExportTraceServiceRequest:
    """Parse the body of ``POST /v1/traces``.

    Raises:
        OtlpDecodeError: Not valid protobuf / OTLP-JSON / gzip (400).
        PayloadTooLarge: Over :data:`MAX_OTLP_BODY`, before or after gzip (413).
        UnsupportedMediaType: Another content type or encoding (415).
    """
    return _decode(ExportTraceServiceRequest(), body, content_type, content_encoding)


def decode_logs(
    body: bytes, content_type: str, content_encoding: str | None = None
) -> ExportLogsServiceRequest:
    """Parse the body of ``POST /v1/logs``; raises as :func:`decode_traces`."""
    return _decode(ExportLogsServiceRequest(), body, content_type, content_encoding)


def _encode(message: Message, content_type: str | None) -> bytes:
    if response_content_type(content_type) == JSON:
        text: str = json_format.MessageToJson(message, indent=None)
        return text.encode("utf-8")
    return bytes(message.SerializeToString())


def build_trace_response(rejected: int, message: str, content_type: str | None) -> bytes:
    """An ``ExportTraceServiceResponse`` body, encoded like the request.

    ``partial_success`` is set when anything was rejected or there is a
    message (a warning); otherwise the response is empty (full success).
    """
    response = ExportTraceServiceResponse()
    if rejected or message:
        response.partial_success.rejected_spans = rejected
        response.partial_success.error_message = message
    return _encode(response, content_type)


def build_logs_response(rejected: int, message: str, content_type: str | None) -> bytes:
    """An ``ExportLogsServiceResponse`` body, encoded like the request."""
    response = ExportLogsServiceResponse()
    if rejected or message:
        response.partial_success.rejected_log_records = rejected
        response.partial_success.error_message = message
    return _encode(response, content_type)


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


#: google.rpc.Code values for the statuses we answer with.
_RPC_CODES = {400: 3, 413: 8, 415: 3, 429: 8, 503: 14}  # INVALID_ARGUMENT, RESOURCE_EXHAUSTED...


def build_error_status(message: str, content_type: str | None, status: int = 400) -> bytes:
    """A ``google.rpc.Status`` body for an error answer, encoded like the request.

    Hand-encoded (two fields) so the runtime does not need googleapis-common-protos.
    """
    code = _RPC_CODES.get(status, 2)  # 2 = UNKNOWN
    if response_content_type(content_type) == JSON:
        return json.dumps({"code": code, "message": message}, ensure_ascii=False).encode("utf-8")
    text = message.encode("utf-8")
    return b"\x08" + _varint(code) + b"\x12" + _varint(len(text)) + text

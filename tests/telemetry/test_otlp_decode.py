"""OTLP/HTTP decoding: protobuf, OTLP-JSON quirks, gzip limits, responses."""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest
from google.protobuf import json_format
from google.rpc import status_pb2
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceResponse
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from aivitals.telemetry import _otlp_decode
from aivitals.telemetry._otlp_decode import (
    OtlpDecodeError,
    PayloadTooLarge,
    UnsupportedMediaType,
    build_error_status,
    build_logs_response,
    build_trace_response,
    decode_logs,
    decode_traces,
    response_content_type,
)

TRACE_ID = "5b8efff798038103d269b633813fc60c"
SPAN_ID = "eee19b7ec3c1b174"

# The reference file's minimal example, verbatim.
TRACES_JSON = (
    '{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":'
    '{"stringValue":"support-bot"}}]},'
    '"scopeSpans":[{"scope":{"name":"my.instr"},"spans":[{"traceId":'
    '"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174",'
    '"name":"chat gpt-4o","kind":3,"startTimeUnixNano":"1755800000000000000",'
    '"endTimeUnixNano":"1755800001200000000",'
    '"attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"chat"}},'
    '{"key":"gen_ai.provider.name","value":{"stringValue":"openai"}},'
    '{"key":"gen_ai.request.model","value":{"stringValue":"gpt-4o"}},'
    '{"key":"gen_ai.usage.input_tokens","value":{"intValue":"812"}},'
    '{"key":"gen_ai.usage.output_tokens","value":{"intValue":"164"}},'
    '{"key":"gen_ai.conversation.id","value":{"stringValue":"conv_42"}},'
    '{"key":"gen_ai.output.messages","value":{"stringValue":"[{\\"role\\":\\"assistant\\",'
    '\\"parts\\":[{\\"type\\":\\"text\\",\\"content\\":\\"…\\"}],\\"finish_reason\\":\\"stop\\"}]"}}],'
    '"status":{"code":1}}]}]}]}'
)
LOGS_JSON = (
    '{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"timeUnixNano":"1755800005000000000",'
    '"eventName":"gen_ai.evaluation.result",'
    '"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174",'
    '"attributes":[{"key":"gen_ai.evaluation.name","value":{"stringValue":"user_csat"}},'
    '{"key":"gen_ai.evaluation.score.value","value":{"doubleValue":2.0}},'
    '{"key":"gen_ai.evaluation.score.label","value":{"stringValue":"dissatisfied"}}]}]}]}]}'
)


def test_reference_json_example_decodes() -> None:
    request = decode_traces(TRACES_JSON.encode(), "application/json", None)
    span = request.resource_spans[0].scope_spans[0].spans[0]
    assert span.trace_id.hex() == TRACE_ID
    assert span.span_id.hex() == SPAN_ID
    assert span.kind == 3 and span.status.code == 1
    assert span.start_time_unix_nano == 1755800000000000000
    assert span.attributes[3].value.int_value == 812
    logs = decode_logs(LOGS_JSON.encode(), "application/json; charset=utf-8", None)
    record = logs.resource_logs[0].scope_logs[0].log_records[0]
    assert record.event_name == "gen_ai.evaluation.result"
    assert record.trace_id.hex() == TRACE_ID and record.span_id.hex() == SPAN_ID


def test_json_accepts_numbers_for_int64_and_ignores_unknown_fields() -> None:
    data: dict[str, Any] = json.loads(TRACES_JSON)
    span = data["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
    span["startTimeUnixNano"] = 1755800000000000000
    span["attributes"][3]["value"]["intValue"] = 812
    span["futureField"] = {"x": 1}
    data["somethingNew"] = True
    request = decode_traces(json.dumps(data).encode(), "application/json", "identity")
    decoded = request.resource_spans[0].scope_spans[0].spans[0]
    assert decoded.start_time_unix_nano == 1755800000000000000
    assert decoded.attributes[3].value.int_value == 812


def test_protobuf_and_gzip_round_trip() -> None:
    original = decode_traces(TRACES_JSON.encode(), "application/json", None)
    body = original.SerializeToString()
    assert decode_traces(body, "application/x-protobuf", None) == original
    assert decode_traces(gzip.compress(body), "application/x-protobuf", "gzip") == original
    two_members = gzip.compress(body[:10]) + gzip.compress(body[10:])
    assert decode_traces(two_members, "application/x-protobuf", "gzip") == original
    assert (
        decode_traces(gzip.compress(TRACES_JSON.encode()), "application/json", "GZIP") == original
    )
    assert decode_traces(b"", "application/x-protobuf", None) == ExportTraceServiceRequest()


@pytest.mark.parametrize(
    ("body", "content_type", "encoding", "needle"),
    [
        (b"\xff\xff\xff\xff", "application/x-protobuf", None, "protobuf"),
        (b"{not json", "application/json", None, "JSON"),
        (b"[1, 2]", "application/json", None, "JSON object"),
        (b'{"resourceSpans": [{"scopeSpans": 3}]}', "application/json", None, "OTLP-JSON"),
        (
            b'{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"zz"}]}]}]}',
            "application/json",
            None,
            "traceId",
        ),
        (
            b'{"resourceSpans":[{"scopeSpans":[{"spans":[{"spanId":"' + b"g" * 16 + b'"}]}]}]}',
            "application/json",
            None,
            "hex",
        ),
        (b"not gzip at all", "application/x-protobuf", "gzip", "gzip"),
        (gzip.compress(b"abc")[:-6], "application/x-protobuf", "gzip", "gzip"),
        (b"\xc3\x28", "application/json", None, "JSON"),
    ],
)
def test_malformed_bodies_are_decode_errors(
    body: bytes, content_type: str, encoding: str | None, needle: str
) -> None:
    with pytest.raises(OtlpDecodeError, match=needle) as caught:
        decode_traces(body, content_type, encoding)
    assert caught.value.status == 400


def test_unsupported_media_type_and_encoding() -> None:
    with pytest.raises(UnsupportedMediaType) as caught:
        decode_traces(b"{}", "text/plain", None)
    assert caught.value.status == 415
    with pytest.raises(UnsupportedMediaType, match="br"):
        decode_logs(b"{}", "application/json", "br")


def test_payload_limits_apply_before_and_after_decompression(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_otlp_decode, "MAX_OTLP_BODY", 1000)
    bomb = gzip.compress(b"\x00" * 100_000)
    assert len(bomb) < 1000
    with pytest.raises(PayloadTooLarge) as caught:
        decode_traces(bomb, "application/x-protobuf", "gzip")
    assert caught.value.status == 413
    with pytest.raises(PayloadTooLarge):
        decode_traces(b"\x00" * 1001, "application/x-protobuf", None)
    exact = gzip.compress(b"")
    assert decode_traces(exact, "application/x-protobuf", "gzip") == ExportTraceServiceRequest()


def test_responses_match_the_request_encoding() -> None:
    assert response_content_type("application/json; charset=utf-8") == "application/json"
    assert response_content_type("application/x-protobuf") == "application/x-protobuf"
    assert response_content_type("text/plain") == "application/x-protobuf"

    assert build_trace_response(0, "", "application/x-protobuf") == b""
    assert json.loads(build_trace_response(0, "", "application/json")) == {}
    body = build_trace_response(2, "2 rejected: bad", "application/x-protobuf")
    parsed = ExportTraceServiceResponse.FromString(body)
    assert parsed.partial_success.rejected_spans == 2
    assert parsed.partial_success.error_message == "2 rejected: bad"
    as_json = json.loads(build_trace_response(2, "why", "application/json"))
    assert as_json == {"partialSuccess": {"rejectedSpans": "2", "errorMessage": "why"}}
    logs = ExportLogsServiceResponse.FromString(
        build_logs_response(1, "no span", "application/x-protobuf")
    )
    assert logs.partial_success.rejected_log_records == 1
    parsed_json = json_format.Parse(
        build_logs_response(3, "x", "application/json"), ExportLogsServiceResponse()
    )
    assert parsed_json.partial_success.rejected_log_records == 3


def test_error_status_is_a_google_rpc_status() -> None:
    message = "body is not valid JSON: é" + "x" * 300
    status = status_pb2.Status.FromString(build_error_status(message, "application/x-protobuf"))
    assert (status.code, status.message) == (3, message)
    status = status_pb2.Status.FromString(
        build_error_status("too big", "application/x-protobuf", 413)
    )
    assert status.code == 8
    assert json.loads(build_error_status("bad", "application/json")) == {
        "code": 3,
        "message": "bad",
    }

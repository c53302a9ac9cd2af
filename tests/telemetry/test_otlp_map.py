"""Mapping GenAI spans (three dialects) to interactions and evaluations to scores."""

from __future__ import annotations

import json
from typing import Any

import pytest
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status
from tests.telemetry.test_otlp_decode import LOGS_JSON, SPAN_ID, TRACE_ID, TRACES_JSON

from aivitals.store import Store
from aivitals.telemetry import Interaction, ingest_batch
from aivitals.telemetry._otlp_decode import decode_logs, decode_traces
from aivitals.telemetry._otlp_map import (
    attributes_dict,
    ingest_logs,
    ingest_traces,
    insert_scores,
    logs_to_scores,
    spans_to_interactions,
)

START = 1_755_800_000_000_000_000


def any_value(value: Any) -> AnyValue:
    if isinstance(value, bool):
        return AnyValue(bool_value=value)
    if isinstance(value, int):
        return AnyValue(int_value=value)
    if isinstance(value, float):
        return AnyValue(double_value=value)
    if isinstance(value, list):
        out = AnyValue()
        out.array_value.values.extend(any_value(v) for v in value)
        return out
    if isinstance(value, dict):
        out = AnyValue()
        out.kvlist_value.values.extend(
            KeyValue(key=k, value=any_value(v)) for k, v in value.items()
        )
        return out
    return AnyValue(string_value=str(value))


def traces(
    *spans: dict[str, Any], resource: dict[str, Any] | None = None
) -> ExportTraceServiceRequest:
    request = ExportTraceServiceRequest()
    rs = request.resource_spans.add()
    for key, value in (resource or {"service.name": "bot"}).items():
        rs.resource.attributes.add(key=key, value=any_value(value))
    ss = rs.scope_spans.add()
    ss.scope.name = "test"
    for i, attrs in enumerate(spans):
        span = Span(
            trace_id=bytes.fromhex(TRACE_ID),
            span_id=(i + 1).to_bytes(8, "big"),
            name="span",
            kind=Span.SPAN_KIND_CLIENT,
            start_time_unix_nano=START,
            end_time_unix_nano=START + 1_500_000_000,
        )
        span.attributes.extend(KeyValue(key=k, value=any_value(v)) for k, v in attrs.items())
        ss.spans.append(span)
    return request


SEMCONV = {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "openai",
    "gen_ai.request.model": "gpt-4o",
    "gen_ai.usage.input_tokens": 10,
    "gen_ai.usage.output_tokens": 5,
    "gen_ai.conversation.id": "s1",
    "user.id": "u1",
    "gen_ai.input.messages": json.dumps(
        [
            {"role": "system", "parts": [{"type": "text", "content": "Be brief."}]},
            {"role": "user", "parts": [{"type": "text", "content": "Hi?"}]},
        ]
    ),
    "gen_ai.output.messages": json.dumps(
        [{"role": "assistant", "parts": [{"type": "text", "content": "Hello."}]}]
    ),
}
OPENINFERENCE = {
    "openinference.span.kind": "LLM",
    "llm.provider": "openai",
    "llm.model_name": "gpt-4o",
    "llm.token_count.prompt": 10,
    "llm.token_count.completion": 5,
    "llm.token_count.total": 15,
    "session.id": "s1",
    "user.id": "u1",
    "input.value": '{"messages": "raw"}',
    "llm.input_messages.0.message.role": "system",
    "llm.input_messages.0.message.content": "Be brief.",
    "llm.input_messages.1.message.role": "user",
    "llm.input_messages.1.message.content": "Hi?",
    "llm.output_messages.0.message.role": "assistant",
    "llm.output_messages.0.message.content": "Hello.",
}
OPENLLMETRY = {
    "llm.request.type": "chat",
    "gen_ai.system": "openai",
    "gen_ai.request.model": "gpt-4o",
    "gen_ai.usage.prompt_tokens": 10,
    "gen_ai.usage.completion_tokens": 5,
    "llm.usage.total_tokens": 15,
    "traceloop.association.properties.session_id": "s1",
    "traceloop.association.properties.user_id": "u1",
    "gen_ai.prompt.1.role": "user",
    "gen_ai.prompt.1.content": "Hi?",
    "gen_ai.prompt.0.role": "system",
    "gen_ai.prompt.0.content": "Be brief.",
    "gen_ai.completion.0.role": "assistant",
    "gen_ai.completion.0.content": "Hello.",
}
CANONICAL = (
    "session_id",
    "user_id",
    "system_version",
    "input",
    "output",
    "tokens_in",
    "tokens_out",
    "latency_ms",
    "error",
    "ts",
)


@pytest.mark.parametrize("attrs", [SEMCONV, OPENINFERENCE, OPENLLMETRY], ids=["otel", "oi", "oll"])
def test_three_dialects_map_to_the_same_fields(attrs: dict[str, Any]) -> None:
    items, rejections, skipped = spans_to_interactions(traces(attrs))
    assert (rejections, skipped) == ([], 0)
    (item,) = items
    assert {k: item[k] for k in CANONICAL} == {
        "session_id": "s1",
        "user_id": "u1",
        "system_version": "gpt-4o",
        "input": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Hi?"},
        ],
        "output": "Hello.",
        "tokens_in": 10,
        "tokens_out": 5,
        "latency_ms": 1500.0,
        "error": None,
        "ts": "2025-08-21T18:13:20+00:00",
    }
    assert item["tags"] == {
        "provider": "openai",
        "model": "gpt-4o",
        "operation": "chat",
        "service.name": "bot",
    }
    assert item["attributes"]["span"] == attrs
    Interaction.model_validate(item)


def test_application_slices_become_tags_span_over_resource() -> None:
    semconv = {**SEMCONV, "aivitals.tag.segment": "pro", "aivitals.tag.tier": 3}
    oi = {**OPENINFERENCE, "metadata": '{"segment": "free", "nested": {"x": 1}, "beta": true}'}
    oll = {**OPENLLMETRY, "traceloop.association.properties.segment": "enterprise"}
    resource = {
        "service.name": "bot",
        "aivitals.tag.segment": "default",
        "aivitals.tag.region": "eu",
    }
    items, _, _ = spans_to_interactions(traces(semconv, oi, oll, resource=resource))
    tags = [
        {k: v for k, v in item["tags"].items() if k not in ("provider", "model")} for item in items
    ]
    common = {"operation": "chat", "service.name": "bot", "region": "eu"}
    assert tags == [
        {**common, "segment": "pro", "tier": "3"},
        {**common, "segment": "free", "beta": "true"},
        {**common, "segment": "enterprise"},
    ]
    for item in items:
        Interaction.model_validate(item)


def test_text_only_dialects_and_cost() -> None:
    oi = {
        "openinference.span.kind": "llm",
        "llm.model_name": "m",
        "input.value": "What is 2+2?",
        "output.value": "4",
        "llm.cost.total": 0.0021,
    }
    entity = {
        "gen_ai.prompt.0.content": "Q",
        "traceloop.entity.output": "A",
        "llm.cost.prompt": 0.5,
        "llm.cost.completion": 0.25,
    }
    items, _, _ = spans_to_interactions(traces(oi, entity))
    assert (items[0]["input"], items[0]["output"], items[0]["cost"]) == (
        "What is 2+2?",
        "4",
        0.0021,
    )
    assert items[1]["input"] == [{"role": "user", "content": "Q"}]
    assert (items[1]["output"], items[1]["cost"]) == ("A", 0.75)


def test_structured_messages_keep_non_text_parts_and_system_instructions() -> None:
    tool_call = {"type": "tool_call", "id": "c1", "name": "lookup", "arguments": {"q": "x"}}
    attrs = {
        "gen_ai.operation.name": "generate_content",
        "gen_ai.system_instructions": json.dumps([{"type": "text", "content": "Rules."}]),
        "gen_ai.input.messages": json.dumps(
            [
                {
                    "role": "assistant",
                    "parts": [{"type": "text", "content": "Let me look."}, tool_call],
                }
            ]
        ),
        "gen_ai.output.messages": json.dumps(
            [
                {
                    "role": "assistant",
                    "parts": [{"type": "text", "content": "a"}, {"type": "text", "content": "b"}],
                },
                {"role": "assistant", "parts": [{"type": "text", "content": "other choice"}]},
            ]
        ),
    }
    (item,), _, _ = spans_to_interactions(traces(attrs))
    assert item["input"][0] == {"role": "system", "content": "Rules."}
    assert item["input"][1]["content"] == "Let me look."
    assert item["input"][1]["parts"][1] == tool_call
    assert item["output"] == "a\nb"


def test_non_inference_spans_are_skipped_not_rejected() -> None:
    others = [
        {"gen_ai.operation.name": "embeddings"},
        {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "search"},
        {"openinference.span.kind": "RETRIEVER"},
        {"traceloop.span.kind": "workflow", "traceloop.entity.input": "x"},
        {"llm.request.type": "embedding"},
        {"http.method": "GET"},
    ]
    items, rejections, skipped = spans_to_interactions(traces(*others))
    assert (items, rejections, skipped) == ([], [], 6)


def test_errors_and_bad_ids() -> None:
    request = traces(
        {"gen_ai.operation.name": "chat", "error.type": "RateLimitError"},
        {"gen_ai.operation.name": "chat"},
        {"gen_ai.operation.name": "chat"},
    )
    spans = request.resource_spans[0].scope_spans[0].spans
    spans[1].status.CopyFrom(Status(code=Status.STATUS_CODE_ERROR))
    event = spans[1].events.add(name="exception")
    event.attributes.extend(
        [
            KeyValue(key="exception.type", value=any_value("ValueError")),
            KeyValue(key="exception.message", value=any_value("bad prompt")),
        ]
    )
    spans[2].span_id = b"\x00" * 8
    items, rejections, _ = spans_to_interactions(request)
    assert (items[0]["error"], items[0]["error_kind"]) == ("RateLimitError", "RateLimitError")
    assert (items[1]["error"], items[1]["error_kind"]) == ("bad prompt", "ValueError")
    assert len(rejections) == 1 and "trace id and span id" in rejections[0].reason


def test_attribute_values_of_every_type() -> None:
    kvs = [
        KeyValue(key="s", value=any_value("x")),
        KeyValue(key="b", value=any_value(True)),
        KeyValue(key="i", value=any_value(3)),
        KeyValue(key="d", value=any_value(0.5)),
        KeyValue(key="a", value=any_value(["x", 1])),
        KeyValue(key="k", value=any_value({"n": {"m": 1}})),
        KeyValue(key="y", value=AnyValue(bytes_value=b"\x01\x02")),
        KeyValue(key="empty", value=AnyValue()),
    ]
    assert attributes_dict(kvs) == {
        "s": "x",
        "b": True,
        "i": 3,
        "d": 0.5,
        "a": ["x", 1],
        "k": {"n": {"m": 1}},
        "y": "AQI=",
        "empty": None,
    }


def test_reference_example_end_to_end(store: Store) -> None:
    request = decode_traces(TRACES_JSON.encode(), "application/json", None)
    items, _, _ = spans_to_interactions(request)
    assert items[0]["id"] == TRACE_ID + SPAN_ID
    assert items[0]["output"] == "…"
    assert items[0]["input"] == ""
    assert ingest_batch(store, items).accepted == 1
    assert ingest_batch(store, items).duplicates == 1
    result = ingest_traces(store, request)
    assert (result.accepted, result.duplicates, result.rejected, result.message) == (0, 1, 0, "")
    row = store.one(
        "SELECT session_id, system_version, tokens_in, tokens_out, latency_ms, "
        "tags['service.name'], attributes->>'$.span.\"gen_ai.provider.name\"' FROM records"
    )
    assert row == ("conv_42", "gpt-4o", 812, 164, 1200.0, "support-bot", "openai")

    logs = decode_logs(LOGS_JSON.encode(), "application/json", None)
    scores, rejections, skipped = logs_to_scores(logs)
    assert (rejections, skipped) == ([], 0)
    assert scores == [
        {
            "record_id": TRACE_ID + SPAN_ID,
            "scorer": "user_csat",
            "value": 2.0,
            "passed": None,
            "label": "dissatisfied",
            "explanation": None,
        }
    ]
    first = ingest_logs(store, logs)
    assert (first.accepted, first.rejected) == (1, 0)
    assert ingest_logs(store, logs).duplicates == 1
    assert store.one("SELECT count(*), min(value) FROM scores") == (1, 2.0)


def logs(*records: dict[str, Any]) -> ExportLogsServiceRequest:
    request = ExportLogsServiceRequest()
    scope = request.resource_logs.add().scope_logs.add()
    for spec in records:
        record = scope.log_records.add(
            trace_id=bytes.fromhex(spec.pop("trace", TRACE_ID)),
            span_id=bytes.fromhex(spec.pop("span", SPAN_ID)),
            event_name=spec.pop("event_name", ""),
        )
        record.attributes.extend(KeyValue(key=k, value=any_value(v)) for k, v in spec.items())
    return request


def test_evaluation_records_rejections_and_unknown_records(store: Store) -> None:
    request = logs(
        {
            "event.name": "gen_ai.evaluation.result",
            "gen_ai.evaluation.name": "Faith",
            "gen_ai.evaluation.score.value": 1,
            "gen_ai.evaluation.score.label": "FAIL",
        },
        {
            "event_name": "gen_ai.evaluation.result",
            "gen_ai.evaluation.name": "Tone",
            "error.type": "judge_timeout",
        },
        {
            "event_name": "gen_ai.evaluation.result",
            "trace": "",
            "span": "",
            "gen_ai.evaluation.name": "x",
        },
        {"event_name": "gen_ai.evaluation.result", "gen_ai.evaluation.score.value": 1.0},
        {
            "event_name": "gen_ai.evaluation.result",
            "gen_ai.evaluation.name": "x",
            "gen_ai.evaluation.score.value": "high",
        },
        {"event_name": "gen_ai.client.inference.operation.details"},
    )
    scores, rejections, skipped = logs_to_scores(request)
    assert skipped == 1
    assert [s["scorer"] for s in scores] == ["Faith", "Tone"]
    assert (scores[0]["value"], scores[0]["passed"]) == (1.0, False)
    assert (scores[1]["value"], scores[1]["explanation"]) == (
        None,
        "evaluation failed: judge_timeout",
    )
    reasons = [r.reason for r in rejections]
    assert "not parented" in reasons[0]
    assert "gen_ai.evaluation.name is required" in reasons[1]
    assert "not a number" in reasons[2]

    # No interaction stored yet: the valid scores are parked (acknowledged),
    # the invalid ones refused with their reasons.
    early = ingest_logs(store, request)
    assert (early.accepted, early.rejected) == (2, 3)
    assert "not a number: 'high'" in early.message
    assert store.one("SELECT count(*) FROM scores") == (0,)
    assert store.one("SELECT count(*) FROM parked_scores") == (2,)
    again = ingest_logs(store, request)  # a re-sent export is a duplicate while parked too
    assert (again.accepted, again.duplicates) == (0, 2)
    # The span arrives: its parked scores move over, once.
    ingest_traces(store, decode_traces(TRACES_JSON.encode(), "application/json", None))
    assert store.one("SELECT count(*) FROM parked_scores") == (0,)
    assert store.one("SELECT count(*) FROM scores WHERE spec_hash = 'otel'") == (2,)
    result = insert_scores(store, scores + scores[:1])  # the same again, and a repeat inside
    assert (result.accepted, result.duplicates, result.rejected) == (0, 3, ())
    assert store.one("SELECT count(*) FROM scores WHERE spec_hash = 'otel'") == (2,)


def test_ingest_rejections_are_reported_per_span(store: Store) -> None:
    huge = {"gen_ai.operation.name": "chat", "input.value": "x" * 1_000_001}
    result = ingest_traces(store, traces(SEMCONV, huge))
    assert (result.accepted, result.rejected) == (1, 1)
    assert result.message.startswith("1 rejected: span 0000000000000002: input")

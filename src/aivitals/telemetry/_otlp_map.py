"""Map OTLP GenAI spans to interactions and evaluation events to scores.

Route handlers (the server owns the routes; this module owns the protocol)::

    # POST /v1/traces
    request = decode_traces(body, content_type, content_encoding)  # _otlp_decode
    result = ingest_traces(store, request)          # blocking: the store's writer
    body = build_trace_response(result.rejected, result.message, content_type)

    # POST /v1/logs
    request = decode_logs(body, content_type, content_encoding)
    result = ingest_logs(store, request)
    body = build_logs_response(result.rejected, result.message, content_type)

Both answer 200 with the response encoded like the request; decode errors
carry their HTTP status (``OtlpError.status``: 400, 413 or 415). Overload
(429/503 with ``Retry-After``) is the server's to answer before calling these.

The lower-level pieces are :func:`spans_to_interactions` (interaction dicts
for :func:`aivitals.telemetry.ingest_batch`), :func:`logs_to_scores` and
:func:`insert_scores`.

Mapping (the canonical table of ``reference/otel-genai.md``):

- Inference spans only: ``gen_ai.operation.name`` in chat / generate_content /
  text_completion, OpenInference ``openinference.span.kind`` = LLM, OpenLLMetry
  ``llm.request.type`` in chat / completion, or (no operation stated) a span
  carrying prompt or completion content. Other spans (embeddings, tools,
  agents, workflow / task spans with ``traceloop.span.kind``, HTTP...) are
  skipped and counted, not rejected.
- ``id`` = hex trace id + hex span id, so a re-sent span is a duplicate.
- ``ts`` = span start; ``latency_ms`` = end - start.
- ``system_version`` = the model: ``gen_ai.response.model``, else
  ``gen_ai.request.model``, else OpenInference ``llm.model_name``.
- ``input``: ``gen_ai.system_instructions`` + ``gen_ai.input.messages``, else
  ``llm.input_messages.N.message.*``, else ``gen_ai.prompt.N.*`` (as
  ``{"role", "content"}`` messages), else ``input.value`` /
  ``traceloop.entity.input`` (text); ``""`` when content was not captured
  (the conventions' default).
- ``output``: text of the first ``gen_ai.output.messages`` message, else
  ``llm.output_messages.0``, ``gen_ai.completion.0``, ``output.value``,
  ``traceloop.entity.output``.
- tokens: ``gen_ai.usage.{input,output}_tokens``, else
  ``llm.token_count.{prompt,completion}``, else
  ``gen_ai.usage.{prompt,completion}_tokens``; cost: ``llm.cost.total``.
- ``session_id``: ``gen_ai.conversation.id`` → ``session.id`` →
  ``traceloop.association.properties.session_id``; ``user_id``: ``user.id`` →
  ``traceloop.association.properties.user_id``.
- ``error``: span status ERROR or ``error.type`` set; the status message, else
  an ``exception`` event's message, else the error type; ``error_kind`` =
  ``error.type`` or the exception type.
- ``tags``: ``provider``, ``model``, ``operation``, and the resource's
  ``service.name``, ``service.version``, ``deployment.environment(.name)``;
  then the slices the application names — scalar values of OpenInference
  ``metadata`` (a JSON object), OpenLLMetry
  ``traceloop.association.properties.NAME`` and ``aivitals.tag.NAME`` — on
  the resource, overridden by the span's (``aivitals.tag.segment = "pro"``
  becomes ``tags["segment"]``, so ``vitals metrics --by segment`` works).
- ``attributes``: ``{"span": raw span attributes, "resource": raw resource
  attributes, "name", "kind", "parent_span_id", "scope"}``.

Evaluation events (``gen_ai.evaluation.result`` in ``event_name`` or the
``event.name`` attribute) become scores of the interaction of the span they
are parented to: scorer = ``gen_ai.evaluation.name``, value =
``gen_ai.evaluation.score.value``, label, explanation; ``passed`` from a
pass/fail label. They are stored with ``run_id`` NULL and scorer version and
spec hash ``"otel"``; an identical score already stored is a duplicate.
A score whose interaction is not stored (yet) is rejected with that reason.
"""

from __future__ import annotations

import base64
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from aivitals.model import Score
from aivitals.store import ScoreColumns, Store
from aivitals.telemetry._ingest import MAX_BATCH_ITEMS, ingest_batch

__all__ = [
    "EVALUATION_EVENT",
    "OTEL_SCORER_VERSION",
    "LogsIngestResult",
    "Rejection",
    "ScoreInsertResult",
    "TracesIngestResult",
    "attributes_dict",
    "ingest_logs",
    "ingest_traces",
    "insert_scores",
    "logs_to_scores",
    "spans_to_interactions",
]

EVALUATION_EVENT = "gen_ai.evaluation.result"
#: ``scorer_version`` and ``spec_hash`` of scores that arrive over OTLP.
OTEL_SCORER_VERSION = "otel"

_INFERENCE_OPERATIONS = {"chat", "generate_content", "text_completion"}
_OPENLLMETRY_INFERENCE = {"chat", "completion"}
_STATUS_ERROR = 2
_SPAN_KINDS = {
    0: "UNSPECIFIED",
    1: "INTERNAL",
    2: "SERVER",
    3: "CLIENT",
    4: "PRODUCER",
    5: "CONSUMER",
}
_RESOURCE_TAGS = (
    "service.name",
    "service.version",
    "deployment.environment",
    "deployment.environment.name",
)
_ASSOC = "traceloop.association.properties."
_TAG = "aivitals.tag."
_SCORE_COLUMNS = (
    "record_id, run_id, scorer, scorer_version, spec_hash, value, passed, label, explanation"
)


@dataclass(frozen=True)
class Rejection:
    """A span or log record that could not be mapped, and why."""

    trace_id: str
    span_id: str
    reason: str


@dataclass(frozen=True)
class ScoreInsertResult:
    """What :func:`insert_scores` did with each score."""

    accepted: int
    duplicates: int
    rejected: tuple[Rejection, ...]
    parked: int = 0


@dataclass(frozen=True)
class TracesIngestResult:
    """Outcome of one ``/v1/traces`` request.

    Attributes:
        accepted, duplicates: Interactions newly stored / already stored.
        skipped: Spans that are not GenAI inference spans (not an error).
        rejected: Spans refused (count for ``partial_success.rejected_spans``).
        message: Why, for ``partial_success.error_message`` ("" when none).
    """

    accepted: int
    duplicates: int
    skipped: int
    rejected: int
    message: str


@dataclass(frozen=True)
class LogsIngestResult:
    """Outcome of one ``/v1/logs`` request (other log records are skipped)."""

    accepted: int
    duplicates: int
    skipped: int
    rejected: int
    message: str


# ---------------------------------------------------------------- attributes


def _any_value(value: Any) -> Any:
    which = value.WhichOneof("value")
    if which is None:
        return None
    if which == "array_value":
        return [_any_value(v) for v in value.array_value.values]
    if which == "kvlist_value":
        return attributes_dict(value.kvlist_value.values)
    if which == "bytes_value":
        return base64.b64encode(value.bytes_value).decode("ascii")
    return getattr(value, which)


def attributes_dict(attributes: Iterable[Any]) -> dict[str, Any]:
    """OTLP ``KeyValue`` attributes as a plain JSON-able dict."""
    return {kv.key: _any_value(kv.value) for kv in attributes}


def _first(attrs: Mapping[str, Any], *keys: str) -> Any:
    for key in keys:
        value = attrs.get(key)
        if value is not None and value != "":
            return value
    return None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _count(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = int(float(value))
    except (TypeError, ValueError):
        return None
    return number if number >= 0 else None


def _amount(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number >= 0 else None


def _hex(raw: bytes) -> str:
    return raw.hex() if raw.strip(b"\x00") else ""


def _iso(unix_nano: int) -> str:
    return datetime.fromtimestamp(unix_nano / 1e9, UTC).isoformat()


# ---------------------------------------------------------------- content


def _json_value(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def _parts_text(parts: Any) -> str:
    if isinstance(parts, str):
        return parts
    texts = [
        str(p.get("content", ""))
        for p in parts or []
        if isinstance(p, Mapping) and p.get("type", "text") == "text"
    ]
    return "\n".join(texts)


def _semconv_message(message: Any) -> dict[str, Any]:
    if not isinstance(message, Mapping):
        return {"role": "user", "content": _text(message) or ""}
    parts = message.get("parts")
    out: dict[str, Any] = {
        "role": str(message.get("role", "user")),
        "content": _parts_text(parts) if parts is not None else _text(message.get("content")) or "",
    }
    if isinstance(parts, list) and any(
        isinstance(p, Mapping) and p.get("type", "text") != "text" for p in parts
    ):
        out["parts"] = parts
    return out


def _semconv_messages(value: Any) -> list[dict[str, Any]] | None:
    messages = _json_value(value)
    if messages is None:
        return None
    if not isinstance(messages, list):
        messages = [messages]
    return [_semconv_message(m) for m in messages]


def _indexed(attrs: Mapping[str, Any], prefix: str, suffix: str = "") -> list[dict[str, Any]]:
    """``prefix.N{suffix}.role/content`` attributes as messages, in N order."""
    found: dict[int, dict[str, Any]] = {}
    for key, value in attrs.items():
        if not key.startswith(prefix):
            continue
        index, _, rest = key[len(prefix) :].partition(".")
        if not index.isdigit():
            continue
        rest = rest.removeprefix(suffix.lstrip(".") + ".") if suffix else rest
        if rest in ("role", "content"):
            found.setdefault(int(index), {})[rest] = value
    return [
        {"role": str(m.get("role", "user")), "content": _text(m.get("content")) or ""}
        for _, m in sorted(found.items())
    ]


def _input(attrs: Mapping[str, Any]) -> str | list[dict[str, Any]]:
    messages = _semconv_messages(attrs.get("gen_ai.input.messages"))
    if messages is not None:
        system = attrs.get("gen_ai.system_instructions")
        if system is not None:
            messages.insert(0, {"role": "system", "content": _parts_text(_json_value(system))})
        return messages
    for prefix, suffix in (("llm.input_messages.", ".message"), ("gen_ai.prompt.", "")):
        indexed = _indexed(attrs, prefix, suffix)
        if indexed:
            return indexed
    return _text(_first(attrs, "input.value", "traceloop.entity.input")) or ""


def _output(attrs: Mapping[str, Any]) -> str | None:
    messages = _semconv_messages(attrs.get("gen_ai.output.messages"))
    if messages:
        return str(messages[0]["content"])
    for prefix, suffix in (("llm.output_messages.", ".message"), ("gen_ai.completion.", "")):
        indexed = _indexed(attrs, prefix, suffix)
        if indexed:
            return str(indexed[0]["content"])
    return _text(_first(attrs, "output.value", "traceloop.entity.output"))


# ---------------------------------------------------------------- spans


def _operation(attrs: Mapping[str, Any]) -> str | None:
    """The inference operation of a span, or ``None`` if it is not one."""
    operation = attrs.get("gen_ai.operation.name")
    if operation is not None:
        return str(operation) if operation in _INFERENCE_OPERATIONS else None
    kind = attrs.get("openinference.span.kind")
    if kind is not None:
        return "chat" if str(kind).upper() == "LLM" else None
    request_type = attrs.get("llm.request.type")
    if request_type is not None:
        return str(request_type) if request_type in _OPENLLMETRY_INFERENCE else None
    if attrs.get("traceloop.span.kind") is not None:
        return None  # workflow / task / agent / tool entity spans
    has_content = any(
        key.startswith(("gen_ai.prompt.", "gen_ai.completion.")) for key in attrs
    ) or ("gen_ai.input.messages" in attrs or "gen_ai.output.messages" in attrs)
    return "chat" if has_content else None


def _error(span: Any, attrs: Mapping[str, Any]) -> tuple[str | None, str | None]:
    error_type = _text(attrs.get("error.type"))
    failed = span.status.code == _STATUS_ERROR
    if not failed and error_type is None:
        return None, None
    exception: dict[str, Any] = {}
    for event in span.events:
        if event.name == "exception":
            exception = attributes_dict(event.attributes)
            break
    message = (
        span.status.message
        or _text(exception.get("exception.message"))
        or error_type
        or _text(exception.get("exception.type"))
        or "error"
    )
    return message, error_type or _text(exception.get("exception.type"))


def _slice_tags(attrs: Mapping[str, Any]) -> dict[str, str]:
    """Slice attributes the application set, as text tags (see module docs)."""
    tags: dict[str, Any] = {}
    metadata = attrs.get("metadata")
    if isinstance(metadata, str):
        try:
            metadata = json.loads(metadata)
        except ValueError:
            metadata = None
    if isinstance(metadata, Mapping):
        tags.update({str(k): v for k, v in metadata.items() if isinstance(v, str | int | float)})
    for key, value in attrs.items():
        for prefix in (_ASSOC, _TAG):
            name = key.removeprefix(prefix)
            if name != key and name not in ("session_id", "user_id") and name:
                tags[name] = value
    return {k: text for k, v in tags.items() if (text := _text(v)) is not None}


def _interaction(
    span: Any, attrs: dict[str, Any], resource: dict[str, Any], scope: str, operation: str
) -> dict[str, Any]:
    trace_id, span_id = span.trace_id.hex(), span.span_id.hex()
    model = _text(
        _first(
            attrs,
            "gen_ai.response.model",
            "gen_ai.request.model",
            "llm.model_name",
            "llm.response.model_name",
            "llm.request.model_name",
        )
    )
    provider = _text(
        _first(attrs, "gen_ai.provider.name", "gen_ai.system", "llm.provider", "llm.system")
    )
    start, end = span.start_time_unix_nano, span.end_time_unix_nano
    latency = (end - start) / 1e6 if start and end and end >= start else None
    error, error_kind = _error(span, attrs)
    cost = _amount(attrs.get("llm.cost.total"))
    if cost is None and "llm.cost.prompt" in attrs and "llm.cost.completion" in attrs:
        prompt, completion = (
            _amount(attrs["llm.cost.prompt"]),
            _amount(attrs["llm.cost.completion"]),
        )
        cost = prompt + completion if prompt is not None and completion is not None else None
    tags = {
        "provider": provider,
        "model": model,
        "operation": operation,
        **{key: _text(resource.get(key)) for key in _RESOURCE_TAGS},
        **_slice_tags(resource),
        **_slice_tags(attrs),
    }
    item: dict[str, Any] = {
        "kind": "interaction",
        "id": trace_id + span_id,
        "session_id": _text(
            _first(attrs, "gen_ai.conversation.id", "session.id", _ASSOC + "session_id")
        ),
        "system_version": model,
        "input": _input(attrs),
        "output": _output(attrs),
        "latency_ms": latency,
        "tokens_in": _count(
            _first(
                attrs,
                "gen_ai.usage.input_tokens",
                "llm.token_count.prompt",
                "gen_ai.usage.prompt_tokens",
            )
        ),
        "tokens_out": _count(
            _first(
                attrs,
                "gen_ai.usage.output_tokens",
                "llm.token_count.completion",
                "gen_ai.usage.completion_tokens",
            )
        ),
        "cost": cost,
        "error": error,
        "error_kind": error_kind,
        "tags": {k: v for k, v in tags.items() if v is not None},
        "user_id": _text(_first(attrs, "user.id", _ASSOC + "user_id")),
        "trace_id": trace_id,
        "span_id": span_id,
        "attributes": {
            "name": span.name,
            "kind": _SPAN_KINDS.get(span.kind, str(span.kind)),
            "parent_span_id": _hex(span.parent_span_id) or None,
            "scope": scope,
            "span": attrs,
            "resource": resource,
        },
    }
    if start or end:
        item["ts"] = _iso(start or end)
    return item


def spans_to_interactions(
    request: ExportTraceServiceRequest,
) -> tuple[list[dict[str, Any]], list[Rejection], int]:
    """Interaction dicts for the GenAI inference spans of ``request``.

    Returns:
        ``(interactions, rejections, skipped)``: dicts that
        :func:`aivitals.telemetry.ingest_batch` accepts; spans refused here
        (no usable trace or span id); how many spans were not inference spans.
    """
    items: list[dict[str, Any]] = []
    rejections: list[Rejection] = []
    skipped = 0
    for resource_spans in request.resource_spans:
        resource = attributes_dict(resource_spans.resource.attributes)
        for scope_spans in resource_spans.scope_spans:
            scope = scope_spans.scope.name
            for span in scope_spans.spans:
                attrs = attributes_dict(span.attributes)
                operation = _operation(attrs)
                if operation is None:
                    skipped += 1
                    continue
                trace_id, span_id = _hex(span.trace_id), _hex(span.span_id)
                if (
                    len(span.trace_id) != 16
                    or len(span.span_id) != 8
                    or not trace_id
                    or not span_id
                ):
                    rejections.append(
                        Rejection(
                            span.trace_id.hex(),
                            span.span_id.hex(),
                            f"span '{span.name}' has no valid trace id and span id",
                        )
                    )
                    continue
                items.append(_interaction(span, attrs, resource, scope, operation))
    return items, rejections, skipped


# ---------------------------------------------------------------- evaluation logs


def _passed(label: str | None) -> bool | None:
    if label is None:
        return None
    return {"pass": True, "passed": True, "fail": False, "failed": False}.get(label.lower())


def _score_value(raw: Any) -> tuple[float | None, str | None]:
    """The score as a float, or why it is not one."""
    if raw is None:
        return None, None
    if not isinstance(raw, bool):
        try:
            return float(raw), None
        except (TypeError, ValueError):
            pass
    return None, f"gen_ai.evaluation.score.value is not a number: {raw!r}"


def logs_to_scores(
    request: ExportLogsServiceRequest,
) -> tuple[list[dict[str, Any]], list[Rejection], int]:
    """Score dicts for the ``gen_ai.evaluation.result`` records of ``request``.

    Returns:
        ``(scores, rejections, skipped)``: ``{record_id, scorer, value,
        passed, label, explanation}`` per evaluation; records refused (no
        parent span, no evaluation name, a non-numeric score); how many log
        records were something else.
    """
    scores: list[dict[str, Any]] = []
    rejections: list[Rejection] = []
    skipped = 0
    for resource_logs in request.resource_logs:
        for scope_logs in resource_logs.scope_logs:
            for record in scope_logs.log_records:
                attrs = attributes_dict(record.attributes)
                if (record.event_name or attrs.get("event.name")) != EVALUATION_EVENT:
                    skipped += 1
                    continue
                trace_id, span_id = _hex(record.trace_id), _hex(record.span_id)
                name = _text(attrs.get("gen_ai.evaluation.name"))
                value, bad_value = _score_value(attrs.get("gen_ai.evaluation.score.value"))
                reason = None
                if (
                    len(record.trace_id) != 16
                    or len(record.span_id) != 8
                    or not trace_id
                    or not span_id
                ):
                    reason = "evaluation is not parented to a span (no trace id and span id)"
                elif not name:
                    reason = "gen_ai.evaluation.name is required"
                elif bad_value:
                    reason = bad_value
                if reason:
                    rejections.append(
                        Rejection(record.trace_id.hex(), record.span_id.hex(), reason)
                    )
                    continue
                label = _text(attrs.get("gen_ai.evaluation.score.label"))
                explanation = _text(attrs.get("gen_ai.evaluation.explanation"))
                error_type = _text(attrs.get("error.type"))
                if error_type and not explanation:
                    explanation = f"evaluation failed: {error_type}"
                scores.append(
                    {
                        "record_id": trace_id + span_id,
                        "scorer": name,
                        "value": value,
                        "passed": _passed(label),
                        "label": label,
                        "explanation": explanation,
                    }
                )
    return scores, rejections, skipped


def insert_scores(store: Store, scores: Sequence[Mapping[str, Any]]) -> ScoreInsertResult:
    """Store OTLP scores; idempotent.

    Scores go into ``scores`` with ``run_id`` NULL and ``scorer_version`` /
    ``spec_hash`` :data:`OTEL_SCORER_VERSION`. A score identical to one
    stored (same record, scorer, value, label, explanation) is a duplicate.
    A score of a record not yet stored is *parked* (``parked_scores``,
    durable and acknowledged) and moves to ``scores`` when its span arrives
    (:func:`release_parked_scores`): exporters batch spans and log records
    separately, so the evaluation often comes first.
    """
    columns = ScoreColumns()
    for s in scores:
        columns.append(
            str(s["record_id"]),
            str(s["scorer"]),
            OTEL_SCORER_VERSION,
            OTEL_SCORER_VERSION,
            Score(
                value=s.get("value"),
                passed=s.get("passed"),
                label=s.get("label"),
                explanation=s.get("explanation"),
            ),
        )
    if not len(columns):
        return ScoreInsertResult(0, 0, ())
    data = columns.table(None).append_column(
        "position", pa.array(range(len(columns)), type=pa.int64())
    )
    same = (
        "s.record_id = c.record_id AND s.scorer = c.scorer "
        "AND s.scorer_version = c.scorer_version AND s.spec_hash = c.spec_hash "
        "AND s.value IS NOT DISTINCT FROM c.value AND s.label IS NOT DISTINCT FROM c.label "
        "AND s.explanation IS NOT DISTINCT FROM c.explanation"
    )
    store.con.register("_aivitals_otel_scores", data)
    try:
        with store.transaction() as con:
            rows = con.execute(
                "SELECT c.position, "
                "EXISTS (SELECT 1 FROM records r WHERE r.record_id = c.record_id) AS known, "
                f"EXISTS (SELECT 1 FROM scores s WHERE {same}) "
                f"OR EXISTS (SELECT 1 FROM parked_scores s WHERE {same}) AS stored "
                "FROM _aivitals_otel_scores c ORDER BY c.position"
            ).fetchall()
            fresh: list[int] = []
            parked: list[int] = []
            seen: set[tuple[Any, ...]] = set()
            duplicates = 0
            for position, known, stored in rows:
                s = scores[position]
                key = (
                    s["record_id"],
                    s["scorer"],
                    s.get("value"),
                    s.get("label"),
                    s.get("explanation"),
                )
                if stored or key in seen:
                    duplicates += 1
                else:
                    seen.add(key)
                    (fresh if known else parked).append(position)
            for table, positions in (("scores", fresh), ("parked_scores", parked)):
                _insert_positions(con, table, positions)
    finally:
        store.con.unregister("_aivitals_otel_scores")
    # Nothing is refused here any more (unknown records are parked); the
    # field stays so callers that report rejections need no special case.
    return ScoreInsertResult(len(fresh), duplicates, (), len(parked))


def _insert_positions(con: Any, table: str, positions: Sequence[int]) -> None:
    """Copy the rows at ``positions`` of the registered scores into ``table``."""
    if not positions:
        return
    con.register(
        "_aivitals_otel_fresh", pa.table({"position": pa.array(positions, type=pa.int64())})
    )
    try:
        con.execute(
            f"INSERT INTO {table} ({_SCORE_COLUMNS}) "
            f"SELECT {_SCORE_COLUMNS} FROM _aivitals_otel_scores WHERE position IN "
            "(SELECT position FROM _aivitals_otel_fresh) ORDER BY position"
        )
    finally:
        con.unregister("_aivitals_otel_fresh")


def release_parked_scores(store: Store, record_ids: Sequence[str]) -> int:
    """Move parked scores of ``record_ids`` (now stored) into ``scores``.

    Returns:
        How many scores moved.
    """
    if not record_ids or store.one("SELECT count(*) FROM parked_scores") == (0,):
        return 0
    store.con.register("_aivitals_arrived", pa.table({"id": pa.array(record_ids, pa.string())}))
    try:
        with store.transaction() as con:
            where = "record_id IN (SELECT id FROM _aivitals_arrived)"
            moved = con.execute(
                f"INSERT INTO scores ({_SCORE_COLUMNS}) SELECT {_SCORE_COLUMNS} "
                f"FROM parked_scores WHERE {where} ORDER BY parked_at"
            ).fetchall()
            con.execute(f"DELETE FROM parked_scores WHERE {where}").fetchall()
    finally:
        store.con.unregister("_aivitals_arrived")
    return int(moved[0][0]) if moved else 0


# ---------------------------------------------------------------- one request


def _message(reasons: Sequence[str]) -> str:
    """``partial_success.error_message``: the distinct reasons, most frequent first."""
    if not reasons:
        return ""
    counts = Counter(reasons).most_common()
    shown = "; ".join(f"{reason} (x{n})" if n > 1 else reason for reason, n in counts[:5])
    more = f"; and {len(counts) - 5} other reasons" if len(counts) > 5 else ""
    return f"{len(reasons)} rejected: {shown}{more}"


def ingest_traces(store: Store, request: ExportTraceServiceRequest) -> TracesIngestResult:
    """Map ``request``'s inference spans and store them (idempotent)."""
    items, rejections, skipped = spans_to_interactions(request)
    reasons = [r.reason for r in rejections]
    accepted = duplicates = 0
    for start in range(0, len(items), MAX_BATCH_ITEMS):
        chunk = items[start : start + MAX_BATCH_ITEMS]
        result = ingest_batch(store, chunk)
        release_parked_scores(
            store, [chunk[r.index]["id"] for r in result.items if r.status != "rejected"]
        )
        accepted += result.accepted
        duplicates += result.duplicates
        reasons.extend(
            f"span {chunk[r.index]['span_id']}: {f'{r.field}: ' if r.field else ''}{r.reason}"
            for r in result.rejected
        )
    return TracesIngestResult(accepted, duplicates, skipped, len(reasons), _message(reasons))


def ingest_logs(store: Store, request: ExportLogsServiceRequest) -> LogsIngestResult:
    """Store ``request``'s evaluation results as scores (idempotent)."""
    scores, rejections, skipped = logs_to_scores(request)
    result = insert_scores(store, scores)
    reasons = [r.reason for r in (*rejections, *result.rejected)]
    return LogsIngestResult(
        result.accepted + result.parked, result.duplicates, skipped, len(reasons), _message(reasons)
    )

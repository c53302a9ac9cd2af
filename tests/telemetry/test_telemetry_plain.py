"""The batch fast path (plain dicts) must store exactly what the models would.

``validate_plain`` validates a whole batch against TypedDicts made from the
models' fields and re-applies the models' Python rules; whenever it accepts
a batch, the rows must equal those the models give item by item, and it
must never accept an item a model rejects.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pyarrow as pa
import pytest

from aivitals.telemetry._ingest import events_table, interactions_table, prepare_batch
from aivitals.telemetry._model import EVENT_TYPES, Interaction, SessionEvent
from aivitals.telemetry._plain import validate_plain

TS = "2026-03-04T05:06:07+02:00"

VALID: list[dict[str, Any]] = [
    {"id": "a", "input": "q", "ts": TS},
    {"id": "b", "input": [{"role": "user", "content": "hi"}], "ts": "2026-03-04T05:06:07"},
    {
        "id": "c",
        "session_id": "s",
        "turn": 0,
        "ts": TS,
        "system_version": "v2",
        "input": "q",
        "output": "a",
        "context": ["doc 1", "doc 2"],
        "expected": ["a"],
        "tags": {"segment": "pro", "channel": "web"},
        "latency_ms": 12.5,
        "tokens_in": 3,
        "tokens_out": 4,
        "cost": 0.001,
        "error": "timeout",
        "error_kind": "TimeoutError",
        "user_id": "u",
        "trace_id": "t",
        "span_id": "p",
        "attributes": {"plan": "gold", "n": 2},
    },
    {"id": "d", "input": "q", "ts": TS, "browser": "firefox", "attributes": {"browser": "mine"}},
    {"id": "e", "input": "q", "ts": TS, "kind": "interaction", "latency_ms": 3},
    {"id": "f", "ts": TS, "session_id": "s", "type": "retry"},
    {"id": "g", "ts": TS, "record_id": "c", "type": "feedback", "value": -1, "why": "rude"},
    {"id": "h", "ts": TS, "session_id": "s", "type": "escalated", "value": 1, "kind": "event"},
    {"id": "a", "input": "again, the same id", "ts": TS},
    *(
        {"id": f"v-{name}", "ts": TS, "session_id": "s", "type": name, "value": rule.high}
        for name, rule in EVENT_TYPES.items()
        if rule.high is not None
    ),
]

# Each is refused by its model, or holds a value the model converts.
NOT_PLAIN: list[Any] = [
    {"id": "x", "type": "tip", "session_id": "s"},
    {"id": "x", "type": "csat", "value": 7, "session_id": "s"},
    {"id": "x", "type": "csat", "value": 3.5, "session_id": "s"},
    {"id": "x", "type": "csat", "session_id": "s"},
    {"id": "x", "type": "feedback", "value": 0, "session_id": "s"},
    {"id": "x", "type": "abandoned", "value": 2, "session_id": "s"},
    {"id": "x", "type": "retry"},
    {"id": "x", "input": "q", "ts": "2999-01-01T00:00:00Z"},
    {"id": "x", "input": "q", "ts": (datetime.now(UTC) + timedelta(hours=1)).isoformat()},
    {"id": "x", "input": "q", "latency_ms": -1},
    {"id": "x", "input": "q", "turn": -1},
    {"id": "x", "input": "q", "tokens_in": "many"},
    {"id": "x", "input": 42},
    {"id": "", "input": "q"},
    {"id": "x" * 257, "input": "q"},
    {"id": "x", "input": "q", "session_id": "s" * 257},
    {"input": "q"},
    {"id": "x", "input": "q", "kind": "span"},
    {"id": "x", "input": "q", "tags": {"tier": 2}},
    {"id": "x", "input": "q", "tags": {"tier": None}},
    {"id": "x", "input": "q", "attributes": "not an object"},
    {"id": "x", "input": "q" * 1_000_001},
    "not an object",
]


def _slow(items: list[Any]) -> list[tuple[str, dict[str, Any]]]:
    """What the models give, item by item."""
    out = []
    for raw in items:
        model = SessionEvent if "type" in raw else Interaction
        parsed = model.model_validate(raw)
        out.append((parsed.kind, parsed.__dict__))
    return out


def _tables(rows: list[tuple[str, dict[str, Any]]]) -> tuple[pa.Table, pa.Table]:
    return (
        interactions_table([r for kind, r in rows if kind == "interaction"]),
        events_table([r for kind, r in rows if kind == "event"]),
    )


def test_valid_items_give_the_models_rows() -> None:
    fast = validate_plain(VALID)
    assert fast is not None
    assert [kind for kind, _ in fast] == [kind for kind, _ in _slow(VALID)]
    for left, right in zip(_tables(fast), _tables(_slow(VALID)), strict=True):
        assert left.num_rows > 1
        assert left.to_pylist() == right.to_pylist()


def test_valid_items_without_a_timestamp_get_the_time_of_the_batch() -> None:
    before = datetime.now(UTC)
    untimed = [{"id": "a", "input": "q"}, {"id": "b", "type": "retry", "record_id": "a"}]
    fast = validate_plain(untimed)
    assert fast is not None
    stamps = {row["ts"] for _, row in fast}
    assert len(stamps) == 1 and before <= stamps.pop() <= datetime.now(UTC)


@pytest.mark.parametrize("item", NOT_PLAIN, ids=range(len(NOT_PLAIN)))
def test_anything_a_model_refuses_or_converts_leaves_the_fast_path(item: Any) -> None:
    assert validate_plain([*VALID[:2], item]) is None


def test_a_batch_stores_the_same_rows_either_way() -> None:
    # The fast path on the valid batch; the model path when one converted
    # slice value sends the batch item by item.
    converted = {"id": "z", "input": "q", "ts": TS, "tags": {"tier": 2}}
    fast = prepare_batch([*VALID, converted])
    slow = prepare_batch([*VALID, {**converted, "tags": {"tier": "2"}}])
    assert validate_plain([*VALID, converted]) is None
    assert validate_plain([*VALID, {**converted, "tags": {"tier": "2"}}]) is not None
    for table in ("interactions", "events"):
        left: pa.Table = getattr(fast, table)
        right: pa.Table = getattr(slow, table)
        assert left.equals(right), table
    assert fast.parsed == slow.parsed

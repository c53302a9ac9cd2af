"""Batch ingest: per-item verdicts, idempotency, validation of the event model."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from aivitals.errors import InputError
from aivitals.store import Store
from aivitals.telemetry import (
    MAX_BATCH_ITEMS,
    Interaction,
    SessionEvent,
    ingest_batch,
)
from aivitals.telemetry._model import new_id


def interaction(i: int, **extra: Any) -> dict[str, Any]:
    return {"id": f"r{i}", "session_id": "s1", "turn": i, "input": f"q{i}", "output": "a", **extra}


def test_valid_items_are_stored_with_their_fields(store: Store) -> None:
    items = [
        interaction(
            1,
            ts="2026-01-02T03:04:05+02:00",
            tags={"segment": "pro", "tier": 2},
            latency_ms=120.5,
            tokens_in=10,
            context=["doc"],
            plan="gold",  # unknown: kept in attributes
        ),
        {"id": "e1", "type": "csat", "value": 4, "session_id": "s1", "record_id": "r1"},
    ]
    result = ingest_batch(store, items)
    assert [i.status for i in result.items] == ["accepted", "accepted"]
    row = store.query("SELECT * FROM records")[0]
    assert row["source"] == "prod" and row["run_id"] is None
    assert row["ts"] == datetime(2026, 1, 2, 1, 4, 5, tzinfo=UTC)
    assert row["tags"] == {"segment": "pro", "tier": "2"}
    assert json.loads(row["input"]) == "q1"
    assert json.loads(row["context"]) == ["doc"]
    assert json.loads(row["attributes"]) == {"plan": "gold"}
    assert row["cached"] is False
    event = store.query("SELECT * FROM events")[0]
    assert (event["type"], event["value"], event["record_id"]) == ("csat", 4.0, "r1")


def test_same_id_twice_is_one_row(store: Store) -> None:
    first = ingest_batch(store, [interaction(1), interaction(1)])
    assert [i.status for i in first.items] == ["accepted", "duplicate"]
    again = ingest_batch(store, [interaction(1), {"id": "e", "type": "retry", "session_id": "s"}])
    assert [i.status for i in again.items] == ["duplicate", "accepted"]
    assert ingest_batch(store, [{"id": "e", "type": "retry", "session_id": "s"}]).duplicates == 1
    assert store.one("SELECT count(*) FROM records") == (1,)
    assert store.one("SELECT count(*) FROM events") == (1,)


def test_a_stored_event_after_new_interactions_stores_them_once(store: Store) -> None:
    # The plain insert of the new interactions succeeds and the events'
    # insert then hits the stored id: the whole first try must be undone.
    ingest_batch(store, [{"id": "e", "type": "retry", "session_id": "s"}])
    items = [interaction(1), interaction(2), {"id": "e", "type": "retry", "session_id": "s"}]
    result = ingest_batch(store, [*items, {"id": "f", "type": "retry", "session_id": "s"}])
    assert result.statuses == ["accepted", "accepted", "duplicate", "accepted"]
    assert store.one("SELECT count(*) FROM records") == (2,)
    assert store.query("SELECT event_id FROM events ORDER BY 1") == [
        {"event_id": "e"},
        {"event_id": "f"},
    ]


def test_an_event_may_share_an_id_with_an_interaction(store: Store) -> None:
    result = ingest_batch(store, [interaction(1), {"id": "r1", "type": "retry", "session_id": "s"}])
    assert result.accepted == 2


@pytest.mark.parametrize(
    ("item", "field", "reason"),
    [
        ({"id": "e", "type": "tip", "session_id": "s"}, "type", "unknown event type 'tip'"),
        ({"id": "e", "type": "csat", "value": 7, "session_id": "s"}, "value", "between 1 and 5"),
        ({"id": "e", "type": "csat", "session_id": "s"}, "value", "a value is required"),
        ({"id": "e", "type": "feedback", "value": 0, "session_id": "s"}, "value", "+1 or -1"),
        ({"id": "e", "type": "nps", "value": 7.5, "session_id": "s"}, "value", "whole number"),
        ({"id": "e", "type": "retry"}, None, "session_id or a record_id"),
        (interaction(9, ts="2999-01-01T00:00:00Z"), "ts", "in the future"),
        (interaction(9, latency_ms="fast"), "latency_ms", "valid number"),
        (interaction(9, tokens_in=-3), "tokens_in", "greater than or equal to 0"),
        (interaction(9, input=42), "input", "valid string"),
        ({"input": "q"}, "id", "Field required"),
        ({"id": "x", "input": "q", "kind": "span"}, "kind", "'interaction' or 'event'"),
        (interaction(9, output="\ud800"), None, "UTF-8"),
        ("not an object", None, "expected an object"),
    ],
)
def test_rejections_name_item_and_field_and_keep_valid_items(
    store: Store, item: Any, field: str | None, reason: str
) -> None:
    result = ingest_batch(store, [interaction(1), item, interaction(2)])
    assert [i.status for i in result.items] == ["accepted", "rejected", "accepted"]
    (rejected,) = result.rejected
    assert rejected.index == 1
    assert rejected.field == field
    assert reason in (rejected.reason or "")
    assert store.one("SELECT count(*) FROM records") == (2,)
    assert result.to_json()["rejected"][0]["index"] == 1


def test_oversized_batch_is_refused_whole(store: Store) -> None:
    with pytest.raises(InputError, match="larger than"):
        ingest_batch(store, [interaction(i) for i in range(MAX_BATCH_ITEMS + 1)])
    assert store.one("SELECT count(*) FROM records") == (0,)


def test_timestamps_a_little_ahead_are_clock_skew() -> None:
    soon = datetime.now(UTC) + timedelta(minutes=2)
    assert Interaction(id="a", input="q", ts=soon).ts == soon
    naive = datetime(2026, 1, 1, 12)
    assert Interaction(id="a", input="q", ts=naive).ts.tzinfo is UTC


def test_flags_take_no_value_or_one() -> None:
    assert SessionEvent(id="a", type="escalated", session_id="s").value is None
    assert SessionEvent(id="a", type="abandoned", value=1, session_id="s").value == 1
    with pytest.raises(ValidationError):
        SessionEvent(id="a", type="abandoned", value=3, session_id="s")


def test_new_ids_are_uuid7_in_time_order() -> None:
    first = [new_id() for _ in range(1000)]
    time.sleep(0.002)
    later = new_id()
    assert len(set(first)) == 1000
    parsed = uuid.UUID(later)
    assert (parsed.version, parsed.variant) == (7, uuid.RFC_4122)
    assert abs(int(later[:12], 16) - time.time() * 1000) < 5_000  # its first 48 bits: ms now
    assert later > max(first)  # a later millisecond sorts after

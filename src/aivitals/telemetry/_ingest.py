"""Idempotent ingest of JSON batches: validate each item, store the valid ones.

One bad item never costs the others: each item gets its own verdict
(accepted, duplicate or rejected with the field and reason), and every valid
item is committed in one transaction before the call returns.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import pyarrow as pa
from pydantic import ValidationError

from aivitals.errors import InputError, Problem
from aivitals.store import Store
from aivitals.telemetry._model import Interaction, SessionEvent

__all__ = ["MAX_BATCH_ITEMS", "IngestResult", "ItemResult", "ingest_batch"]

#: Most items one batch may carry; bigger batches are refused whole.
MAX_BATCH_ITEMS = 10_000

Status = Literal["accepted", "duplicate", "rejected"]
_TAGS = pa.map_(pa.string(), pa.string())
_TS = pa.timestamp("us", tz="UTC")


@dataclass(frozen=True)
class ItemResult:
    """The verdict on one item of a batch.

    Attributes:
        index: 0-based position in the batch.
        id: The item's id, if it had a usable one.
        status: ``accepted``, ``duplicate`` (already stored, or earlier in
            the batch) or ``rejected``.
        reason: Why it was rejected.
        field: The field at fault, as a dotted path.
    """

    index: int
    id: str | None
    status: Status
    reason: str | None = None
    field: str | None = None


@dataclass(frozen=True)
class IngestResult:
    """Verdicts on every item of a batch, in order."""

    items: tuple[ItemResult, ...] = field(default_factory=tuple)

    def count(self, status: Status) -> int:
        """How many items have ``status``."""
        return sum(1 for item in self.items if item.status == status)

    @property
    def accepted(self) -> int:
        """Items newly stored."""
        return self.count("accepted")

    @property
    def duplicates(self) -> int:
        """Items that were already stored (a no-op)."""
        return self.count("duplicate")

    @property
    def rejected(self) -> tuple[ItemResult, ...]:
        """Items refused, with reason and field."""
        return tuple(item for item in self.items if item.status == "rejected")

    def to_json(self) -> dict[str, Any]:
        """A JSON-able summary, as the ingest API answers."""
        return {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": [
                {"index": r.index, "id": r.id, "reason": r.reason, "field": r.field}
                for r in self.rejected
            ],
        }


Item = Interaction | SessionEvent


_TYPE_NAMES = {"str", "int", "float", "bool", "list", "dict", "none"}


def _is_union_tag(part: int | str) -> bool:
    """Whether a pydantic error location part names a union member, not a field."""
    return isinstance(part, str) and (
        part in _TYPE_NAMES or "[" in part or part.startswith("constrained-")
    )


def _parse(index: int, raw: Any) -> Item | ItemResult:
    if not isinstance(raw, Mapping):
        return ItemResult(index, None, "rejected", f"expected an object, got {type(raw).__name__}")
    data = dict(raw)
    raw_id = data.get("id")
    item_id = raw_id if isinstance(raw_id, str) else None
    kind = data.get("kind", "event" if "type" in data else "interaction")
    model: type[Item]
    if kind == "interaction":
        model = Interaction
    elif kind == "event":
        model = SessionEvent
    else:
        return ItemResult(index, item_id, "rejected", "must be 'interaction' or 'event'", "kind")
    try:
        json.dumps(data, ensure_ascii=False, default=str).encode("utf-8")
    except UnicodeEncodeError:
        return ItemResult(index, item_id, "rejected", "text is not valid UTF-8 (lone surrogate)")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in error["loc"] if not _is_union_tag(p)) or None
        message = error["msg"].removeprefix("Value error, ")
        return ItemResult(index, item_id, "rejected", message, where)


def _existing(store: Store, table: str, column: str, ids: list[str]) -> set[str]:
    if not ids:
        return set()
    store.con.register("_aivitals_ids", pa.table({"id": pa.array(ids, type=pa.string())}))
    try:
        rows = store.con.execute(
            f"SELECT {column} FROM {table} JOIN _aivitals_ids ON {column} = _aivitals_ids.id"
        ).fetchall()
    finally:
        store.con.unregister("_aivitals_ids")
    return {row[0] for row in rows}


def interactions_table(items: Sequence[Interaction]) -> pa.Table:
    """Columns of ``records`` for production interactions."""
    dumps = json.dumps
    return pa.table(
        {
            "record_id": pa.array([i.id for i in items], type=pa.string()),
            "source": pa.array(["prod"] * len(items), type=pa.string()),
            "session_id": pa.array([i.session_id for i in items], type=pa.string()),
            "turn": pa.array([i.turn for i in items], type=pa.int32()),
            "ts": pa.array([i.ts for i in items], type=_TS),
            "system_version": pa.array([i.system_version for i in items], type=pa.string()),
            "input": [dumps(i.input, ensure_ascii=False) for i in items],
            "output": pa.array([i.output for i in items], type=pa.string()),
            "expected": [dumps(i.expected, ensure_ascii=False) for i in items],
            "context": [dumps(i.context, ensure_ascii=False) for i in items],
            "tags": pa.array([list(i.tags.items()) for i in items], type=_TAGS),
            "latency_ms": pa.array([i.latency_ms for i in items], type=pa.float64()),
            "tokens_in": pa.array([i.tokens_in for i in items], type=pa.int64()),
            "tokens_out": pa.array([i.tokens_out for i in items], type=pa.int64()),
            "cost": pa.array([i.cost for i in items], type=pa.float64()),
            "error": pa.array([i.error for i in items], type=pa.string()),
            "error_kind": pa.array([i.error_kind for i in items], type=pa.string()),
            "cached": pa.array([False] * len(items), type=pa.bool_()),
            "user_id": pa.array([i.user_id for i in items], type=pa.string()),
            "trace_id": pa.array([i.trace_id for i in items], type=pa.string()),
            "span_id": pa.array([i.span_id for i in items], type=pa.string()),
            "attributes": [dumps(i.attributes, ensure_ascii=False, default=str) for i in items],
        }
    )


def events_table(items: Sequence[SessionEvent]) -> pa.Table:
    """Columns of ``events`` for session events."""
    return pa.table(
        {
            "event_id": pa.array([e.id for e in items], type=pa.string()),
            "session_id": pa.array([e.session_id for e in items], type=pa.string()),
            "record_id": pa.array([e.record_id for e in items], type=pa.string()),
            "ts": pa.array([e.ts for e in items], type=_TS),
            "type": pa.array([e.type for e in items], type=pa.string()),
            "value": pa.array([e.value for e in items], type=pa.float64()),
            "attrs": [json.dumps(e.attrs, ensure_ascii=False, default=str) for e in items],
            "source": pa.array(["prod"] * len(items), type=pa.string()),
        }
    )


def insert_ignoring_duplicates(store: Store, table: str, data: pa.Table) -> int:
    """Insert ``data`` into ``table``; rows whose id is already stored are skipped.

    Returns:
        How many rows were inserted.
    """
    if data.num_rows == 0:
        return 0
    columns = ", ".join(f'"{name}"' for name in data.column_names)
    store.con.register("_aivitals_telemetry", data)
    try:
        row = store.con.execute(
            f"INSERT INTO {table} ({columns}) SELECT * FROM _aivitals_telemetry "
            "ON CONFLICT DO NOTHING"
        ).fetchone()
    finally:
        store.con.unregister("_aivitals_telemetry")
    return int(row[0]) if row else 0


def ingest_batch(store: Store, items: Sequence[Mapping[str, Any]]) -> IngestResult:
    """Validate ``items`` and store the valid ones; return a verdict per item.

    Each item is an interaction or a session event: ``kind`` says which,
    else an item with a ``type`` is an event. Valid items are committed in
    one transaction before this returns; an id seen before (in the store or
    earlier in the batch) is a duplicate and changes nothing.

    Raises:
        InputError: The batch is larger than :data:`MAX_BATCH_ITEMS`.
    """
    if len(items) > MAX_BATCH_ITEMS:
        raise InputError(
            Problem(
                f"batch of {len(items)} items is larger than {MAX_BATCH_ITEMS}; "
                "split it into smaller batches",
                field="items",
            )
        )
    parsed = [_parse(index, raw) for index, raw in enumerate(items)]
    valid = [(i, p) for i, p in enumerate(parsed) if not isinstance(p, ItemResult)]
    interactions = [p for _, p in valid if isinstance(p, Interaction)]
    events = [p for _, p in valid if isinstance(p, SessionEvent)]
    with store.transaction():
        seen = {
            ("interaction", i)
            for i in _existing(store, "records", "record_id", [p.id for p in interactions])
        }
        seen |= {
            ("event", i) for i in _existing(store, "events", "event_id", [p.id for p in events])
        }
        verdicts: dict[int, ItemResult] = {}
        fresh_interactions: list[Interaction] = []
        fresh_events: list[SessionEvent] = []
        for index, item in valid:
            key = (item.kind, item.id)
            if key in seen:
                verdicts[index] = ItemResult(index, item.id, "duplicate")
                continue
            seen.add(key)
            verdicts[index] = ItemResult(index, item.id, "accepted")
            if isinstance(item, Interaction):
                fresh_interactions.append(item)
            else:
                fresh_events.append(item)
        insert_ignoring_duplicates(store, "records", interactions_table(fresh_interactions))
        insert_ignoring_duplicates(store, "events", events_table(fresh_events))
    return IngestResult(
        tuple(p if isinstance(p, ItemResult) else verdicts[i] for i, p in enumerate(parsed))
    )

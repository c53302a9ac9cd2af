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


@dataclass(slots=True)
class ItemResult:
    """The verdict on one item of a batch.

    Not frozen: a frozen dataclass's ``__init__`` costs several microseconds,
    and there is one of these per ingested item.

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


def _encodable(items: Sequence[Any]) -> bool:
    """Whether every string in ``items`` encodes as UTF-8 (one pass for the batch)."""
    try:
        json.dumps(items, ensure_ascii=False, default=str).encode("utf-8")
    except (UnicodeEncodeError, TypeError, ValueError):
        return False
    return True


def _parse(index: int, raw: Any, *, checked: bool = False) -> Item | ItemResult:
    """Validate one item; ``checked`` says its text is already known to be UTF-8."""
    if not isinstance(raw, Mapping):
        return ItemResult(index, None, "rejected", f"expected an object, got {type(raw).__name__}")
    data = raw if isinstance(raw, dict) else dict(raw)
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
    if not checked and not _encodable([data]):
        return ItemResult(index, item_id, "rejected", "text is not valid UTF-8 (lone surrogate)")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in error["loc"] if not _is_union_tag(p)) or None
        message = error["msg"].removeprefix("Value error, ")
        return ItemResult(index, item_id, "rejected", message, where)


def _json_texts(values: Sequence[Any]) -> list[str]:
    """JSON text of each value; empty containers (the usual case) skip the encoder."""
    dumps = json.dumps
    return [
        ("{}" if isinstance(v, dict) else "[]")
        if not v and isinstance(v, dict | list)
        else dumps(v, ensure_ascii=False, default=str)
        for v in values
    ]


def interactions_table(items: Sequence[Interaction]) -> pa.Table:
    """Columns of ``records`` for production interactions."""
    return pa.table(
        {
            "record_id": pa.array([i.id for i in items], type=pa.string()),
            "source": pa.array(["prod"] * len(items), type=pa.string()),
            "session_id": pa.array([i.session_id for i in items], type=pa.string()),
            "turn": pa.array([i.turn for i in items], type=pa.int32()),
            "ts": pa.array([i.ts for i in items], type=_TS),
            "system_version": pa.array([i.system_version for i in items], type=pa.string()),
            "input": _json_texts([i.input for i in items]),
            "output": pa.array([i.output for i in items], type=pa.string()),
            "expected": _json_texts([i.expected for i in items]),
            "context": _json_texts([i.context for i in items]),
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
            "attributes": _json_texts([i.attributes for i in items]),
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
            "attrs": _json_texts([e.attrs for e in items]),
            "source": pa.array(["prod"] * len(items), type=pa.string()),
        }
    )


def insert_ignoring_duplicates(store: Store, table: str, data: pa.Table, key: str) -> set[str]:
    """Insert ``data`` into ``table``; rows whose ``key`` is already stored are skipped.

    Returns:
        The keys of the rows inserted (``RETURNING`` saves a lookup of the
        stored ids before the insert).
    """
    if data.num_rows == 0:
        return set()
    columns = ", ".join(f'"{name}"' for name in data.column_names)
    store.con.register("_aivitals_telemetry", data)
    try:
        rows = store.con.execute(
            f"INSERT INTO {table} ({columns}) SELECT * FROM _aivitals_telemetry "
            f'ON CONFLICT DO NOTHING RETURNING "{key}"'
        ).fetchall()
    finally:
        store.con.unregister("_aivitals_telemetry")
    return {row[0] for row in rows}


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
    # JSON may carry lone surrogates ("\\ud800"); checking the whole batch at
    # once is the common case's fast path, item by item only if it fails.
    checked = _encodable(items)
    parsed = [_parse(index, raw, checked=checked) for index, raw in enumerate(items)]
    valid = [(i, p) for i, p in enumerate(parsed) if not isinstance(p, ItemResult)]
    # The first of repeated ids in the batch goes to the store; the store
    # says which of those it already had.
    firsts: dict[tuple[str, str], int] = {}
    for index, item in valid:
        firsts.setdefault((item.kind, item.id), index)
    fresh = [item for index, item in valid if firsts[(item.kind, item.id)] == index]
    with store.transaction():
        stored = {
            ("interaction", i)
            for i in insert_ignoring_duplicates(
                store,
                "records",
                interactions_table([p for p in fresh if isinstance(p, Interaction)]),
                "record_id",
            )
        }
        stored |= {
            ("event", i)
            for i in insert_ignoring_duplicates(
                store,
                "events",
                events_table([p for p in fresh if isinstance(p, SessionEvent)]),
                "event_id",
            )
        }
    verdicts = {
        index: ItemResult(
            index,
            item.id,
            "accepted"
            if firsts[(item.kind, item.id)] == index and (item.kind, item.id) in stored
            else "duplicate",
        )
        for index, item in valid
    }
    return IngestResult(
        tuple(p if isinstance(p, ItemResult) else verdicts[i] for i, p in enumerate(parsed))
    )

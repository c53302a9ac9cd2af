"""Idempotent ingest of JSON batches: validate each item, store the valid ones.

One bad item never costs the others: each item gets its own verdict
(accepted, duplicate or rejected with the field and reason), and every valid
item is committed in one transaction before the call returns.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pyarrow as pa
from pydantic import ValidationError

from aivitals.errors import InputError, Problem
from aivitals.store import Store, insert_arrow_sql, with_key
from aivitals.telemetry._model import Interaction, SessionEvent, item_kind
from aivitals.telemetry._plain import validate_plain

__all__ = [
    "MAX_BATCH_ITEMS",
    "IngestResult",
    "ItemResult",
    "PreparedBatch",
    "ingest_batch",
    "prepare_batch",
    "store_batch",
]

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


class IngestResult:
    """Verdicts on every item of a batch, in order.

    Kept as columns (ids, statuses, and the reasons of rejected items), not
    an object per item: a server answering 50,000 events a second cannot
    spend microseconds on each verdict. :attr:`items` builds the objects on
    demand.

    Args:
        ids: Each item's id (``None`` if it had no usable one).
        statuses: Each item's status.
        problems: For rejected items, by index: (reason, field).
    """

    __slots__ = ("_items", "ids", "problems", "statuses")

    def __init__(
        self,
        ids: Sequence[str | None] = (),
        statuses: Sequence[Status] = (),
        problems: Mapping[int, tuple[str | None, str | None]] | None = None,
    ) -> None:
        if len(ids) != len(statuses):
            raise ValueError("ids and statuses must have the same length")
        self.ids = list(ids)
        self.statuses = list(statuses)
        self.problems = dict(problems or {})
        self._items: tuple[ItemResult, ...] | None = None

    def __len__(self) -> int:
        return len(self.statuses)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, IngestResult):
            return NotImplemented
        return (self.ids, self.statuses, self.problems) == (
            other.ids,
            other.statuses,
            other.problems,
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        counts = f"accepted={self.accepted}, duplicates={self.duplicates}"
        return f"IngestResult({counts}, rejected={len(self.problems)})"

    @property
    def items(self) -> tuple[ItemResult, ...]:
        """One :class:`ItemResult` per item, in order."""
        if self._items is None:
            problems = self.problems
            self._items = tuple(
                ItemResult(i, item_id, status, *problems.get(i, (None, None)))
                for i, (item_id, status) in enumerate(zip(self.ids, self.statuses, strict=True))
            )
        return self._items

    def part(self, start: int, stop: int) -> IngestResult:
        """The verdicts of items ``start:stop``, indexed from 0 (one request of a group)."""
        return IngestResult(
            self.ids[start:stop],
            self.statuses[start:stop],
            {i - start: p for i, p in self.problems.items() if start <= i < stop},
        )

    def count(self, status: Status) -> int:
        """How many items have ``status``."""
        return self.statuses.count(status)

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
        return tuple(
            ItemResult(i, self.ids[i], "rejected", reason, where)
            for i, (reason, where) in sorted(self.problems.items())
        )

    def results_json(self) -> list[dict[str, Any]]:
        """Per-item results as the ingest API answers them."""
        out: list[dict[str, Any]] = [
            {"index": i, "id": item_id, "status": status}
            for i, (item_id, status) in enumerate(zip(self.ids, self.statuses, strict=True))
        ]
        for i, (reason, where) in self.problems.items():
            out[i]["reason"] = reason
            out[i]["field"] = where
        return out

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
    kind = item_kind(data)
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


# One encoder for all: json.dumps with options builds a new one every call.
_ENCODE = json.JSONEncoder(ensure_ascii=False, default=str).encode


def _json_column(rows: Sequence[Mapping[str, Any]], key: str, empty: str) -> pa.Array:
    """JSON text of the list or object ``key`` of each row; ``empty`` if absent or empty."""
    values = [r.get(key) for r in rows]
    if not any(values):  # the usual case: no context, no extra attributes
        return pa.array([empty] * len(rows), type=pa.string())
    encode = _ENCODE
    return pa.array([encode(v) if v else empty for v in values], type=pa.string())


def _tags_column(rows: Sequence[Mapping[str, Any]]) -> pa.Array:
    """The ``tags`` map column, built from flat keys and values."""
    offsets, keys, values = [0], [], []
    for r in rows:
        tags = r.get("tags")
        if tags:
            keys.extend(tags)
            values.extend(tags.values())
        offsets.append(len(keys))
    return pa.MapArray.from_arrays(
        pa.array(offsets, type=pa.int32()),
        pa.array(keys, type=pa.string()),
        pa.array(values, type=pa.string()),
    ).cast(_TAGS)


def _json_texts(values: Sequence[Any]) -> list[str]:
    """JSON text of each value; empty containers (the usual case) skip the encoder."""
    encode = _ENCODE
    return [
        ("{}" if isinstance(v, dict) else "[]")
        if not v and isinstance(v, dict | list)
        else encode(v)
        for v in values
    ]


def interactions_table(rows: Sequence[Mapping[str, Any]]) -> pa.Table:
    """Columns of ``records`` for production interactions (validated fields by name)."""
    n = len(rows)
    return pa.table(
        {
            "record_id": pa.array([r["id"] for r in rows], type=pa.string()),
            "source": pa.array(["prod"] * n, type=pa.string()),
            "session_id": pa.array([r.get("session_id") for r in rows], type=pa.string()),
            "turn": pa.array([r.get("turn") for r in rows], type=pa.int32()),
            "ts": pa.array([r["ts"] for r in rows], type=_TS),
            "system_version": pa.array([r.get("system_version") for r in rows], type=pa.string()),
            "input": _json_texts([r["input"] for r in rows]),
            "output": pa.array([r.get("output") for r in rows], type=pa.string()),
            "expected": _json_column(rows, "expected", "[]"),
            "context": _json_column(rows, "context", "[]"),
            "tags": _tags_column(rows),
            "latency_ms": pa.array([r.get("latency_ms") for r in rows], type=pa.float64()),
            "tokens_in": pa.array([r.get("tokens_in") for r in rows], type=pa.int64()),
            "tokens_out": pa.array([r.get("tokens_out") for r in rows], type=pa.int64()),
            "cost": pa.array([r.get("cost") for r in rows], type=pa.float64()),
            "error": pa.array([r.get("error") for r in rows], type=pa.string()),
            "error_kind": pa.array([r.get("error_kind") for r in rows], type=pa.string()),
            "cached": pa.array([False] * n, type=pa.bool_()),
            "user_id": pa.array([r.get("user_id") for r in rows], type=pa.string()),
            "trace_id": pa.array([r.get("trace_id") for r in rows], type=pa.string()),
            "span_id": pa.array([r.get("span_id") for r in rows], type=pa.string()),
            "attributes": _json_column(rows, "attributes", "{}"),
        }
    )


def events_table(rows: Sequence[Mapping[str, Any]]) -> pa.Table:
    """Columns of ``events`` for session events (validated fields by name)."""
    return pa.table(
        {
            "event_id": pa.array([r["id"] for r in rows], type=pa.string()),
            "session_id": pa.array([r.get("session_id") for r in rows], type=pa.string()),
            "record_id": pa.array([r.get("record_id") for r in rows], type=pa.string()),
            "ts": pa.array([r["ts"] for r in rows], type=_TS),
            "type": pa.array([r["type"] for r in rows], type=pa.string()),
            "value": pa.array([r.get("value") for r in rows], type=pa.float64()),
            "attrs": _json_column(rows, "attrs", "{}"),
            "source": pa.array(["prod"] * len(rows), type=pa.string()),
        }
    )


@dataclass(frozen=True)
class PreparedBatch:
    """A validated batch, ready for :func:`store_batch`: no store touched yet.

    Attributes:
        parsed: Each item's (kind, id), or its rejection.
        firsts: The index of the first item with each (kind, id).
        interactions: Arrow rows for ``records`` (first occurrences only).
        events: Arrow rows for ``events`` (first occurrences only).
    """

    parsed: list[tuple[str, str] | ItemResult]
    firsts: dict[tuple[str, str], int]
    interactions: pa.Table
    events: pa.Table


def _validate(
    items: Sequence[Any], *, checked: bool
) -> list[tuple[str, dict[str, Any]] | ItemResult]:
    """Each item's kind and fields, or its rejection."""
    if checked:
        plain = validate_plain(items)
        if plain is not None:
            return list(plain)
    # Some item is invalid (or may hold a lone surrogate): the models name
    # each item's own problem.
    return [
        p if isinstance(p, ItemResult) else (p.kind, p.__dict__)
        for p in (_parse(index, raw, checked=checked) for index, raw in enumerate(items))
    ]


def prepare_batch(
    items: Sequence[Mapping[str, Any]], *, text_checked: bool = False
) -> PreparedBatch:
    """Validate ``items`` and build their Arrow rows (pure Python, no store).

    Validation is pure Python and touches no store; :func:`store_batch`
    then commits the result.

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
    checked = text_checked or _encodable(items)
    # The first of repeated ids in the batch goes to the store; the store
    # says which of those it already had.
    parsed: list[tuple[str, str] | ItemResult] = []
    firsts: dict[tuple[str, str], int] = {}
    fresh: dict[str, list[dict[str, Any]]] = {"interaction": [], "event": []}
    for index, p in enumerate(_validate(items, checked=checked)):
        if isinstance(p, ItemResult):
            parsed.append(p)
            continue
        kind, row = p
        key = (kind, row["id"])
        parsed.append(key)
        if firsts.setdefault(key, index) == index:
            fresh[kind].append(row)
    return PreparedBatch(
        parsed, firsts, interactions_table(fresh["interaction"]), events_table(fresh["event"])
    )


def store_batch(store: Store, batch: PreparedBatch) -> IngestResult:
    """Commit a prepared batch in one transaction; a verdict per item."""
    tables = [
        ("records", batch.interactions, "record_id", "interaction"),
        ("events", batch.events, "event_id", "event"),
    ]
    tables = [(t, with_key(t, data), k, kind) for t, data, k, kind in tables if data.num_rows]
    for _, data, _, kind in tables:
        store.con.register(f"_aivitals_{kind}s", data)
    try:
        all_new, returned = store.insert_new(
            [
                (
                    insert_arrow_sql(table, data, f"_aivitals_{kind}s"),
                    f'ON CONFLICT DO NOTHING RETURNING "{key}"',
                )
                for table, data, key, kind in tables
            ]
        )
    finally:
        for _, _, _, kind in tables:
            store.con.unregister(f"_aivitals_{kind}s")
    stored: set[tuple[str, str]] | None = None
    if not all_new:  # some ids were already stored: only those returned went in
        stored = {
            (kind, row[0])
            for (_, _, _, kind), rows in zip(tables, returned, strict=True)
            for row in rows
        }
    parsed, firsts = batch.parsed, batch.firsts
    ids: list[str | None] = [None] * len(parsed)
    statuses: list[Status] = ["rejected"] * len(parsed)
    problems: dict[int, tuple[str | None, str | None]] = {}
    for index, p in enumerate(parsed):
        if isinstance(p, ItemResult):
            ids[index] = p.id
            problems[index] = (p.reason, p.field)
            continue
        key = p
        ids[index] = p[1]
        first = firsts[key] == index
        statuses[index] = "accepted" if first and (stored is None or key in stored) else "duplicate"
    return IngestResult(ids, statuses, problems)


def ingest_batch(
    store: Store, items: Sequence[Mapping[str, Any]], *, text_checked: bool = False
) -> IngestResult:
    """Validate ``items`` and store the valid ones; return a verdict per item.

    Each item is an interaction or a session event: ``kind`` says which,
    else an item with a ``type`` is an event. Valid items are committed in
    one transaction before this returns; an id seen before (in the store or
    earlier in the batch) is a duplicate and changes nothing.

    Args:
        store: Where they go.
        items: The batch.
        text_checked: The caller knows no text holds a lone surrogate (the
            server checks the raw body for JSON surrogate escapes).

    Raises:
        InputError: The batch is larger than :data:`MAX_BATCH_ITEMS`.
    """
    return store_batch(store, prepare_batch(items, text_checked=text_checked))

"""The telemetry event model: production interactions and session events.

Pydantic validates what crosses the boundary (SDK calls, JSON batches); file
ingest checks the same rules with vectorised SQL in :mod:`._files`. Every
item carries an ``id`` so that sending it twice is a no-op.
"""

from __future__ import annotations

import os
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

__all__ = [
    "EVENT_TYPES",
    "MAX_FUTURE",
    "EventRule",
    "Interaction",
    "SessionEvent",
    "item_kind",
    "new_id",
]

#: How far ahead of the server clock a timestamp may be (clock skew).
MAX_FUTURE = timedelta(minutes=5)


@dataclass(frozen=True)
class EventRule:
    """What value a session event type takes.

    Attributes:
        low: Smallest allowed value (inclusive); ``None`` for flag events.
        high: Largest allowed value (inclusive).
        integer: Whether the value must be a whole number.
        allowed: Exact values allowed, if the scale is not a range.
        required: Whether a value is required (flags may omit it).
    """

    low: float | None
    high: float | None
    integer: bool = True
    allowed: tuple[float, ...] = ()
    required: bool = True

    def check(self, value: float | None) -> str | None:
        """Why ``value`` is not allowed, or ``None`` if it is."""
        if value is None:
            return "a value is required" if self.required else None
        if self.allowed:
            if value not in self.allowed:
                shown = " or ".join(f"{v:+g}" for v in self.allowed)
                return f"must be {shown}, got {value:g}"
            return None
        if self.integer and value != int(value):
            return f"must be a whole number, got {value:g}"
        if self.low is not None and self.high is not None and not self.low <= value <= self.high:
            return f"must be between {self.low:g} and {self.high:g}, got {value:g}"
        return None


_FLAG = EventRule(None, None, allowed=(1.0,), required=False)

#: Session event types and their value scales.
EVENT_TYPES: dict[str, EventRule] = {
    "feedback": EventRule(None, None, allowed=(1.0, -1.0)),
    "csat": EventRule(1, 5),
    "ces": EventRule(1, 7),
    "nps": EventRule(0, 10),
    "escalated": _FLAG,
    "task_completed": _FLAG,
    "retry": _FLAG,
    "correction": _FLAG,
    "abandoned": _FLAG,
}


def new_id() -> str:
    """A fresh id for an interaction or event: a UUIDv7 (RFC 9562), as 32 hex digits.

    Its first 48 bits are the Unix time in milliseconds, the rest random
    (74 bits, so ids made in the same millisecond do not collide). The
    store keys ids of this exact form on their own bits, so ids that follow
    time land next to each other in its unique index: a million of them go
    into a store of ten million in about a third of the time random ids
    take (docs/design/store-keys.md).
    """
    random_bits = int.from_bytes(os.urandom(10), "big")
    value = (time.time_ns() // 1_000_000) << 80 | random_bits
    # Version 7 in bits 48-51, variant 0b10 in bits 64-65.
    value = value & ~(0xF << 76) | 0x7 << 76
    value = value & ~(0x3 << 62) | 0x2 << 62
    return uuid.UUID(int=value).hex


def item_kind(raw: Any) -> str | None:
    """``interaction`` or ``event`` (or what ``kind`` says) for a raw batch item.

    An item says its ``kind``; without one, an item with a ``type`` is an
    event. ``None`` for what is not an object or has a kind that is not text.
    """
    if not isinstance(raw, dict):
        return None
    kind = raw.get("kind", "event" if "type" in raw else "interaction")
    return kind if isinstance(kind, str) else None


def _now() -> datetime:
    return datetime.now(UTC)


def _check_ts(value: datetime) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    if value > _now() + MAX_FUTURE:
        raise ValueError(
            f"timestamp {value.isoformat()} is more than {MAX_FUTURE} in the future; "
            "check the sender's clock and time zone"
        )
    return value


def _slice_text(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value) if isinstance(value, int | float) else value


class _Item(BaseModel):
    """Fields every telemetry item has; unknown keys are gathered, not dropped."""

    # extra="allow" lets pydantic-core collect unknown keys without a Python
    # pass over every item; the after-validator folds them into the item's
    # free-form field, and only for the items that have any.
    model_config = ConfigDict(extra="allow", str_max_length=1_000_000)
    _extra_field: ClassVar[str]

    id: str = Field(min_length=1, max_length=256)
    session_id: str | None = Field(default=None, max_length=256)
    ts: datetime = Field(default_factory=_now)

    @model_validator(mode="after")
    def _gather_extra(self) -> Self:
        extra = self.__pydantic_extra__
        if extra:
            known: dict[str, Any] = getattr(self, self._extra_field)
            setattr(self, self._extra_field, {**extra, **known})
            extra.clear()
        return self

    @field_validator("ts")
    @classmethod
    def _not_future(cls, value: datetime) -> datetime:
        return _check_ts(value)


class Interaction(_Item):
    """One production AI interaction, stored as a ``records`` row (source 'prod').

    Attributes:
        id: Unique id; ingesting the same id again is a no-op.
        session_id: The conversation it belongs to.
        turn: 0- or 1-based position in the session, as the sender counts.
        ts: When it happened (UTC if no zone is given); defaults to now.
        system_version: Model / prompt / app version that answered.
        input: Text or chat messages ``{"role", "content"}``.
        output: The answer, if there was one.
        context: Documents the answer was grounded in.
        tags: Slice attributes (segment, channel, intent...), text valued.
        latency_ms, tokens_in, tokens_out, cost: What the call took.
        error, error_kind: What went wrong, if anything.
        user_id, trace_id, span_id: Who and which trace.
        attributes: Anything else, including unknown top-level keys.
    """

    _extra_field: ClassVar[str] = "attributes"
    kind: Literal["interaction"] = Field(default="interaction", exclude=True)
    turn: int | None = Field(default=None, ge=0)
    system_version: str | None = None
    input: str | list[dict[str, Any]]
    output: str | None = None
    context: list[str] = Field(default_factory=list)
    expected: list[str] = Field(default_factory=list)
    tags: dict[str, str] = Field(default_factory=dict)
    latency_ms: float | None = Field(default=None, ge=0)
    tokens_in: int | None = Field(default=None, ge=0)
    tokens_out: int | None = Field(default=None, ge=0)
    cost: float | None = Field(default=None, ge=0)
    error: str | None = None
    error_kind: str | None = None
    user_id: str | None = None
    trace_id: str | None = None
    span_id: str | None = None
    attributes: dict[str, Any] = Field(default_factory=dict)

    @field_validator("tags", mode="before")
    @classmethod
    def _tags_as_text(cls, value: Any) -> Any:
        # Slice values arrive as numbers or booleans just as often as text.
        if isinstance(value, dict):
            return {k: _slice_text(v) for k, v in value.items() if v is not None}
        return value


class SessionEvent(_Item):
    """Something that happened in a session: feedback, CSAT, escalation...

    Attributes:
        id: Unique id; ingesting the same id again is a no-op.
        session_id: The session it belongs to.
        record_id: The interaction it is about, if any.
        ts: When it happened; defaults to now.
        type: One of :data:`EVENT_TYPES`.
        value: On the type's scale (thumbs ±1, CSAT 1–5, CES 1–7, NPS 0–10,
            flags empty or 1).
        attrs: Anything else, including unknown top-level keys.
    """

    _extra_field: ClassVar[str] = "attrs"
    kind: Literal["event"] = Field(default="event", exclude=True)
    record_id: str | None = Field(default=None, max_length=256)
    type: str
    value: float | None = Field(default=None, validate_default=True)
    attrs: dict[str, Any] = Field(default_factory=dict)

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in EVENT_TYPES:
            raise ValueError(f"unknown event type '{value}'; use one of {', '.join(EVENT_TYPES)}")
        return value

    @field_validator("value")
    @classmethod
    def _value_on_scale(cls, value: float | None, info: ValidationInfo) -> float | None:
        kind = info.data.get("type")
        rule = EVENT_TYPES.get(kind) if isinstance(kind, str) else None
        reason = rule.check(value) if rule else None
        if reason:
            raise ValueError(f"{kind} {reason}")
        return value

    @model_validator(mode="after")
    def _has_subject(self) -> SessionEvent:
        if self.session_id is None and self.record_id is None:
            raise ValueError("an event needs a session_id or a record_id")
        return self

"""The data model every layer shares: cases, datasets, records and scores.

An evaluated case and a production interaction are both a :class:`Record`
that scorers turn into :class:`Score` verdicts, so scorers and statistics
work offline and online alike. These are frozen dataclasses; pydantic lives
at the boundaries (config files, HTTP) only.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = [
    "Case",
    "Dataset",
    "Input",
    "Record",
    "Score",
    "canonical_json",
    "content_hash",
    "input_text",
]

#: A case input: plain text or a list of chat messages ``{"role", "content"}``.
Input = str | list[dict[str, Any]]


def canonical_json(value: Any) -> str:
    """Serialise ``value`` so that equal content gives equal text.

    Keys are sorted and separators fixed, which makes the result fit for
    hashing (dataset versions, cache keys, config hashes).
    """
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def content_hash(value: Any, *, length: int = 16) -> str:
    """Return a short SHA-256 hex digest of ``value``'s canonical JSON."""
    digest = hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()
    return digest[:length]


def input_text(value: Input) -> str:
    """Flatten an input to text: the content of the last user message for chats."""
    if isinstance(value, str):
        return value
    for message in reversed(value):
        if message.get("role") == "user":
            return str(message.get("content", ""))
    return str(value[-1].get("content", "")) if value else ""


@dataclass(frozen=True, slots=True)
class Case:
    """One input of a dataset with what is expected of it.

    Attributes:
        id: Unique within its dataset; what runs are aligned on.
        input: Text or chat messages sent to the target.
        expected: Zero or more acceptable reference answers.
        context: Documents the answer should be grounded in (RAG).
        tags: Slice attributes (intent, language, segment...), text valued.
        metadata: Anything else carried along, not used for slicing.
    """

    id: str
    input: Input
    expected: tuple[str, ...] = ()
    context: tuple[str, ...] = ()
    tags: Mapping[str, str] = field(default_factory=dict)
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def canonical(self) -> dict[str, Any]:
        """Return the plain-JSON form the dataset version is hashed from."""
        return {
            "id": self.id,
            "input": self.input,
            "expected": list(self.expected),
            "context": list(self.context),
            "tags": dict(self.tags),
            "metadata": dict(self.metadata),
        }


@dataclass(frozen=True, slots=True)
class Dataset:
    """A versioned set of cases; the version is a hash of their content.

    Attributes:
        name: Human name, stable across versions.
        cases: The cases, in file order.
        version: Hash of the canonicalised cases (order-sensitive).
        source: Where the cases came from (a path), for display only.
    """

    name: str
    cases: tuple[Case, ...]
    version: str
    source: str = ""

    @classmethod
    def from_cases(cls, name: str, cases: Sequence[Case], source: str = "") -> Dataset:
        """Build a dataset and compute its content version."""
        version = content_hash([c.canonical() for c in cases])
        return cls(name=name, cases=tuple(cases), version=version, source=source)

    @property
    def ref(self) -> str:
        """``name@version``, how runs and the CLI refer to a dataset."""
        return f"{self.name}@{self.version}"


@dataclass(frozen=True, slots=True)
class Record:
    """One AI interaction: from an evaluation run or from production.

    Attributes:
        id: Unique record id.
        source: The run id that made it, or ``"prod"``.
        input: What was sent.
        output: What came back; ``None`` when the call failed.
        case_id: The case it answers (evaluation), else ``None``.
        dataset: ``name@version`` of the case's dataset, if any.
        repeat: Repeat index of the case within a run (0-based).
        expected: Reference answers carried from the case, if any.
        context: Grounding documents carried from the case, if any.
        tags: Slice attributes.
        latency_ms: Wall time of the call, including retries.
        tokens_in: Prompt tokens reported by the target.
        tokens_out: Completion tokens reported by the target.
        cost: Cost of the call in the user's currency unit.
        error: Error message when the call failed.
        error_kind: Short error class (``timeout``, ``http_500``...).
        cached: Whether the output came from the call cache.
        session_id: Session or conversation key (production).
        turn: Turn number within the session (production).
        ts: When the interaction happened.
        system_version: Model / prompt / app version that answered.
    """

    id: str
    source: str
    input: Input
    output: str | None
    case_id: str | None = None
    dataset: str | None = None
    repeat: int = 0
    expected: tuple[str, ...] = ()
    context: tuple[str, ...] = ()
    tags: Mapping[str, str] = field(default_factory=dict)
    latency_ms: float | None = None
    tokens_in: int | None = None
    tokens_out: int | None = None
    cost: float | None = None
    error: str | None = None
    error_kind: str | None = None
    cached: bool = False
    session_id: str | None = None
    turn: int | None = None
    ts: datetime | None = None
    system_version: str | None = None

    @property
    def input_text(self) -> str:
        """The input as text (last user message for chats)."""
        return input_text(self.input)


@dataclass(frozen=True, slots=True)
class Score:
    """A scorer's verdict on one record.

    ``value`` is ``None`` when the scorer could not judge (missing reference,
    failed call): aggregations skip it rather than count it as zero.

    Attributes:
        value: The score, usually in [0, 1]; ``None`` when missing.
        passed: Pass/fail verdict, or ``None`` for purely numeric scores.
        label: Optional category (e.g. a predicted class).
        explanation: Why, in a sentence, for people reading failures.
    """

    value: float | None
    passed: bool | None = None
    label: str | None = None
    explanation: str | None = None

    @classmethod
    def missing(cls, why: str) -> Score:
        """A score that could not be computed, with the reason."""
        return cls(value=None, passed=None, explanation=why)

"""Arrow tables for bulk writes: records, scores and cases.

Rows are turned into columns once and inserted as Arrow, which DuckDB takes
in bulk (``executemany`` is two orders of magnitude slower).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pyarrow as pa

from aivitals.model import Case, Record, Score

__all__ = ["ScoreColumns", "cases_table", "records_table"]

_TAGS = pa.map_(pa.string(), pa.string())


def _tags(values: Iterable[Mapping[str, str]]) -> pa.Array:
    return pa.array([list(v.items()) for v in values], type=_TAGS)


def _json_list(values: Iterable[Sequence[Any]]) -> list[str]:
    return [json.dumps(list(v), ensure_ascii=False) for v in values]


def records_table(records: Sequence[Record]) -> pa.Table:
    """Columns of the ``records`` table for ``records``."""
    return pa.table(
        {
            "record_id": [r.id for r in records],
            "source": [r.source for r in records],
            "run_id": [r.source if r.source != "prod" else None for r in records],
            "case_id": [r.case_id for r in records],
            "dataset": [r.dataset for r in records],
            "repeat": pa.array([r.repeat for r in records], type=pa.int32()),
            "session_id": [r.session_id for r in records],
            "turn": pa.array([r.turn for r in records], type=pa.int32()),
            "ts": pa.array([r.ts for r in records], type=pa.timestamp("us", tz="UTC")),
            "system_version": [r.system_version for r in records],
            "input": [json.dumps(r.input, ensure_ascii=False) for r in records],
            "output": [r.output for r in records],
            "expected": _json_list(r.expected for r in records),
            "context": _json_list(r.context for r in records),
            "tags": _tags(r.tags for r in records),
            "latency_ms": pa.array([r.latency_ms for r in records], type=pa.float64()),
            "tokens_in": pa.array([r.tokens_in for r in records], type=pa.int64()),
            "tokens_out": pa.array([r.tokens_out for r in records], type=pa.int64()),
            "cost": pa.array([r.cost for r in records], type=pa.float64()),
            "error": [r.error for r in records],
            "error_kind": [r.error_kind for r in records],
            "cached": pa.array([r.cached for r in records], type=pa.bool_()),
        }
    )


class ScoreColumns:
    """Scores of a run kept as columns while it executes.

    A run of 100,000 cases with a dozen scorers makes over a million scores;
    appending their fields to a few lists, rather than keeping an object per
    score, holds memory to a fraction and makes the Arrow table in one go.
    """

    def __init__(self) -> None:
        self.record_id: list[str] = []
        self.scorer: list[str] = []
        self.scorer_version: list[str] = []
        self.spec_hash: list[str] = []
        self.value: list[float | None] = []
        self.passed: list[bool | None] = []
        self.label: list[str | None] = []
        self.explanation: list[str | None] = []

    def __len__(self) -> int:
        return len(self.record_id)

    def append(
        self, record_id: str, scorer: str, version: str, spec_hash: str, score: Score
    ) -> None:
        """Add one score of ``record_id`` by the named scorer."""
        self.record_id.append(record_id)
        self.scorer.append(scorer)
        self.scorer_version.append(version)
        self.spec_hash.append(spec_hash)
        self.value.append(score.value)
        self.passed.append(score.passed)
        self.label.append(score.label)
        self.explanation.append(score.explanation)

    def table(self, run_id: str | None) -> pa.Table:
        """Columns of the ``scores`` table."""
        return pa.table(
            {
                "record_id": pa.array(self.record_id, type=pa.string()),
                "run_id": pa.array([run_id] * len(self), type=pa.string()),
                "scorer": pa.array(self.scorer, type=pa.string()),
                "scorer_version": pa.array(self.scorer_version, type=pa.string()),
                "spec_hash": pa.array(self.spec_hash, type=pa.string()),
                "value": pa.array(self.value, type=pa.float64()),
                "passed": pa.array(self.passed, type=pa.bool_()),
                "label": pa.array(self.label, type=pa.string()),
                "explanation": pa.array(self.explanation, type=pa.string()),
            }
        )


def cases_table(name: str, version: str, cases: Sequence[Case]) -> pa.Table:
    """Columns of the ``cases`` table for one dataset version."""
    n = len(cases)
    return pa.table(
        {
            "dataset_name": [name] * n,
            "dataset_version": [version] * n,
            "position": pa.array(range(n), type=pa.int32()),
            "case_id": [c.id for c in cases],
            "input": [json.dumps(c.input, ensure_ascii=False) for c in cases],
            "expected": _json_list(c.expected for c in cases),
            "context": _json_list(c.context for c in cases),
            "tags": _tags(c.tags for c in cases),
            "metadata": [json.dumps(dict(c.metadata), ensure_ascii=False) for c in cases],
        }
    )

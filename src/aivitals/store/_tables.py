"""Arrow tables for bulk writes: records, scores and cases.

Rows are turned into columns once and inserted as Arrow, which DuckDB takes
in bulk (``executemany`` is two orders of magnitude slower).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from aivitals.model import Case, Record, Score

__all__ = ["ScoreRow", "cases_table", "records_table", "scores_table"]

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


@dataclass(frozen=True, slots=True)
class ScoreRow:
    """A score as stored: the verdict plus which record and scorer made it."""

    record_id: str
    scorer: str
    scorer_version: str
    spec_hash: str
    score: Score


def scores_table(rows: Sequence[ScoreRow], run_id: str | None) -> pa.Table:
    """Columns of the ``scores`` table for ``rows``."""
    return pa.table(
        {
            "record_id": [r.record_id for r in rows],
            "run_id": pa.array([run_id] * len(rows), type=pa.string()),
            "scorer": [r.scorer for r in rows],
            "scorer_version": [r.scorer_version for r in rows],
            "spec_hash": [r.spec_hash for r in rows],
            "value": pa.array([r.score.value for r in rows], type=pa.float64()),
            "passed": pa.array([r.score.passed for r in rows], type=pa.bool_()),
            "label": pa.array([r.score.label for r in rows], type=pa.string()),
            "explanation": pa.array([r.score.explanation for r in rows], type=pa.string()),
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

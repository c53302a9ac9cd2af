"""A small production store whose every metric can be computed by hand.

Five sessions over two hours, two model versions (v1: segment A, v2:
segment B), one run record and one score on it that must be ignored.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pyarrow as pa
import pytest

from aivitals.store import Store

T0 = datetime(2026, 1, 1, tzinfo=UTC)
TAGS = pa.map_(pa.string(), pa.string())

# record_id, session, minute, version, segment, latency, tokens in, out, cost, output, error
RECORDS: list[tuple[Any, ...]] = [
    ("r1", "s1", 1, "v1", "A", 100.0, 10, 5, 0.01, "Sure, here it is.", None),
    ("r2", "s1", 2, "v1", "A", 200.0, 20, 5, 0.02, "Sorry, I don't know.", None),
    ("r3", "s1", 3, "v1", "A", 300.0, 30, 0, None, None, "timeout"),
    ("r4", "s2", 10, "v1", "A", 400.0, 10, 10, 0.03, "Reset it here.", None),
    ("r5", "s2", 11, "v1", "A", 500.0, 10, 10, 0.03, "Done.", None),
    ("r6", "s3", 20, "v2", "B", 600.0, 5, 5, 0.01, "Let me check.", None),
    ("r7", "s4", 70, "v1", "A", 700.0, 40, 20, 0.05, "Here.", None),
    ("r8", "s4", 71, "v1", "A", 800.0, 40, 20, 0.05, "There.", None),
    ("r9", "s5", 30, "v2", "B", 900.0, 8, 2, 0.01, "Okay.", None),
    ("r10", "s5", 65, "v2", "B", 1000.0, 8, 2, 0.01, "Fine.", None),
]

# session, minute, type, value, record
EVENTS: list[tuple[Any, ...]] = [
    ("s1", 4, "csat", 5.0, None),
    ("s1", 4, "nps", 10.0, None),
    ("s1", 1.5, "feedback", 1.0, "r1"),
    ("s1", 2.5, "retry", None, "r2"),
    ("s1", 4, "task_completed", None, None),
    ("s2", 12, "csat", 3.0, None),
    ("s2", 12, "nps", 7.0, None),
    ("s2", 11.5, "feedback", -1.0, "r5"),
    ("s2", 10.5, "escalated", None, None),  # after 1 interaction
    ("s2", 11.2, "correction", None, "r4"),
    ("s3", 21, "csat", 4.0, None),
    ("s3", 21, "ces", 6.0, None),
    ("s3", 21, "nps", 3.0, None),
    ("s3", 25, "escalated", None, None),  # after 1 interaction
    ("s3", 26, "abandoned", None, None),
    ("s4", 72, "ces", 2.0, None),
    ("s4", 71.5, "feedback", 1.0, "r8"),
    ("s4", 72, "task_completed", None, None),
    ("s4", 72, "escalated", None, None),  # after 2 interactions
    ("s5", 66, "csat", 1.0, None),
    ("s5", 31, "retry", None, None),
    ("s5", 66, "retry", None, None),
    ("x", 0, "csat", 5.0, None),  # no production session: ignored
]

# record, scorer, value, passed
SCORES: list[tuple[Any, ...]] = [
    ("r1", "faithful", 1.0, True),
    ("r2", "faithful", 0.0, False),
    ("r4", "faithful", 1.0, True),
    ("r6", "faithful", None, None),
    ("r9", "other", 1.0, True),
    ("run-1", "faithful", 0.0, False),  # an evaluation run's record: ignored
]


def at(minute: float) -> datetime:
    return T0 + timedelta(minutes=minute)


def fill(store: Store) -> None:
    rows = [*RECORDS, ("run-1", "x", 0, "v1", "A", 5.0, 1, 1, 0.0, "I don't know", "boom")]
    store.insert(
        "records",
        pa.table(
            {
                "record_id": [r[0] for r in rows],
                "source": ["prod"] * len(RECORDS) + ["run-42"],
                "session_id": [r[1] for r in rows],
                "ts": [at(r[2]) for r in rows],
                "system_version": [r[3] for r in rows],
                "tags": pa.array([[("segment", r[4])] for r in rows], type=TAGS),
                "latency_ms": [r[5] for r in rows],
                "tokens_in": [r[6] for r in rows],
                "tokens_out": [r[7] for r in rows],
                "cost": [r[8] for r in rows],
                "output": [r[9] for r in rows],
                "error": [r[10] for r in rows],
            }
        ),
    )
    store.insert(
        "events",
        pa.table(
            {
                "event_id": [f"e{i}" for i in range(len(EVENTS))],
                "session_id": [e[0] for e in EVENTS],
                "ts": [at(e[1]) for e in EVENTS],
                "type": [e[2] for e in EVENTS],
                "value": pa.array([e[3] for e in EVENTS], type=pa.float64()),
                "record_id": [e[4] for e in EVENTS],
                "source": ["prod"] * len(EVENTS),
            }
        ),
    )
    store.insert(
        "scores",
        pa.table(
            {
                "record_id": [s[0] for s in SCORES],
                "scorer": [s[1] for s in SCORES],
                "scorer_version": ["1"] * len(SCORES),
                "spec_hash": ["h"] * len(SCORES),
                "value": pa.array([s[2] for s in SCORES], type=pa.float64()),
                "passed": pa.array([s[3] for s in SCORES], type=pa.bool_()),
            }
        ),
    )


@pytest.fixture
def prod_store(store: Store) -> Store:
    fill(store)
    return store

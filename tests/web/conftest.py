"""A real server on 127.0.0.1 with the dashboard over a simulated and hostile store.

The store holds three simulated days of production traffic, a session whose
input, output, tags, event and score carry script payloads, a session in the
latest day whose ``segment`` tag is script (so it reaches the overview's
worst slices with ``by=segment``), two evaluation runs and one alert. The
overview is the real ``aivitals.health.compute_health`` over this store.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from tests.serving import serve_in_thread

from aivitals import evaluate
from aivitals.server import ApiKeys, create_app
from aivitals.simulate import default_scenario, simulate
from aivitals.store import Store
from aivitals.telemetry import ingest_batch
from aivitals.web import register_dashboard

#: Text that runs script if a page inserts it unescaped.
PAYLOADS = (
    "<script>window.__pwned=1</script>",
    '"><img src=x onerror="window.__pwned=1">',
    "'><svg onload=window.__pwned=1>",
)
HOSTILE_SESSION = 'hostile-<script>"1'
#: A ``segment`` tag value in the latest day: a slice of the overview.
HOSTILE_SLICE = "<script>alert(1)</script>"
#: Simulated sessions per day: enough for each segment's slice to have a score.
SESSIONS_PER_DAY = 150
ARTIFACTS = Path(os.environ.get("VITALS_ARTIFACTS") or tempfile.gettempdir()) / "vitals-web"


def _hostile_items() -> list[dict[str, Any]]:
    return [
        {
            "kind": "interaction",
            "id": "hostile-r1",
            "session_id": HOSTILE_SESSION,
            "turn": 1,
            "ts": "2026-03-03T12:00:00+00:00",
            "system_version": PAYLOADS[2],
            "input": PAYLOADS[0],
            "output": PAYLOADS[1],
            "tags": {"segment": PAYLOADS[1], "channel": "chat"},
            "latency_ms": 1234.5,
        },
        {
            "kind": "event",
            "id": "hostile-e1",
            "session_id": HOSTILE_SESSION,
            "record_id": "hostile-r1",
            "ts": "2026-03-03T12:00:05+00:00",
            "type": "feedback",
            "value": -1,
            "note": PAYLOADS[0],
        },
        {
            "kind": "interaction",
            "id": "hostile-r2",
            "session_id": "hostile-slice",
            "turn": 1,
            "ts": "2026-03-04T12:00:00+00:00",
            "input": "hello",
            "output": "hi",
            "tags": {"segment": HOSTILE_SLICE, "channel": "chat"},
            "latency_ms": 800.0,
        },
    ]


def _runs(store: Store, directory: Path) -> list[str]:
    cases = [
        {
            "id": f"c{i}",
            "input": f"q{i} {PAYLOADS[i % 3]}",
            "expected": f"a{i}",
            "intent": f"i{i % 3}",
        }
        for i in range(30)
    ]
    (directory / "golden.jsonl").write_text("".join(json.dumps(c) + "\n" for c in cases))
    ids = []
    for name, ok in (("base", 20), ("cand", 25)):
        outputs = [
            {"id": c["id"], "output": c["expected"] if i < ok else PAYLOADS[1]}
            for i, c in enumerate(cases)
        ]
        (directory / f"{name}.jsonl").write_text("".join(json.dumps(o) + "\n" for o in outputs))
        suite = {
            "name": f"suite {PAYLOADS[0]}",
            "dataset": {
                "path": str(directory / "golden.jsonl"),
                "mapping": {"input": "input", "expected": "expected", "tags": ["intent"]},
            },
            "target": {"type": "recorded", "path": str(directory / f"{name}.jsonl")},
            "scorers": ["exact_match"],
            "max_error_rate": 1.0,
        }
        ids.append(evaluate(suite, store=store).id)
    return ids


@dataclass
class Served:
    """The running server and what its store holds."""

    url: str
    store_path: Path
    base_run: str
    cand_run: str


@contextmanager
def serve(store: Store, keys: ApiKeys | None = None) -> Iterator[str]:
    """The server app with the dashboard on 127.0.0.1, in a thread of this process."""
    with serve_in_thread(create_app(store, keys=keys, setup=[register_dashboard])) as running:
        yield running.url


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One server for the session over the filled store."""
    directory = tmp_path_factory.mktemp("web")
    path = directory / "vitals.duckdb"
    with Store(path) as store:
        simulate(
            store,
            default_scenario(days=3, sessions_per_day=SESSIONS_PER_DAY),
            truth_path=directory / "truth.json",
        )
        result = ingest_batch(store, _hostile_items())
        assert all(r.status == "accepted" for r in result.items), result.items
        store.con.execute(
            "INSERT INTO scores VALUES ('hostile-r1', NULL, ?, '1', 'h', 0.0, false, ?, ?)",
            [PAYLOADS[2], PAYLOADS[0], PAYLOADS[1]],
        )
        store.con.execute(
            "INSERT INTO alerts VALUES "
            "('a1', ?, 'firing', TIMESTAMPTZ '2026-03-04 10:00:00+00', NULL, ?)",
            [f"csat drop {PAYLOADS[0]}", json.dumps({"metric": "csat", "note": PAYLOADS[1]})],
        )
        base, cand = _runs(store, directory)
        with serve(store) as url:
            yield Served(url, path, base, cand)

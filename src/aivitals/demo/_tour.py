"""The ``vitals demo`` story: evaluate Lumen's support assistant, v1 and v2.

Then compare them pair by pair: v2 fixes email and breaks voice while the
overall pass rate barely moves, which the per-slice paired tests name; and
apply a release gate that fails v2 on the voice channel with evidence; then
simulate a week of production in which v2 was deployed for voice anyway, and
read the damage back from the production metrics.

Writes the golden set and two suites into a work directory a new user can
open and edit, then runs both versions through the ordinary evaluation path
(the same :func:`aivitals.evaluate` a user calls), so the demo shows exactly
what a user's own suite would do.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from aivitals.comparison import Comparison, compare_runs
from aivitals.demo._golden import write_golden_set
from aivitals.evaluation import ProgressFn, Run, evaluate
from aivitals.gate import GateResult, evaluate_gate, load_policy, render_junit, render_markdown
from aivitals.metrics import MetricValue, compute_metrics
from aivitals.simulate import default_scenario, simulate, truth_path_for
from aivitals.store import Store

__all__ = ["GATE_POLICY", "Production", "Tour", "run_tour", "simulate_week", "suite_for"]

_TAGS = ["intent", "intent_group", "channel", "segment"]


def suite_for(version: str, golden: str = "golden.jsonl") -> dict[str, object]:
    """The suite evaluating one assistant version on the golden set."""
    return {
        "name": f"lumen-support-{version}",
        "description": f"Lumen support assistant {version} on the Lumen golden set.",
        "dataset": {
            "path": golden,
            "name": "lumen-golden",
            "mapping": {"input": "question", "expected": "answer", "tags": _TAGS},
        },
        "target": {
            "type": "callable",
            "function": f"aivitals.demo:assistant_{version}",
            "version": version,
        },
        "scorers": [
            # Each intent has one canonical answer, so an exact answer is a
            # correctly routed question.
            {"scorer": "exact_match", "name": "answer_correct"},
            {"scorer": "squad_f1", "name": "answer_f1", "threshold": 0.5},
            {"scorer": "rouge", "name": "rougeL", "args": {"variant": "rougeL"}},
            {"scorer": "latency_budget", "args": {"max_ms": 250}},
        ],
        "concurrency": 8,
        "tags": {"assistant": version},
    }


#: The release gate the demo applies to v2, with v1 as the baseline.
GATE_POLICY: dict[str, object] = {
    "name": "Lumen support assistant release gate",
    "on_inconclusive": "fail",
    "rules": [
        {
            "id": "overall-floor",
            "description": "At least 80% of answers right, with 95% confidence",
            "scorer": "answer_correct",
            "min": {"lower_bound": 0.80},
        },
        {
            "id": "overall-non-inferior",
            "description": "No more than 3 points worse than the baseline overall",
            "scorer": "answer_correct",
            "max_regression": {"margin": 0.03},
        },
        {
            "id": "channel-non-inferior",
            "description": "No more than 5 points worse than the baseline in any channel",
            "scorer": "answer_correct",
            "slices": ["channel"],
            "max_regression": {"margin": 0.05},
        },
    ],
}


@dataclass(frozen=True)
class Tour:
    """What the demo made: its files, the two runs and their comparison."""

    workdir: Path
    golden: Path
    suites: dict[str, Path]
    runs: dict[str, Run]
    comparison: Comparison
    gate: GateResult
    gate_files: dict[str, Path]
    production: Production


@dataclass(frozen=True)
class Production:
    """The simulated week: what was written and voice task completion by day."""

    simulation_id: str
    n_sessions: int
    n_interactions: int
    n_events: int
    truth_path: Path
    incidents: list[dict[str, Any]]
    voice_completion: list[MetricValue]


def simulate_week(store: Store) -> Production:
    """Simulate the default week of production traffic, once per store.

    A second ``vitals demo`` finds the same simulation already stored and
    reads it back rather than writing it twice.
    """
    config = default_scenario()
    seen = store.one(
        "SELECT count(*) FROM records WHERE source = 'prod' AND session_id LIKE ?",
        [f"{config.simulation_id}-%"],
    )
    truth_path = truth_path_for(store, config)
    if not seen or not seen[0]:
        simulate(store, config, truth_path=truth_path)
    counts = store.one(
        "SELECT count(DISTINCT session_id), count(*) FROM records "
        "WHERE source = 'prod' AND session_id LIKE ?",
        [f"{config.simulation_id}-%"],
    )
    events = store.one(
        "SELECT count(*) FROM events WHERE session_id LIKE ?", [f"{config.simulation_id}-%"]
    )
    truth = json.loads(truth_path.read_text(encoding="utf-8")) if truth_path.exists() else {}
    values = compute_metrics(
        store, ["task_completion_rate"], window="1d", by=("channel", "model_version")
    )
    return Production(
        simulation_id=config.simulation_id,
        n_sessions=int(counts[0]) if counts else 0,
        n_interactions=int(counts[1]) if counts else 0,
        n_events=int(events[0]) if events else 0,
        truth_path=truth_path,
        incidents=list(truth.get("incidents", [])),
        voice_completion=[v for v in values if v.slice.get("channel") == "voice"],
    )


def run_tour(
    store: str | os.PathLike[str] | None,
    workdir: str | os.PathLike[str],
    *,
    progress: Callable[[str], ProgressFn | None] | None = None,
) -> Tour:
    """Write the golden set and suites, then evaluate v1 and v2.

    Args:
        store: The store file (default ``.vitals/vitals.duckdb``).
        workdir: Where to write ``golden.jsonl`` and the suite files.
        progress: Given a suite name, returns its progress callback.
    """
    directory = Path(workdir)
    directory.mkdir(parents=True, exist_ok=True)
    golden = write_golden_set(directory / "golden.jsonl")
    suites: dict[str, Path] = {}
    runs: dict[str, Run] = {}
    with Store(store) as opened:
        for version in ("v1", "v2"):
            path = directory / f"suite_{version}.yaml"
            path.write_text(yaml.safe_dump(suite_for(version), sort_keys=False), encoding="utf-8")
            suites[version] = path
            callback = progress(f"assistant {version}") if progress else None
            runs[version] = evaluate(path, store=opened, progress=callback)
        comparison = compare_runs(opened, runs["v1"].id, runs["v2"].id)
        policy_path = directory / "gate.yaml"
        policy_path.write_text(yaml.safe_dump(GATE_POLICY, sort_keys=False), encoding="utf-8")
        gate = evaluate_gate(opened, load_policy(policy_path), runs["v2"].id, runs["v1"].id)
    files = {
        "policy": policy_path,
        "junit": directory / "gate.junit.xml",
        "md": directory / "gate.md",
    }
    files["junit"].write_text(render_junit(gate), encoding="utf-8")
    files["md"].write_text(render_markdown(gate), encoding="utf-8")
    with Store(store) as opened:
        production = simulate_week(opened)
    return Tour(directory, golden, suites, runs, comparison, gate, files, production)

"""The ``vitals demo`` story: evaluate Lumen's support assistant, v1 and v2.

Then compare them pair by pair: v2 fixes email and breaks voice while the
overall pass rate barely moves, which the per-slice paired tests name; and
apply a release gate that fails v2 on the voice channel with evidence.

Writes the golden set and two suites into a work directory a new user can
open and edit, then runs both versions through the ordinary evaluation path
(the same :func:`aivitals.evaluate` a user calls), so the demo shows exactly
what a user's own suite would do.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from aivitals.comparison import Comparison, compare_runs
from aivitals.demo._golden import write_golden_set
from aivitals.evaluation import ProgressFn, Run, evaluate
from aivitals.gate import GateResult, evaluate_gate, load_policy, render_junit, render_markdown
from aivitals.store import Store

__all__ = ["GATE_POLICY", "Tour", "run_tour", "suite_for"]

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
    return Tour(directory, golden, suites, runs, comparison, gate, files)

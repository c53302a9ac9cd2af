"""The ``vitals demo`` story: evaluate Lumen's support assistant, v1 and v2.

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

from aivitals.demo._golden import write_golden_set
from aivitals.evaluation import ProgressFn, Run, evaluate
from aivitals.store import Store

__all__ = ["Tour", "run_tour", "suite_for"]

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


@dataclass(frozen=True)
class Tour:
    """What the demo made: where its files are and the two runs."""

    workdir: Path
    golden: Path
    suites: dict[str, Path]
    runs: dict[str, Run]


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
    return Tour(directory, golden, suites, runs)

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
from aivitals.stats import Estimate
from aivitals.store import Store

__all__ = ["SliceChange", "Tour", "run_tour", "slice_changes", "suite_for"]

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
class SliceChange:
    """One slice's pass rate in both runs, with n and 95% intervals."""

    tag: str
    value: str
    before: Estimate
    after: Estimate

    @property
    def separated(self) -> bool:
        """Whether the two 95% intervals do not overlap (a conservative sign)."""
        b_low, b_high = self.before.ci_low, self.before.ci_high
        a_low, a_high = self.after.ci_low, self.after.ci_high
        if b_low is None or b_high is None or a_low is None or a_high is None:
            return False
        return a_high < b_low or a_low > b_high


def slice_changes(before: Run, after: Run, scorer: str = "answer_correct") -> list[SliceChange]:
    """Per-slice estimates of ``scorer`` in two runs, largest drop first.

    Small slices move a lot by chance, so a reader should look at
    :attr:`SliceChange.separated` rather than at the size of a drop alone.
    """
    old = {(s.tag, s.value): s.estimate for s in before.summary.slices if s.scorer == scorer}
    changes = [
        SliceChange(s.tag, s.value, old[(s.tag, s.value)], s.estimate)
        for s in after.summary.slices
        if s.scorer == scorer and (s.tag, s.value) in old
    ]
    return sorted(changes, key=lambda c: (c.after.value or 0.0) - (c.before.value or 0.0))


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

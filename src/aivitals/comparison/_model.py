"""What a comparison of two runs says, as data.

Every comparison is paired: records of the base and the candidate run are
aligned by (dataset, case id, repeat), so the statistics see the same inputs
on both sides. Renderers (terminal, JSON, Markdown, HTML) and the release
gate read these dataclasses; none of them recomputes anything.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from aivitals.stats import Estimate, TestResult

__all__ = [
    "Comparison",
    "Flip",
    "Lineage",
    "MetricComparison",
    "Verdict",
]

Verdict = Literal["improved", "regressed", "no_significant_change", "inconclusive"]


@dataclass(frozen=True)
class Lineage:
    """Whether the two runs measured the same thing.

    Attributes:
        base_run: The base run id.
        candidate_run: The candidate run id.
        problems: Each difference found (dataset hash, scorer spec or
            version); empty when the runs are comparable.
        allowed_mismatch: The user chose to compare despite ``problems``;
            only the intersection of cases and scorers is compared.
        n_base: Records in the base run (without errors).
        n_candidate: Records in the candidate run (without errors).
        n_aligned: Pairs aligned by (dataset, case id, repeat).
        notes: Differences that do not stop a comparison (a scorer only
            one run has, records only one run has).
    """

    base_run: str
    candidate_run: str
    problems: tuple[str, ...]
    allowed_mismatch: bool
    n_base: int
    n_candidate: int
    n_aligned: int
    notes: tuple[str, ...] = ()

    @property
    def comparable(self) -> bool:
        """No problems found."""
        return not self.problems


@dataclass(frozen=True)
class MetricComparison:
    """One scorer in one slice (or overall): base, candidate, delta, test.

    Attributes:
        scorer: The scorer's name in both runs.
        slice: Tag name, or ``None`` for the whole run.
        slice_value: Tag value, or ``None`` for the whole run.
        metric: ``pass_rate`` or ``mean``.
        base: The base run's estimate on the aligned pairs.
        candidate: The candidate's estimate on the same pairs.
        delta: Candidate minus base, with its interval (paired).
        test: The paired test, its p-value and name.
        p_adjusted: The p-value after correction for the number of
            comparisons (method in :attr:`Comparison.adjustment`).
        verdict: improved / regressed / no_significant_change /
            inconclusive (too few pairs to say).
    """

    scorer: str
    slice: str | None
    slice_value: str | None
    metric: str
    base: Estimate
    candidate: Estimate
    delta: Estimate
    test: TestResult
    p_adjusted: float | None
    verdict: Verdict

    @property
    def label(self) -> str:
        """``overall`` or ``tag=value``."""
        return "overall" if self.slice is None else f"{self.slice}={self.slice_value}"

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        return {
            "scorer": self.scorer,
            "slice": self.slice,
            "slice_value": self.slice_value,
            "metric": self.metric,
            "base": self.base.to_dict(),
            "candidate": self.candidate.to_dict(),
            "delta": self.delta.to_dict(),
            "test": self.test.to_dict(),
            "p_adjusted": self.p_adjusted,
            "verdict": self.verdict,
        }


@dataclass(frozen=True)
class Flip:
    """A case whose verdict changed between the runs.

    Attributes:
        scorer: The scorer whose verdict flipped.
        direction: ``newly_failing`` or ``newly_passing``.
        dataset: ``name@version`` of the case's dataset.
        case_id: The case.
        repeat: The repeat index.
        input: The case input as text.
        expected: The reference answers.
        base_output: What the base run answered.
        candidate_output: What the candidate answered.
        tags: The case's slice tags.
        explanation: The candidate's score explanation, if any.
    """

    scorer: str
    direction: Literal["newly_failing", "newly_passing"]
    dataset: str | None
    case_id: str
    repeat: int
    input: str
    expected: tuple[str, ...]
    base_output: str | None
    candidate_output: str | None
    tags: dict[str, str] = field(default_factory=dict)
    explanation: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        data = asdict(self)
        data["expected"] = list(self.expected)
        return data


@dataclass(frozen=True)
class Comparison:
    """Everything ``vitals compare BASE CAND`` reports.

    Attributes:
        lineage: Whether the runs are comparable, and how many pairs.
        alpha: Significance level of the verdicts.
        adjustment: Multiple-comparison correction (``holm`` or ``fdr_bh``),
            applied across every scorer × slice comparison.
        comparisons: Overall rows first (one per scorer), then slices.
        flips: Cases whose pass/fail verdict changed.
        min_n: Fewer pairs than this make a verdict ``inconclusive``.
    """

    lineage: Lineage
    alpha: float
    adjustment: str
    comparisons: tuple[MetricComparison, ...]
    flips: tuple[Flip, ...]
    min_n: int

    @property
    def overall(self) -> tuple[MetricComparison, ...]:
        """The whole-run rows, one per scorer."""
        return tuple(c for c in self.comparisons if c.slice is None)

    @property
    def regressions(self) -> tuple[MetricComparison, ...]:
        """Rows with a significant regression after correction."""
        return tuple(c for c in self.comparisons if c.verdict == "regressed")

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form, as printed by ``--json``."""
        lineage = asdict(self.lineage)
        lineage["problems"] = list(self.lineage.problems)
        lineage["notes"] = list(self.lineage.notes)
        return {
            "base_run": self.lineage.base_run,
            "candidate_run": self.lineage.candidate_run,
            "lineage": lineage,
            "alpha": self.alpha,
            "adjustment": self.adjustment,
            "min_n": self.min_n,
            "comparisons": [c.to_dict() for c in self.comparisons],
            "flips": [f.to_dict() for f in self.flips],
        }

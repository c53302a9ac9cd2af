"""What a gate says: each rule's outcome with its evidence, and the overall one.

Plain frozen dataclasses that renderers (terminal, JSON, JUnit, Markdown)
read; none of them recomputes anything. Numbers are formatted here once, so
the evidence a reviewer reads is the same in every report.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from aivitals.comparison import Flip
from aivitals.gate._policy import RuleKind
from aivitals.stats import Estimate, TestResult, fmt_delta, fmt_pvalue, fmt_value

__all__ = ["EXIT_CODES", "GateResult", "Outcome", "RuleOutcome"]

Outcome = Literal["pass", "fail", "inconclusive"]

#: The process exit code of each overall outcome.
EXIT_CODES: dict[Outcome, int] = {"pass": 0, "fail": 1, "inconclusive": 3}


@dataclass(frozen=True)
class RuleOutcome:
    """One rule's outcome on one scope (the whole run or one slice).

    Attributes:
        rule_id: The rule's id in the policy.
        kind: ``min``, ``max_regression``, ``no_new_failures`` or ``min_n``.
        check: What the rule requires, in words.
        description: The policy's own words on the rule, if any.
        scorer: The scorer checked.
        slice: Tag of the slice, ``None`` for the whole run.
        slice_value: Tag value, ``None`` for the whole run.
        outcome: ``pass``, ``fail`` or ``inconclusive``.
        evidence: The numbers behind the outcome, for a reviewer.
        metric: ``pass_rate`` or ``mean``, when known.
        observed: The candidate's estimate (n and interval).
        baseline: The baseline's estimate on the same pairs.
        delta: Candidate minus baseline with its interval.
        test: The paired test of the difference.
        p_adjusted: Its p-value after multiple-comparison correction.
        threshold: The floor, the most negative tolerated delta, the
            required n, or 0 newly failing cases.
        n: Records (or pairs) behind the outcome.
        flips: Newly failing critical cases (``no_new_failures``).
        line: The rule's line in the policy file.
    """

    rule_id: str
    kind: RuleKind
    check: str
    description: str | None
    scorer: str
    slice: str | None
    slice_value: str | None
    outcome: Outcome
    evidence: str
    metric: str | None = None
    observed: Estimate | None = None
    baseline: Estimate | None = None
    delta: Estimate | None = None
    test: TestResult | None = None
    p_adjusted: float | None = None
    threshold: float | None = None
    n: int = 0
    flips: tuple[Flip, ...] = ()
    line: int | None = None

    @property
    def label(self) -> str:
        """``overall`` or ``tag=value``."""
        return "overall" if self.slice is None else f"{self.slice}={self.slice_value}"

    @property
    def name(self) -> str:
        """Unique within a gate: the rule id, and the slice when there is one."""
        return self.rule_id if self.slice is None else f"{self.rule_id} [{self.label}]"

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""

        def est(e: Estimate | None) -> dict[str, Any] | None:
            return e.to_dict() if e is not None else None

        return {
            "rule_id": self.rule_id,
            "name": self.name,
            "kind": self.kind,
            "check": self.check,
            "description": self.description,
            "scorer": self.scorer,
            "slice": self.slice,
            "slice_value": self.slice_value,
            "outcome": self.outcome,
            "evidence": self.evidence,
            "metric": self.metric,
            "observed": est(self.observed),
            "baseline": est(self.baseline),
            "delta": est(self.delta),
            "test": self.test.to_dict() if self.test is not None else None,
            "p_adjusted": self.p_adjusted,
            "threshold": self.threshold,
            "n": self.n,
            "flips": [f.to_dict() for f in self.flips],
            "line": self.line,
        }


@dataclass(frozen=True)
class GateResult:
    """A gate's verdict: every rule's outcome and the overall one.

    Attributes:
        policy: The policy's name.
        policy_file: Where it came from.
        candidate_run: The candidate run id.
        baseline_run: The baseline run id, if one was given.
        on_inconclusive: What an inconclusive gate counts as.
        rules: One outcome per rule and scope, in policy order.
        notes: What the comparison with the baseline noted (lineage).
        duration_s: Time taken to evaluate the gate.
    """

    policy: str
    policy_file: str | None
    candidate_run: str
    baseline_run: str | None
    on_inconclusive: Outcome
    rules: tuple[RuleOutcome, ...]
    notes: tuple[str, ...] = ()
    duration_s: float = 0.0

    @property
    def raw_outcome(self) -> Outcome:
        """Fail if any rule fails, else inconclusive if any is, else pass."""
        outcomes = {r.outcome for r in self.rules}
        if "fail" in outcomes:
            return "fail"
        return "inconclusive" if "inconclusive" in outcomes else "pass"

    @property
    def outcome(self) -> Outcome:
        """The overall outcome after the policy's ``on_inconclusive``."""
        raw = self.raw_outcome
        return self.on_inconclusive if raw == "inconclusive" else raw

    @property
    def exit_code(self) -> int:
        """0 pass, 1 fail, 3 inconclusive."""
        return EXIT_CODES[self.outcome]

    def count(self, outcome: Outcome) -> int:
        """How many rule outcomes are ``outcome``."""
        return sum(r.outcome == outcome for r in self.rules)

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form, as printed by ``--json``."""
        return {
            "policy": self.policy,
            "policy_file": self.policy_file,
            "candidate_run": self.candidate_run,
            "baseline_run": self.baseline_run,
            "outcome": self.outcome,
            "raw_outcome": self.raw_outcome,
            "on_inconclusive": self.on_inconclusive,
            "exit_code": self.exit_code,
            "counts": {o: self.count(o) for o in EXIT_CODES},
            "rules": [r.to_dict() for r in self.rules],
            "notes": list(self.notes),
            "duration_s": self.duration_s,
        }


# ---------------------------------------------------------------- formatting


def fmt_num(x: float | None, pct: bool) -> str:
    """A value as everywhere else (:func:`aivitals.stats.fmt_value`)."""
    return fmt_value(x, pct)


def fmt_diff(x: float | None, pct: bool) -> str:
    """A difference: ``−2.0 pts`` of a rate, ``-0.02`` of a mean."""
    # A typographic minus: evidence is read as prose, not parsed.
    return fmt_delta(x, pct).replace("-", "−")


def fmt_estimate(e: Estimate, pct: bool, *, diff: bool = False) -> str:
    """``74.1% [66.4%, 80.6%]``, or for a difference ``−18.2 pts [−25.0, −11.4]``."""
    head = fmt_diff(e.value, pct) if diff else fmt_num(e.value, pct)
    if e.ci_low is None or e.ci_high is None:
        return head + (f" ({e.reason})" if e.reason else "")
    if diff:
        low, high = (fmt_diff(x, pct).removesuffix(" pts") for x in (e.ci_low, e.ci_high))
    else:
        low, high = fmt_num(e.ci_low, pct), fmt_num(e.ci_high, pct)
    return f"{head} [{low}, {high}]"


def fmt_p(p: float | None) -> str:
    """``p=0.0123`` or ``p<0.0001``."""
    text = fmt_pvalue(p)
    return f"p{text}" if text.startswith("<") else f"p={text}"


def scope_label(scorer: str, tag: str | None, value: str | None) -> str:
    return f"{scorer} overall" if tag is None else f"{scorer} in {tag}={value}"

"""Evaluating a gate policy on a candidate run (and a baseline).

``evaluate_gate`` reads what it needs from the store — the candidate's
summary and, for rules against a baseline, a paired comparison — then
``apply_policy`` decides each rule without touching the store, so the rule
logic is tested on hand-built summaries and comparisons.

Every rule has three outcomes. ``pass`` and ``fail`` are what the evidence
shows; ``inconclusive`` is what too little evidence shows (fewer records than
``min_n``, an interval that straddles the threshold, no baseline).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from aivitals.comparison import Comparison, MetricComparison, compare_runs
from aivitals.errors import ConfigError
from aivitals.evaluation import RunSummary, summarize_run
from aivitals.gate._policy import MinCheck, Policy, RegressionCheck, Rule, RuleKind
from aivitals.gate._result import (
    GateResult,
    Outcome,
    RuleOutcome,
    fmt_diff,
    fmt_estimate,
    fmt_num,
    fmt_p,
    scope_label,
)
from aivitals.stats import Estimate, fmt_pvalue
from aivitals.store import Store, get_run, resolve_run_id

__all__ = ["apply_policy", "evaluate_gate"]

#: Flips to fetch when a rule must see every newly failing critical case.
_ALL_FLIPS = 1_000_000


# ---------------------------------------------------------------- selection

_T = TypeVar("_T")
_Row = tuple[str | None, str | None, _T | None]
"""(tag, tag value, item): ``None`` tag for the whole run, ``None`` item when absent."""


def _tag_matches(actual: str, wanted: str) -> bool:
    """Exact, except that ``true`` / ``True`` (from JSON or Python) are one value."""
    if actual == wanted:
        return True
    return wanted.lower() in ("true", "false") and actual.lower() == wanted.lower()


def _select(rule: Rule, rows: Sequence[_Row[_T]]) -> list[_Row[_T]]:
    """The scopes a rule covers; a placeholder row when none exists."""
    if rule.slice:
        ((tag, value),) = rule.slice.items()
        hits = [r for r in rows if r[0] == tag and r[1] is not None and _tag_matches(r[1], value)]
        return hits or [(tag, value, None)]
    if rule.slices is not None:
        tags = rule.slices
        hits = [r for r in rows if r[0] is not None and (rule.all_slices or r[0] in tags)]
        return hits or [("any tag" if rule.all_slices else ", ".join(tags), "*", None)]
    return [r for r in rows if r[0] is None] or [(None, None, None)]


# ---------------------------------------------------------------- rules


@dataclass(frozen=True)
class _Context:
    """What one rule is judged on."""

    policy: Policy
    index: int
    rule: Rule
    summary: RunSummary
    comparisons: Mapping[float, Comparison] | None
    metric: str | None = None

    def outcome(self, tag: str | None, value: str | None, **kw: Any) -> RuleOutcome:
        return RuleOutcome(
            rule_id=self.policy.rule_id(self.index),
            kind=self.rule.kind,
            check=_check_text(self.policy, self.rule, self.metric),
            description=self.rule.description,
            scorer=self.rule.scorer,
            slice=tag,
            slice_value=value,
            line=self.policy.rule_line(self.index),
            **kw,
        )


def _check_text(policy: Policy, rule: Rule, metric: str | None) -> str:
    pct = metric != "mean"
    name = "pass rate" if metric == "pass_rate" else metric or "value"
    if rule.min is not None:
        if rule.min.value is not None:
            return f"{name} ≥ {fmt_num(rule.min.value, pct)}"
        return f"{name}, lower 95% bound ≥ {fmt_num(rule.min.lower_bound, pct)}"
    if rule.max_regression is not None:
        margin = fmt_diff(rule.max_regression.margin, pct).lstrip("+")
        alpha = policy.rule_alpha(rule)
        return f"no drop of {margin} or more vs baseline (non-inferiority, one-sided α={alpha:g})"
    if rule.no_new_failures is not None:
        crit = rule.no_new_failures
        return f"no case tagged {crit.tag}={crit.value} newly failing"
    return f"at least {policy.rule_min_n(rule)} scored records"


def _too_few(n: int, needed: int, what: str = "records") -> str:
    return f"only {n} {what}, the rule needs {needed} (min_n): add cases or lower min_n"


def _summary_rows(ctx: _Context) -> list[_Row[tuple[str, Estimate]]]:
    scorer = ctx.rule.scorer
    rows: list[_Row[tuple[str, Estimate]]] = [
        (None, None, (s.metric, s.estimate)) for s in ctx.summary.scorers if s.scorer == scorer
    ]
    rows += [
        (s.tag, s.value, (s.metric, s.estimate)) for s in ctx.summary.slices if s.scorer == scorer
    ]
    return rows


def _judge_min(
    ctx: _Context, check: MinCheck, tag: str | None, value: str | None, est: Estimate
) -> RuleOutcome:
    pct = ctx.metric != "mean"
    needed = ctx.policy.rule_min_n(ctx.rule)
    head = f"{scope_label(ctx.rule.scorer, tag, value)}: {fmt_estimate(est, pct)} (n={est.n})"
    floor = fmt_num(check.threshold, pct)
    outcome: Outcome
    if est.n < needed or est.value is None:
        outcome, why = "inconclusive", _too_few(est.n, needed)
    elif check.value is not None:
        if est.value >= check.value:
            outcome, why = "pass", f"floor {floor} met"
        else:
            short = fmt_diff(check.value - est.value, pct).lstrip("+")
            outcome, why = "fail", f"below the floor of {floor} by {short}"
    elif est.ci_low is None or est.ci_high is None:
        outcome, why = "inconclusive", f"no interval ({est.reason})"
    elif est.ci_low >= check.threshold:
        outcome, why = "pass", f"lower bound {fmt_num(est.ci_low, pct)} ≥ {floor}: floor met"
    elif est.ci_high < check.threshold:
        outcome, why = "fail", f"even the upper bound {fmt_num(est.ci_high, pct)} is below {floor}"
    else:
        outcome = "inconclusive"
        why = f"the interval straddles the floor of {floor}: more cases would decide it"
    return ctx.outcome(
        tag,
        value,
        outcome=outcome,
        evidence=f"{head}; {why}.",
        metric=ctx.metric,
        observed=est,
        threshold=check.threshold,
        n=est.n,
    )


def _judge_min_n(ctx: _Context, tag: str | None, value: str | None, est: Estimate) -> RuleOutcome:
    needed = ctx.policy.rule_min_n(ctx.rule)
    ok = est.n >= needed
    verb = "at least" if ok else "fewer than"
    evidence = (
        f"{scope_label(ctx.rule.scorer, tag, value)}: {est.n} scored records, {verb} {needed}."
    )
    return ctx.outcome(
        tag,
        value,
        outcome="pass" if ok else "fail",
        evidence=evidence,
        metric=ctx.metric,
        observed=est,
        threshold=float(needed),
        n=est.n,
    )


def _candidate_rules(ctx: _Context) -> list[RuleOutcome]:
    results = []
    for tag, value, item in _select(ctx.rule, _summary_rows(ctx)):
        metric, est = item or (ctx.metric, Estimate(None, None, None, 0, "", "no scored records"))
        here = _with_metric(ctx, metric)
        check = ctx.rule.min
        if check is None:
            results.append(_judge_min_n(here, tag, value, est))
        else:
            results.append(_judge_min(here, check, tag, value, est))
    return results


def _with_metric(ctx: _Context, metric: str | None) -> _Context:
    return _Context(ctx.policy, ctx.index, ctx.rule, ctx.summary, ctx.comparisons, metric)


def _comparison_head(c: MetricComparison, adjustment: str, level: float) -> str:
    pct = c.metric == "pass_rate"
    where = scope_label(c.scorer, c.slice, c.slice_value)
    delta = fmt_estimate(c.delta, pct, diff=True)
    return (
        f"{where}: {fmt_estimate(c.candidate, pct)} vs baseline {fmt_estimate(c.base, pct)} "
        f"on {c.test.n} pairs; Δ {delta} "
        f"({level:.0%} intervals), {c.test.test} {fmt_p(c.test.p_value)} "
        f"({adjustment}-adjusted {fmt_pvalue(c.p_adjusted)})"
    )


def _judge_regression(
    ctx: _Context, check: RegressionCheck, c: MetricComparison, comparison: Comparison
) -> RuleOutcome:
    """Non-inferiority of one row: H0 Δ ≤ −margin against H1 Δ > −margin.

    The comparison was computed at ``2α``, so the lower end of its two-sided
    interval is the one-sided ``1 − α`` bound: above ``−margin`` is a pass.
    A fail needs more than "not shown": a drop that is significant after the
    comparison's multiple-testing correction (two-sided p < 2α with Δ < 0 is
    one-sided p < α), so that gating many slices does not fail by chance.
    What is neither is inconclusive: too few pairs to tell.
    """
    pct = c.metric == "pass_rate"
    needed = ctx.policy.rule_min_n(ctx.rule)
    margin = fmt_diff(check.margin, pct).lstrip("+")
    head = _comparison_head(c, comparison.adjustment, 1 - comparison.alpha)
    low = c.delta.ci_low
    significant_drop = (
        c.p_adjusted is not None
        and c.p_adjusted < comparison.alpha
        and c.delta.value is not None
        and c.delta.value < 0
    )
    outcome: Outcome
    if c.test.n < needed:
        outcome, why = "inconclusive", _too_few(c.test.n, needed, "pairs")
    elif low is None:
        outcome, why = "inconclusive", f"no interval for the difference ({c.delta.reason})"
    elif low > -check.margin:
        outcome = "pass"
        why = f"non-inferior within {margin} (lower bound {fmt_diff(low, pct)} > −{margin})"
    elif significant_drop:
        outcome = "fail"
        why = (
            f"non-inferiority margin {margin} not met: a significant drop, "
            f"lower bound {fmt_diff(low, pct)} below −{margin}"
        )
    else:
        outcome = "inconclusive"
        why = (
            f"cannot show the drop is under {margin} (lower bound {fmt_diff(low, pct)}) nor that "
            "there is a significant drop: more cases would decide it"
        )
    return ctx.outcome(
        c.slice,
        c.slice_value,
        outcome=outcome,
        evidence=f"{head}; {why}.",
        metric=c.metric,
        observed=c.candidate,
        baseline=c.base,
        delta=c.delta,
        test=c.test,
        p_adjusted=c.p_adjusted,
        threshold=-check.margin,
        n=c.test.n,
    )


def _no_baseline(ctx: _Context) -> list[RuleOutcome]:
    return [
        ctx.outcome(
            tag,
            value,
            outcome="inconclusive",
            evidence=f"{scope_label(ctx.rule.scorer, tag, value)}: needs a baseline run "
            "(--baseline).",
        )
        for tag, value, _ in _select(ctx.rule, [(None, None, None)])
    ]


def _regression_rules(ctx: _Context) -> list[RuleOutcome]:
    check = ctx.rule.max_regression
    if check is None:
        raise TypeError("not a max_regression rule")
    if not ctx.comparisons:
        return _no_baseline(ctx)
    alpha = ctx.policy.rule_alpha(ctx.rule)
    comparison = ctx.comparisons.get(alpha)
    if comparison is None:
        raise ValueError(
            f"no baseline comparison for one-sided α={alpha:g} (computed at {2 * alpha:g})"
        )
    rows: list[_Row[MetricComparison]] = [
        (c.slice, c.slice_value, c) for c in comparison.comparisons if c.scorer == ctx.rule.scorer
    ]
    results = []
    for tag, value, c in _select(ctx.rule, rows):
        if c is None:
            why = "not compared (absent from the baseline, or no pairs in this slice)"
            evidence = f"{scope_label(ctx.rule.scorer, tag, value)}: {why}."
            results.append(ctx.outcome(tag, value, outcome="inconclusive", evidence=evidence))
        else:
            results.append(_judge_regression(_with_metric(ctx, c.metric), check, c, comparison))
    return results


def _critical_rule(ctx: _Context) -> list[RuleOutcome]:
    crit = ctx.rule.no_new_failures
    if crit is None:
        raise TypeError("not a no_new_failures rule")
    if not ctx.comparisons:
        return _no_baseline(ctx)
    comparison = next(iter(ctx.comparisons.values()))
    scorer, label = ctx.rule.scorer, f"{crit.tag}={crit.value}"
    rows = [
        c
        for c in comparison.comparisons
        if c.scorer == scorer
        and c.slice == crit.tag
        and _tag_matches(c.slice_value or "", crit.value)
    ]
    n = sum(c.test.n for c in rows)
    flips = [
        f
        for f in comparison.flips
        if f.scorer == scorer and _tag_matches(f.tags.get(crit.tag, ""), crit.value)
    ]
    failing = tuple(f for f in flips if f.direction == "newly_failing")
    needed = ctx.policy.rule_min_n(ctx.rule)
    outcome: Outcome
    if any(c.metric != "pass_rate" for c in rows):
        outcome, evidence = "inconclusive", f"{scorer} gives no pass/fail verdicts to compare."
    elif failing:
        ids = ", ".join(f.case_id for f in failing[:10]) + (" …" if len(failing) > 10 else "")
        outcome = "fail"
        evidence = (
            f"{len(failing)} of {n} cases tagged {label} passed {scorer} in the baseline and "
            f"fail in the candidate: {ids}."
        )
    elif n == 0:
        outcome = "inconclusive"
        evidence = (
            f"{scorer}: no compared case is tagged {label}; check the tag, or that the "
            "baseline ran these cases."
        )
    elif n < needed:
        outcome = "inconclusive"
        evidence = f"{scorer}: {_too_few(n, needed, f'compared cases tagged {label}')}."
    else:
        outcome = "pass"
        evidence = (
            f"none of the {n} compared cases tagged {label} newly fails {scorer} "
            f"({len(flips) - len(failing)} newly pass)."
        )
    return [
        ctx.outcome(
            None,
            None,
            outcome=outcome,
            evidence=evidence,
            metric="pass_rate",
            threshold=0.0,
            n=n,
            flips=failing,
        )
    ]


_JUDGES: dict[RuleKind, Callable[[_Context], list[RuleOutcome]]] = {
    "min": _candidate_rules,
    "min_n": _candidate_rules,
    "max_regression": _regression_rules,
    "no_new_failures": _critical_rule,
}


def apply_policy(
    policy: Policy,
    candidate: RunSummary,
    comparisons: Mapping[float, Comparison] | None = None,
    *,
    baseline_run: str | None = None,
) -> GateResult:
    """Decide every rule of ``policy`` on a candidate summary and comparisons.

    Args:
        policy: The gate policy.
        candidate: The candidate run's summary.
        comparisons: Baseline comparisons keyed by the one-sided α of the
            ``max_regression`` rules that use them; each computed at
            ``alpha = 2α``, so that the lower end of its two-sided interval
            is the one-sided bound. ``None`` without a baseline.
        baseline_run: The baseline run id, for the report.
    """
    results: list[RuleOutcome] = []
    for index, rule in enumerate(policy.rules):
        metric = next((s.metric for s in candidate.scorers if s.scorer == rule.scorer), None)
        ctx = _Context(policy, index, rule, candidate, comparisons, metric)
        results.extend(_JUDGES[rule.kind](ctx))
    notes: list[str] = []
    if comparisons:
        # Every comparison is of the same two runs: their lineage is the same.
        lineage = next(iter(comparisons.values())).lineage
        notes = [f"mismatch allowed: {p}" for p in lineage.problems] + list(lineage.notes)
        baseline_run = baseline_run or lineage.base_run
    return GateResult(
        policy=policy.name,
        policy_file=policy.file,
        candidate_run=candidate.run_id,
        baseline_run=baseline_run,
        on_inconclusive=policy.on_inconclusive,
        rules=tuple(results),
        notes=tuple(notes),
    )


def _check_scorers(policy: Policy, scorers: set[str]) -> None:
    problems = [
        policy.problem(
            i,
            "scorer",
            f"scorer '{rule.scorer}' is not in the candidate run; it has "
            f"{', '.join(sorted(scorers)) or 'no scorers'}",
        )
        for i, rule in enumerate(policy.rules)
        if rule.scorer not in scorers
    ]
    if problems:
        raise ConfigError(problems)


def evaluate_gate(
    store: Store, policy: Policy, candidate_ref: str, baseline_ref: str | None = None
) -> GateResult:
    """Evaluate ``policy`` on a stored candidate run, against a baseline run.

    Non-inferiority (``max_regression``) at one-sided level α uses the
    baseline comparison computed at ``alpha = 2α``: the lower end of its
    two-sided ``1 − 2α`` interval is the one-sided ``1 − α`` bound. Rules
    with different α get one comparison each.

    Args:
        store: The store holding the runs.
        policy: The policy to apply.
        candidate_ref: Candidate run id, unique prefix or ``latest``.
        baseline_ref: Baseline run, for ``max_regression`` and
            ``no_new_failures`` rules; without it they are inconclusive.

    Raises:
        ConfigError: A rule names a scorer the candidate run does not have.
        LineageError: The runs measured different things and the policy
            does not ``allow_mismatch``.
        StoreError: A run reference matches no run, or several.
    """
    started = time.perf_counter()
    candidate = get_run(store, candidate_ref)
    cand_id = str(candidate["run_id"])
    _check_scorers(policy, {s["name"] for s in candidate["manifest"].get("scorers", [])})
    base_id = resolve_run_id(store, baseline_ref) if baseline_ref is not None else None
    summary = summarize_run(store, cand_id)
    kinds = {r.kind for r in policy.rules}
    comparisons: dict[float, Comparison] | None = None
    if base_id is not None and kinds & {"max_regression", "no_new_failures"}:
        alphas = {policy.rule_alpha(r) for r in policy.rules if r.kind == "max_regression"}
        flips = _ALL_FLIPS if "no_new_failures" in kinds else 0
        comparisons = {
            alpha: compare_runs(
                store,
                base_id,
                cand_id,
                allow_mismatch=policy.allow_mismatch,
                alpha=2 * alpha,
                adjustment=policy.adjustment,
                min_n=policy.min_n,
                max_flips=flips,
                # The family corrected for is the scorers the policy judges.
                scorers=sorted({r.scorer for r in policy.rules}),
            )
            for alpha in sorted(alphas or {policy.alpha})
        }
    result = apply_policy(policy, summary, comparisons, baseline_run=base_id)
    return replace(result, duration_s=time.perf_counter() - started)

"""``compare_runs``: paired comparison of two runs, per scorer and slice.

Records are aligned by (dataset name, case id, repeat) in DuckDB; counts and
sums come back per scorer and per slice from ``GROUP BY`` queries, and only
numeric differences (for the Wilcoxon test) and flipped cases travel to
Python. Pass/fail scorers get McNemar's test and Newcombe's paired interval
for the difference of pass rates; numeric scorers a paired bootstrap
interval of the mean difference (2,000 resamples) and the Wilcoxon
signed-rank test. P-values are corrected
across every scorer × slice row (Holm by default).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from aivitals.comparison._lineage import check_lineage
from aivitals.comparison._model import Comparison, Flip, Lineage, MetricComparison, Verdict
from aivitals.errors import LineageError, Problem
from aivitals.model import input_text
from aivitals.stats import (
    Estimate,
    MeanStats,
    ProportionStats,
    TestResult,
    adjust_pvalues,
    mcnemar,
    paired_bootstrap_mean_difference,
    paired_proportion_difference,
    wilcoxon_signed_rank,
)
from aivitals.store import Store, get_run

__all__ = ["compare_runs"]

_PAIRS = "_aivitals_pairs"

_CREATE_PAIRS = f"""
CREATE OR REPLACE TEMP TABLE {_PAIRS} AS
WITH b AS (
    SELECT split_part(r.dataset, '@', 1) AS ds, r.case_id, r.repeat, s.scorer,
           s.value, s.passed, r.output
    FROM records r JOIN scores s USING (record_id)
    WHERE r.run_id = $base AND r.error IS NULL
), c AS (
    SELECT split_part(r.dataset, '@', 1) AS ds, r.case_id, r.repeat, s.scorer,
           s.value, s.passed, r.output, r.tags, r.input, r.expected, r.dataset,
           s.explanation
    FROM records r JOIN scores s USING (record_id)
    WHERE r.run_id = $cand AND r.error IS NULL
)
SELECT c.scorer, c.ds, c.dataset, c.case_id, c.repeat, c.tags, c.input, c.expected,
       b.value AS b_value, c.value AS c_value, b.passed AS b_passed, c.passed AS c_passed,
       b.output AS b_output, c.output AS c_output, c.explanation
FROM b JOIN c USING (ds, case_id, repeat, scorer)
WHERE list_contains($scorers, c.scorer)
"""

# Slices: one row per (pair, tag) through the candidate's tags.
_SLICED = f"""
(SELECT p.*, k.key AS tag, p.tags[k.key] AS tag_value
 FROM {_PAIRS} p, unnest(map_keys(p.tags)) AS k(key))
"""

_BINARY = """
SELECT scorer, {keys}
       count_if(b_passed AND c_passed) AS n11, count_if(b_passed AND NOT c_passed) AS n10,
       count_if(NOT b_passed AND c_passed) AS n01, count_if(NOT b_passed AND NOT c_passed) AS n00
FROM {source}
WHERE b_passed IS NOT NULL AND c_passed IS NOT NULL AND list_contains($binary, scorer)
GROUP BY ALL ORDER BY ALL
"""

_NUMERIC = """
SELECT scorer, {keys}
       count(*) AS n, sum(b_value) AS sb, sum(b_value * b_value) AS ssb,
       sum(c_value) AS sc, sum(c_value * c_value) AS ssc
FROM {source}
WHERE b_value IS NOT NULL AND c_value IS NOT NULL AND NOT list_contains($binary, scorer)
GROUP BY ALL ORDER BY ALL
"""

_DIFFERENCES = """
SELECT c_value - b_value AS d
FROM {source}
WHERE b_value IS NOT NULL AND c_value IS NOT NULL AND NOT list_contains($binary, scorer)
ORDER BY scorer, {order} d
"""

_FLIPS = f"""
SELECT scorer, dataset, case_id, repeat, input, expected, tags, b_output, c_output,
       explanation, b_passed
FROM {_PAIRS}
WHERE b_passed IS NOT NULL AND c_passed IS NOT NULL AND b_passed <> c_passed
ORDER BY b_passed DESC, scorer, dataset, case_id, repeat
LIMIT $limit
"""


@dataclass(frozen=True)
class _Row:
    """A comparison before multiple-testing correction."""

    scorer: str
    tag: str | None
    value: str | None
    metric: str
    base: Estimate
    candidate: Estimate
    delta: Estimate
    test: TestResult


_Key = tuple[str, str | None, str | None]
"""(scorer, tag, tag value); the tag is ``None`` for the whole run."""


def _binary_row(key: _Key, counts: tuple[int, ...], alpha: float) -> _Row:
    n11, n10, n01, n00 = (int(x) for x in counts)
    n = n11 + n10 + n01 + n00
    return _Row(
        *key,
        "pass_rate",
        ProportionStats(n, n11 + n10).estimate(alpha),
        ProportionStats(n, n11 + n01).estimate(alpha),
        paired_proportion_difference(n11, n10, n01, n00, alpha=alpha),
        mcnemar(n10, n01, n=n),
    )


def _numeric_row(
    key: _Key, sums: tuple[Any, ...], differences: np.ndarray[Any, Any], alpha: float
) -> _Row:
    n, sb, ssb, sc, ssc = sums
    n = int(n)
    return _Row(
        *key,
        "mean",
        MeanStats(n, float(sb), float(ssb)).estimate(alpha),
        MeanStats(n, float(sc), float(ssc)).estimate(alpha),
        # Pairs resampled whole (BCa for small slices; see aivitals.stats
        # for the equivalent cheaper paths it takes on large ones).
        paired_bootstrap_mean_difference(np.zeros_like(differences), differences, alpha=alpha),
        wilcoxon_signed_rank(differences.tolist()),
    )


def _verdict(row: _Row, p_adjusted: float | None, alpha: float, min_n: int) -> Verdict:
    if row.test.n < min_n:
        return "inconclusive"
    if p_adjusted is None or p_adjusted >= alpha or not row.delta.value:
        return "no_significant_change"
    return "improved" if row.delta.value > 0 else "regressed"


class _Query:
    """The SQL of one comparison, bound to its parameters."""

    def __init__(self, store: Store, binary: list[str]):
        self.store = store
        self.binary = binary

    def rows(self, template: str, *, sliced: bool) -> list[tuple[Any, ...]]:
        sql = template.format(
            keys="tag, tag_value," if sliced else "",
            source=_SLICED if sliced else _PAIRS,
            order="tag, tag_value," if sliced else "",
        )
        return self.store.con.execute(sql, {"binary": self.binary}).fetchall()

    def differences(self, *, sliced: bool) -> np.ndarray[Any, Any]:
        sql = _DIFFERENCES.format(
            source=_SLICED if sliced else _PAIRS, order="tag, tag_value," if sliced else ""
        )
        arrays = self.store.con.execute(sql, {"binary": self.binary}).fetchnumpy()
        return np.asarray(arrays["d"], dtype=float)


def _key(record: tuple[Any, ...], sliced: bool) -> _Key:
    return (record[0], record[1], record[2]) if sliced else (record[0], None, None)


def _collect(query: _Query, alpha: float) -> list[_Row]:
    rows: list[_Row] = []
    for sliced in (False, True):
        for record in query.rows(_BINARY, sliced=sliced):
            rows.append(_binary_row(_key(record, sliced), record[len(record) - 4 :], alpha))
        numeric = query.rows(_NUMERIC, sliced=sliced)
        if not numeric:
            continue
        # Differences come back sorted in the same group order as the sums,
        # so each group's slice of the array is consecutive.
        differences = query.differences(sliced=sliced)
        start = 0
        for record in numeric:
            sums = record[len(record) - 5 :]
            stop = start + int(sums[0])
            rows.append(_numeric_row(_key(record, sliced), sums, differences[start:stop], alpha))
            start = stop
    return rows


def _flips(store: Store, limit: int) -> list[Flip]:
    flips = []
    for row in store.con.execute(_FLIPS, {"limit": limit}).fetchall():
        scorer, dataset, case_id, repeat, inp, expected, tags, b_out, c_out, why, b_passed = row
        flips.append(
            Flip(
                scorer=scorer,
                direction="newly_failing" if b_passed else "newly_passing",
                dataset=dataset,
                case_id=case_id,
                repeat=int(repeat),
                input=input_text(json.loads(inp)),
                expected=tuple(json.loads(expected or "[]")),
                base_output=b_out,
                candidate_output=c_out,
                tags=dict(tags or {}),
                explanation=why,
            )
        )
    return flips


def _count(store: Store, run_id: str) -> int:
    row = store.one("SELECT count(*) FROM records WHERE run_id = ? AND error IS NULL", [run_id])
    return int(row[0]) if row else 0


def compare_runs(
    store: Store,
    base: str,
    candidate: str,
    *,
    allow_mismatch: bool = False,
    alpha: float = 0.05,
    adjustment: Literal["holm", "fdr_bh"] = "holm",
    min_n: int = 10,
    max_flips: int = 200,
    scorers: Sequence[str] | None = None,
) -> Comparison:
    """Compare a candidate run with a base run, pair by pair.

    Args:
        store: The store holding both runs.
        base: Base run (id, unique prefix or ``latest``).
        candidate: Candidate run.
        allow_mismatch: Compare even when datasets or scorer specs differ
            (on the cases and scorers both runs have), and say so.
        alpha: Significance level; intervals are at ``1 - alpha``.
        adjustment: ``holm`` (family-wise) or ``fdr_bh`` (false discovery).
        min_n: Rows with fewer pairs are ``inconclusive``.
        max_flips: At most this many flipped cases are returned.
        scorers: Compare only these scorers (by their names in the runs);
            the multiple-testing family is then their rows only.

    Raises:
        LineageError: The runs measured different things and
            ``allow_mismatch`` is off; the message lists each difference.
    """
    base_row, cand_row = get_run(store, base), get_run(store, candidate)
    base_id, cand_id = base_row["run_id"], cand_row["run_id"]
    problems, notes, same = check_lineage(base_row["manifest"], cand_row["manifest"])
    if problems and not allow_mismatch:
        raise LineageError(
            [Problem(f"runs {base_id} and {cand_id} are not comparable: {p}") for p in problems]
            + [Problem("compare anyway with --allow-mismatch (only what both runs share)")]
        )
    if allow_mismatch:
        both = {s["name"] for s in base_row["manifest"]["scorers"]} & {
            s["name"] for s in cand_row["manifest"]["scorers"]
        }
        compared = sorted(both)
    else:
        compared = same
    if scorers is not None:
        compared = [s for s in compared if s in set(scorers)]
    store.con.execute(_CREATE_PAIRS, {"base": base_id, "cand": cand_id, "scorers": compared})
    try:
        binary = [
            r[0]
            for r in store.con.execute(
                f"SELECT DISTINCT scorer FROM {_PAIRS} WHERE b_passed IS NOT NULL "
                "AND c_passed IS NOT NULL ORDER BY scorer"
            ).fetchall()
        ]
        rows = _collect(_Query(store, binary), alpha)
        n_aligned_row = store.one(f"SELECT count(DISTINCT (ds, case_id, repeat)) FROM {_PAIRS}")
        flips = _flips(store, max_flips)
    finally:
        store.con.execute(f"DROP TABLE IF EXISTS {_PAIRS}")
    adjusted = adjust_pvalues([r.test.p_value for r in rows], method=adjustment)
    comparisons = tuple(
        MetricComparison(
            scorer=r.scorer,
            slice=r.tag,
            slice_value=r.value,
            metric=r.metric,
            base=r.base,
            candidate=r.candidate,
            delta=r.delta,
            test=r.test,
            p_adjusted=p,
            verdict=_verdict(r, p, alpha, min_n),
        )
        for r, p in zip(rows, adjusted, strict=True)
    )
    n_base, n_cand = _count(store, base_id), _count(store, cand_id)
    n_aligned = int(n_aligned_row[0]) if n_aligned_row else 0
    if n_aligned < max(n_base, n_cand):
        unmatched = max(n_base, n_cand) - n_aligned
        notes.append(f"{unmatched} records have no counterpart; compared {n_aligned} pairs")
    lineage = Lineage(
        base_run=base_id,
        candidate_run=cand_id,
        problems=tuple(problems),
        allowed_mismatch=allow_mismatch and bool(problems),
        n_base=n_base,
        n_candidate=n_cand,
        n_aligned=n_aligned,
        notes=tuple(notes),
    )
    return Comparison(lineage, alpha, adjustment, comparisons, tuple(flips), min_n)

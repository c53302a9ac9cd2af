"""Power planning: what a golden set can detect, and what it would need.

For each pass/fail scorer of a stored run, over the whole run and in each
slice: its cases and pass rate, the smallest drop a comparison against
another run on the same cases would detect (the minimum detectable effect),
and the cases needed to detect a given drop. A slice with fewer cases than
that is *underpowered*: a regression of that size there would usually go
unnoticed.

Comparisons are paired (both runs score the same cases), so the planner
assumes McNemar's test (:mod:`aivitals.stats._power`); without a known
share of flipping verdicts it assumes independent verdicts, which makes the
answers an upper bound on the cases needed. Repeats of a case are not extra
cases: ``n`` counts distinct (dataset, case id), and the pass rate pools all
verdicts. Counting happens in DuckDB by ``GROUP BY``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aivitals.errors import InputError, Problem
from aivitals.stats import DetectableDrop, SampleSize, mde_proportion, sample_size_for_drop
from aivitals.store import Store, resolve_run_id

__all__ = ["Plan", "PlanRow", "plan_rate", "plan_run"]


@dataclass(frozen=True)
class PlanRow:
    """One scorer overall or in one slice.

    Attributes:
        scorer: The scorer, ``None`` when planning from a given rate.
        slice: Tag name, ``None`` for the whole run.
        slice_value: Tag value, ``None`` for the whole run.
        n: Distinct cases with a verdict; ``None`` when planning from a
            rate without a number of cases.
        pass_rate: The pass rate the plan starts from.
        detectable: The smallest detectable drop at ``n`` (``None``
            without ``n``).
        needed: Cases needed to detect the plan's drop.
    """

    scorer: str | None
    slice: str | None
    slice_value: str | None
    n: int | None
    pass_rate: float
    detectable: DetectableDrop | None
    needed: SampleSize

    @property
    def label(self) -> str:
        """``overall`` or ``tag=value``."""
        return "overall" if self.slice is None else f"{self.slice}={self.slice_value}"

    @property
    def underpowered(self) -> bool | None:
        """Fewer cases than the drop needs; ``None`` when that cannot be said."""
        if self.n is None or self.needed.n is None:
            return None
        return self.n < self.needed.n

    @property
    def reason(self) -> str | None:
        """Why a number is missing, if one is."""
        if self.needed.reason is not None:
            return self.needed.reason
        return self.detectable.reason if self.detectable is not None else None

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        return {
            "scorer": self.scorer,
            "slice": self.slice,
            "slice_value": self.slice_value,
            "n": self.n,
            "pass_rate": self.pass_rate,
            "detectable_drop": self.detectable.drop if self.detectable is not None else None,
            "needed": self.needed.n,
            "underpowered": self.underpowered,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Plan:
    """Everything ``vitals plan`` reports.

    Attributes:
        run_id: The run planned from, ``None`` for a plan from a given rate.
        drop: The drop (absolute) each row's ``needed`` is for.
        alpha: Two-sided significance level.
        power: Wanted probability of detecting ``drop``.
        discordance: Assumed share of verdicts that flip between runs;
            ``None``: as if verdicts were independent (an upper bound).
        method: The test and design the numbers assume (``None`` without rows).
        rows: Overall rows first (one per scorer), then slices.
        skipped: Scorers without pass/fail verdicts (numeric only).
    """

    run_id: str | None
    drop: float
    alpha: float
    power: float
    discordance: float | None
    method: str | None
    rows: tuple[PlanRow, ...]
    skipped: tuple[str, ...] = ()

    @property
    def underpowered(self) -> tuple[PlanRow, ...]:
        """Rows with fewer cases than the drop needs."""
        return tuple(r for r in self.rows if r.underpowered)

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form, as printed by ``--json``."""
        return {
            "run_id": self.run_id,
            "drop": self.drop,
            "alpha": self.alpha,
            "power": self.power,
            "discordance": self.discordance,
            "method": self.method,
            "rows": [r.to_dict() for r in self.rows],
            "skipped": list(self.skipped),
        }


_CASE = "(r.dataset, coalesce(r.case_id, r.record_id))"

_SCORER_COUNTS = f"""
SELECT s.scorer, NULL AS tag, NULL AS tag_value,
       count(DISTINCT {_CASE}) AS n_cases, count(*) AS n_verdicts, count_if(s.passed) AS passes
FROM scores s JOIN records r ON r.record_id = s.record_id AND r.run_id = s.run_id
WHERE s.run_id = $run AND s.passed IS NOT NULL
GROUP BY s.scorer ORDER BY min(s.rowid)
"""

_SLICE_COUNTS = f"""
SELECT s.scorer, k.key AS tag, r.tags[k.key] AS tag_value,
       count(DISTINCT {_CASE}) AS n_cases, count(*) AS n_verdicts, count_if(s.passed) AS passes
FROM scores s JOIN records r ON r.record_id = s.record_id AND r.run_id = s.run_id,
     unnest(map_keys(r.tags)) AS k(key)
WHERE s.run_id = $run AND s.passed IS NOT NULL
GROUP BY ALL ORDER BY s.scorer, tag, tag_value
"""

_NUMERIC_ONLY = """
SELECT scorer FROM scores WHERE run_id = $run
GROUP BY scorer HAVING count(passed) = 0 ORDER BY min(rowid)
"""


def _check_options(
    drop: float, alpha: float, power: float, discordance: float | None
) -> list[Problem]:
    problems = []
    if not 0.0 < drop <= 1.0:
        problems.append(Problem(f"must be a drop in (0, 1], got {drop}", field="drop"))
    if not 0.0 < alpha < 1.0:
        problems.append(Problem(f"must be between 0 and 1, got {alpha}", field="alpha"))
    if not 0.0 < power < 1.0:
        problems.append(Problem(f"must be between 0 and 1, got {power}", field="power"))
    if discordance is not None and not 0.0 < discordance <= 1.0:
        problems.append(
            Problem(f"must be a share in (0, 1], got {discordance}", field="discordance")
        )
    return problems


@dataclass(frozen=True)
class _Options:
    drop: float
    alpha: float
    power: float
    discordance: float | None

    def row(
        self, scorer: str | None, tag: str | None, value: str | None, n: int | None, rate: float
    ) -> PlanRow:
        alpha, power, discordance = self.alpha, self.power, self.discordance
        detectable: DetectableDrop | None = None
        if n is not None:
            detectable = mde_proportion(
                n, rate, alpha=alpha, power=power, paired=True, discordance=discordance
            )
        needed = sample_size_for_drop(
            rate, self.drop, alpha=alpha, power=power, paired=True, discordance=discordance
        )
        return PlanRow(scorer, tag, value, n, rate, detectable, needed)

    def plan(
        self, run_id: str | None, counts: list[tuple[Any, ...]], skipped: tuple[str, ...] = ()
    ) -> Plan:
        rows = tuple(
            self.row(scorer, tag, value, n, passes / verdicts)
            for scorer, tag, value, n, verdicts, passes in counts
        )
        return Plan(
            run_id=run_id,
            drop=self.drop,
            alpha=self.alpha,
            power=self.power,
            discordance=self.discordance,
            method=rows[0].needed.method if rows else None,
            rows=rows,
            skipped=skipped,
        )


def plan_run(
    store: Store,
    run_ref: str,
    *,
    drop: float = 0.05,
    alpha: float = 0.05,
    power: float = 0.8,
    discordance: float | None = None,
) -> Plan:
    """Plan from a stored run: per scorer and slice, what its golden set detects.

    Args:
        store: The store holding the run.
        run_ref: Run id, a unique prefix, or ``latest``.
        drop: The drop in pass rate to plan for, absolute (0.05 = 5 points).
        alpha: Two-sided significance level of the comparison.
        power: Wanted probability of detecting ``drop``.
        discordance: Expected share of cases whose verdict flips between
            the runs compared; ``None`` assumes independent verdicts.

    Raises:
        InputError: An option out of range, naming it.
        StoreError: No such run, or an ambiguous prefix.
    """
    problems = _check_options(drop, alpha, power, discordance)
    if problems:
        raise InputError(problems)
    run_id = resolve_run_id(store, run_ref)
    params = {"run": run_id}
    counts = store.con.execute(_SCORER_COUNTS, params).fetchall()
    counts += store.con.execute(_SLICE_COUNTS, params).fetchall()
    skipped = tuple(row[0] for row in store.con.execute(_NUMERIC_ONLY, params).fetchall())
    return _Options(drop, alpha, power, discordance).plan(run_id, counts, skipped)


def plan_rate(
    rate: float,
    *,
    n: int | None = None,
    drop: float = 0.05,
    alpha: float = 0.05,
    power: float = 0.8,
    discordance: float | None = None,
) -> Plan:
    """Plan from a given pass rate, without a run: one row.

    Args:
        rate: The base pass rate, in [0, 1].
        n: Cases in the golden set, for its minimum detectable drop.
        drop: The drop in pass rate to plan for, absolute.
        alpha: Two-sided significance level of the comparison.
        power: Wanted probability of detecting ``drop``.
        discordance: Expected share of cases whose verdict flips.

    Raises:
        InputError: An option out of range, naming it.
    """
    problems = _check_options(drop, alpha, power, discordance)
    if not 0.0 <= rate <= 1.0:
        problems.append(Problem(f"must be a pass rate in [0, 1], got {rate}", field="rate"))
    if n is not None and n < 0:
        problems.append(Problem(f"must be a number of cases >= 0, got {n}", field="cases"))
    if problems:
        raise InputError(problems)
    return _Options(drop, alpha, power, discordance).plan(None, [(None, None, None, n, 1, rate)])

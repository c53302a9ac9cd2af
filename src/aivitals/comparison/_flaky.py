"""Flakiness: cases whose verdict changes across repeats and runs.

A case is flaky for a scorer when, over the selected runs, its pass/fail
verdicts are not all the same. Verdicts are pooled by (dataset, case id,
scorer); the dataset key includes its content hash, so a case is only pooled
with runs that saw the same dataset version. Records that errored have no
verdict and are left out, as are scores without a pass/fail (numeric scorers
with no threshold). Counting happens in DuckDB by ``GROUP BY``; Python only
turns the counts into Wilson intervals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aivitals.errors import InputError, Problem
from aivitals.stats import Estimate, ProportionStats
from aivitals.store import Store, resolve_run_id

__all__ = ["CaseVerdict", "FlakyCase", "case_history", "flaky_cases", "select_runs"]

#: Inputs longer than this are cut for display (with a trailing ellipsis).
INPUT_CHARS = 80


@dataclass(frozen=True)
class FlakyCase:
    """One case whose verdicts for one scorer vary across repeats and runs.

    Attributes:
        dataset: ``name@version`` of the dataset the case belongs to.
        case_id: The case's id within the dataset.
        scorer: The scorer whose verdicts vary.
        n: Verdicts observed (records without error, with a pass/fail).
        passed: How many of them passed (``0 < passed < n``).
        pass_rate: ``passed / n`` with a 95% Wilson interval.
        n_runs: Distinct runs the verdicts come from.
        history: One letter per verdict, ``P`` pass or ``F`` fail, in run
            order (oldest first) then repeat order.
        input: The case's input as text, cut to ``INPUT_CHARS`` characters.
    """

    dataset: str
    case_id: str
    scorer: str
    n: int
    passed: int
    pass_rate: Estimate
    n_runs: int
    history: str
    input: str

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form, as printed by ``vitals flaky --json``."""
        return {
            "dataset": self.dataset,
            "case_id": self.case_id,
            "scorer": self.scorer,
            "n": self.n,
            "passed": self.passed,
            "pass_rate": self.pass_rate.to_dict(),
            "n_runs": self.n_runs,
            "history": self.history,
            "input": self.input,
        }


@dataclass(frozen=True)
class CaseVerdict:
    """One scorer's verdict on one record of a case, for drill-down."""

    run_id: str
    run_name: str
    started_at: datetime
    dataset: str
    case_id: str
    repeat: int | None
    scorer: str
    passed: bool | None
    value: float | None
    output: str | None

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form (``started_at`` as ISO 8601)."""
        return {
            "run_id": self.run_id,
            "run_name": self.run_name,
            "started_at": self.started_at.isoformat(),
            "dataset": self.dataset,
            "case_id": self.case_id,
            "repeat": self.repeat,
            "scorer": self.scorer,
            "passed": self.passed,
            "value": self.value,
            "output": self.output,
        }


_SELECT_RUNS = """
SELECT run_id FROM runs
WHERE status = 'completed' AND ($suite IS NULL OR name = $suite)
ORDER BY started_at DESC, run_id DESC
LIMIT $last
"""

# Text inputs are JSON strings: show their text; chat inputs stay JSON.
_INPUT_TEXT = (
    "CASE WHEN json_type(r.input) = 'VARCHAR' THEN r.input ->> '$' "
    "ELSE CAST(r.input AS VARCHAR) END"
)

_VERDICTS = f"""
WITH verdicts AS (
    SELECT r.dataset, r.case_id, s.scorer, s.passed, r.run_id,
           u.started_at, r.repeat, r.rowid AS pos, {_INPUT_TEXT} AS input_text
    FROM scores s
    JOIN records r ON r.record_id = s.record_id
    JOIN runs u ON u.run_id = r.run_id
    WHERE s.run_id IN (SELECT unnest($runs)) AND r.error IS NULL AND s.passed IS NOT NULL
      AND ($scorer IS NULL OR s.scorer = $scorer)
)
SELECT dataset, case_id, scorer,
       count(*) AS n, count_if(passed) AS passes, count(DISTINCT run_id) AS n_runs,
       string_agg(CASE WHEN passed THEN 'P' ELSE 'F' END, ''
                  ORDER BY started_at, run_id, repeat, pos) AS history,
       min(input_text) AS input_text
FROM verdicts
GROUP BY dataset, case_id, scorer
HAVING count_if(passed) > 0 AND count_if(passed) < count(*) AND count(*) >= $min_n
ORDER BY abs(2 * count_if(passed) - count(*)) / count(*), count(*) DESC,
         dataset, case_id, scorer
"""

_HISTORY = """
SELECT r.run_id, u.name, u.started_at, r.dataset, r.case_id, r.repeat,
       s.scorer, s.passed, s.value, r.output
FROM scores s
JOIN records r ON r.record_id = s.record_id
JOIN runs u ON u.run_id = r.run_id
WHERE r.case_id = $case AND r.error IS NULL
  AND ($runs IS NULL OR list_contains($runs, r.run_id))
  AND ($dataset IS NULL OR r.dataset = $dataset OR starts_with(r.dataset, $dataset || '@'))
  AND ($scorer IS NULL OR s.scorer = $scorer)
ORDER BY u.started_at, r.run_id, r.dataset, r.repeat, r.rowid, s.scorer
"""


def select_runs(
    store: Store,
    *,
    runs: Sequence[str] | None = None,
    suite: str | None = None,
    last: int | None = None,
) -> list[str]:
    """The run ids a flakiness query looks at, newest first.

    Args:
        store: The open store.
        runs: Run references (full id, unique prefix or ``latest``); when
            given, exactly these runs, whatever their status.
        suite: Only completed runs of this suite name.
        last: Only the newest ``last`` completed runs (of ``suite``, if given).

    Returns:
        Full run ids, without duplicates; empty when no run matches.

    Raises:
        InputError: ``runs`` given with ``suite`` or ``last``, or ``last < 1``.
        StoreError: A reference in ``runs`` matches no run, or several.
    """
    if runs is not None and (suite is not None or last is not None):
        raise InputError(Problem("give either runs, or suite and/or last, not both", field="runs"))
    if last is not None and last < 1:
        raise InputError(Problem(f"must be at least 1, got {last}", field="last"))
    if runs is not None:
        return list(dict.fromkeys(resolve_run_id(store, ref) for ref in runs))
    rows = store.con.execute(_SELECT_RUNS, {"suite": suite, "last": last}).fetchall()
    return [str(row[0]) for row in rows]


def flaky_cases(
    store: Store,
    *,
    runs: Sequence[str] | None = None,
    suite: str | None = None,
    last: int | None = None,
    scorer: str | None = None,
    min_observations: int = 2,
) -> list[FlakyCase]:
    """Cases whose pass/fail verdict varies, most unstable first.

    Runs are chosen as in :func:`select_runs` (default: every completed
    run). A case is listed for a scorer when it has at least
    ``min_observations`` verdicts and ``0 < passed < n``. Order: pass rate
    closest to 0.5 first, then more observations, then by dataset, case id
    and scorer.

    Args:
        store: The open store.
        runs: Run references; exclusive with ``suite`` and ``last``.
        suite: Only completed runs of this suite name.
        last: Only the newest ``last`` completed runs (of ``suite``).
        scorer: Only this scorer's verdicts.
        min_observations: Fewest verdicts a case needs to be listed.

    Returns:
        The flaky cases; empty when no run is selected or none varies.

    Raises:
        InputError: Conflicting or out-of-range arguments.
        StoreError: A run reference matches no run, or several.
    """
    if min_observations < 2:
        raise InputError(
            Problem(
                f"must be at least 2 (a verdict can only vary between two), got {min_observations}",
                field="min_observations",
            )
        )
    run_ids = select_runs(store, runs=runs, suite=suite, last=last)
    if not run_ids:
        return []
    params = {"runs": run_ids, "scorer": scorer, "min_n": min_observations}
    return [
        FlakyCase(
            dataset=dataset,
            case_id=case_id,
            scorer=name,
            n=n,
            passed=passes,
            pass_rate=ProportionStats(n, passes).estimate(),
            n_runs=n_runs,
            history=history,
            input=_shorten(input_text),
        )
        for dataset, case_id, name, n, passes, n_runs, history, input_text in store.con.execute(
            _VERDICTS, params
        ).fetchall()
    ]


def case_history(
    store: Store,
    case_id: str,
    *,
    dataset: str | None = None,
    scorer: str | None = None,
    runs: Sequence[str] | None = None,
) -> list[CaseVerdict]:
    """Every verdict on one case, oldest run first, then by repeat.

    Args:
        store: The open store.
        case_id: The case's id.
        dataset: Only this dataset: ``name@version``, or ``name`` for any
            version.
        scorer: Only this scorer.
        runs: Only these full run ids (see :func:`select_runs`); default
            every run.

    Returns:
        One entry per (record, scorer), numeric scores included; records
        that errored have no verdict and do not appear. Empty when the case
        has no verdicts.
    """
    params = {
        "case": case_id,
        "dataset": dataset,
        "scorer": scorer,
        "runs": list(runs) if runs is not None else None,
    }
    return [CaseVerdict(*row) for row in store.con.execute(_HISTORY, params).fetchall()]


def _shorten(text: str | None) -> str:
    if text is None:
        return ""
    return text if len(text) <= INPUT_CHARS else text[: INPUT_CHARS - 1] + "…"

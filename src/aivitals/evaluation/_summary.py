"""A run's summary: per scorer and per slice, n with a 95% interval.

Aggregation happens in SQL (sufficient statistics by ``GROUP BY``); Python
only turns those into estimates. A scorer that gives pass/fail verdicts is
summarised by its pass rate (Wilson interval), a purely numeric one by its
mean (t interval).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aivitals.stats import Estimate, MeanStats, ProportionStats
from aivitals.store import Store

__all__ = ["RunSummary", "ScorerSummary", "SliceSummary", "summarize_run"]


@dataclass(frozen=True)
class ScorerSummary:
    """One scorer's headline over the whole run.

    Attributes:
        scorer: The scorer's name in the run.
        metric: ``pass_rate`` or ``mean``: what ``estimate`` is.
        estimate: The headline with n and interval.
        mean: Mean value (t interval), also given for thresholded scorers.
        missing: Records the scorer could not judge.
    """

    scorer: str
    metric: str
    estimate: Estimate
    mean: Estimate
    missing: int

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        return {
            "scorer": self.scorer,
            "metric": self.metric,
            **self.estimate.to_dict(),
            "mean": self.mean.to_dict(),
            "missing": self.missing,
        }


@dataclass(frozen=True)
class SliceSummary:
    """One scorer's headline within one slice (``tag = value``)."""

    scorer: str
    tag: str
    value: str
    metric: str
    estimate: Estimate

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form (``slice_value`` to keep apart from the estimate)."""
        return {
            "scorer": self.scorer,
            "slice": self.tag,
            "slice_value": self.value,
            "metric": self.metric,
            **self.estimate.to_dict(),
        }


@dataclass(frozen=True)
class RunSummary:
    """Everything ``vitals eval run`` prints, as data."""

    run_id: str
    name: str
    status: str
    n_records: int
    n_errors: int
    n_cache_hits: int
    error_rate: Estimate
    latency_ms: Estimate
    total_cost: float | None
    scorers: tuple[ScorerSummary, ...]
    slices: tuple[SliceSummary, ...]

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form, as printed by ``--json``."""
        return {
            "run_id": self.run_id,
            "name": self.name,
            "status": self.status,
            "n_records": self.n_records,
            "n_errors": self.n_errors,
            "n_cache_hits": self.n_cache_hits,
            "error_rate": self.error_rate.to_dict(),
            "latency_ms": self.latency_ms.to_dict(),
            "total_cost": self.total_cost,
            "scorers": [s.to_dict() for s in self.scorers],
            "slices": [s.to_dict() for s in self.slices],
        }


_SCORER_STATS = """
SELECT scorer,
       count(passed) AS n_passed, count_if(passed) AS passes,
       count(value) AS n_value, coalesce(sum(value), 0) AS s, coalesce(sum(value * value), 0) AS ss,
       count(*) - count(value) AS missing
FROM scores WHERE run_id = $run
GROUP BY scorer ORDER BY min(rowid)
"""

_SLICE_STATS = """
WITH tagged AS (
    SELECT record_id, k.key AS tag, tags[k.key] AS tag_value
    FROM records, unnest(map_keys(tags)) AS k(key)
    WHERE run_id = $run
)
SELECT s.scorer, t.tag, t.tag_value,
       count(s.passed) AS n_passed, count_if(s.passed) AS passes,
       count(s.value) AS n_value, coalesce(sum(s.value), 0) AS s,
       coalesce(sum(s.value * s.value), 0) AS ss
FROM scores s JOIN tagged t USING (record_id)
WHERE s.run_id = $run
GROUP BY ALL ORDER BY s.scorer, t.tag, t.tag_value
"""

_RUN_STATS = """
SELECT count(*) AS n, count(error) AS errors, count_if(cached) AS hits,
       count(latency_ms) AS n_lat, coalesce(sum(latency_ms), 0) AS s_lat,
       coalesce(sum(latency_ms * latency_ms), 0) AS ss_lat, sum(cost) AS cost
FROM records WHERE run_id = $run
"""


def _headline(
    n_passed: int, passes: int, n_value: int, s: float, ss: float
) -> tuple[str, Estimate]:
    if n_passed:
        return "pass_rate", ProportionStats(n_passed, passes).estimate()
    return "mean", MeanStats(n_value, s, ss).estimate()


def summarize_run(store: Store, run_id: str) -> RunSummary:
    """Compute a stored run's summary from the store."""
    params = {"run": run_id}
    head = store.one("SELECT name, status FROM runs WHERE run_id = $run", params)
    if head is None:
        raise LookupError(run_id)
    stats = store.one(_RUN_STATS, params)
    if stats is None:  # an aggregate always returns a row; this is for the type checker
        raise LookupError(run_id)
    n, errors, hits, n_lat, s_lat, ss_lat, cost = stats
    scorers = []
    for name, n_passed, passes, n_value, s, ss, missing in store.con.execute(
        _SCORER_STATS, params
    ).fetchall():
        metric, estimate = _headline(n_passed, passes, n_value, s, ss)
        mean = MeanStats(n_value, s, ss).estimate()
        scorers.append(ScorerSummary(name, metric, estimate, mean, missing))
    slices = []
    for name, tag, value, n_passed, passes, n_value, s, ss in store.con.execute(
        _SLICE_STATS, params
    ).fetchall():
        metric, estimate = _headline(n_passed, passes, n_value, s, ss)
        slices.append(SliceSummary(name, tag, value, metric, estimate))
    return RunSummary(
        run_id=run_id,
        name=head[0],
        status=head[1],
        n_records=n,
        n_errors=errors,
        n_cache_hits=hits,
        error_rate=ProportionStats(n, errors).estimate(),
        latency_ms=MeanStats(n_lat, s_lat, ss_lat).estimate(),
        total_cost=cost,
        scorers=tuple(scorers),
        slices=tuple(slices),
    )

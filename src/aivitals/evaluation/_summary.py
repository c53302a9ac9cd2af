"""A run's summary: per scorer and per slice, n with a 95% interval.

Aggregation happens in SQL (sufficient statistics by ``GROUP BY``); Python
only turns those into estimates. A scorer that gives pass/fail verdicts is
summarised by its pass rate (Wilson interval), a purely numeric one by its
mean (t interval); with repeats, by a cluster-robust interval over cases.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from aivitals.stats import Estimate, MeanStats, ProportionStats, clustered_mean
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


# Per-record verdicts (or values) with their case as cluster, overall and by
# slice, sorted so that each (scorer, tag, value) group is contiguous.
_CLUSTER_ROWS = """
WITH obs AS (
    SELECT s.scorer, r.dataset || chr(31) || r.case_id AS cluster, r.tags,
           CASE WHEN bool_or(s.passed IS NOT NULL) OVER (PARTITION BY s.scorer)
                THEN s.passed::DOUBLE ELSE s.value END AS y
    FROM scores s JOIN records r USING (record_id)
    WHERE s.run_id = $run
)
SELECT scorer, '' AS tag, '' AS tag_value, cluster, y FROM obs WHERE y IS NOT NULL
UNION ALL
SELECT scorer, k.key, tags[k.key], cluster, y
FROM obs, unnest(map_keys(tags)) AS k(key) WHERE y IS NOT NULL
ORDER BY scorer, tag, tag_value
"""


def _clustered(store: Store, run_id: str) -> dict[tuple[str, str, str], Estimate]:
    """Cluster-robust headline estimates, a case's repeats being one cluster.

    Repeats of a case are not independent observations; treating them as
    such would give intervals that are too narrow.
    """
    import numpy as np  # noqa: PLC0415 - only runs with repeats need it

    data = store.con.execute(_CLUSTER_ROWS, {"run": run_id}).fetchnumpy()
    keys = np.char.add(
        np.char.add(data["scorer"].astype(str), "\x1f"),
        np.char.add(np.char.add(data["tag"].astype(str), "\x1f"), data["tag_value"].astype(str)),
    )
    out: dict[tuple[str, str, str], Estimate] = {}
    if len(keys) == 0:
        return out
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    for start, stop in zip(starts, [*starts[1:], len(keys)], strict=True):
        scorer, tag, value = str(keys[start]).split("\x1f")
        y = data["y"][start:stop].astype(float)
        est = clustered_mean(y, data["cluster"][start:stop].astype(str))
        if est.ci_low is not None and est.ci_high is not None and np.isin(y, (0.0, 1.0)).all():
            # A rate cannot leave [0, 1], whatever a few clusters suggest.
            est = replace(est, ci_low=max(0.0, est.ci_low), ci_high=min(1.0, est.ci_high))
        out[(scorer, tag, value)] = est
    return out


def summarize_run(store: Store, run_id: str) -> RunSummary:
    """Compute a stored run's summary from the store.

    When a run has repeats, the headline intervals are cluster-robust (each
    case's repeats form one cluster); otherwise Wilson (pass rates) and t
    (means).
    """
    params = {"run": run_id}
    head = store.one("SELECT name, status FROM runs WHERE run_id = $run", params)
    if head is None:
        raise LookupError(run_id)
    stats = store.one(_RUN_STATS, params)
    if stats is None:  # an aggregate always returns a row; this is for the type checker
        raise LookupError(run_id)
    n, errors, hits, n_lat, s_lat, ss_lat, cost = stats
    repeats = store.one("SELECT max(repeat) FROM records WHERE run_id = $run", params)
    clustered = _clustered(store, run_id) if repeats and (repeats[0] or 0) > 0 else {}
    scorers = []
    for name, n_passed, passes, n_value, s, ss, missing in store.con.execute(
        _SCORER_STATS, params
    ).fetchall():
        metric, estimate = _headline(n_passed, passes, n_value, s, ss)
        estimate = clustered.get((name, "", ""), estimate)
        mean = MeanStats(n_value, s, ss).estimate()
        scorers.append(ScorerSummary(name, metric, estimate, mean, missing))
    slices = []
    for name, tag, value, n_passed, passes, n_value, s, ss in store.con.execute(
        _SLICE_STATS, params
    ).fetchall():
        metric, estimate = _headline(n_passed, passes, n_value, s, ss)
        estimate = clustered.get((name, tag, value), estimate)
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

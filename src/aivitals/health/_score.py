"""Score one row: components to points, re-weighting around insufficient data."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.special import expit

from aivitals.health._config import TRUST, Component
from aivitals.health._estimate import RowValues, percentile_interval
from aivitals.health._report import ComponentResult
from aivitals.metrics import get_metric

__all__ = ["Scored", "points", "score_components"]

Floats = npt.NDArray[np.float64]


def points(component: Component, values: Floats) -> Floats:
    """Points (0–100) for each value; values past a bound count as the bound."""
    t = np.clip((values - component.bad) / (component.good - component.bad), 0.0, 1.0)
    if component.curve == "linear":
        return np.asarray(100.0 * t, dtype=np.float64)
    k = component.steepness
    low, high = expit(-k / 2), expit(k / 2)
    return np.asarray(100.0 * (expit(k * (t - 0.5)) - low) / (high - low), dtype=np.float64)


@dataclass(frozen=True)
class Scored:
    """A composite's score, interval, replicates and components."""

    score: float | None
    ci_low: float | None
    ci_high: float | None
    replicates: Floats
    components: tuple[ComponentResult, ...]


def _insufficient(value: float | None, n: int, min_n: int) -> str | None:
    if value is None:
        return "no observations" if n == 0 else "no value (empty denominator)"
    if n < min_n:
        return f"n={n} below min_n={min_n}"
    return None


def score_components(
    components: Sequence[Component],
    values: RowValues,
    alpha: float,
    trust: Scored | None = None,
) -> Scored:
    """Weighted mean of component points, with a bootstrap interval.

    Components with too little data keep ``points`` None and weight share 0;
    the others' shares are their weights over the sum of usable weights.
    """
    replicates = next(iter(values.replicates.values()), None)
    size = len(replicates) if replicates is not None else (len(trust.replicates) if trust else 0)
    rows: list[tuple[Component, float | None, Floats, int, str, str | None]] = []
    for c in components:
        if c.metric == TRUST:
            assert trust is not None
            value, reps, n, unit = trust.score, trust.replicates, values.n_sessions, "points"
        else:
            value, reps = values.value.get(c.metric), values.replicates[c.metric]
            n, unit = values.n[c.metric], get_metric(c.metric).unit
        rows.append((c, value, reps, n, unit, _insufficient(value, n, c.min_n)))
    usable = sum(c.weight for c, *_, reason in rows if reason is None)
    total = np.zeros(size)
    results = []
    for c, value, reps, n, unit, reason in rows:
        low, high = percentile_interval(reps, alpha, value)
        pts: float | None = None
        if reason is None and value is not None:
            share = c.weight / usable
            pts = float(points(c, np.array([value]))[0])
            total += share * points(c, reps)
            lost = share * (100.0 - pts)
            status = "ok"
        else:
            share, lost, status = 0.0, 0.0, "insufficient"
        results.append(
            ComponentResult(
                c.metric,
                c.group,
                value,
                low,
                high,
                n,
                unit,
                pts,
                c.weight,
                share,
                lost,
                status,
                reason,
            )
        )
    score = sum(r.contribution for r in results) if usable else None
    low, high = percentile_interval(total, alpha, score) if usable else (None, None)
    return Scored(score, low, high, total if usable else np.full(size, np.nan), tuple(results))


def group_scores(results: Sequence[ComponentResult]) -> dict[str, float | None]:
    """Per group: the weighted mean of its usable components' points (None: none usable)."""
    out: dict[str, float | None] = {}
    for group in dict.fromkeys(r.group for r in results):
        usable = [r for r in results if r.group == group and r.points is not None]
        weight = sum(r.weight for r in usable)
        out[group] = sum(r.weight * (r.points or 0.0) for r in usable) / weight if usable else None
    return out

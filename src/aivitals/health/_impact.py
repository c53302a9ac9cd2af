"""Business impact: what the degradation against a baseline window costs.

cost = Σ max(rate_now − rate_baseline, 0) × sessions_now × unit cost, per
item. The interval is the bootstrap percentile interval of the same formula
over the replicates of both windows (the Poisson weights are shared by
session, so a session present in both windows moves both rates together).
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import numpy.typing as npt

from aivitals.health._config import ImpactConfig
from aivitals.health._estimate import RowValues, percentile_interval
from aivitals.health._report import Impact, ImpactItem

__all__ = ["IMPACT_METRICS", "estimate_impact"]

Floats = npt.NDArray[np.float64]

#: Item, metric, whether the bad rate is 1 − the metric, the config's unit cost.
_ITEMS = (
    ("escalation", "escalation_rate", False, "cost_per_escalation"),
    ("failed_task", "task_completion_rate", True, "cost_per_failed_task"),
    ("abandoned_session", "abandonment_rate", False, "cost_per_abandoned_session"),
)
IMPACT_METRICS = tuple(metric for _, metric, _, _ in _ITEMS)
METHOD = "bootstrap percentile over sessions in both windows"


def _bad(value: float | None, invert: bool) -> float | None:
    return None if value is None else (1.0 - value if invert else value)


def estimate_impact(
    config: ImpactConfig,
    now: RowValues,
    baseline: RowValues,
    baseline_start: datetime | None,
    alpha: float,
) -> Impact:
    """Cost of the current window's degradation against ``baseline``, with intervals."""
    items = []
    total_reps: Floats | None = None
    for item, metric, invert, cost_field in _ITEMS:
        unit_cost: float = getattr(config, cost_field)
        if unit_cost <= 0:
            continue
        rate, base = _bad(now.value[metric], invert), _bad(baseline.value[metric], invert)
        n = now.n[metric]
        if rate is None or base is None:
            items.append(ImpactItem(item, metric, rate, base, n, unit_cost, None, None, None))
            continue
        sign = -1.0 if invert else 1.0
        diff = sign * (now.replicates[metric] - baseline.replicates[metric])
        reps = np.maximum(diff, 0.0) * n * unit_cost
        cost = max(rate - base, 0.0) * n * unit_cost
        low, high = percentile_interval(reps, alpha, cost)
        items.append(ImpactItem(item, metric, rate, base, n, unit_cost, cost, low, high))
        total_reps = reps if total_reps is None else total_reps + reps
    costs = [i.cost for i in items if i.cost is not None]
    total = sum(costs) if costs else None
    low, high = (
        percentile_interval(total_reps, alpha, total) if total_reps is not None else (None, None)
    )
    return Impact(config.currency, baseline_start, tuple(items), total, low, high, METHOD)

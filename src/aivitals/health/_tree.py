"""The metric tree: observed rank correlation of declared drivers and outcomes.

Spearman's rho over the all-traffic windows (``scipy.stats.spearmanr``),
with a Fisher z interval whose standard error is sqrt(1.06 / (n − 3)), the
variance Fieller, Hartley & Pearson (1957) give for Spearman's rho. Fewer
than five windows: no correlation ("too few windows").
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import stats

from aivitals.health._config import TreeEdge
from aivitals.health._report import TreeLink

__all__ = ["MIN_WINDOWS", "fisher_interval", "tree_links"]

MIN_WINDOWS = 5
METHOD = "spearman, Fisher z interval (variance 1.06/(n-3))"


def fisher_interval(
    r: float, n: int, alpha: float = 0.05, variance: float = 1.06
) -> tuple[float, float]:
    """Interval for a correlation via Fisher's z: tanh(atanh(r) ± z·sqrt(variance/(n−3))).

    ``variance=1`` is the classic interval for Pearson's r; 1.06 for Spearman's.
    """
    z = math.atanh(max(-0.999999, min(0.999999, r)))
    half = float(stats.norm.ppf(1 - alpha / 2)) * math.sqrt(variance / (n - 3))
    return math.tanh(z - half), math.tanh(z + half)


def tree_links(
    edges: Sequence[TreeEdge], series: dict[str, list[float | None]], alpha: float
) -> list[TreeLink]:
    """One link per declared edge from per-window values (oldest → newest)."""
    links = []
    for edge in edges:
        pairs = [
            (x, y)
            for x, y in zip(series[edge.driver], series[edge.outcome], strict=True)
            if x is not None and y is not None
        ]
        n = len(pairs)
        if n < MIN_WINDOWS:
            links.append(
                TreeLink(edge.driver, edge.outcome, None, None, None, n, "too few windows")
            )
            continue
        x, y = np.array(pairs).T
        constant = np.ptp(x) == 0 or np.ptp(y) == 0
        rho = math.nan if constant else float(stats.spearmanr(x, y).statistic)
        if not math.isfinite(rho):
            links.append(TreeLink(edge.driver, edge.outcome, None, None, None, n, "no variation"))
            continue
        low, high = fisher_interval(rho, n, alpha)
        links.append(TreeLink(edge.driver, edge.outcome, rho, low, high, n, METHOD))
    return links

"""Cluster-robust intervals: when records are not independent.

A case evaluated with repeats, or turns that share a session, are not
independent observations: treating them as such makes intervals too narrow.
The mean is fitted as statsmodels OLS on a constant with
``cov_type="cluster"``: the CR1 sandwich variance
``G / (G - 1) * sum_g (sum_{i in g} (y_i - mean))^2 / N^2`` over G clusters,
and a Student-t interval with G - 1 degrees of freedom (Cameron & Miller,
A Practitioner's Guide to Cluster-Robust Inference, J Hum Resour 2015).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import numpy.typing as npt

from aivitals.stats._estimates import Estimate

__all__ = ["CLUSTER_METHOD", "clustered_mean", "clustered_proportion"]

CLUSTER_METHOD = "cluster-robust t (CR1)"


def clustered_mean(
    values: npt.ArrayLike, clusters: npt.ArrayLike, *, alpha: float = 0.05
) -> Estimate:
    """Mean with a cluster-robust (CR1) interval.

    Args:
        values: One value per observation (a score, a 0/1 verdict...).
        clusters: The cluster of each observation, same length (case id,
            session id...): any hashable labels numpy can sort.
        alpha: One minus the confidence level.

    Returns:
        The mean with its interval; ``n`` counts observations. No
        observations, a single cluster (no between-cluster variance to
        estimate) or all values equal give an estimate with a ``reason``.

    Raises:
        ValueError: Lengths differ, values not finite, or alpha outside (0, 1).
    """
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha}")
    y = np.asarray(values, dtype=np.float64)
    labels = np.asarray(clusters)
    if y.ndim != 1 or labels.shape != y.shape:
        raise ValueError(f"values and clusters must pair up: {y.shape} vs {labels.shape}")
    if not np.all(np.isfinite(y)):
        raise ValueError("values contains NaN or infinite values")
    n = len(y)
    if n == 0:
        return Estimate(None, None, None, 0, CLUSTER_METHOD, reason="no observations")
    mean = float(y.mean())
    _, groups = np.unique(labels, return_inverse=True)
    if groups.max() == 0:
        return Estimate(mean, None, None, n, CLUSTER_METHOD, reason="one cluster")
    if y.min() == y.max():
        return Estimate(mean, mean, mean, n, CLUSTER_METHOD, reason="all values equal")
    # statsmodels pulls in pandas (~1.5 s): import on first use, not at start-up.
    import statsmodels.api as sm  # noqa: PLC0415

    fit = sm.OLS(y, np.ones_like(y)).fit(
        cov_type="cluster", cov_kwds={"groups": groups}, use_t=True
    )
    low, high = fit.conf_int(alpha)[0]
    return Estimate(mean, float(low), float(high), n, CLUSTER_METHOD)


def clustered_proportion(
    passed: npt.ArrayLike, clusters: npt.ArrayLike, *, alpha: float = 0.05
) -> Estimate:
    """Pass rate with a cluster-robust interval, clipped to [0, 1].

    Args:
        passed: One verdict per observation (bools or 0/1).
        clusters: The cluster of each observation (case id with repeats...).
        alpha: One minus the confidence level.

    Returns:
        As :func:`clustered_mean`; the interval is the mean's, clipped.

    Raises:
        ValueError: A verdict other than 0 or 1, or as :func:`clustered_mean`.
    """
    verdicts = np.asarray(passed, dtype=np.float64)
    if not np.all((verdicts == 0) | (verdicts == 1)):
        raise ValueError("passed must hold verdicts: booleans or 0/1")
    estimate = clustered_mean(verdicts, clusters, alpha=alpha)
    if estimate.ci_low is None or estimate.ci_high is None:
        return estimate
    return replace(estimate, ci_low=max(0.0, estimate.ci_low), ci_high=min(1.0, estimate.ci_high))

"""Effect sizes: how large a difference is, apart from whether it is significant.

- Cohen's h for two rates: ``2 asin(sqrt(p1)) - 2 asin(sqrt(p2))``
  (statsmodels ``proportion_effectsize``). The arcsine makes a step from
  0.95 to 0.90 count for more than one from 0.55 to 0.50, as it should.
  Cohen's rough guide: 0.2 small, 0.5 medium, 0.8 large.
- Cohen's d for paired scores (d_z): mean difference over the standard
  deviation of the differences, with the large-sample interval of its
  standard error ``sqrt(1 / n + d^2 / (2 n))`` (Hedges & Olkin, Statistical
  Methods for Meta-Analysis, 1985).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from aivitals.stats._estimates import Estimate

__all__ = ["cohens_d_paired", "cohens_h"]

D_METHOD = "normal approximation (Hedges & Olkin)"


def cohens_h(p1: float, p2: float) -> float:
    """Cohen's h between two rates: ``phi(p1) - phi(p2)``, ``phi = 2 asin(sqrt(p))``.

    Range [-pi, pi]; 0 means no difference; positive when ``p1 > p2``.
    Pass ``(candidate, base)`` for a candidate-minus-base effect.

    Args:
        p1: The first rate, in [0, 1].
        p2: The second rate, in [0, 1].

    Raises:
        ValueError: A rate outside [0, 1].
    """
    for name, p in (("p1", p1), ("p2", p2)):
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"{name} must be a rate in [0, 1], got {p}")
    # statsmodels pulls in pandas (~1.5 s): import on first use, not at start-up.
    from statsmodels.stats.proportion import proportion_effectsize  # noqa: PLC0415

    return float(proportion_effectsize(p1, p2))


def cohens_d_paired(differences: npt.ArrayLike, *, alpha: float = 0.05) -> Estimate:
    """Cohen's d_z of paired differences: ``mean(d) / sd(d)`` (ddof = 1).

    Unbounded; 0 means no shift; the sign is that of the mean difference.

    Args:
        differences: Candidate minus base, one per pair.
        alpha: One minus the confidence level.

    Returns:
        d_z with a normal-approximation interval. Fewer than two pairs, or
        differences that are all equal (d undefined: no spread to scale
        by), give an estimate with a ``reason``.

    Raises:
        ValueError: Differences not one-dimensional or not finite, or alpha
            outside (0, 1).
    """
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha}")
    d = np.asarray(differences, dtype=np.float64)
    if d.ndim != 1 or not np.all(np.isfinite(d)):
        raise ValueError("differences must be a one-dimensional array of finite values")
    n = len(d)
    if n < 2:
        reason = "no pairs" if n == 0 else "one pair"
        return Estimate(None, None, None, n, D_METHOD, reason=reason)
    sd = float(d.std(ddof=1))
    # Equal values can leave a rounding-sized sd; compare them, not the sd.
    if d.min() == d.max():
        return Estimate(None, None, None, n, D_METHOD, reason="all differences equal")
    # Subnormal differences can give an sd that underflows to 0 (or a ratio
    # that overflows): there is no scale to divide by.
    if sd == 0.0 or not math.isfinite(float(d.mean()) / sd):
        return Estimate(None, None, None, n, D_METHOD, reason="differences too small to scale")
    from scipy.stats import norm  # noqa: PLC0415 - scipy.stats costs ~0.5 s to import

    value = float(d.mean()) / sd
    half = float(norm.ppf(1 - alpha / 2)) * math.sqrt(1 / n + value * value / (2 * n))
    return Estimate(value, value - half, value + half, n, D_METHOD)

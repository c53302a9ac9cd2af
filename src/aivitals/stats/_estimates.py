"""Sufficient statistics and the interval estimates built on them.

In the style of GrowthBook's gbstats: a frozen dataclass holds exactly what a
SQL ``GROUP BY`` returns (n, sum, sum of squares), pools with ``+``, and
turns into an :class:`Estimate` carrying n and a confidence interval.
Degenerate input gives an estimate with a ``reason``, never an exception.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

__all__ = ["Estimate", "MeanStats", "ProportionStats"]


@dataclass(frozen=True, slots=True)
class Estimate:
    """A point estimate with its n and (1 - alpha) confidence interval.

    Attributes:
        value: The estimate; ``None`` when there is no data.
        ci_low: Lower bound, ``None`` when it cannot be computed.
        ci_high: Upper bound, ``None`` when it cannot be computed.
        n: Number of observations behind it.
        method: The interval's name (``wilson``, ``t``...).
        reason: Why the interval is missing or degenerate, if it is.
    """

    value: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    method: str
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        return {
            "value": self.value,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "n": self.n,
            "method": self.method,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class ProportionStats:
    """Count of successes out of n trials (pass/fail verdicts)."""

    n: int
    successes: int

    def __add__(self, other: ProportionStats) -> ProportionStats:
        return ProportionStats(self.n + other.n, self.successes + other.successes)

    def estimate(self, alpha: float = 0.05, method: str = "wilson") -> Estimate:
        """Rate with a Wilson (default) or Clopper-Pearson (``beta``) interval."""
        if self.n == 0:
            return Estimate(None, None, None, 0, method, reason="no observations")
        # statsmodels pulls in pandas (~1.5 s): import on first use, not at start-up.
        from statsmodels.stats.proportion import proportion_confint  # noqa: PLC0415

        low, high = proportion_confint(self.successes, self.n, alpha=alpha, method=method)
        return Estimate(self.successes / self.n, float(low), float(high), self.n, method)


@dataclass(frozen=True, slots=True)
class MeanStats:
    """n, sum and sum of squares of a numeric score."""

    n: int
    sum: float
    sum_sq: float

    def __add__(self, other: MeanStats) -> MeanStats:
        return MeanStats(self.n + other.n, self.sum + other.sum, self.sum_sq + other.sum_sq)

    @property
    def mean(self) -> float | None:
        """Arithmetic mean, ``None`` for n = 0."""
        return self.sum / self.n if self.n else None

    @property
    def variance(self) -> float | None:
        """Sample variance (ddof = 1), ``None`` for n < 2."""
        if self.n < 2:
            return None
        # Guard the tiny negative values that cancellation can produce.
        return max(0.0, (self.sum_sq - self.sum * self.sum / self.n) / (self.n - 1))

    def estimate(self, alpha: float = 0.05) -> Estimate:
        """Mean with a Student-t interval."""
        mean, var = self.mean, self.variance
        if mean is None:
            return Estimate(None, None, None, 0, "t", reason="no observations")
        if var is None:
            return Estimate(mean, None, None, self.n, "t", reason="one observation")
        if var == 0.0:
            return Estimate(mean, mean, mean, self.n, "t", reason="all values equal")
        from scipy import stats as sps  # noqa: PLC0415 - slow import, first use only

        half = float(sps.t.ppf(1 - alpha / 2, self.n - 1)) * math.sqrt(var / self.n)
        return Estimate(mean, mean - half, mean + half, self.n, "t")

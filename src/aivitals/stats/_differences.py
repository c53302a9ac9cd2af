"""Differences of two pass rates, paired or independent, with Newcombe's intervals.

Both directions read the same way: the *second* rate minus the *first*
(candidate minus base), so a negative value is a drop.

Independent rates use statsmodels' ``confint_proportions_2indep`` with
``method="newcomb"`` (Newcombe 1998a, method 10). statsmodels has no
interval for *paired* rates, so :func:`paired_proportion_difference` writes
out Newcombe's (1998b) method 10 by hand: Wilson limits of the two marginal
rates combined square-and-add, with the phi correction for their
correlation. References:

- Newcombe RG. Interval estimation for the difference between independent
  proportions: comparison of eleven methods. Stat Med 1998;17:873-890.
- Newcombe RG. Improved confidence intervals for the difference between
  binomial proportions based on paired data. Stat Med 1998;17:2635-2650.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from aivitals.stats._estimates import Estimate
from aivitals.stats._tests import TestResult, mcnemar

__all__ = [
    "PairedProportionStats",
    "independent_proportion_difference",
    "paired_proportion_difference",
]

PAIRED_METHOD = "newcombe paired (method 10)"
INDEPENDENT_METHOD = "newcombe (method 10)"


def _check_counts(**counts: int) -> None:
    for name, value in counts.items():
        if value < 0:
            raise ValueError(f"{name} must be a count >= 0, got {value}")


def _check_alpha(alpha: float) -> None:
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha}")


@dataclass(frozen=True, slots=True)
class PairedProportionStats:
    """The 2×2 table of paired verdicts: what one SQL ``GROUP BY`` returns.

    Attributes:
        n11: Pairs passing in both runs.
        n10: Pairs passing in the first run only (newly failing).
        n01: Pairs passing in the second run only (newly passing).
        n00: Pairs failing in both runs.
    """

    n11: int
    n10: int
    n01: int
    n00: int

    def __add__(self, other: PairedProportionStats) -> PairedProportionStats:
        return PairedProportionStats(
            self.n11 + other.n11, self.n10 + other.n10, self.n01 + other.n01, self.n00 + other.n00
        )

    @property
    def n(self) -> int:
        """All pairs."""
        return self.n11 + self.n10 + self.n01 + self.n00

    def difference(self, alpha: float = 0.05) -> Estimate:
        """Second rate minus first, with Newcombe's paired interval."""
        return paired_proportion_difference(self.n11, self.n10, self.n01, self.n00, alpha=alpha)

    def test(self) -> TestResult:
        """McNemar's test on the discordant pairs (exact for few of them)."""
        return mcnemar(self.n10, self.n01, n=self.n)


def _wilson(successes: int, n: int, alpha: float) -> tuple[float, float]:
    # statsmodels pulls in pandas (~1.5 s): import on first use, not at start-up.
    from statsmodels.stats.proportion import proportion_confint  # noqa: PLC0415

    low, high = proportion_confint(successes, n, alpha=alpha, method="wilson")
    return float(low), float(high)


def _phi(n11: int, n10: int, n01: int, n00: int) -> float:
    """Newcombe's (1998b) continuity-corrected phi between the two verdicts.

    The correction pulls a positive ``n11 * n00 - n10 * n01`` towards zero by
    ``n / 2`` (never past zero); a negative one is left alone. Zero when a
    margin is empty, where phi is undefined.
    """
    n = n11 + n10 + n01 + n00
    margins = (n11 + n10) * (n01 + n00) * (n11 + n01) * (n10 + n00)
    if margins == 0:
        return 0.0
    cross = n11 * n00 - n10 * n01
    if cross > n / 2:
        corrected = cross - n / 2
    elif cross < 0:
        corrected = float(cross)
    else:
        corrected = 0.0
    return corrected / math.sqrt(margins)


def paired_proportion_difference(
    n11: int, n10: int, n01: int, n00: int, *, alpha: float = 0.05
) -> Estimate:
    """Difference of two paired pass rates with Newcombe's hybrid score interval.

    The estimate is ``p2 - p1`` where ``p1 = (n11 + n10) / n`` (first run)
    and ``p2 = (n11 + n01) / n`` (second run). The interval is method 10 of
    Newcombe (1998b): Wilson limits ``l, u`` of each rate, combined as
    ``p2 - p1 - sqrt((p2 - l2)^2 - 2 phi (p2 - l2)(u1 - p1) + (u1 - p1)^2)``
    (and symmetrically above), with phi the correlation of the verdicts.
    Range [-1, 1]; it never leaves that range and is not degenerate when no
    pair is discordant.

    Args:
        n11: Pairs passing in both runs.
        n10: Pairs passing in the first run and failing in the second.
        n01: Pairs failing in the first run and passing in the second.
        n00: Pairs failing in both runs.
        alpha: One minus the confidence level.

    Returns:
        The difference with its interval; for no pairs, an estimate with
        ``value`` None and a ``reason``.

    Raises:
        ValueError: A negative count or an alpha outside (0, 1).
    """
    _check_counts(n11=n11, n10=n10, n01=n01, n00=n00)
    _check_alpha(alpha)
    n = n11 + n10 + n01 + n00
    if n == 0:
        return Estimate(None, None, None, 0, PAIRED_METHOD, reason="no pairs")
    p1, p2 = (n11 + n10) / n, (n11 + n01) / n
    l1, u1 = _wilson(n11 + n10, n, alpha)
    l2, u2 = _wilson(n11 + n01, n, alpha)
    phi = _phi(n11, n10, n01, n00)
    below = (p2 - l2) ** 2 - 2 * phi * (p2 - l2) * (u1 - p1) + (u1 - p1) ** 2
    above = (u2 - p2) ** 2 - 2 * phi * (u2 - p2) * (p1 - l1) + (p1 - l1) ** 2
    delta = p2 - p1
    low = max(-1.0, delta - math.sqrt(max(0.0, below)))
    high = min(1.0, delta + math.sqrt(max(0.0, above)))
    return Estimate(delta, low, high, n, PAIRED_METHOD)


def independent_proportion_difference(
    x1: int, n1: int, x2: int, n2: int, *, alpha: float = 0.05
) -> Estimate:
    """Difference of two independent pass rates, ``x2/n2 - x1/n1``.

    Newcombe's (1998a) method 10 through statsmodels'
    ``confint_proportions_2indep(method="newcomb")``. Range [-1, 1].

    Args:
        x1: Passes in the first group.
        n1: Size of the first group.
        x2: Passes in the second group.
        n2: Size of the second group.
        alpha: One minus the confidence level.

    Returns:
        The difference with its interval; when a group is empty, an
        estimate with ``value`` None and a ``reason``. ``n`` is ``n1 + n2``.

    Raises:
        ValueError: Negative counts, passes above their group size, or an
            alpha outside (0, 1).
    """
    _check_counts(x1=x1, n1=n1, x2=x2, n2=n2)
    _check_alpha(alpha)
    for name, x, size in (("x1", x1, n1), ("x2", x2, n2)):
        if x > size:
            raise ValueError(f"{name} = {x} passes out of {size}: more than the group holds")
    if n1 == 0 or n2 == 0:
        reason = f"{'first' if n1 == 0 else 'second'} group empty"
        return Estimate(None, None, None, n1 + n2, INDEPENDENT_METHOD, reason=reason)
    # statsmodels pulls in pandas (~1.5 s): import on first use, not at start-up.
    from statsmodels.stats.proportion import confint_proportions_2indep  # noqa: PLC0415

    # statsmodels compares its first group against its second: hand it ours reversed.
    low, high = confint_proportions_2indep(
        x2, n2, x1, n1, method="newcomb", compare="diff", alpha=alpha
    )
    return Estimate(x2 / n2 - x1 / n1, float(low), float(high), n1 + n2, INDEPENDENT_METHOD)

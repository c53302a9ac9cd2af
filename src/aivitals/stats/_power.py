"""Power of a golden set: the smallest drop it detects, the cases a drop needs.

Two designs:

- Independent runs (``paired=False``): a two-sample z test on Cohen's h,
  statsmodels ``NormalIndPower`` with equal group sizes. ``n`` is the
  number of cases in each run.
- Paired runs on the same cases (``paired=True``), the usual case for a
  golden set: McNemar's test, with the normal approximation of Connor
  (Biometrics 1987;43:207-211), which statsmodels does not provide:
  ``n = (z_{1-alpha/2} sqrt(psi) + z_{power} sqrt(psi - drop^2))^2 / drop^2``
  where ``psi`` is the *discordance*, the share of cases whose verdict
  differs between the runs. The fewer verdicts flip beyond the drop itself,
  the fewer cases are needed. When ``discordance`` is not known, it is taken
  as if the runs' verdicts were independent,
  ``psi = p (1 - p') + p' (1 - p)`` with ``p' = p - drop``: the most
  flips two runs with these rates would show by chance, so the answer is an
  upper bound on the cases needed (close to the independent design's). Pass
  the flip rate seen between two earlier runs for a sharper answer.

Degenerate input (no cases, a base rate of 0, a drop below 0 or beyond
what the discordance allows) gives a result with a ``reason``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["DetectableDrop", "SampleSize", "mde_proportion", "sample_size_for_drop"]


@dataclass(frozen=True, slots=True)
class DetectableDrop:
    """The smallest drop in a pass rate that a golden set detects.

    Attributes:
        n: Cases in the golden set.
        p_base: The base pass rate.
        drop: The minimum detectable drop (absolute: 0.05 is five points),
            ``None`` when none is detectable or the input is degenerate.
        alpha: Two-sided significance level.
        power: Probability of detecting a drop of that size.
        method: The test and design the answer assumes.
        reason: Why ``drop`` is missing, if it is.
    """

    n: int
    p_base: float
    drop: float | None
    alpha: float
    power: float
    method: str
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class SampleSize:
    """Cases needed to detect a drop in a pass rate.

    Attributes:
        p_base: The base pass rate.
        drop: The drop to detect (absolute).
        n: Cases needed (in each run), ``None`` for degenerate input.
        alpha: Two-sided significance level.
        power: Probability of detecting the drop.
        method: The test and design the answer assumes.
        reason: Why ``n`` is missing, if it is.
    """

    p_base: float
    drop: float
    n: int | None
    alpha: float
    power: float
    method: str
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        return asdict(self)


def _check(p_base: float, alpha: float, power: float, discordance: float | None) -> None:
    if not 0.0 <= p_base <= 1.0:
        raise ValueError(f"p_base must be a rate in [0, 1], got {p_base}")
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha}")
    if not 0.0 < power < 1.0:
        raise ValueError(f"power must be between 0 and 1, got {power}")
    if discordance is not None and not 0.0 < discordance <= 1.0:
        raise ValueError(f"discordance must be a share in (0, 1], got {discordance}")


def _method(paired: bool, discordance: float | None) -> str:
    if not paired:
        return "two-sample z on Cohen's h (independent runs)"
    if discordance is None:
        return "McNemar, Connor 1987 (discordance of independent verdicts: an upper bound)"
    return f"McNemar, Connor 1987 (discordance {discordance:g})"


def _discordance(p_base: float, drop: float, given: float | None) -> float:
    if given is not None:
        return given
    after = p_base - drop
    return p_base * (1 - after) + after * (1 - p_base)


def _z(q: float) -> float:
    from scipy.stats import norm  # noqa: PLC0415 - scipy.stats costs ~0.5 s to import

    return float(norm.ppf(q))


def _connor_n(drop: float, psi: float, z_alpha: float, z_power: float) -> float:
    return (z_alpha * math.sqrt(psi) + z_power * math.sqrt(max(0.0, psi - drop * drop))) ** 2 / (
        drop * drop
    )


def _drop_problem(p_base: float, drop: float, discordance: float | None) -> str | None:
    if p_base == 0.0:
        return "the base rate is 0: there is nothing to drop"
    if drop > p_base:
        return f"a drop of {drop:g} from {p_base:g} would go below 0"
    if discordance is not None and drop > discordance:
        return (
            f"a drop of {drop:g} needs at least that share of verdicts to flip, not {discordance:g}"
        )
    return None


def sample_size_for_drop(
    p_base: float,
    drop: float,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
    paired: bool = False,
    discordance: float | None = None,
) -> SampleSize:
    """Cases needed to detect a drop of the pass rate from ``p_base`` to ``p_base - drop``.

    Args:
        p_base: The base pass rate, in [0, 1].
        drop: The drop to detect, absolute (0.05 = five points), above 0.
        alpha: Two-sided significance level.
        power: Wanted probability of detecting the drop.
        paired: Both runs score the same cases (McNemar) rather than
            independent samples.
        discordance: Paired only: expected share of cases whose verdict
            differs between the runs; ``None`` assumes independent verdicts.

    Returns:
        The number of cases (in each run), or a ``reason`` when the drop is
        impossible (base rate 0, drop beyond the base rate or the discordance).

    Raises:
        ValueError: A rate, level or discordance out of range, or drop <= 0.
    """
    _check(p_base, alpha, power, discordance)
    if not 0.0 < drop <= 1.0:
        raise ValueError(f"drop must be in (0, 1], got {drop}")
    method = _method(paired, discordance)
    problem = _drop_problem(p_base, drop, discordance if paired else None)
    if problem is not None:
        return SampleSize(p_base, drop, None, alpha, power, method, reason=problem)
    if paired:
        psi = _discordance(p_base, drop, discordance)
        needed = _connor_n(drop, psi, _z(1 - alpha / 2), _z(power))
    else:
        # statsmodels pulls in pandas (~1.5 s): import on first use, not at start-up.
        from statsmodels.stats.power import NormalIndPower  # noqa: PLC0415
        from statsmodels.stats.proportion import proportion_effectsize  # noqa: PLC0415

        h = float(proportion_effectsize(p_base, p_base - drop))
        needed = float(
            NormalIndPower().solve_power(
                effect_size=h, nobs1=None, alpha=alpha, power=power, ratio=1.0
            )
        )
    # Rounding up; the small tolerance keeps an exact 100.0000001 at 100.
    return SampleSize(p_base, drop, math.ceil(needed - 1e-9), alpha, power, method)


def _paired_mde(
    n: int, p_base: float, alpha: float, power: float, discordance: float | None
) -> float | None:
    from scipy.optimize import brentq  # noqa: PLC0415 - scipy costs ~0.5 s to import

    z_alpha, z_power = _z(1 - alpha / 2), _z(power)
    largest = min(p_base, discordance) if discordance is not None else p_base

    def shortfall(drop: float) -> float:
        # Needed minus available cases: falls as the drop grows.
        return _connor_n(drop, _discordance(p_base, drop, discordance), z_alpha, z_power) - n

    if shortfall(largest) > 0:
        return None
    smallest = 1e-9
    return (
        float(brentq(shortfall, smallest, largest, xtol=1e-10)) if shortfall(smallest) > 0 else 0.0
    )


def _independent_mde(n: int, p_base: float, alpha: float, power: float) -> float | None:
    from statsmodels.stats.power import NormalIndPower  # noqa: PLC0415 - see sample_size_for_drop

    h = float(
        NormalIndPower().solve_power(effect_size=None, nobs1=n, alpha=alpha, power=power, ratio=1.0)
    )
    # Invert Cohen's h: phi(p') = phi(p) - h, phi(p) = 2 asin(sqrt(p)).
    angle = math.asin(math.sqrt(p_base)) - h / 2
    if angle < 0:
        return None
    return p_base - math.sin(angle) ** 2


def mde_proportion(
    n: int,
    p_base: float,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
    paired: bool = False,
    discordance: float | None = None,
) -> DetectableDrop:
    """Minimum detectable drop of a pass rate ``p_base`` with ``n`` cases.

    Args:
        n: Cases in the golden set (in each run).
        p_base: The base pass rate, in [0, 1].
        alpha: Two-sided significance level.
        power: Wanted probability of detecting the drop.
        paired: Both runs score the same cases (McNemar).
        discordance: Paired only: expected share of cases whose verdict
            differs between the runs; ``None`` assumes independent verdicts.

    Returns:
        The smallest detectable drop, absolute, or a ``reason`` (no cases,
        base rate 0, or not even a drop to 0 is detectable with ``n``).

    Raises:
        ValueError: ``n`` negative, or a rate, level or discordance out of range.
    """
    if n < 0:
        raise ValueError(f"n must be a count >= 0, got {n}")
    _check(p_base, alpha, power, discordance)
    method = _method(paired, discordance)

    def result(drop: float | None, reason: str | None = None) -> DetectableDrop:
        return DetectableDrop(n, p_base, drop, alpha, power, method, reason)

    if n == 0:
        return result(None, "no cases")
    if p_base == 0.0:
        return result(None, "the base rate is 0: there is nothing to drop")
    if paired:
        drop = _paired_mde(n, p_base, alpha, power, discordance)
    else:
        drop = _independent_mde(n, p_base, alpha, power)
    if drop is None:
        cases = "1 case" if n == 1 else f"{n} cases"
        return result(None, f"no drop from {p_base:g} is detectable with {cases}")
    return result(drop)

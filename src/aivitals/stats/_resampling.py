"""Bootstrap intervals and paired permutation tests, fast enough for every slice.

Resampling is scipy's (``scipy.stats.bootstrap``, ``permutation_test``),
vectorised. A comparison calls the paired functions once per scorer × slice,
about a hundred times over some 100,000 pairs in all, within a budget of a
few seconds, so each picks the cheapest method that gives the same answer,
and its result's ``method`` says which one it used:

- Mean of paired differences, :func:`paired_bootstrap_mean_difference`:

  - up to :data:`RESAMPLE_MAX_N` pairs: scipy's bootstrap (BCa by default);
    about 15 ms for 500 pairs and 2,000 resamples on one core.
  - more pairs, at most :data:`MULTINOMIAL_MAX_UNIQUE` distinct
    differences (pass/fail, graded or rounded scores): a percentile bootstrap
    that draws how often each distinct value is picked
    (``rng.multinomial``) instead of picking every pair. That is the same
    resampling distribution, at a cost of resamples × distinct values
    instead of resamples × pairs: 0.2 ms for pass/fail differences (three
    values) whatever the number of pairs, 8 ms for 64 values. It keeps
    what the bootstrap is for here, an honest interval when flips are rare
    (a few newly failing cases give an interval that does not reach above 0).
  - more pairs with many distinct values: the Student-t interval from the
    sufficient statistics. Past 500 values the bootstrap distribution of a
    mean is close to normal: skewness g moves a 95% endpoint by about
    ``g (z^2 - 1) / (6 sqrt(n))`` standard errors, 3% of the half-width for
    g = 3, about the Monte Carlo error of 2,000 resamples.

- Paired permutation test, :func:`paired_permutation_test`: candidate and
  base are swapped within pairs at random (a sign flip of each difference).
  Pairs whose difference is zero cannot change the statistic and are dropped
  first. Up to :data:`PERMUTATION_MAX_N` non-zero differences: scipy's
  ``permutation_test`` (exact when 2^m is below the number of resamples);
  more: the normal approximation of the sign-flip distribution,
  ``z = sum(d) / sqrt(sum(d^2))``, which at that size is within the Monte
  Carlo error of 2,000 random flips (scipy takes ~65 ms for 500).

- Any statistic, :func:`bootstrap_interval`: scipy's bootstrap; BCa above
  :data:`BCA_MAX_N` values falls back to the percentile interval, since the
  BCa jackknife costs n² (1.2 s at n = 5,000). Quantiles,
  :func:`quantile_interval`: the bootstrap up to
  :data:`QUANTILE_BOOTSTRAP_MAX_N` values, then the distribution-free
  order-statistic interval (``scipy.stats.quantile_test``), exact and O(n).

Degenerate input (fewer than two values, all values equal) gives a result
with a ``reason`` instead of an exception.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import replace
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from aivitals.stats._estimates import Estimate, MeanStats
from aivitals.stats._tests import TestResult

__all__ = [
    "BCA_MAX_N",
    "MULTINOMIAL_MAX_UNIQUE",
    "PERMUTATION_MAX_N",
    "QUANTILE_BOOTSTRAP_MAX_N",
    "RESAMPLE_MAX_N",
    "BootstrapMethod",
    "bootstrap_interval",
    "paired_bootstrap_mean_difference",
    "paired_permutation_test",
    "quantile_interval",
]

BootstrapMethod = Literal["BCa", "percentile"]

#: Above this many values BCa falls back to the percentile interval.
BCA_MAX_N = 2_000
#: Paired mean differences are resampled pair by pair up to this many pairs.
RESAMPLE_MAX_N = 500
#: Above RESAMPLE_MAX_N, resample counts of distinct values up to this many
#: (each costs ~0.12 ms at 2,000 resamples: 8 ms for 64).
MULTINOMIAL_MAX_UNIQUE = 64
#: Quantiles are bootstrapped up to this many values, then order statistics.
QUANTILE_BOOTSTRAP_MAX_N = 1_000
#: Permutation tests resample up to this many non-zero differences.
PERMUTATION_MAX_N = 200
#: Resampled values held in memory at once (``batch`` × n).
_BATCH_CELLS = 4_000_000

Statistic = Callable[..., Any]

_PAIRED_REASONS = {
    "no observations": "no pairs",
    "one observation": "one pair",
    "all values equal": "all differences equal",
}


def _as_values(data: npt.ArrayLike, name: str) -> npt.NDArray[np.float64]:
    values = np.asarray(data, dtype=np.float64)
    if values.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {values.shape}")
    if not np.all(np.isfinite(values)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return values


def _check(alpha: float, n_resamples: int, method: str) -> None:
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha}")
    if n_resamples < 100:
        raise ValueError(f"n_resamples must be at least 100, got {n_resamples}")
    if method not in ("BCa", "percentile"):
        raise ValueError(f"method must be 'BCa' or 'percentile', got {method!r}")


def _degenerate(
    values: npt.NDArray[np.float64], statistic: Statistic, method: str
) -> Estimate | None:
    """An estimate with a reason for fewer than two values or all equal, else None."""
    n = len(values)
    if n == 0:
        return Estimate(None, None, None, 0, method, reason="no observations")
    if n > 1 and values.min() < values.max():
        return None
    value = float(statistic(values, axis=-1))
    if n == 1:
        return Estimate(value, None, None, 1, method, reason="one observation")
    return Estimate(value, value, value, n, method, reason="all values equal")


def _scipy_bootstrap(
    values: npt.NDArray[np.float64],
    statistic: Statistic,
    *,
    method: BootstrapMethod,
    n_resamples: int,
    alpha: float,
    seed: int,
) -> Estimate:
    from scipy import stats  # noqa: PLC0415 - scipy.stats costs ~0.5 s to import

    n = len(values)
    value = float(statistic(values, axis=-1))
    label = f"bootstrap {method}"
    if method == "BCa" and n > BCA_MAX_N:
        method, label = "percentile", f"bootstrap percentile (BCa needs n <= {BCA_MAX_N})"
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        # A degenerate bootstrap distribution (or BCa's 0/0) warns and gives
        # NaN: handled below.
        warnings.simplefilter("ignore", stats.DegenerateDataWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        result = stats.bootstrap(
            (values,),
            statistic,
            n_resamples=n_resamples,
            batch=max(1, _BATCH_CELLS // n),
            vectorized=True,
            confidence_level=1 - alpha,
            method=method,
            rng=np.random.default_rng(seed),
        )
    low, high = (float(v) for v in result.confidence_interval)
    if method == "BCa" and not (np.isfinite(low) and np.isfinite(high)):
        # BCa's acceleration is 0/0 when every jackknife value is the same
        # (ties in a quantile, say); the percentile interval is still defined.
        fallback = _scipy_bootstrap(
            values, statistic, method="percentile", n_resamples=n_resamples, alpha=alpha, seed=seed
        )
        return replace(fallback, method="bootstrap percentile (BCa undefined)")
    return Estimate(value, low, high, n, label)


def bootstrap_interval(
    data: npt.ArrayLike,
    statistic: Statistic,
    *,
    method: BootstrapMethod = "BCa",
    n_resamples: int = 2000,
    alpha: float = 0.05,
    seed: int = 0,
) -> Estimate:
    """Bootstrap interval of any statistic of one sample.

    Args:
        data: The sample, one-dimensional and finite.
        statistic: Vectorised like numpy reductions: ``statistic(x, axis=-1)``
            reduces along the last axis (``np.mean``, ``np.median``...).
        method: ``BCa`` (bias-corrected and accelerated) or ``percentile``.
            BCa above :data:`BCA_MAX_N` values uses the percentile interval.
        n_resamples: Bootstrap resamples.
        alpha: One minus the confidence level.
        seed: Seed of the resampling; the same seed gives the same interval.

    Returns:
        The statistic on ``data`` with its interval; ``method`` names the
        interval actually computed. Fewer than two values or all values
        equal give an estimate with a ``reason``.

    Raises:
        ValueError: ``data`` not one-dimensional or not finite, or a bad
            ``method``, ``alpha`` or ``n_resamples``.
    """
    _check(alpha, n_resamples, method)
    values = _as_values(data, "data")
    degenerate = _degenerate(values, statistic, f"bootstrap {method}")
    if degenerate is not None:
        return degenerate
    return _scipy_bootstrap(
        values, statistic, method=method, n_resamples=n_resamples, alpha=alpha, seed=seed
    )


def quantile_interval(
    values: npt.ArrayLike,
    q: float,
    *,
    method: BootstrapMethod = "BCa",
    n_resamples: int = 2000,
    alpha: float = 0.05,
    seed: int = 0,
) -> Estimate:
    """Interval of the ``q`` quantile (``q = 0.5``: the median; 0.95: p95).

    Bootstrapped up to :data:`QUANTILE_BOOTSTRAP_MAX_N` values; above, the
    exact distribution-free interval between two order statistics
    (``scipy.stats.quantile_test``), which is as narrow at that size and
    costs O(n).

    Args:
        values: The sample (latencies, scores...), one-dimensional, finite.
        q: The quantile's probability, strictly between 0 and 1.
        method: Bootstrap interval for small samples: ``BCa`` or ``percentile``.
        n_resamples: Bootstrap resamples.
        alpha: One minus the confidence level.
        seed: Seed of the resampling.

    Returns:
        The sample quantile (linear interpolation) with its interval.
        Fewer than two values or all values equal give a ``reason``; so does
        an order-statistic interval that the sample is too small to close.

    Raises:
        ValueError: ``q`` outside (0, 1), or as :func:`bootstrap_interval`.
    """
    if not 0.0 < q < 1.0:
        raise ValueError(f"q must be strictly between 0 and 1, got {q}")
    x = _as_values(values, "values")

    def quantile(sample: npt.NDArray[np.float64], axis: int) -> Any:
        return np.quantile(sample, q, axis=axis)

    if len(x) <= QUANTILE_BOOTSTRAP_MAX_N:
        return bootstrap_interval(
            x, quantile, method=method, n_resamples=n_resamples, alpha=alpha, seed=seed
        )
    _check(alpha, n_resamples, method)
    from scipy import stats  # noqa: PLC0415 - scipy.stats costs ~0.5 s to import

    name = "order statistic"
    degenerate = _degenerate(x, quantile, name)
    if degenerate is not None:
        return degenerate
    value = float(quantile(x, axis=-1))
    interval = stats.quantile_test(x, q=value, p=q).confidence_interval(1 - alpha)
    low, high = float(interval.low), float(interval.high)
    if not (np.isfinite(low) and np.isfinite(high)):
        return Estimate(value, None, None, len(x), name, reason="too few values for this level")
    return Estimate(value, low, high, len(x), name)


def _differences(base: npt.ArrayLike, candidate: npt.ArrayLike) -> npt.NDArray[np.float64]:
    b = _as_values(base, "base")
    c = _as_values(candidate, "candidate")
    if b.shape != c.shape:
        raise ValueError(f"base and candidate must pair up: {len(b)} vs {len(c)} values")
    return c - b


def _multinomial_percentile(
    d: npt.NDArray[np.float64], n_resamples: int, alpha: float, seed: int
) -> Estimate:
    unique, counts = np.unique(d, return_counts=True)
    n = len(d)
    drawn = np.random.default_rng(seed).multinomial(n, counts / n, size=n_resamples)
    means = drawn @ unique / n
    low, high = np.quantile(means, [alpha / 2, 1 - alpha / 2])
    method = f"bootstrap percentile (multinomial over {len(unique)} values)"
    return Estimate(float(d.mean()), float(low), float(high), n, method)


def paired_bootstrap_mean_difference(
    base: npt.ArrayLike,
    candidate: npt.ArrayLike,
    *,
    method: BootstrapMethod = "BCa",
    n_resamples: int = 2000,
    alpha: float = 0.05,
    seed: int = 0,
) -> Estimate:
    """Mean of ``candidate - base`` over pairs, with a paired bootstrap interval.

    Pairs are resampled whole, so the interval reflects how the two runs
    move together on the same cases. For large samples the cheaper
    equivalent described in this module's notes is used, and ``method``
    says so.

    Args:
        base: The base run's score per pair.
        candidate: The candidate's score on the same pairs, same order.
        method: ``BCa`` or ``percentile`` for the pair-by-pair bootstrap.
        n_resamples: Bootstrap resamples.
        alpha: One minus the confidence level.
        seed: Seed of the resampling.

    Returns:
        The mean difference with its interval; fewer than two pairs or all
        differences equal give an estimate with a ``reason``.

    Raises:
        ValueError: Arrays of different lengths, not finite, or bad options.
    """
    _check(alpha, n_resamples, method)
    d = _differences(base, candidate)
    n = len(d)
    degenerate = _degenerate(d, np.mean, f"bootstrap {method}")
    if degenerate is not None:
        return replace(degenerate, reason=_PAIRED_REASONS[degenerate.reason or ""])
    if n <= RESAMPLE_MAX_N:
        return _scipy_bootstrap(
            d, np.mean, method=method, n_resamples=n_resamples, alpha=alpha, seed=seed
        )
    if len(np.unique(d)) <= MULTINOMIAL_MAX_UNIQUE:
        return _multinomial_percentile(d, n_resamples, alpha, seed)
    t_interval = MeanStats(n, float(d.sum()), float(d @ d)).estimate(alpha)
    return replace(t_interval, method=f"t (n > {RESAMPLE_MAX_N}, many distinct values)")


def paired_permutation_test(
    base: npt.ArrayLike,
    candidate: npt.ArrayLike,
    *,
    n_resamples: int = 2000,
    seed: int = 0,
) -> TestResult:
    """Two-sided permutation test that the paired runs do not differ on average.

    Under the null hypothesis the labels *base* and *candidate* are
    exchangeable within each pair, so each difference's sign is flipped at
    random; the statistic is the mean difference (``candidate - base``).

    Args:
        base: The base run's score per pair.
        candidate: The candidate's score on the same pairs, same order.
        n_resamples: Random sign flips (exact enumeration when fewer suffice).
        seed: Seed of the flips.

    Returns:
        The test with its p-value; ``test`` says whether it was exact,
        resampled or the normal approximation. All differences zero gives
        p = 1 with a ``reason``.

    Raises:
        ValueError: Arrays of different lengths or not finite.
    """
    if n_resamples < 100:
        raise ValueError(f"n_resamples must be at least 100, got {n_resamples}")
    d = _differences(base, candidate)
    n = len(d)
    mean = float(d.mean()) if n else None
    nonzero = d[d != 0]
    m = len(nonzero)
    if m == 0:
        reason = "no pairs" if n == 0 else "all differences are zero"
        return TestResult("paired permutation", mean, 1.0, n, reason=reason)
    if m == 1:
        # Both signs of a lone difference are equally extreme.
        return TestResult("paired permutation (exact)", mean, 1.0, n)
    from scipy import stats  # noqa: PLC0415 - scipy.stats costs ~0.5 s to import

    if m > PERMUTATION_MAX_N:
        z = float(nonzero.sum()) / float(np.sqrt(nonzero @ nonzero))
        p = float(2 * stats.norm.sf(abs(z)))
        return TestResult("paired permutation (normal approximation)", mean, p, n)
    result = stats.permutation_test(
        (nonzero,),
        np.mean,
        permutation_type="samples",
        vectorized=True,
        n_resamples=n_resamples,
        rng=np.random.default_rng(seed),
    )
    exact = 2**m <= n_resamples
    name = "paired permutation (exact)" if exact else "paired permutation"
    return TestResult(name, mean, float(result.pvalue), n)

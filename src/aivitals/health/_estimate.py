"""Component values and their bootstrap replicates, one row (window × slice) at a time.

Resampling: every session bucket gets one Poisson(1) weight per replicate
(the Poisson bootstrap), shared by every window, slice and metric, so a
session is resampled as one unit everywhere. A ratio-of-sums component on a
replicate is ``(W @ num) / (W @ den)``; a quantile is the linearly
interpolated quantile of the weighted sample (integer weights: each value
repeated), read from a band of ranks around n·q with per-bucket counts below
the band, so a replicate costs O(buckets + √n), not O(n). Values arrive
unsorted; the band is selected in O(n) (``argpartition``) and only it is
sorted.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from aivitals.health._data import GroupKey, Pulled
from aivitals.metrics import get_metric

__all__ = [
    "Row",
    "RowValues",
    "Weights",
    "names_needed",
    "percentile_interval",
    "poisson_weights",
    "row_values",
    "rows_of",
]

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]

#: Band half-width in binomial standard deviations of the rank, plus slack;
#: replicates whose quantile falls outside are computed in full.
_BAND_SD = 8.0
_BAND_SLACK = 64


@dataclass(frozen=True)
class Row:
    """One output row's data: sums per bucket and quantile values."""

    window: int
    slice: tuple[str | None, ...] | None  # None: all traffic
    n: Floats  # (buckets, metrics)
    num: Floats
    den: Floats
    sessions: Floats  # (buckets,)
    values: dict[str, tuple[Ints, Floats]]  # metric -> (bucket, values), unsorted


@dataclass(frozen=True)
class RowValues:
    """Point values, observations and replicates of every metric in one row."""

    value: dict[str, float | None]
    n: dict[str, int]
    replicates: dict[str, Floats]
    num: dict[str, float]  # sums behind ratio-of-sums values (for slice attribution)
    den: dict[str, float]
    n_sessions: int


@dataclass(frozen=True)
class Weights:
    """Poisson(1) weight of each bucket in each replicate.

    Attributes:
        w: Shape (replicates, buckets).
        by_bucket: The same, (buckets, replicates) float32: small integer
            counts, exact, for gathering a band of values' weights cheaply.
    """

    w: Floats
    by_bucket: npt.NDArray[np.float32]


def poisson_weights(replicates: int, buckets: int, seed: int) -> Weights:
    """Seeded Poisson(1) weights of every bucket in every replicate."""
    # Inverse CDF of uniforms: the same distribution as ``rng.poisson(1.0)``
    # (exact to float precision), several times faster for millions of draws.
    cdf = np.cumsum(np.exp(-1.0) / np.cumprod(np.r_[1.0, np.arange(1.0, 30.0)]))
    u = np.random.default_rng(seed).random((replicates, buckets))
    w = np.searchsorted(cdf, u, side="right").astype(np.float64)
    return Weights(w, np.ascontiguousarray(w.T, dtype=np.float32))


def _select(pulled: Pulled, groups: list[int]) -> Row:
    values: dict[str, tuple[Ints, Floats]] = {}
    for metric, by_group in pulled.values.items():
        parts = [by_group[g] for g in groups if g in by_group]
        if len(parts) == 1:
            values[metric] = parts[0]
            continue
        bucket = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, np.int64)
        v = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0)
        values[metric] = (bucket, v)
    first = pulled.groups[groups[0]]
    return Row(
        window=first[0],
        slice=None,
        n=pulled.n[groups].sum(axis=0),
        num=pulled.num[groups].sum(axis=0),
        den=pulled.den[groups].sum(axis=0),
        sessions=pulled.sessions[groups].sum(axis=0),
        values=values,
    )


def rows_of(pulled: Pulled, *, sliced: bool) -> list[Row]:
    """Rows oldest → newest; in each window all traffic first, then each slice."""
    by_window: dict[int, list[int]] = {}
    for index, (window, _) in enumerate(pulled.groups):
        by_window.setdefault(window, []).append(index)
    rows = []
    for window in sorted(by_window):
        members = by_window[window]
        rows.append(_select(pulled, members))
        if sliced:
            ordered = sorted(members, key=lambda i: _sort_key(pulled.groups[i]))
            for index in ordered:
                row = _select(pulled, [index])
                rows.append(replace(row, slice=pulled.groups[index][1]))
    return rows


def _sort_key(group: GroupKey) -> tuple[tuple[bool, str], ...]:
    return tuple((v is None, v or "") for v in group[1])


def _ratio(num: Floats, den: Floats) -> Floats:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def _quantile_point(v: Floats, q: float, m: int | None = None, start: int = 0) -> float:
    """The quantile of ``m`` sorted values of which ``v`` holds ranks ``start`` on."""
    m = len(v) if m is None else m
    h = (m - 1) * q
    lo = math.floor(h)
    hi = min(lo + 1, m - 1)
    return float(v[lo - start] + (h - lo) * (v[hi - start] - v[lo - start]))


@dataclass(frozen=True)
class _Band:
    """Ranks ``start`` to ``start + len(v) - 1`` of the sorted values, and counts below."""

    start: int
    bucket: Ints
    v: Floats
    below: Ints  # indices of the values of rank < start


def _band_limits(m: int, q: float) -> tuple[int, int]:
    half = math.ceil(_BAND_SD * math.sqrt(m * q * (1 - q))) + _BAND_SLACK
    start = max(0, math.floor((m - 1) * q) - half)
    stop = min(m, math.floor((m - 1) * q) + half + 2)
    return start, stop


def _band(bucket: Ints, v: Floats, q: float) -> _Band:
    """Select the band of ranks around (n − 1)·q in O(n) and sort only it.

    Ties may be ordered differently than a full sort would order them, but the
    values at every rank, hence every weighted quantile, are the same.
    """
    start, stop = _band_limits(len(v), q)
    order = np.argpartition(v, sorted({start, stop - 1}))
    inside = order[start:stop]
    inside = inside[np.argsort(v[inside], kind="stable")]
    return _Band(start, bucket[inside], v[inside], order[:start])


def _at_rank(offset: Floats, cum: npt.NDArray[np.float32], v: Floats) -> Floats:
    """Per replicate (column of ``cum``), the value at 0-based rank ``offset`` into the band."""
    j = (cum <= offset[None, :].astype(np.float32)).sum(axis=0)
    return np.asarray(v[np.minimum(j, len(v) - 1)], dtype=np.float64)


def _full_replicate(bucket: Ints, v: Floats, q: float, weights: Floats) -> float:
    """One replicate's weighted quantile over every value (when the band misses it)."""
    cum = np.cumsum(weights[bucket])
    h = (cum[-1] - 1) * q
    lo = math.floor(h)
    idx = np.searchsorted(cum, [lo, min(lo + 1, cum[-1] - 1)], side="right")
    a, b = v[np.minimum(idx, len(v) - 1)]
    return float(a + (h - lo) * (b - a))


def _quantile_replicates(
    bucket: Ints, v: Floats, q: float, weights: Weights, band: _Band | None = None
) -> Floats:
    """Each replicate's weighted quantile of the values ``v`` (in any order)."""
    buckets = weights.w.shape[1]
    band = _band(bucket, v, q) if band is None else band
    below = np.bincount(bucket[band.below], minlength=buckets).astype(np.float64)
    total = weights.w @ np.bincount(bucket, minlength=buckets).astype(np.float64)
    low_w = weights.w @ below
    cum = np.cumsum(weights.by_bucket[band.bucket], axis=0)
    h = (total - 1) * q
    lo = np.floor(h)
    inside = (total >= 1) & (lo >= low_w) & (lo + 1 - low_w < cum[-1])
    # Every replicate at once (no column gathers); those outside the band are redone below.
    a = _at_rank(lo - low_w, cum, band.v)
    b = _at_rank(lo + 1 - low_w, cum, band.v)
    out = np.where(inside, a + (h - lo) * (b - a), np.nan)
    outside = np.flatnonzero(~inside & (total >= 1)).tolist()
    if outside:
        order = np.argsort(v, kind="stable")
        sorted_bucket, sorted_v = bucket[order], v[order]
        for r in outside:
            out[r] = _full_replicate(sorted_bucket, sorted_v, q, weights.w[r])
    return out


def row_values(row: Row, metrics: tuple[str, ...], weights: Weights) -> RowValues:
    """Point values equal to ``compute_metrics``' and bootstrap replicates."""
    value: dict[str, float | None] = {}
    n: dict[str, int] = {}
    reps: dict[str, Floats] = {}
    num_sum = row.num.sum(axis=0)
    den_sum = row.den.sum(axis=0)
    # Empty buckets add nothing to any sum: leave them out of the products.
    active = np.flatnonzero(row.den.any(axis=1) | row.num.any(axis=1))
    if len(active) > weights.w.shape[1] // 2:
        rep_values = _ratio(weights.w @ row.num, weights.w @ row.den)
    else:
        w = weights.w[:, active]
        rep_values = _ratio(w @ row.num[active], w @ row.den[active])
    for j, metric in enumerate(metrics):
        n[metric] = round(float(row.n[:, j].sum()))
        value[metric] = float(num_sum[j] / den_sum[j]) if n[metric] and den_sum[j] else None
        reps[metric] = rep_values[:, j]
    for metric, (bucket, v) in row.values.items():
        q = get_metric(metric).q
        assert q is not None
        n[metric] = len(v)
        if not len(v):
            value[metric] = None
            reps[metric] = np.full(weights.w.shape[0], np.nan)
            continue
        band = _band(bucket, v, q)
        value[metric] = _quantile_point(band.v, q, len(v), band.start)
        reps[metric] = _quantile_replicates(bucket, v, q, weights, band)
    return RowValues(
        value=value,
        n=n,
        replicates=reps,
        num=dict(zip(metrics, map(float, num_sum), strict=True)),
        den=dict(zip(metrics, map(float, den_sum), strict=True)),
        n_sessions=round(float(row.sessions.sum())),
    )


def percentile_interval(
    replicates: Floats, alpha: float, point: float | None = None
) -> tuple[float | None, float | None]:
    """The (alpha/2, 1 − alpha/2) percentiles of the finite replicates."""
    finite = replicates[np.isfinite(replicates)]
    if point is None or len(finite) < 2:
        return None, None
    low, high = np.quantile(finite, [alpha / 2, 1 - alpha / 2])
    return float(low), float(high)


def names_needed(groups: Iterable[Iterable[str]]) -> tuple[str, ...]:
    """Distinct metric names, in first-seen order, without ``trust``."""
    seen: dict[str, None] = {}
    for names in groups:
        for name in names:
            if name != "trust":
                seen.setdefault(name, None)
    return tuple(seen)

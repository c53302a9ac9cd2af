"""Run compiled metric queries and turn their statistics into estimates.

Intervals: Wilson for proportions, Student t for means (NPS is the mean of
+100 / 0 / −100 per response, so its t interval uses the multinomial
variance of the promoter / passive / detractor counts), the delta method for
ratios of sums (units as clusters), and for quantiles the exact
distribution-free interval between two order statistics whose ranks are
binomial quantiles of n (as ``scipy.stats.quantile_test``); the point value
is the linearly interpolated sample quantile (``numpy.quantile``'s default).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from aivitals.metrics._config import MetricsConfig
from aivitals.metrics._definitions import MetricDefinition, get_metric, registry
from aivitals.metrics._sql import DUCKDB, Dialect, compile_metric, parse_window
from aivitals.stats import Estimate, MeanStats
from aivitals.store import Store

__all__ = ["MetricValue", "RatioStats", "compute_metrics", "quantile_estimates"]


@dataclass(frozen=True, slots=True)
class MetricValue:
    """One metric's value in one window and slice.

    Attributes:
        metric: The metric's name.
        window_start: Start of the window (UTC); ``None`` without windows.
        slice: The ``by`` attributes and their values (``None``: not set).
        value: The estimate; ``None`` without observations.
        ci_low: Lower bound of the (1 − alpha) interval, if it exists.
        ci_high: Upper bound, if it exists.
        n: Observations (units of the metric's grain) behind the value.
        method: The interval's method.
        unit: The metric's unit.
        reason: Why the value or interval is missing or degenerate.
    """

    metric: str
    window_start: datetime | None
    slice: dict[str, str | None]
    value: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    method: str
    unit: str
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form (ISO timestamps)."""
        return {
            "metric": self.metric,
            "window_start": self.window_start.isoformat() if self.window_start else None,
            "slice": dict(self.slice),
            "value": self.value,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "n": self.n,
            "method": self.method,
            "unit": self.unit,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class RatioStats:
    """Sums behind a ratio of sums over n clusters (sessions).

    Attributes:
        n: Clusters.
        sx: Sum of numerators.
        sy: Sum of denominators.
        sxx: Sum of squared numerators.
        syy: Sum of squared denominators.
        sxy: Sum of numerator × denominator.
    """

    n: int
    sx: float
    sy: float
    sxx: float
    syy: float
    sxy: float

    def estimate(self, alpha: float = 0.05) -> Estimate:
        """``sx / sy`` with a delta-method (normal) interval."""
        method, n = "delta", self.n
        if n == 0:
            return Estimate(None, None, None, 0, method, reason="no observations")
        if self.sy == 0:
            return Estimate(None, None, None, n, method, reason="denominator is zero")
        ratio = self.sx / self.sy
        if n < 2:
            return Estimate(ratio, None, None, n, method, reason="one observation")
        mx, my = self.sx / n, self.sy / n
        var_x = (self.sxx - n * mx * mx) / (n - 1)
        var_y = (self.syy - n * my * my) / (n - 1)
        cov = (self.sxy - n * mx * my) / (n - 1)
        var = max(0.0, (var_x - 2 * ratio * cov + ratio * ratio * var_y) / (n * my * my))
        if var == 0.0:
            return Estimate(ratio, ratio, ratio, n, method, reason="no variation")
        from scipy import stats as sps  # noqa: PLC0415 - slow import, first use only

        half = float(sps.norm.ppf(1 - alpha / 2)) * math.sqrt(var)
        return Estimate(ratio, ratio - half, ratio + half, n, method)


def _ints(column: pa.ChunkedArray) -> npt.NDArray[np.int64]:
    return np.asarray(column.fill_null(0).to_numpy(), dtype=np.int64)


def _floats(column: pa.ChunkedArray) -> list[float]:
    return [0.0 if v is None else float(v) for v in column.to_pylist()]


def _proportion_estimates(
    n: npt.NDArray[np.int64], k: npt.NDArray[np.int64], alpha: float
) -> list[Estimate]:
    out = [Estimate(None, None, None, 0, "wilson", reason="no observations")] * len(n)
    have = np.flatnonzero(n > 0)
    if have.size:
        # Vectorised over groups; the same call as ProportionStats.estimate.
        from statsmodels.stats.proportion import proportion_confint  # noqa: PLC0415

        low, high = proportion_confint(k[have], n[have], alpha=alpha, method="wilson")
        for j, i in enumerate(have.tolist()):
            out[i] = Estimate(
                float(k[i] / n[i]), float(low[j]), float(high[j]), int(n[i]), "wilson"
            )
    return out


@dataclass(frozen=True, slots=True)
class _Columns:
    """Estimates per group, one list per field: no object per group until the end."""

    value: list[float | None]
    ci_low: list[float | None]
    ci_high: list[float | None]
    n: list[int]
    method: list[str]
    reason: list[str | None]

    @classmethod
    def of(cls, estimates: Sequence[Estimate]) -> _Columns:
        return cls(
            [e.value for e in estimates],
            [e.ci_low for e in estimates],
            [e.ci_high for e in estimates],
            [e.n for e in estimates],
            [e.method for e in estimates],
            [e.reason for e in estimates],
        )

    def estimates(self) -> list[Estimate]:
        fields = (self.value, self.ci_low, self.ci_high, self.n, self.method, self.reason)
        return [Estimate(*row) for row in zip(*fields, strict=True)]

    def clipped(self, bounds: tuple[float | None, float | None]) -> _Columns:
        """Intervals clipped to the metric's natural range, where both ends exist."""
        low, high = bounds
        if low is None and high is None:
            return self
        both = [
            lo is not None and hi is not None
            for lo, hi in zip(self.ci_low, self.ci_high, strict=True)
        ]
        return replace(
            self,
            ci_low=_bounded(self.ci_low, both, low, max),
            ci_high=_bounded(self.ci_high, both, high, min),
        )


def _bounded(
    values: list[float | None],
    both: list[bool],
    bound: float | None,
    pick: Callable[[float, float], float],
) -> list[float | None]:
    if bound is None:
        return values
    return [
        pick(bound, v) if ok and v is not None else v for v, ok in zip(values, both, strict=True)
    ]


def quantile_estimates(
    n: npt.ArrayLike,
    band_start: npt.ArrayLike,
    bands: pa.Array | pa.ChunkedArray | Sequence[Sequence[float] | None],
    q: float,
    alpha: float = 0.05,
) -> list[Estimate]:
    """Quantile and order-statistic interval per group from its value band.

    ``bands[i]`` holds group i's sorted values from 0-based rank
    ``band_start[i]``. The interval's ranks are those of
    ``scipy.stats.quantile_test(...).confidence_interval``; the value is the
    linearly interpolated quantile. Vectorised over groups.
    """
    return _quantile_columns(n, band_start, bands, q, alpha).estimates()


def _quantile_columns(
    n: npt.ArrayLike,
    band_start: npt.ArrayLike,
    bands: pa.Array | pa.ChunkedArray | Sequence[Sequence[float] | None],
    q: float,
    alpha: float,
) -> _Columns:
    from scipy import stats as sps  # noqa: PLC0415 - slow import, first use only

    method = "order statistic"
    if isinstance(bands, pa.ChunkedArray):
        bands = bands.combine_chunks()
    if not isinstance(bands, pa.Array):
        bands = pa.array(bands, type=pa.list_(pa.float64()))
    ns = np.asarray(n, dtype=np.int64)
    start = np.asarray(band_start, dtype=np.int64)
    offsets = np.asarray(bands.offsets.to_numpy(), dtype=np.int64)
    flat = np.asarray(bands.values.to_numpy(zero_copy_only=False), dtype=np.float64)
    length = offsets[1:] - offsets[:-1]
    safe_n = np.maximum(ns, 1)
    h = (safe_n - 1) * q
    lo = np.floor(h).astype(np.int64)
    hi = np.minimum(lo + 1, safe_n - 1)
    # Ranks depend on n only, and groups share few distinct sizes.
    sizes, inverse = np.unique(safe_n, return_inverse=True)
    low_rank = (sps.binom.ppf(alpha / 2, sizes, q).astype(np.int64) - 1)[inverse]
    high_rank = sps.binom.isf(alpha / 2, sizes, q).astype(np.int64)[inverse]
    has_ci = (low_rank >= 0) & (high_rank < ns)

    def inside(rank: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        return (rank >= start) & (rank < start + length)

    def at(rank: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
        pos = offsets[:-1] + np.clip(rank - start, 0, np.maximum(length - 1, 0))
        return flat[np.clip(pos, 0, max(len(flat) - 1, 0))] if len(flat) else np.zeros(len(ns))

    in_band = inside(lo) & inside(hi) & (~has_ci | (inside(low_rank) & inside(high_rank)))
    value = at(lo) + (h - lo) * (at(hi) - at(lo))
    low, high = at(low_rank), at(high_rank)
    reasons = np.select(
        [ns == 0, ~in_band, ns == 1, ~has_ci],
        [
            "no observations",
            "rank band too narrow",
            "one observation",
            "too few values for this level",
        ],
        default="",
    )
    keep_value = (ns > 0) & in_band
    keep_ci = keep_value & (ns > 1) & has_ci
    return _Columns(
        pa.array(value, mask=~keep_value).to_pylist(),
        pa.array(low, mask=~keep_ci).to_pylist(),
        pa.array(high, mask=~keep_ci).to_pylist(),
        ns.tolist(),
        [method] * len(ns),
        pa.array(reasons, mask=reasons == "").to_pylist(),
    )


def _estimates(definition: MetricDefinition, table: pa.Table, alpha: float) -> _Columns:
    n = _ints(table["n"])
    if definition.kind == "proportion":
        return _Columns.of(_proportion_estimates(n, _ints(table["k"]), alpha))
    if definition.kind == "mean":
        sums = zip(_floats(table["s"]), _floats(table["ss"]), strict=True)
        return _Columns.of(
            [MeanStats(int(c), s, ss).estimate(alpha) for c, (s, ss) in zip(n, sums, strict=True)]
        )
    if definition.kind == "ratio":
        columns = [_floats(table[c]) for c in ("sx", "sy", "sxx", "syy", "sxy")]
        return _Columns.of(
            [
                RatioStats(int(c), *sums).estimate(alpha)
                for c, sums in zip(n, zip(*columns, strict=True), strict=True)
            ]
        )
    assert definition.q is not None
    return _quantile_columns(n, _ints(table["band_start"]), table["band"], definition.q, alpha)


def _check_by(by: Sequence[str]) -> tuple[str, ...]:
    dims = tuple(by)
    for dim in dims:
        if not isinstance(dim, str) or not dim.strip():
            raise ValueError(f"by: slice names must be non-empty strings, got {dim!r}")
    if len(set(dims)) != len(dims):
        raise ValueError(f"by: repeated slice name in {list(dims)}")
    return dims


def _window_starts(column: pa.ChunkedArray) -> list[datetime | None]:
    # Thousands of groups share each window: convert each distinct one once.
    micros = pc.cast(column, pa.timestamp("us", tz="UTC")).cast(pa.int64()).to_pylist()
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    starts = {m: epoch + timedelta(microseconds=m) for m in set(micros) if m is not None}
    return [None if m is None else starts[m] for m in micros]


def _utc(value: Any) -> datetime | None:
    if value is None:
        return None
    assert isinstance(value, datetime)
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def _slices(table: pa.Table, dims: tuple[str, ...]) -> list[dict[str, str | None]]:
    """The ``by`` values of each row as a fresh dict, built once per distinct combination."""
    if not dims or table.num_rows == 0:
        return [{} for _ in range(table.num_rows)]
    labels: list[list[str | None]] = []
    indices = []
    for i in range(len(dims)):
        encoded = pc.dictionary_encode(table[f"d{i}"], null_encoding="encode").combine_chunks()
        labels.append(encoded.dictionary.to_pylist())
        indices.append(np.asarray(encoded.indices.to_numpy(), dtype=np.int64))
    distinct, inverse = np.unique(np.stack(indices, axis=1), axis=0, return_inverse=True)
    protos = [
        {dim: values[j] for dim, values, j in zip(dims, labels, row, strict=True)}
        for row in distinct.tolist()
    ]
    # Copies, not shared dicts: a caller may change one value's slice.
    return [protos[i].copy() for i in inverse.reshape(-1).tolist()]


def compute_metrics(
    store: Store,
    names: Sequence[str] | None = None,
    *,
    window: str | None = "1h",
    by: Sequence[str] = (),
    since: datetime | None = None,
    until: datetime | None = None,
    config: MetricsConfig | None = None,
    alpha: float = 0.05,
    dialect: Dialect = DUCKDB,
) -> list[MetricValue]:
    """Metrics per window × slice over production traffic, with intervals.

    Record metrics (latency, errors, fallbacks, scorer pass rates) go in the
    window of the interaction; session metrics and session events in the
    window, and the slice, of the session's first interaction. Groups that
    exist in the grain but have no qualifying unit come back with ``n = 0``
    and a reason; no data at all gives no rows.

    Args:
        store: An open store.
        names: Metric names (``pass_rate:SCORER`` for any scorer); default
            every registered metric.
        window: Window length (``5m``, ``1h``, ``1d``) or ``all``/None.
        by: Slice attributes: ``model_version`` (the records' system
            version) or any tag key (``segment``...).
        since: Only units whose timestamp is at or after this (UTC if naive).
        until: Only units whose timestamp is before this.
        config: Task-completion and fallback settings.
        alpha: One minus the confidence level.
        dialect: The SQL dialect of the store's engine.

    Raises:
        LookupError: An unknown metric name.
        ValueError: A malformed window, slice name or time range.
    """
    seconds = parse_window(window)
    dims = _check_by(by)
    if since is not None and until is not None and _utc(since) >= _utc(until):  # type: ignore[operator]
        raise ValueError(f"since ({since}) must be before until ({until})")
    definitions = [get_metric(n) for n in (names or registry.names())]
    out: list[MetricValue] = []
    for definition in definitions:
        query = compile_metric(
            definition,
            window_seconds=seconds,
            by=dims,
            since=since,
            until=until,
            config=config,
            dialect=dialect,
        )
        table = store.con.sql(query.sql).to_arrow_table()
        columns = _estimates(definition, table, alpha).clipped(definition.bounds)
        name, unit = definition.name, definition.unit
        out.extend(
            MetricValue(name, start, slice_, value, low, high, n, method, unit, reason)
            for start, slice_, value, low, high, n, method, reason in zip(
                _window_starts(table["window_start"]),
                _slices(table, dims),
                columns.value,
                columns.ci_low,
                columns.ci_high,
                columns.n,
                columns.method,
                columns.reason,
                strict=True,
            )
        )
    return out

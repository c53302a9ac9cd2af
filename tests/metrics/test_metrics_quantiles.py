"""Order-statistic quantile intervals computed in SQL per group."""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from aivitals.metrics import compute_metrics
from aivitals.metrics._compute import quantile_estimates
from aivitals.metrics._definitions import MetricDefinition
from aivitals.metrics._sql import band_half_width, compile_metric
from aivitals.store import Store

from .conftest import T0, TAGS


def insert_latencies(store: Store, groups: list[np.ndarray]) -> None:
    ids, segs, lats = [], [], []
    for g, values in enumerate(groups):
        ids += [f"g{g}-{i}" for i in range(len(values))]
        segs += [[("segment", f"s{g}")]] * len(values)
        lats += values.tolist()
    store.insert(
        "records",
        pa.table(
            {
                "record_id": ids,
                "source": ["prod"] * len(ids),
                "ts": [T0 + timedelta(seconds=i % 3000) for i in range(len(ids))],
                "tags": pa.array(segs, type=TAGS),
                "latency_ms": lats,
            }
        ),
    )


@pytest.mark.parametrize("q", [0.5, 0.95, 0.99])
def test_sql_interval_equals_scipy_quantile_test(store: Store, q: float):
    rng = np.random.default_rng(7)
    groups = [rng.lognormal(5, 1, size) for size in (40, 137, 400, 2500)]
    insert_latencies(store, groups)
    values = compute_metrics(store, [f"latency_p{round(q * 100)}"], window="all", by=["segment"])
    for v, x in zip(sorted(values, key=lambda v: int(v.slice["segment"][1:])), groups, strict=True):
        assert v.n == len(x)
        assert v.value == pytest.approx(np.quantile(x, q), rel=1e-12)
        ci = stats.quantile_test(x, q=v.value, p=q).confidence_interval(0.95)
        if math.isfinite(ci.low) and math.isfinite(ci.high):
            assert (v.ci_low, v.ci_high) == (ci.low, ci.high)
        else:
            assert v.ci_low is None and v.reason == "too few values for this level"


def test_interval_covers_the_true_p95_about_95_percent_of_the_time(store: Store):
    rng = np.random.default_rng(11)
    true_p95 = -math.log(0.05)  # standard exponential
    groups = [rng.exponential(1.0, 300) for _ in range(300)]
    insert_latencies(store, groups)
    values = compute_metrics(store, ["latency_p95"], window="all", by=["segment"])
    assert len(values) == 300
    covered = np.mean([v.ci_low <= true_p95 <= v.ci_high for v in values])  # type: ignore[operator]
    # Exact intervals are conservative: at least nominal, up to a little over.
    assert 0.92 <= covered <= 0.995


@given(
    st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=300),
    st.sampled_from([0.5, 0.9, 0.95, 0.99]),
)
def test_band_logic_matches_full_sort(values: list[float], q: float):
    x = np.sort(np.array(values))
    n = len(x)
    half = band_half_width(n, q)
    start = max(0, math.floor(n * q) - half)
    stop = min(n - 1, math.floor(n * q) + half)
    (est,) = quantile_estimates([n], [start], [x[start : stop + 1].tolist()], q)
    assert est.value == pytest.approx(np.quantile(x, q), rel=1e-9, abs=1e-9)
    if n > 1 and est.ci_low is not None:
        ci = stats.quantile_test(x, q=est.value, p=q).confidence_interval(0.95)
        assert (est.ci_low, est.ci_high) == (ci.low, ci.high)


@pytest.mark.parametrize("q", [0.1, 0.5, 0.95])
def test_band_from_extreme_values_or_full_sort_agree_with_numpy(store: Store, q: float):
    # Small groups take their band from the top-k / bottom-k aggregate, large
    # ones from sorting the whole list: both must give the exact order statistics.
    rng = np.random.default_rng(3)
    groups = [rng.lognormal(5, 1, size) for size in (1, 2, 30, 64, 65, 300, 3000)]
    insert_latencies(store, groups)
    definition = MetricDefinition(
        "latency_q", "quantile", "q", "ms", "lower_is_better", "records", "latency_ms", q=q
    )
    query = compile_metric(definition, window_seconds=None, by=["segment"])
    table = store.con.sql(query.sql).to_arrow_table()
    estimates = quantile_estimates(table["n"], table["band_start"], table["band"], q)
    by_segment = dict(zip(table["d0"].to_pylist(), estimates, strict=True))
    for g, x in enumerate(groups):
        est = by_segment[f"s{g}"]
        assert est.n == len(x)
        assert est.value == pytest.approx(np.quantile(x, q), rel=1e-12)
        if est.ci_low is not None:
            ci = stats.quantile_test(x, q=est.value, p=q).confidence_interval(0.95)
            assert (est.ci_low, est.ci_high) == (ci.low, ci.high)

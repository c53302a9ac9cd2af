"""Quantile replicates from unsorted values: band selection, ties, and the full fallback."""

from __future__ import annotations

import numpy as np
import pytest

from aivitals.health._estimate import Weights, _band, _quantile_point, _quantile_replicates


def _weights(w: np.ndarray) -> Weights:
    w = w.astype(np.float64)
    return Weights(w, np.ascontiguousarray(w.T, dtype=np.float32))


def _expected(bucket: np.ndarray, v: np.ndarray, w: np.ndarray, q: float) -> float:
    return float(np.quantile(np.repeat(v, w[bucket].astype(int)), q))


@pytest.mark.parametrize("q", [0.05, 0.5, 0.95])
def test_unsorted_values_with_ties_give_the_sorted_results(q: float):
    rng = np.random.default_rng(3)
    v = np.round(rng.lognormal(6, 0.5, 20_000), -1)  # many ties, also across the band edges
    bucket = rng.integers(0, 64, v.size)
    weights = _weights(rng.poisson(1.0, (30, 64)))
    order = np.argsort(v, kind="stable")
    on_sorted = _quantile_replicates(bucket[order], v[order], q, weights)
    shuffled = rng.permutation(v.size)
    on_shuffled = _quantile_replicates(bucket[shuffled], v[shuffled], q, weights)
    assert np.array_equal(on_sorted, on_shuffled)
    for r in range(len(weights.w)):
        assert on_shuffled[r] == pytest.approx(_expected(bucket, v, weights.w[r], q), rel=1e-12)
    band = _band(bucket[shuffled], v[shuffled], q)
    assert band.start > 0 and len(band.v) < v.size  # the band is a strict subset here
    assert _quantile_point(band.v, q, v.size, band.start) == _quantile_point(v[order], q)
    assert _quantile_point(v[order], q) == pytest.approx(float(np.quantile(v, q)), rel=1e-12)


def test_replicates_outside_the_band_are_computed_in_full_from_unsorted_values():
    rng = np.random.default_rng(4)
    v = rng.lognormal(6, 0.5, 3000)
    ranks = np.argsort(np.argsort(v))
    # Bucket 0 holds the lowest thousand values: a replicate of bucket 0 alone
    # has its 95th percentile far below the band around rank 0.95 n.
    bucket = np.where(ranks < 1000, 0, rng.integers(1, 64, v.size))
    w = rng.poisson(1.0, (10, 64))
    w[0] = 0
    w[0, 0] = 1
    w[1] = 0
    w[1, 0] = 3
    weights = _weights(w)
    band = _band(bucket, v, 0.95)
    assert band.start > 1000
    got = _quantile_replicates(bucket, v, 0.95, weights)
    for r in range(len(w)):
        assert got[r] == pytest.approx(_expected(bucket, v, weights.w[r], 0.95), rel=1e-12)

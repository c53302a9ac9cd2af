"""Cluster-robust intervals: a hand-computed CR1 and the cases where it reduces to t."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats as sps

from aivitals.stats import MeanStats, clustered_mean, clustered_proportion


def hand_cr1(values: np.ndarray, clusters: np.ndarray, alpha: float = 0.05) -> tuple:
    # CR1 for a mean: G/(G-1) * sum_g (sum of residuals in g)^2 / N^2, t with G-1 df.
    labels, groups = np.unique(clusters, return_inverse=True)
    g, n = len(labels), len(values)
    sums = np.bincount(groups, values - values.mean())
    se = np.sqrt(g / (g - 1) * np.sum(sums**2) / n**2)
    half = sps.t.ppf(1 - alpha / 2, g - 1) * se
    return values.mean() - half, values.mean() + half


@given(st.lists(st.tuples(st.integers(-10, 10), st.integers(0, 5)), min_size=3, max_size=40))
def test_clustered_mean_is_a_hand_computed_cr1(rows: list[tuple[int, int]]) -> None:
    values = np.array([v / 3 for v, _ in rows])
    clusters = np.array([f"case{c}" for _, c in rows])
    est = clustered_mean(values, clusters)
    if len(set(clusters)) == 1:
        assert est.reason == "one cluster"
    elif values.min() == values.max():
        assert est.reason == "all values equal"
    else:
        assert (est.ci_low, est.ci_high) == pytest.approx(hand_cr1(values, clusters))
        assert est.value == pytest.approx(values.mean())
        assert est.n == len(values)


def test_one_observation_per_cluster_is_the_t_interval() -> None:
    values = np.random.default_rng(0).normal(size=30)
    est = clustered_mean(values, np.arange(30))
    t = MeanStats(30, float(values.sum()), float(values @ values)).estimate()
    assert (est.ci_low, est.ci_high) == pytest.approx((t.ci_low, t.ci_high))


def test_identical_repeats_count_once() -> None:
    # Three identical repeats of 12 cases carry the information of 12 values, not 36:
    # the clustered interval is the t interval of the 12 case values.
    cases = np.random.default_rng(1).normal(size=12)
    est = clustered_mean(np.repeat(cases, 3), np.repeat(np.arange(12), 3))
    t = MeanStats(12, float(cases.sum()), float(cases @ cases)).estimate()
    assert (est.ci_low, est.ci_high) == pytest.approx((t.ci_low, t.ci_high))
    naive = MeanStats(36, 3 * float(cases.sum()), 3 * float(cases @ cases)).estimate()
    assert naive.ci_high - naive.ci_low < est.ci_high - est.ci_low


def test_clustered_proportion_stays_in_the_unit_interval() -> None:
    passed = [True] * 9 + [False]
    est = clustered_proportion(passed, list(range(10)))
    assert est.value == 0.9
    assert 0.0 <= est.ci_low < 0.9 < est.ci_high == 1.0
    assert est.method == "cluster-robust t (CR1)"


@pytest.mark.parametrize(
    ("values", "clusters", "reason"),
    [
        ([], [], "no observations"),
        ([1.0, 2.0, 3.0], ["a", "a", "a"], "one cluster"),
        ([2.0, 2.0, 2.0], ["a", "b", "c"], "all values equal"),
    ],
)
def test_degenerate_input_gives_a_reason(values: list, clusters: list, reason: str) -> None:
    est = clustered_mean(values, clusters)
    assert (est.reason, est.n) == (reason, len(values))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: clustered_mean([1.0, 2.0], ["a"]), "pair up"),
        (lambda: clustered_mean([1.0, float("inf")], ["a", "b"]), "NaN or infinite"),
        (lambda: clustered_proportion([0.5, 1.0], ["a", "b"]), "verdicts"),
        (lambda: clustered_mean([1.0, 2.0], ["a", "b"], alpha=0), "alpha"),
    ],
)
def test_bad_arguments_are_named(call: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()  # type: ignore[operator]

"""Bootstrap intervals and permutation tests: scipy on small samples, fast paths on large."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats as sps

from aivitals.stats import (
    MeanStats,
    _resampling,
    bootstrap_interval,
    paired_bootstrap_mean_difference,
    paired_permutation_test,
    quantile_interval,
)

# Small, tie-rich samples keep hypothesis examples fast and exercise BCa's edge cases.
small = st.lists(st.integers(-20, 20).map(lambda v: v / 4), min_size=2, max_size=30)


def scipy_interval(
    values: list[float], statistic: object, method: str, seed: int, n_resamples: int = 500
) -> tuple:
    result = sps.bootstrap(
        (np.asarray(values),),
        statistic,
        n_resamples=n_resamples,
        method=method,
        vectorized=True,
        rng=np.random.default_rng(seed),
    )
    return tuple(result.confidence_interval)


@given(small, st.sampled_from(["BCa", "percentile"]), st.integers(0, 5))
def test_bootstrap_interval_is_scipys(values: list[float], method: str, seed: int) -> None:
    est = bootstrap_interval(values, np.mean, method=method, n_resamples=500, seed=seed)
    if len(set(values)) == 1:
        assert est.reason == "all values equal"
        return
    assert est.value == pytest.approx(np.mean(values))
    if est.method == f"bootstrap {method}":
        expected = scipy_interval(values, np.mean, method, seed)
        assert (est.ci_low, est.ci_high) == pytest.approx(expected)
    else:  # BCa undefined (every jackknife value equal): the percentile interval
        assert est.method == "bootstrap percentile (BCa undefined)"
    assert est.ci_low <= est.ci_high


@given(st.lists(st.floats(-5, 5, allow_nan=False), min_size=3, max_size=30), st.integers(0, 3))
def test_paired_bootstrap_of_few_pairs_is_scipys_on_the_differences(
    base: list[float], seed: int
) -> None:
    rng = np.random.default_rng(seed)
    candidate = np.asarray(base) + rng.normal(0.1, 1.0, len(base))
    est = paired_bootstrap_mean_difference(base, candidate, n_resamples=500, seed=seed)
    d = candidate - np.asarray(base)
    assert est.value == pytest.approx(d.mean())
    assert est.method == "bootstrap BCa"
    expected = scipy_interval(list(d), np.mean, "BCa", seed)
    assert (est.ci_low, est.ci_high) == pytest.approx(expected)


def test_bca_on_a_large_sample_falls_back_to_percentile(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_resampling, "BCA_MAX_N", 50)
    values = np.random.default_rng(1).exponential(size=80)
    est = bootstrap_interval(values, np.mean, n_resamples=500)
    assert est.method == "bootstrap percentile (BCa needs n <= 50)"
    assert (est.ci_low, est.ci_high) == pytest.approx(
        scipy_interval(list(values), np.mean, "percentile", 0)
    )


def test_same_seed_same_interval_other_seed_other_interval() -> None:
    values = np.random.default_rng(2).normal(size=40)
    first = bootstrap_interval(values, np.median, seed=7)
    assert bootstrap_interval(values, np.median, seed=7) == first
    assert bootstrap_interval(values, np.median, seed=8) != first


@pytest.mark.parametrize(
    ("values", "ranks"),
    # Distribution-free 95% interval of the median between order statistics
    # X(r) and X(s) (Conover, Practical Nonparametric Statistics, 3rd ed., Table A3):
    # n = 10 -> X(2), X(9); n = 20 -> X(6), X(15).
    [(list(range(1, 11)), (2, 9)), (list(range(1, 21)), (6, 15))],
)
def test_large_sample_quantiles_use_order_statistics(
    monkeypatch: pytest.MonkeyPatch, values: list[int], ranks: tuple[int, int]
) -> None:
    monkeypatch.setattr(_resampling, "QUANTILE_BOOTSTRAP_MAX_N", 5)
    est = quantile_interval(values, 0.5)
    assert (est.method, est.value) == ("order statistic", np.median(values))
    assert (est.ci_low, est.ci_high) == ranks  # values are their own ranks


def test_quantile_interval_of_a_big_sample_brackets_the_true_quantile() -> None:
    values = np.random.default_rng(3).exponential(size=20_000)
    est = quantile_interval(values, 0.95)
    assert est.method == "order statistic"
    assert est.ci_low < -np.log(0.05) < est.ci_high  # the exponential's p95 is ln 20


def test_small_sample_quantile_is_bootstrapped() -> None:
    values = np.random.default_rng(4).normal(size=60)
    est = quantile_interval(values, 0.9, method="percentile", n_resamples=500)
    expected = scipy_interval(
        list(values), lambda x, axis: np.quantile(x, 0.9, axis=axis), "percentile", 0
    )
    assert est.method == "bootstrap percentile"
    assert (est.ci_low, est.ci_high) == pytest.approx(expected)


def test_many_pass_fail_pairs_resample_counts_of_distinct_values() -> None:
    rng = np.random.default_rng(5)
    base = (rng.random(20_000) < 0.8).astype(float)
    candidate = np.where(rng.random(20_000) < 0.05, 1 - base, base)
    est = paired_bootstrap_mean_difference(base, candidate)
    assert est.method == "bootstrap percentile (multinomial over 3 values)"
    # The same resampling distribution as pair-by-pair: agree within Monte Carlo error.
    d = candidate - base
    slow = scipy_interval(list(d), np.mean, "percentile", 0, n_resamples=2000)
    half = (slow[1] - slow[0]) / 2
    # Each 2.5% quantile of 2,000 resamples is within ~3% of the half-width.
    assert est.ci_low == pytest.approx(slow[0], abs=0.15 * half)
    assert est.ci_high == pytest.approx(slow[1], abs=0.15 * half)


def test_rare_flips_do_not_give_an_interval_reaching_above_zero() -> None:
    base = np.ones(5_000)
    candidate = base.copy()
    candidate[:3] = 0.0  # three newly failing cases, none newly passing
    est = paired_bootstrap_mean_difference(base, candidate)
    assert est.value == pytest.approx(-3 / 5_000)
    assert est.ci_high == 0.0 < -est.ci_low


def test_many_distinct_differences_use_the_t_interval() -> None:
    rng = np.random.default_rng(6)
    base = rng.random(3_000)
    candidate = base + rng.normal(0.01, 0.1, 3_000)
    est = paired_bootstrap_mean_difference(base, candidate)
    d = candidate - base
    t = MeanStats(len(d), float(d.sum()), float(d @ d)).estimate()
    assert est.method == "t (n > 500, many distinct values)"
    assert (est.value, est.ci_low, est.ci_high) == pytest.approx((t.value, t.ci_low, t.ci_high))


@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4)), min_size=2, max_size=10))
def test_permutation_test_of_few_pairs_is_scipys_exact_test(pairs: list[tuple[int, int]]) -> None:
    base = [float(b) for b, _ in pairs]
    candidate = [float(c) for _, c in pairs]
    ours = paired_permutation_test(base, candidate)
    if base == candidate:
        assert (ours.p_value, ours.reason) == (1.0, "all differences are zero")
        return
    expected = sps.permutation_test(
        (np.asarray(candidate), np.asarray(base)),
        lambda x, y, axis: np.mean(x - y, axis=axis),
        permutation_type="samples",
        vectorized=True,
        n_resamples=2000,
    )
    assert ours.test == "paired permutation (exact)"
    assert ours.p_value == pytest.approx(expected.pvalue)
    assert ours.statistic == pytest.approx(np.mean(np.subtract(candidate, base)))


def test_one_non_zero_difference_cannot_be_significant() -> None:
    result = paired_permutation_test([1.0, 1.0, 0.0], [1.0, 1.0, 1.0])
    assert (result.test, result.p_value, result.n) == ("paired permutation (exact)", 1.0, 3)


def test_permutation_test_of_many_pairs_uses_the_normal_approximation() -> None:
    rng = np.random.default_rng(7)
    base = rng.random(400)
    candidate = base + rng.normal(0.02, 0.2, 400)
    ours = paired_permutation_test(base, candidate)
    assert ours.test == "paired permutation (normal approximation)"
    slow = sps.permutation_test(
        (candidate - base,),
        np.mean,
        permutation_type="samples",
        vectorized=True,
        n_resamples=20_000,
        rng=np.random.default_rng(0),
    )
    assert ours.p_value == pytest.approx(slow.pvalue, abs=0.01)


def test_permutation_test_between_the_thresholds_resamples() -> None:
    rng = np.random.default_rng(8)
    base = rng.random(50)
    result = paired_permutation_test(base, base + rng.normal(0.3, 0.5, 50), seed=1)
    assert result.test == "paired permutation"
    assert result.p_value < 0.01


@pytest.mark.parametrize(
    ("values", "reason", "paired_reason"),
    [
        ([], "no observations", "no pairs"),
        ([2.0], "one observation", "one pair"),
        ([3.0, 3.0, 3.0], "all values equal", "all differences equal"),
    ],
)
def test_degenerate_samples_give_a_reason(
    values: list[float], reason: str, paired_reason: str
) -> None:
    for est in (bootstrap_interval(values, np.mean), quantile_interval(values, 0.5)):
        assert (est.reason, est.n) == (reason, len(values))
    shifted = [v + 1 for v in values]  # a constant difference of 1
    paired = paired_bootstrap_mean_difference(values, shifted)
    assert (paired.reason, paired.n) == (paired_reason, len(values))
    if values:
        assert paired.value == 1.0
    assert paired_permutation_test(values, values).p_value == 1.0


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: bootstrap_interval([1.0, float("nan")], np.mean), "NaN"),
        (lambda: bootstrap_interval([1.0, 2.0], np.mean, method="bca"), "method"),
        (lambda: paired_bootstrap_mean_difference([1.0, 2.0], [1.0]), "pair up"),
        (lambda: quantile_interval([1.0, 2.0], 1.0), "q must"),
        (lambda: paired_permutation_test([1.0], [2.0], n_resamples=10), "n_resamples"),
    ],
)
def test_bad_arguments_are_named(call: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()  # type: ignore[operator]

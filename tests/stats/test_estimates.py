import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats as sps

from aivitals.stats import MeanStats, ProportionStats


# Newcombe (1998), Statistics in Medicine 17:857-872, Table I, Wilson score
# intervals (method 3), to four decimals.
@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_matches_newcombe_1998(successes: int, n: int, low: float, high: float) -> None:
    est = ProportionStats(n, successes).estimate()
    assert est.method == "wilson"
    assert round(est.ci_low, 4) == low
    assert round(est.ci_high, 4) == high
    assert est.n == n


def test_proportion_with_no_data_has_a_reason() -> None:
    est = ProportionStats(0, 0).estimate()
    assert est.value is None
    assert est.reason == "no observations"


def test_pooling_adds_sufficient_statistics() -> None:
    assert ProportionStats(10, 3) + ProportionStats(5, 5) == ProportionStats(15, 8)
    assert MeanStats(2, 3.0, 5.0) + MeanStats(1, 1.0, 1.0) == MeanStats(3, 4.0, 6.0)


@given(st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=2, max_size=200))
def test_t_interval_matches_scipy(values: list[float]) -> None:
    stats = MeanStats(len(values), sum(values), sum(v * v for v in values))
    est = stats.estimate()
    if est.reason == "all values equal" or sps.sem(values) < 1e-9:
        return
    low, high = sps.t.interval(
        0.95, len(values) - 1, loc=sum(values) / len(values), scale=sps.sem(values)
    )
    assert est.ci_low == pytest.approx(low, rel=1e-6, abs=1e-6)
    assert est.ci_high == pytest.approx(high, rel=1e-6, abs=1e-6)


@pytest.mark.parametrize(
    ("stats", "reason"),
    [
        (MeanStats(0, 0.0, 0.0), "no observations"),
        (MeanStats(1, 2.0, 4.0), "one observation"),
        (MeanStats(3, 3.0, 3.0), "all values equal"),
    ],
)
def test_degenerate_means_return_reasons(stats: MeanStats, reason: str) -> None:
    est = stats.estimate()
    assert est.reason == reason
    assert est.value is None or math.isfinite(est.value)

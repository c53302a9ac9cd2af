"""Effect sizes: Cohen's h against statsmodels and Cohen's tables; paired d."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from statsmodels.stats.proportion import proportion_effectsize

from aivitals.stats import cohens_d_paired, cohens_h

rates = st.floats(0, 1, allow_nan=False)


def test_cohens_h_reference_value() -> None:
    # Cohen (1988), Table 6.2.1: phi(0.50) = 1.571, phi(0.25) = 1.047, so h = 0.524.
    assert round(cohens_h(0.5, 0.25), 3) == 0.524
    assert cohens_h(1.0, 0.0) == pytest.approx(math.pi)


@given(rates, rates)
def test_cohens_h_is_statsmodels_and_antisymmetric(p1: float, p2: float) -> None:
    assert cohens_h(p1, p2) == pytest.approx(proportion_effectsize(p1, p2))
    assert cohens_h(p2, p1) == pytest.approx(-cohens_h(p1, p2))


def test_cohens_h_names_a_bad_rate() -> None:
    with pytest.raises(ValueError, match="p2"):
        cohens_h(0.5, 1.5)


@given(
    st.lists(st.floats(-5, 5, allow_nan=False), min_size=2, max_size=40),
    st.floats(0.1, 10),
)
def test_paired_d_is_mean_over_sd_and_scale_free(differences: list[float], scale: float) -> None:
    d = np.asarray(differences)
    est = cohens_d_paired(d)
    if d.min() == d.max():
        assert est.reason == "all differences equal"
        return
    sd = d.std(ddof=1)
    if sd == 0 or not np.isfinite(d.mean() / sd):  # subnormal: no usable scale
        assert est.value is None and est.reason == "differences too small to scale"
        return
    assert est.value == pytest.approx(d.mean() / sd)
    assert cohens_d_paired(d * scale).value == pytest.approx(est.value)
    assert est.ci_low < est.value < est.ci_high


def test_paired_d_interval_is_the_large_sample_one() -> None:
    est = cohens_d_paired([0.5, 1.5, 1.0, 2.0, 0.0])  # mean 1, sd 0.7906: d = 1.2649
    assert round(est.value, 4) == 1.2649
    half = 1.959964 * math.sqrt(1 / 5 + est.value**2 / 10)
    assert (est.ci_low, est.ci_high) == pytest.approx((est.value - half, est.value + half))


@pytest.mark.parametrize(("differences", "reason"), [([], "no pairs"), ([1.0], "one pair")])
def test_paired_d_degenerate(differences: list[float], reason: str) -> None:
    assert cohens_d_paired(differences).reason == reason

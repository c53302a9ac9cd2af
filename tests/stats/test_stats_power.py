"""Power: published sample sizes, statsmodels, and MDE / n round trips."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import norm

from aivitals.stats import DetectableDrop, SampleSize, mde_proportion, sample_size_for_drop


def test_mcnemar_sample_size_matches_connor_1987() -> None:
    # Connor (1987), as in the powerandsamplesize.com McNemar 2-sided calculator:
    # p10 = 0.05, p01 = 0.45 (discordance 0.5, difference 0.4), alpha 0.05,
    # power 0.8 -> 23 pairs.
    result = sample_size_for_drop(0.9, 0.4, paired=True, discordance=0.5)
    assert result.n == 23
    assert result.method == "McNemar, Connor 1987 (discordance 0.5)"


def test_independent_sample_size_is_the_arcsine_formula() -> None:
    # Cohen (1988), eq. 6.4.1: n per group = ((z_{1-alpha/2} + z_power) / h)^2 * 2.
    h = 2 * math.asin(math.sqrt(0.9)) - 2 * math.asin(math.sqrt(0.85))
    expected = math.ceil(2 * ((norm.ppf(0.975) + norm.ppf(0.8)) / h) ** 2)
    assert sample_size_for_drop(0.9, 0.05).n == expected == 681


def test_paired_with_unknown_discordance_is_close_to_independent() -> None:
    paired = sample_size_for_drop(0.9, 0.05, paired=True).n
    independent = sample_size_for_drop(0.9, 0.05).n
    assert paired is not None and independent is not None
    assert abs(paired - independent) / independent < 0.05
    # Fewer flips than chance would give: far fewer cases needed.
    known = sample_size_for_drop(0.9, 0.05, paired=True, discordance=0.08).n
    assert known is not None and known < paired / 2


@given(
    st.floats(0.3, 1.0),
    st.floats(0.02, 0.25),
    st.booleans(),
)
def test_mde_and_sample_size_invert_each_other(p_base: float, drop: float, paired: bool) -> None:
    needed = sample_size_for_drop(p_base, drop, paired=paired)
    if drop > p_base:
        assert needed.reason is not None
        return
    assert needed.n is not None
    # statsmodels solves for the effect size only to ~1e-4 in power: compare with slack.
    assert mde_proportion(needed.n, p_base, paired=paired).drop <= drop * (1 + 1e-3)
    if needed.n > 2:
        fewer = mde_proportion(needed.n - 1, p_base, paired=paired).drop
        assert fewer is None or fewer > drop * (1 - 1e-3)


@given(st.integers(5, 5000), st.floats(0.05, 1.0))
def test_more_cases_detect_smaller_drops(n: int, p_base: float) -> None:
    small = mde_proportion(n, p_base, paired=True)
    large = mde_proportion(2 * n, p_base, paired=True)
    if small.drop is not None:
        assert large.drop is not None and large.drop < small.drop <= p_base


def test_a_perfect_base_rate_can_still_drop() -> None:
    assert sample_size_for_drop(1.0, 0.05, paired=True).n == 155
    assert mde_proportion(155, 1.0, paired=True).drop == pytest.approx(0.05, abs=1e-3)


@pytest.mark.parametrize(
    ("result", "reason"),
    [
        (mde_proportion(0, 0.9), "no cases"),
        (mde_proportion(100, 0.0), "the base rate is 0: there is nothing to drop"),
        (mde_proportion(1, 0.5), "no drop from 0.5 is detectable with 1 case"),
        (sample_size_for_drop(0.0, 0.05), "the base rate is 0: there is nothing to drop"),
        (sample_size_for_drop(0.03, 0.05), "a drop of 0.05 from 0.03 would go below 0"),
        (
            sample_size_for_drop(0.9, 0.1, paired=True, discordance=0.05),
            "a drop of 0.1 needs at least that share of verdicts to flip, not 0.05",
        ),
    ],
)
def test_degenerate_input_gives_a_reason(result: DetectableDrop | SampleSize, reason: str) -> None:
    assert result.reason == reason
    assert (result.drop if isinstance(result, DetectableDrop) else result.n) is None


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: mde_proportion(-1, 0.5), "n must"),
        (lambda: mde_proportion(10, 1.2), "p_base"),
        (lambda: sample_size_for_drop(0.5, 0.0), "drop"),
        (lambda: sample_size_for_drop(0.5, 0.1, power=1.0), "power"),
        (lambda: sample_size_for_drop(0.5, 0.1, alpha=0.0), "alpha"),
        (lambda: sample_size_for_drop(0.5, 0.1, paired=True, discordance=0.0), "discordance"),
    ],
)
def test_bad_arguments_are_named(call: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()  # type: ignore[operator]


def test_to_dict_is_plain_json() -> None:
    assert mde_proportion(100, 0.9).to_dict()["n"] == 100
    assert sample_size_for_drop(0.9, 0.05).to_dict()["n"] == 681

"""Differences of rates: Newcombe's published intervals, statsmodels, invariants."""

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from aivitals.stats import (
    PairedProportionStats,
    independent_proportion_difference,
    paired_proportion_difference,
)

# Newcombe RG, Improved confidence intervals for the difference between binomial
# proportions based on paired data, Stat Med 1998;17:2635-2650: the paper's table of
# worked examples, method 10 column, 95% limits for theta = (f - g) / n with
# e, f, g, h = both pass, first only, second only, neither. Transcribed from a public
# reproduction of that table; our (second minus first) interval is (-upper, -lower).
# Example (h) is published as 0.8736; the formula gives 0.873672, hence the 1e-4
# tolerance (every other limit agrees to all four printed decimals).
NEWCOMBE_1998B = [
    ((36, 12, 2, 0), (0.0569, 0.3404)),
    ((20, 12, 2, 16), (0.0562, 0.3292)),
    ((18, 12, 2, 18), (0.0562, 0.3290)),
    ((36, 14, 0, 0), (0.1528, 0.4167)),
    ((35, 14, 0, 1), (0.1461, 0.4175)),
    ((18, 14, 0, 18), (0.1441, 0.3963)),
    ((2, 97, 1, 0), (0.8721, 0.9854)),
    ((1, 97, 1, 1), (0.8736, 0.9850)),
    ((0, 29, 1, 0), (0.6666, 0.9882)),
    ((2, 98, 0, 0), (0.9178, 0.9945)),
    ((1, 98, 0, 1), (0.9171, 0.9916)),
    ((0, 30, 0, 0), (0.8395, 1.0000)),
    ((54, 0, 0, 0), (-0.0664, 0.0664)),
    ((53, 0, 0, 1), (-0.0729, 0.0729)),
    ((30, 0, 0, 24), (-0.0358, 0.0358)),
    ((29, 0, 0, 25), (-0.0354, 0.0354)),
    ((28, 0, 0, 26), (-0.0352, 0.0352)),
    ((27, 0, 0, 27), (-0.0351, 0.0351)),
]

# Newcombe RG, Interval estimation for the difference between independent
# proportions: comparison of eleven methods, Stat Med 1998;17:873-890, Table II,
# method 10: (x1/n1 - x2/n2) -> 95% limits, to four decimals.
NEWCOMBE_1998A = [
    ((56, 70, 48, 80), (0.0524, 0.3339)),
    ((9, 10, 3, 10), (0.1705, 0.8090)),
    ((6, 7, 2, 7), (0.0582, 0.8062)),
    ((5, 56, 0, 29), (-0.0381, 0.1926)),
    ((0, 10, 0, 20), (-0.1611, 0.2775)),
    ((0, 10, 0, 10), (-0.2775, 0.2775)),
    ((10, 10, 0, 20), (0.6791, 1.0000)),
    ((10, 10, 0, 10), (0.6075, 1.0000)),
]


@pytest.mark.parametrize(("table", "published"), NEWCOMBE_1998B)
def test_paired_difference_matches_newcombe_1998b(
    table: tuple[int, int, int, int], published: tuple[float, float]
) -> None:
    e, f, g, h = table
    est = paired_proportion_difference(e, f, g, h)
    assert est.value == pytest.approx((g - f) / (e + f + g + h))
    assert (round(-est.ci_high, 4), round(-est.ci_low, 4)) == pytest.approx(published, abs=1.01e-4)
    assert est.n == e + f + g + h
    assert est.method == "newcombe paired (method 10)"


@pytest.mark.parametrize(("counts", "published"), NEWCOMBE_1998A)
def test_independent_difference_matches_newcombe_1998a(
    counts: tuple[int, int, int, int], published: tuple[float, float]
) -> None:
    x1, n1, x2, n2 = counts
    # Ours is second minus first: swap the groups to read the table's x1/n1 - x2/n2.
    est = independent_proportion_difference(x2, n2, x1, n1)
    assert (round(est.ci_low, 4), round(est.ci_high, 4)) == published
    assert est.value == pytest.approx(x1 / n1 - x2 / n2)
    assert est.n == n1 + n2


counts = st.integers(0, 40)


@given(counts, counts, counts, counts)
def test_paired_difference_is_antisymmetric_and_brackets_its_value(
    n11: int, n10: int, n01: int, n00: int
) -> None:
    est = paired_proportion_difference(n11, n10, n01, n00)
    if n11 + n10 + n01 + n00 == 0:
        assert (est.value, est.reason) == (None, "no pairs")
        return
    swapped = paired_proportion_difference(n11, n01, n10, n00)
    assert swapped.value == pytest.approx(-est.value)
    assert swapped.ci_low == pytest.approx(-est.ci_high)
    assert -1.0 <= est.ci_low <= est.value <= est.ci_high <= 1.0


@given(st.integers(1, 40), counts, counts)
def test_phi_zero_reduces_to_the_independent_square_and_add(n11: int, n10: int, n01: int) -> None:
    # With uncorrelated verdicts (phi = 0 after Newcombe's correction, which
    # zeroes 0 <= n11 n00 - n10 n01 <= n / 2) method 10 is the square-and-add
    # of the two Wilson intervals, as statsmodels computes them.
    n00 = -(-n10 * n01 // n11)  # the smallest n00 with n11 n00 >= n10 n01
    n = n11 + n10 + n01 + n00
    assume(n11 * n00 - n10 * n01 <= n / 2)
    p1, p2 = (n11 + n10) / n, (n11 + n01) / n
    l1, u1 = proportion_confint(n11 + n10, n, method="wilson")
    l2, u2 = proportion_confint(n11 + n01, n, method="wilson")
    est = paired_proportion_difference(n11, n10, n01, n00)
    assert est.ci_low == pytest.approx(max(-1, p2 - p1 - ((p2 - l2) ** 2 + (u1 - p1) ** 2) ** 0.5))
    assert est.ci_high == pytest.approx(min(1, p2 - p1 + ((u2 - p2) ** 2 + (p1 - l1) ** 2) ** 0.5))


@given(st.integers(1, 60), st.integers(1, 60), st.data())
def test_independent_difference_matches_statsmodels(n1: int, n2: int, data: st.DataObject) -> None:
    x1 = data.draw(st.integers(0, n1))
    x2 = data.draw(st.integers(0, n2))
    low, high = confint_proportions_2indep(x2, n2, x1, n1, method="newcomb", compare="diff")
    est = independent_proportion_difference(x1, n1, x2, n2, alpha=0.05)
    assert (est.ci_low, est.ci_high) == pytest.approx((low, high))


def test_empty_groups_give_a_reason() -> None:
    assert independent_proportion_difference(0, 0, 3, 5).reason == "first group empty"
    assert independent_proportion_difference(1, 2, 0, 0).reason == "second group empty"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: paired_proportion_difference(1, -1, 0, 0), "n10"),
        (lambda: paired_proportion_difference(1, 1, 0, 0, alpha=1.5), "alpha"),
        (lambda: independent_proportion_difference(5, 4, 0, 1), "x1"),
    ],
)
def test_bad_arguments_are_named(call: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()  # type: ignore[operator]


def test_paired_stats_pool_and_test() -> None:
    a = PairedProportionStats(10, 5, 1, 4)
    b = PairedProportionStats(20, 3, 2, 5)
    pooled = a + b
    assert pooled == PairedProportionStats(30, 8, 3, 9)
    assert pooled.n == 50
    assert pooled.difference() == paired_proportion_difference(30, 8, 3, 9)
    result = pooled.test()
    assert (result.test, result.n) == ("McNemar exact", 50)

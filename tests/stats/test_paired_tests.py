import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats as sps
from statsmodels.stats.multitest import multipletests

from aivitals.stats import adjust_pvalues, mcnemar, wilcoxon_signed_rank


def test_mcnemar_on_agrestis_presidential_approval_table() -> None:
    # Agresti, Categorical Data Analysis (2nd ed.), Table 10.1: approval of the
    # president in two surveys of the same 1,600 people: 794 / 150 / 86 / 570.
    # z^2 = (86 - 150)^2 / (86 + 150) = 17.36, p < 0.001.
    result = mcnemar(150, 86, n=1600, exact=False, correction=False)
    assert round(result.statistic, 2) == 17.36
    assert result.p_value < 0.001
    assert result.n == 1600
    assert result.test == "McNemar chi-square"


def test_small_counts_use_the_exact_test() -> None:
    result = mcnemar(8, 1)
    assert result.test == "McNemar exact"
    assert result.p_value == pytest.approx(sps.binomtest(1, 9, 0.5).pvalue)


def test_no_discordant_pairs_is_a_result_not_an_error() -> None:
    result = mcnemar(0, 0, n=50)
    assert (result.p_value, result.reason, result.n) == (1.0, "no discordant pairs", 50)


@given(
    st.lists(
        st.floats(-5, 5, allow_nan=False).filter(lambda x: abs(x) > 1e-6), min_size=6, max_size=60
    )
)
def test_wilcoxon_matches_scipy(differences: list[float]) -> None:
    ours = wilcoxon_signed_rank(differences)
    assert ours.p_value == pytest.approx(sps.wilcoxon(differences).pvalue)


def test_wilcoxon_all_zero() -> None:
    assert wilcoxon_signed_rank([0.0, 0.0]).reason == "all differences are zero"


@given(
    st.lists(st.floats(0, 1, allow_nan=False), min_size=1, max_size=40),
    st.sampled_from(["holm", "fdr_bh"]),
)
def test_adjustment_matches_statsmodels_and_skips_missing(
    p_values: list[float], method: str
) -> None:
    with_gaps = [None, *p_values, None]
    ours = adjust_pvalues(with_gaps, method=method)
    expected = multipletests(p_values, method=method)[1]
    assert ours[0] is None and ours[-1] is None
    assert ours[1:-1] == pytest.approx(list(expected))

"""Tests of significance and their corrections, as thin layers over statsmodels.

A :class:`TestResult` names its test, so every p-value a user reads says
where it came from. Degenerate input (no pairs, no discordant pairs, all
differences zero) gives a result with a ``reason`` rather than an exception.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["TestResult", "adjust_pvalues", "mcnemar", "wilcoxon_signed_rank"]

#: Below this many discordant pairs McNemar's test is computed exactly
#: (binomial), where the chi-square approximation is poor.
EXACT_BELOW = 25


@dataclass(frozen=True, slots=True)
class TestResult:
    """The outcome of a test of significance.

    Attributes:
        test: Its name as shown to users (``McNemar exact``, ``Wilcoxon
            signed-rank``...).
        statistic: The test statistic, if the test has one.
        p_value: Two-sided p-value; ``None`` when the test cannot be run.
        n: Observations (pairs) behind it.
        reason: Why the result is degenerate, if it is.
    """

    __test__ = False  # not a pytest test class, despite its name

    test: str
    statistic: float | None
    p_value: float | None
    n: int
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        return {
            "test": self.test,
            "statistic": self.statistic,
            "p_value": self.p_value,
            "n": self.n,
            "reason": self.reason,
        }


def mcnemar(
    b: int, c: int, *, n: int | None = None, exact: bool | None = None, correction: bool = True
) -> TestResult:
    """McNemar's test for paired pass/fail verdicts.

    Args:
        b: Pairs that pass in the first run and fail in the second.
        c: Pairs that fail in the first run and pass in the second.
        n: All pairs (concordant included), reported as the result's n.
        exact: Force the exact binomial test (``True``) or the chi-square
            with continuity correction (``False``); by default exact below
            25 discordant pairs.
        correction: Continuity correction of the chi-square version.
    """
    from statsmodels.stats.contingency_tables import mcnemar as sm_mcnemar  # noqa: PLC0415

    total = n if n is not None else b + c
    use_exact = (b + c) < EXACT_BELOW if exact is None else exact
    name = "McNemar exact" if use_exact else "McNemar chi-square"
    if b + c == 0:
        return TestResult(name, None, 1.0, total, reason="no discordant pairs")
    result = sm_mcnemar([[0, b], [c, 0]], exact=use_exact, correction=correction)
    return TestResult(name, float(result.statistic), float(result.pvalue), total)


def wilcoxon_signed_rank(differences: Sequence[float]) -> TestResult:
    """Wilcoxon signed-rank test of paired differences (zeros dropped, Pratt off).

    Args:
        differences: Candidate minus base, one per pair.
    """
    from scipy.stats import wilcoxon  # noqa: PLC0415

    n = len(differences)
    name = "Wilcoxon signed-rank"
    nonzero = [d for d in differences if d != 0]
    if not nonzero:
        return TestResult(name, None, 1.0, n, reason="all differences are zero")
    result = wilcoxon(nonzero, zero_method="wilcox", alternative="two-sided")
    return TestResult(name, float(result.statistic), float(result.pvalue), n)


def adjust_pvalues(
    p_values: Sequence[float | None], method: Literal["holm", "fdr_bh"] = "holm"
) -> list[float | None]:
    """Correct p-values for testing many metrics × slices at once.

    ``holm`` controls the family-wise error rate (Holm–Bonferroni);
    ``fdr_bh`` the false discovery rate (Benjamini–Hochberg). ``None``
    entries (tests that could not run) stay ``None`` and do not count.
    """
    from statsmodels.stats.multitest import multipletests  # noqa: PLC0415

    present = [(i, p) for i, p in enumerate(p_values) if p is not None]
    adjusted: list[float | None] = [None] * len(p_values)
    if not present:
        return adjusted
    _, corrected, _, _ = multipletests([p for _, p in present], method=method)
    for (i, _), value in zip(present, corrected, strict=True):
        adjusted[i] = float(value)
    return adjusted

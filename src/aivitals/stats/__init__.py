"""Statistics: sufficient statistics, interval estimates and tests."""

from aivitals.stats._estimates import Estimate, MeanStats, ProportionStats
from aivitals.stats._tests import TestResult, adjust_pvalues, mcnemar, wilcoxon_signed_rank

__all__ = [
    "Estimate",
    "MeanStats",
    "ProportionStats",
    "TestResult",
    "adjust_pvalues",
    "mcnemar",
    "wilcoxon_signed_rank",
]

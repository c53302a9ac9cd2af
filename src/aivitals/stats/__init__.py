"""Statistics: sufficient statistics, interval estimates and tests."""

from aivitals.stats._cluster import clustered_mean, clustered_proportion
from aivitals.stats._differences import (
    PairedProportionStats,
    independent_proportion_difference,
    paired_proportion_difference,
)
from aivitals.stats._effects import cohens_d_paired, cohens_h
from aivitals.stats._estimates import Estimate, MeanStats, ProportionStats
from aivitals.stats._format import (
    fmt_count,
    fmt_delta,
    fmt_delta_interval,
    fmt_estimate,
    fmt_interval,
    fmt_pvalue,
    fmt_value,
    precise,
)
from aivitals.stats._power import DetectableDrop, SampleSize, mde_proportion, sample_size_for_drop
from aivitals.stats._resampling import (
    bootstrap_interval,
    paired_bootstrap_mean_difference,
    paired_permutation_test,
    quantile_interval,
)
from aivitals.stats._tests import TestResult, adjust_pvalues, mcnemar, wilcoxon_signed_rank

__all__ = [
    "DetectableDrop",
    "Estimate",
    "MeanStats",
    "PairedProportionStats",
    "ProportionStats",
    "SampleSize",
    "TestResult",
    "adjust_pvalues",
    "bootstrap_interval",
    "clustered_mean",
    "clustered_proportion",
    "cohens_d_paired",
    "cohens_h",
    "fmt_count",
    "fmt_delta",
    "fmt_delta_interval",
    "fmt_estimate",
    "fmt_interval",
    "fmt_pvalue",
    "fmt_value",
    "independent_proportion_difference",
    "mcnemar",
    "mde_proportion",
    "paired_bootstrap_mean_difference",
    "paired_permutation_test",
    "paired_proportion_difference",
    "precise",
    "quantile_interval",
    "sample_size_for_drop",
    "wilcoxon_signed_rank",
]

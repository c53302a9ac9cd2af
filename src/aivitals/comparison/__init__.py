"""Comparing runs: paired statistics per scorer and slice, flips, lineage."""

from aivitals.comparison._model import Comparison, Flip, Lineage, MetricComparison, Verdict

__all__ = ["Comparison", "Flip", "Lineage", "MetricComparison", "Verdict"]

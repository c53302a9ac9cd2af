"""Comparing runs: paired statistics per scorer and slice, flips, lineage."""

from aivitals.comparison._compare import compare_runs
from aivitals.comparison._flaky import (
    CaseVerdict,
    FlakyCase,
    case_history,
    flaky_cases,
    select_runs,
)
from aivitals.comparison._markdown import (
    comparison_markdown,
    escape_markdown,
)
from aivitals.comparison._model import Comparison, Flip, Lineage, MetricComparison, Verdict
from aivitals.comparison._plan import Plan, PlanRow, plan_rate, plan_run

__all__ = [
    "CaseVerdict",
    "Comparison",
    "FlakyCase",
    "Flip",
    "Lineage",
    "MetricComparison",
    "Plan",
    "PlanRow",
    "Verdict",
    "case_history",
    "compare_runs",
    "comparison_markdown",
    "escape_markdown",
    "flaky_cases",
    "plan_rate",
    "plan_run",
    "select_runs",
]

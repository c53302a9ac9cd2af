"""The evaluation workflow: suites, runs and their summaries."""

from aivitals.evaluation._api import evaluate
from aivitals.evaluation._runner import ProgressFn, Run, execute_suite, new_run_id
from aivitals.evaluation._suite import (
    DatasetSpec,
    RetrySpec,
    ScorerEntry,
    Suite,
    load_suite,
    parse_suite,
)
from aivitals.evaluation._summary import RunSummary, ScorerSummary, SliceSummary, summarize_run

__all__ = [
    "DatasetSpec",
    "ProgressFn",
    "RetrySpec",
    "Run",
    "RunSummary",
    "ScorerEntry",
    "ScorerSummary",
    "SliceSummary",
    "Suite",
    "evaluate",
    "execute_suite",
    "load_suite",
    "new_run_id",
    "parse_suite",
    "summarize_run",
]

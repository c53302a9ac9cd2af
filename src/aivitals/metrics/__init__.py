"""Metrics: named definitions compiled to SQL, computed by window and slice.

Importing this package registers the built-in metrics; resolve them by name
with :func:`get_metric` (``pass_rate:SCORER`` for any scorer's pass rate) and
compute them with :func:`compute_metrics`.
"""

from aivitals.metrics._compute import MetricValue, RatioStats, compute_metrics
from aivitals.metrics._config import MetricsConfig, TaskCompletion
from aivitals.metrics._definitions import (
    MetricDefinition,
    get_metric,
    metric,
    registry,
    scorer_pass_rate,
)
from aivitals.metrics._sql import (
    DUCKDB,
    CompiledQuery,
    Dialect,
    compile_metric,
    parse_time,
    parse_window,
)

__all__ = [
    "DUCKDB",
    "CompiledQuery",
    "Dialect",
    "MetricDefinition",
    "MetricValue",
    "MetricsConfig",
    "RatioStats",
    "TaskCompletion",
    "compile_metric",
    "compute_metrics",
    "get_metric",
    "metric",
    "parse_time",
    "parse_window",
    "registry",
    "scorer_pass_rate",
]

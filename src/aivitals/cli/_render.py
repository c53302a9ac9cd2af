"""Human-readable output: rich tables for summaries, runs and datasets.

Model outputs and user text are printed with markup disabled, so a model
answer containing ``[bold]`` or escape codes cannot restyle the terminal.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from aivitals.evaluation import RunSummary
from aivitals.stats import Estimate, fmt_interval, fmt_value

__all__ = ["console", "err_console", "fmt_estimate", "print_json", "print_rows", "print_summary"]

# Outside a terminal (CI logs, pipes) rich would assume 80 columns and fold
# the comparison tables into unreadable stacks; logs scroll sideways fine.
console = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 160)
err_console = Console(stderr=True, highlight=False)


def print_json(data: Any) -> None:
    """Write JSON to stdout, unstyled, for machines."""
    sys.stdout.write(json.dumps(data, indent=2, default=str, ensure_ascii=False) + "\n")


def fmt_estimate(est: Estimate, *, percent: bool) -> tuple[str, str]:
    """The value and its ``[low, high]`` interval (or reason), as two cells."""
    return fmt_value(est.value, percent), fmt_interval(est, percent)


def print_summary(
    summary: RunSummary, *, slice_limit: int = 60, tags: Sequence[str] | None = None
) -> None:
    """Per-scorer table, then per-slice table, then the run's counts.

    Args:
        summary: The run's summary.
        slice_limit: At most this many slice rows (the rest: ``--json``).
        tags: Only slices of these tags, if given.
    """
    table = Table(title=f"Run {summary.run_id} — {summary.name} ({summary.status})")
    for col in ("scorer", "metric", "value", "95% CI", "n", "missing"):
        table.add_column(col, justify="left" if col in ("scorer", "metric") else "right")
    for s in summary.scorers:
        value, interval = fmt_estimate(s.estimate, percent=s.metric == "pass_rate")
        table.add_row(Text(s.scorer), s.metric, value, interval, str(s.estimate.n), str(s.missing))
    console.print(table)
    shown = [s for s in summary.slices if tags is None or s.tag in tags]
    if shown:
        slices = Table(title="By slice")
        for col in ("scorer", "slice", "value", "95% CI", "n"):
            slices.add_column(col, justify="left" if col in ("scorer", "slice") else "right")
        for sl in shown[:slice_limit]:
            value, interval = fmt_estimate(sl.estimate, percent=sl.metric == "pass_rate")
            label = Text(f"{sl.tag}={sl.value}")
            slices.add_row(Text(sl.scorer), label, value, interval, str(sl.estimate.n))
        console.print(slices)
        if len(shown) > slice_limit:
            console.print(f"({len(shown) - slice_limit} more slice rows: use --json)")
    err_value, err_interval = fmt_estimate(summary.error_rate, percent=True)
    lat_value, lat_interval = fmt_estimate(summary.latency_ms, percent=False)
    console.print(
        f"records {summary.n_records} · errors {summary.n_errors} ({err_value} {err_interval}) · "
        f"cache hits {summary.n_cache_hits} · mean latency {lat_value} ms {lat_interval}"
        + (f" · cost {summary.total_cost:.4g}" if summary.total_cost is not None else "")
    )


def print_rows(rows: Sequence[Mapping[str, Any]], columns: Iterable[str], title: str) -> None:
    """A plain table of ``rows`` (dicts), text shown literally."""
    table = Table(title=title)
    cols = list(columns)
    for col in cols:
        table.add_column(col)
    for row in rows:
        table.add_row(*(Text("" if row.get(c) is None else str(row.get(c))) for c in cols))
    console.print(table)

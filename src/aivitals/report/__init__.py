"""Self-contained HTML reports of a run or of a comparison of two runs.

One file that opens offline: headline numbers with intervals, pass rate by
slice, score distributions, a forest plot of deltas for a comparison, and a
searchable table of failures or flips (capped, see :data:`MAX_TABLE_ROWS`).
Every model input and output on the page is escaped.
"""

from aivitals.report._charts import MAX_SLICE_ROWS
from aivitals.report._data import MAX_CELL_CHARS, MAX_TABLE_ROWS, TABLE_BUDGET_CHARS
from aivitals.report._html import render_comparison_report, render_run_report

__all__ = [
    "MAX_CELL_CHARS",
    "MAX_SLICE_ROWS",
    "MAX_TABLE_ROWS",
    "TABLE_BUDGET_CHARS",
    "render_comparison_report",
    "render_run_report",
]

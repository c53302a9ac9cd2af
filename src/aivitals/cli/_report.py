"""``vitals report RUN [CAND]``: a self-contained HTML report of a run or a comparison."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from aivitals.cli._app import StoreOption, app
from aivitals.cli._compare import (
    AdjustOption,
    AllowMismatchOption,
    AlphaOption,
    MinNOption,
    adjustment_method,
)
from aivitals.cli._render import console
from aivitals.comparison import compare_runs
from aivitals.report import MAX_TABLE_ROWS, render_comparison_report, render_run_report
from aivitals.store import Store, resolve_run_id

__all__: list[str] = []


@app.command("report")
def report(
    run: Annotated[str, typer.Argument(help="Run (id, prefix or 'latest'); the base if CAND.")],
    candidate: Annotated[
        str | None, typer.Argument(help="Candidate run: report the comparison with RUN.")
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="HTML file to write (default report-RUN.html or report-BASE-vs-CAND.html).",
        ),
    ] = None,
    allow_mismatch: AllowMismatchOption = False,
    alpha: AlphaOption = 0.05,
    adjust: AdjustOption = "holm",
    min_n: MinNOption = 10,
    store: StoreOption = None,
) -> None:
    """Write one HTML file that opens offline: a run's report, or BASE vs CAND."""
    method = adjustment_method(adjust)
    with Store(store) as opened:
        if candidate is None:
            run_id = resolve_run_id(opened, run)
            html = render_run_report(opened, run_id)
            default = Path(f"report-{run_id}.html")
        else:
            comparison = compare_runs(
                opened,
                run,
                candidate,
                allow_mismatch=allow_mismatch,
                alpha=alpha,
                adjustment=method,
                min_n=min_n,
                max_flips=MAX_TABLE_ROWS,
            )
            html = render_comparison_report(opened, comparison)
            lineage = comparison.lineage
            default = Path(f"report-{lineage.base_run}-vs-{lineage.candidate_run}.html")
    path = output or default
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    console.print(f"Wrote {path}", markup=False)

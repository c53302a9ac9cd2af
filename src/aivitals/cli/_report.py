"""``vitals report RUN [CAND]``: a self-contained HTML report of a run or a comparison."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from aivitals.cli._app import StoreOption, app
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
    allow_mismatch: Annotated[
        bool,
        typer.Option("--allow-mismatch", help="Compare despite dataset or scorer differences."),
    ] = False,
    alpha: Annotated[float, typer.Option(help="Significance level.", min=0.0001, max=0.5)] = 0.05,
    adjust: Annotated[
        str, typer.Option(help="Multiple-comparison correction: holm or fdr_bh.")
    ] = "holm",
    min_n: Annotated[int, typer.Option(help="Fewer pairs than this: inconclusive.", min=1)] = 10,
    store: StoreOption = None,
) -> None:
    """Write one HTML file that opens offline: a run's report, or BASE vs CAND."""
    if adjust not in ("holm", "fdr_bh"):
        raise typer.BadParameter("use holm or fdr_bh", param_hint="--adjust")
    method: Literal["holm", "fdr_bh"] = "holm" if adjust == "holm" else "fdr_bh"
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

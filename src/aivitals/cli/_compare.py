"""``vitals compare BASE CAND``: paired comparison, per scorer and slice."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.table import Table
from rich.text import Text

from aivitals.cli._app import StoreOption, app
from aivitals.cli._render import console, err_console, print_json
from aivitals.comparison import (
    Comparison,
    MetricComparison,
    compare_runs,
    comparison_markdown,
)
from aivitals.comparison._markdown import number_cells
from aivitals.store import Store

__all__ = [
    "AdjustOption",
    "AllowMismatchOption",
    "AlphaOption",
    "MinNOption",
    "adjustment_method",
    "print_comparison",
]

# Options every command that compares runs takes (compare, report).
AllowMismatchOption = Annotated[
    bool, typer.Option("--allow-mismatch", help="Compare despite dataset or scorer differences.")
]
AlphaOption = Annotated[float, typer.Option(help="Significance level.", min=0.0001, max=0.5)]
AdjustOption = Annotated[str, typer.Option(help="Multiple-comparison correction: holm or fdr_bh.")]
MinNOption = Annotated[int, typer.Option(help="Fewer pairs than this: inconclusive.", min=1)]


def adjustment_method(adjust: str) -> Literal["holm", "fdr_bh"]:
    """Validate ``--adjust``."""
    if adjust == "holm":
        return "holm"
    if adjust == "fdr_bh":
        return "fdr_bh"
    raise typer.BadParameter("use holm or fdr_bh", param_hint="--adjust")


_STYLE = {
    "regressed": "bold red",
    "improved": "green",
    "inconclusive": "yellow",
    "no_significant_change": "",
}


def _table(title: str, rows: list[MetricComparison]) -> Table:
    table = Table(title=title)
    for col in ("scorer", "slice", "base", "candidate", "Δ", "p (test)", "adj. p", "n", "verdict"):
        table.add_column(col, justify="left" if col in ("scorer", "slice", "verdict") else "right")
    for c in rows:
        verdict = Text(c.verdict.replace("_", " "), style=_STYLE[c.verdict])
        table.add_row(Text(c.scorer), Text(c.label), *number_cells(c), verdict)
    return table


def print_comparison(comparison: Comparison, *, show_all: bool = False) -> None:
    """The overall rows, the slices that changed, and the newly failing cases."""
    lin = comparison.lineage
    for problem in lin.problems:
        console.print(Text(f"mismatch (allowed): {problem}", style="yellow"))
    for note in lin.notes:
        console.print(Text(f"note: {note}"))
    console.print(
        _table(f"{lin.candidate_run} vs {lin.base_run} (overall)", list(comparison.overall))
    )
    slices = [c for c in comparison.comparisons if c.slice is not None]
    shown = slices if show_all else [c for c in slices if c.verdict in ("regressed", "improved")]
    if shown:
        title = "All slices" if show_all else "Slices that changed significantly"
        console.print(_table(title, shown))
    inconclusive = sum(c.verdict == "inconclusive" for c in slices)
    console.print(
        f"{len(comparison.comparisons)} comparisons, {comparison.adjustment}-adjusted at "
        f"α={comparison.alpha}; {lin.n_aligned} pairs; {inconclusive} slices with fewer than "
        f"{comparison.min_n} pairs are inconclusive.",
        markup=False,
    )
    failing = [f for f in comparison.flips if f.direction == "newly_failing"]
    passing = len(comparison.flips) - len(failing)
    console.print(f"Flips: {len(failing)} newly failing, {passing} newly passing.", markup=False)
    for flip in failing[:10]:
        answer = str(flip.candidate_output)[:80]
        console.print(Text(f"  ✗ {flip.scorer} {flip.case_id}: {flip.input[:80]!r} → {answer!r}"))


@app.command("compare")
def compare(
    base: Annotated[str, typer.Argument(help="Base run (id, prefix or 'latest').")],
    candidate: Annotated[str, typer.Argument(help="Candidate run.")],
    allow_mismatch: AllowMismatchOption = False,
    alpha: AlphaOption = 0.05,
    adjust: AdjustOption = "holm",
    min_n: MinNOption = 10,
    show_all: Annotated[bool, typer.Option("--all", help="Show every slice.")] = False,
    md: Annotated[Path | None, typer.Option("--md", help="Write a Markdown comment here.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    store: StoreOption = None,
) -> None:
    """Compare CANDIDATE with BASE: paired tests per scorer and slice, corrected."""
    method = adjustment_method(adjust)
    with Store(store) as opened:
        result = compare_runs(
            opened,
            base,
            candidate,
            allow_mismatch=allow_mismatch,
            alpha=alpha,
            adjustment=method,
            min_n=min_n,
        )
    if md is not None:
        md.write_text(comparison_markdown(result), encoding="utf-8")
        err_console.print(f"Wrote {md}", markup=False)
    if as_json:
        print_json(result.to_dict())
    else:
        print_comparison(result, show_all=show_all)

"""``vitals demo``: the guided tour on the embedded default store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from aivitals.cli._app import StoreOption, app
from aivitals.cli._render import console, fmt_estimate, print_summary
from aivitals.stats import Estimate

__all__: list[str] = []


def fmt_pct(est: Estimate) -> str:
    """``87.7% [84.8%, 90.1%] (n=600)``."""
    value, interval = fmt_estimate(est, percent=True)
    return f"{value} {interval} (n={est.n})"


@app.command("demo")
def demo(
    store: StoreOption = None,
    workdir: Annotated[
        Path, typer.Option(help="Where the demo writes its golden set and suites.")
    ] = Path(".vitals/demo"),
) -> None:
    """Evaluate the bundled Lumen support assistant, v1 and v2 (no network)."""
    from aivitals.demo._tour import run_tour, slice_changes  # noqa: PLC0415 - trains models

    console.print(
        "Lumen is a fictional invoicing app. Its support assistant (scikit-learn intent "
        "retrieval, shipped with aivitals) answers customer questions from a knowledge "
        "base. v1 is in production; v2 is the candidate.\n"
    )
    tour = run_tour(store, workdir)
    for version, run in tour.runs.items():
        console.print(f"\n[bold]Assistant {version}[/bold]")
        print_summary(run.summary, tags=("channel", "segment"))
    v1, v2 = tour.runs["v1"], tour.runs["v2"]
    overall = {
        r: next(s for s in run.summary.scorers if s.scorer == "answer_correct")
        for r, run in tour.runs.items()
    }
    console.print(
        f"\nanswer_correct overall: v1 {fmt_pct(overall['v1'].estimate)} -> "
        f"v2 {fmt_pct(overall['v2'].estimate)}.\n"
        "Slices whose 95% intervals do not overlap between v1 and v2:",
        markup=False,
    )
    for change in (c for c in slice_changes(v1, v2) if c.separated):
        console.print(
            f"  {change.tag}={change.value}: {fmt_pct(change.before)} -> {fmt_pct(change.after)}",
            markup=False,
        )
    console.print(
        f"\nGolden set: {tour.golden}\nSuites: {tour.suites['v1']}, {tour.suites['v2']}\n"
        f"Store: {v1.store_path}\n\nNext:\n"
        f"  vitals runs list\n"
        f"  vitals runs show {v2.id}\n"
        f"  vitals runs export {v2.id} --format csv\n"
        f"  vitals eval run {tour.suites['v2']}   (re-run: every call is a cache hit)",
        markup=False,
    )

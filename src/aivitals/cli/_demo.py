"""``vitals demo``: the guided tour on the embedded default store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from aivitals.cli._app import StoreOption, app
from aivitals.cli._render import console, print_summary

__all__: list[str] = []


@app.command("demo")
def demo(
    store: StoreOption = None,
    workdir: Annotated[
        Path, typer.Option(help="Where the demo writes its golden set and suites.")
    ] = Path(".vitals/demo"),
) -> None:
    """Evaluate the bundled Lumen support assistant, v1 and v2 (no network)."""
    from aivitals.demo._tour import run_tour  # noqa: PLC0415 - trains models; load on use

    console.print(
        "Lumen is a fictional invoicing app. Its support assistant (scikit-learn intent "
        "retrieval, shipped with aivitals) answers customer questions from a knowledge "
        "base. v1 is in production; v2 is the candidate.\n"
    )
    tour = run_tour(store, workdir)
    for version, run in tour.runs.items():
        console.print(f"\n[bold]Assistant {version}[/bold]")
        print_summary(run.summary, slice_limit=12)
    v1, v2 = tour.runs["v1"], tour.runs["v2"]
    console.print(
        f"\nGolden set: {tour.golden}\nSuites: {tour.suites['v1']}, {tour.suites['v2']}\n"
        f"Store: {v1.store_path}\n\nNext:\n"
        f"  vitals runs list\n"
        f"  vitals runs show {v2.id}\n"
        f"  vitals runs export {v2.id} --format csv\n"
        f"  vitals eval run {tour.suites['v2']}   (re-run: every call is a cache hit)",
        markup=False,
    )

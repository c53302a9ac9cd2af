"""``vitals demo``: the guided tour on the embedded default store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from aivitals.cli._app import StoreOption, app
from aivitals.cli._compare import print_comparison
from aivitals.cli._render import console, print_rows, print_summary
from aivitals.gate import render_text
from aivitals.stats import Estimate, fmt_estimate

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
        print_summary(run.summary, tags=("channel", "segment"))
    v1, v2 = tour.runs["v1"], tour.runs["v2"]
    console.print("\n[bold]v2 against v1, pair by pair[/bold]")
    print_comparison(tour.comparison)
    console.print("\n[bold]Release gate for v2[/bold]")
    console.print(render_text(tour.gate), markup=False)
    prod = tour.production
    console.print(
        f"\n[bold]A week in production[/bold] (simulated: {prod.n_sessions} sessions, "
        f"{prod.n_interactions} interactions, {prod.n_events} events). v2 was deployed for "
        "voice anyway; task completion on voice by day and version:"
    )
    rows = [
        {
            "day": f"{v.window_start:%a %d %b}" if v.window_start else "",
            "version": v.slice.get("model_version"),
            "task completion": fmt_estimate(
                Estimate(v.value, v.ci_low, v.ci_high, v.n, v.method), True
            ),
            "n": v.n,
        }
        for v in prod.voice_completion
    ]
    print_rows(rows, ("day", "version", "task completion", "n"), title="channel=voice")
    console.print(f"Incidents and their ground truth: {prod.truth_path}", markup=False)
    console.print(
        f"\nGolden set: {tour.golden}\nSuites: {tour.suites['v1']}, {tour.suites['v2']}\n"
        f"Gate: {tour.gate_files['policy']} -> "
        f"{tour.gate_files['junit']}, {tour.gate_files['md']}\n"
        f"Store: {v1.store_path}\n\nNext:\n"
        f"  vitals runs list\n"
        f"  vitals runs show {v2.id}\n"
        f"  vitals compare {v1.id} {v2.id} --md comparison.md\n"
        f"  vitals gate --policy {tour.gate_files['policy']} --run {v2.id} --baseline {v1.id} "
        f"--junit gate.xml --md gate.md\n"
        f"  vitals runs export {v2.id} --format csv\n"
        f"  vitals metrics task_completion_rate latency_p95 --window 1d "
        f"--by channel,model_version\n"
        f"  vitals eval run {tour.suites['v2']}   (re-run: every call is a cache hit)",
        markup=False,
    )

"""``vitals demo``: the guided tour on the embedded default store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from aivitals.cli._app import StoreOption, app
from aivitals.cli._compare import print_comparison
from aivitals.cli._health import health_row
from aivitals.cli._render import console, print_rows, print_summary
from aivitals.cli._serve import serve_store
from aivitals.gate import render_text
from aivitals.health import HealthReport, HealthWindow, compute_health
from aivitals.stats import Estimate, fmt_estimate
from aivitals.store import Store
from aivitals.web import render_overview

#: The slice the demo's health view and dashboard link break the week down by.
DASHBOARD_BY = ("channel",)

__all__: list[str] = []


def _fmt_window(w: HealthWindow) -> dict[str, Any]:
    row = health_row(w)
    return {
        "day": _day(w),
        "slice": row["slice"],
        "score": f"{row['score']} {row['95% CI']}".strip(),
        "band": row["band"],
        "change vs day before": row["change"],
        "cost vs first day": row["cost"],
    }


def _day(w: HealthWindow) -> str:
    return f"{w.window_start:%a %d %b}" if w.window_start else "all"


def _print_health(report: HealthReport) -> None:
    """The score by day, overall and for the slice that fell furthest, explained."""
    fall = report.largest_fall
    shown = [w for w in report.windows if not w.slice or (fall and w.slice == fall.slice)]
    columns = ("day", "slice", "score", "band", "change vs day before", "cost vs first day")
    print_rows([_fmt_window(w) for w in shown], columns, title=f"Health — {report.name}")
    if fall is None or fall.window.score is None:
        return
    where = ", ".join(f"{k}={v}" for k, v in fall.slice.items()) or "all traffic"
    since = f"{fall.from_window_start:%a %d %b}" if fall.from_window_start else ""
    console.print(
        f"Largest fall: {where}, {fall.from_score:.0f} on {since} -> "
        f"{fall.window.score:.0f} on {_day(fall.window)} ({fall.change.summary})",
        markup=False,
    )


@app.command("demo")
def demo(
    store: StoreOption = None,
    workdir: Annotated[
        Path, typer.Option(help="Where the demo writes its golden set and suites.")
    ] = Path(".vitals/demo"),
    no_serve: Annotated[
        bool,
        typer.Option(
            "--no-serve",
            help="End with the static health report (WORKDIR/health.html) instead of "
            "serving the dashboard.",
        ),
    ] = False,
    port: Annotated[int, typer.Option(help="Port of the dashboard (0 picks a free one).")] = 8765,
) -> None:
    """Evaluate the bundled Lumen support assistant, v1 and v2, then watch a week of production.

    Ends with the web dashboard on 127.0.0.1 (Ctrl-C to stop), or with
    ``--no-serve`` the same overview as one static HTML file.
    """
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
        "\n[bold]AI health by day[/bold] (the shipped customer-support config; "
        "`vitals health --by channel --json` prints the same numbers)"
    )
    with Store(v1.store_path) as opened:
        report = compute_health(opened, window="1d", by=DASHBOARD_BY)
    _print_health(report)
    html = workdir / "health.html"
    html.parent.mkdir(parents=True, exist_ok=True)
    html.write_text(render_overview(report.to_dict(), static=True), encoding="utf-8")
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
        f"  vitals health --by channel\n"
        f"  vitals eval run {tour.suites['v2']}   (re-run: every call is a cache hit)\n\n"
        f"Health report (one file, works offline): {html}",
        markup=False,
    )
    if no_serve:
        return
    # With --port 0 the port is known only once listening (printed below).
    address = f"http://127.0.0.1:{port}" if port else "the address printed below"
    console.print(
        f"\nDashboard: {address}/?by={','.join(DASHBOARD_BY)} (read-only on this machine; "
        "Ctrl-C to stop; `vitals demo --no-serve` skips this)",
        markup=False,
    )
    serve_store(Path(v1.store_path), keys=None, port=port)

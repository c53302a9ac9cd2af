"""``vitals health``: the AI health score per window and slice, explained."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from aivitals.cli._app import ByOption, SinceOption, StoreOption, UntilOption, app
from aivitals.cli._metrics import parse_time
from aivitals.cli._render import console, print_json, print_rows
from aivitals.errors import InputError
from aivitals.health import HealthWindow, compute_health, load_health_config
from aivitals.store import Store
from aivitals.web import render_overview

__all__ = ["health_row"]


def _points_lost(w: HealthWindow, top: int = 2) -> str:
    lost = sorted((c for c in w.components if c.points_lost >= 0.5), key=lambda c: -c.points_lost)
    return ", ".join(f"{c.metric} {c.points_lost:.0f}" for c in lost[:top])


def health_row(w: HealthWindow) -> dict[str, Any]:
    """One window and slice as table cells (also the demo's health table)."""
    interval = (
        f"[{w.ci_low:.0f}, {w.ci_high:.0f}]"
        if w.ci_low is not None and w.ci_high is not None
        else ""
    )
    cost = ""
    if w.impact is not None and w.impact.total is not None:
        cost = f"{w.impact.total:,.0f} {w.impact.currency}"
        if w.impact.ci_low is not None and w.impact.ci_high is not None:
            cost += f" [{w.impact.ci_low:,.0f}, {w.impact.ci_high:,.0f}]"
    insufficient = [c.metric for c in w.components if c.status == "insufficient"]
    return {
        "window": w.window_start.strftime("%Y-%m-%d %H:%M") if w.window_start else "all",
        "slice": ", ".join(f"{k}={v}" for k, v in w.slice.items()) or "all",
        "score": "–" if w.score is None else f"{w.score:.0f}",
        "95% CI": interval,
        "band": w.band,
        "sessions": str(w.n_sessions),
        "change": w.change.summary if w.change else "",
        "points lost": _points_lost(w),
        "cost": cost,
        "no data": ", ".join(insufficient),
    }


@app.command("health")
def health(
    config: Annotated[
        Path | None,
        typer.Option(help="Health config YAML (default: the shipped customer-support one)."),
    ] = None,
    window: Annotated[str, typer.Option(help="Window length (1h, 1d) or 'all'.")] = "1d",
    by: ByOption = "",
    since: SinceOption = None,
    until: UntilOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    html: Annotated[
        Path | None,
        typer.Option(
            "--html",
            metavar="FILE",
            help="Also write the overview as one self-contained HTML file (works offline).",
        ),
    ] = None,
    store: StoreOption = None,
) -> None:
    """AI health score (0–100) per window and slice, with a 95% bootstrap interval.

    Each row shows the band, the change against the previous window and what
    explains it, the components losing the most points, and the estimated
    cost of the degradation against the configured baseline.
    """
    now = datetime.now(UTC)
    start, end = parse_time(since, "--since", now), parse_time(until, "--until", now)
    dims = tuple(part.strip() for part in by.split(",") if part.strip())
    loaded = load_health_config(config) if config is not None else None
    with Store(store) as opened:
        try:
            report = compute_health(opened, loaded, window=window, by=dims, since=start, until=end)
        except ValueError as exc:
            raise InputError(str(exc)) from None
    if html is not None:
        html.parent.mkdir(parents=True, exist_ok=True)
        html.write_text(render_overview(report.to_dict(), static=True), encoding="utf-8")
        if not as_json:
            console.print(f"wrote {html}", markup=False)
    if as_json:
        print_json(report.to_dict())
        return
    if not report.windows:
        console.print("No production data in this range.", markup=False)
        return
    columns = [
        "window", "slice", "score", "95% CI", "band", "sessions", "change", "points lost",
        "cost", "no data",
    ]  # fmt: skip
    if not dims:
        columns.remove("slice")
    print_rows([health_row(w) for w in report.windows], columns, title=f"Health — {report.name}")

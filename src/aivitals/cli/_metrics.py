"""``vitals metrics``: production metrics by window and slice, with intervals."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from aivitals.cli._app import ByOption, SinceOption, StoreOption, UntilOption, app
from aivitals.cli._render import console, print_json, print_rows
from aivitals.errors import InputError, Problem
from aivitals.metrics import MetricsConfig, MetricValue, TaskCompletion, compute_metrics
from aivitals.metrics import parse_time as parse_range_bound
from aivitals.store import Store

__all__: list[str] = []


def parse_time(text: str | None, option: str, now: datetime | None = None) -> datetime | None:
    """``--since`` / ``--until``: see :func:`aivitals.metrics.parse_time`."""
    try:
        return parse_range_bound(text, now)
    except ValueError as exc:
        raise InputError(Problem(str(exc), field=option)) from None


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    return f"{value:.1%}" if unit == "share" else f"{value:.4g}"


def _row(m: MetricValue) -> dict[str, str]:
    interval = (
        f"[{_fmt(m.ci_low, m.unit)}, {_fmt(m.ci_high, m.unit)}]"
        if m.ci_low is not None and m.ci_high is not None
        else (m.reason or "")
    )
    return {
        "metric": m.metric,
        "window": m.window_start.strftime("%Y-%m-%d %H:%M") if m.window_start else "all",
        "slice": ", ".join(f"{k}={v}" for k, v in m.slice.items()),
        "value": _fmt(m.value, m.unit),
        "95% CI": interval,
        "n": str(m.n),
        "unit": "" if m.unit == "share" else m.unit,
        "method": m.method,
    }


@app.command("metrics")
def metrics(
    names: Annotated[
        list[str] | None,
        typer.Argument(help="Metrics to compute (pass_rate:SCORER for a scorer); default all."),
    ] = None,
    window: Annotated[str, typer.Option(help="Window length (5m, 1h, 1d) or 'all'.")] = "1h",
    by: ByOption = "",
    since: SinceOption = None,
    until: UntilOption = None,
    completion: Annotated[
        str, typer.Option(help="Task completion: 'event' or 'no_escalation'.")
    ] = "event",
    within_turns: Annotated[
        int, typer.Option(help="N for --completion no_escalation: no escalation within N turns.")
    ] = 3,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    store: StoreOption = None,
) -> None:
    """Production metrics by window and slice, each with n and a 95% interval.

    Session metrics and session events count in the window and slice of the
    session's first interaction.
    """
    now = datetime.now(UTC)
    start, end = parse_time(since, "--since", now), parse_time(until, "--until", now)
    dims = tuple(part.strip() for part in by.split(",") if part.strip())
    try:
        config = MetricsConfig(
            task_completion=TaskCompletion(mode=completion, within_turns=within_turns)  # type: ignore[arg-type]
        )
    except ValueError as exc:
        raise InputError(Problem(str(exc).splitlines()[-1].strip(), field="--completion")) from None
    with Store(store) as opened:
        try:
            values = compute_metrics(
                opened, names, window=window, by=dims, since=start, until=end, config=config
            )
        except (LookupError, ValueError) as exc:
            raise InputError(str(exc).strip("'\"")) from None
    if as_json:
        print_json([v.to_dict() for v in values])
        return
    if not values:
        console.print("No production data in this range.", markup=False)
        return
    columns = ("metric", "window", "slice", "value", "95% CI", "n", "unit", "method")
    print_rows(
        [_row(v) for v in values],
        columns if dims else [c for c in columns if c != "slice"],
        title="Metrics",
    )

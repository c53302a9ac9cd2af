"""``vitals simulate``: days of production traffic for the demo assistant, with incidents."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import ValidationError
from rich.progress import Progress

from aivitals.cli._app import StoreOption, app
from aivitals.cli._render import console, err_console, print_json
from aivitals.errors import ConfigError, Problem

if TYPE_CHECKING:
    from aivitals.simulate import SimulationConfig

__all__: list[str] = []


@app.command("simulate")
def simulate_command(
    days: Annotated[
        int | None, typer.Option(help="Days of traffic (default 7, or the config's).")
    ] = None,
    sessions_per_day: Annotated[
        int | None,
        typer.Option(help="Sessions on a weekday (default 2000, or the config's)."),
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed (default 7).")] = None,
    config: Annotated[
        Path | None,
        typer.Option("--config", help="Scenario YAML (default: the demo week's incidents)."),
    ] = None,
    truth: Annotated[
        Path | None,
        typer.Option(help="Ground-truth JSON to write (default: SIM_ID.truth.json by the store)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    store: StoreOption = None,
) -> None:
    """Simulate production traffic for the Lumen assistant, with scheduled incidents."""
    # The simulator trains the demo models: load it on use, not at CLI start.
    from aivitals.simulate import simulate  # noqa: PLC0415
    from aivitals.store import Store  # noqa: PLC0415

    overrides = {
        k: v
        for k, v in {"days": days, "sessions_per_day": sessions_per_day, "seed": seed}.items()
        if v is not None
    }
    scenario = _scenario(config, overrides)
    with Store(store) as opened, Progress(console=err_console, transient=True) as bar:
        task = bar.add_task("simulating days", total=scenario.days)
        result = simulate(
            opened,
            scenario,
            truth_path=truth,
            progress=lambda done, _total: bar.update(task, completed=done),
        )
    if as_json:
        print_json(result.to_dict())
        return
    _print(result.to_dict())


def _scenario(config: Path | None, overrides: dict[str, int]) -> SimulationConfig:
    """The config file (or the demo week) with the command-line options applied."""
    from aivitals.simulate import (  # noqa: PLC0415
        SimulationConfig,
        default_scenario,
        load_simulation_config,
    )

    where = str(config) if config is not None else "command line"
    try:
        if config is None:
            # The demo week's incident times scale with the number of days.
            base = default_scenario(days=overrides.get("days", 7))
        else:
            base = load_simulation_config(config)
        return SimulationConfig.model_validate({**base.model_dump(), **overrides})
    except ValidationError as exc:
        problems = [
            Problem(e["msg"], file=where, field=".".join(map(str, e["loc"]))) for e in exc.errors()
        ]
        raise ConfigError(problems) from None


def _print(data: dict[str, Any]) -> None:
    console.print(
        f"Simulation {data['simulation_id']}: {data['start']} to {data['end']}\n"
        f"  sessions {data['n_sessions']}, interactions {data['n_records']}, "
        f"events {data['n_events']} in {data['seconds']:.1f} s",
        markup=False,
    )
    kinds = ", ".join(f"{k} {v}" for k, v in data["events_by_type"].items())
    console.print(f"  events by type: {kinds}", markup=False)
    console.print("Incidents:", markup=False)
    if not data["incidents"]:
        console.print("  none", markup=False)
    for incident in data["incidents"]:
        window = incident["window"]
        slice_ = "; ".join(f"{k}={','.join(v)}" for k, v in incident["slice"].items())
        seen = incident["observed"]["slice_in_window"]
        console.print(
            f"  {incident['id']} ({incident['kind']}) {window['start']} to {window['end']}  "
            f"[{slice_}]  sessions {seen['sessions']}, task completion "
            f"{_pct(seen['task_completion_rate'])}, p95 latency {seen['latency_p95_ms']} ms",
            markup=False,
        )
    console.print(f"Ground truth: {data['truth_path']}", markup=False)


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"

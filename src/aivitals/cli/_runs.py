"""``vitals runs list / show / export``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from aivitals.cli._app import StoreOption, app
from aivitals.cli._render import console, print_json, print_rows, print_summary
from aivitals.evaluation import summarize_run
from aivitals.store import EXPORT_FORMATS, Store, export_run, get_run, list_runs

__all__: list[str] = []

runs_app = typer.Typer(help="Stored runs.", no_args_is_help=True)
app.add_typer(runs_app, name="runs")

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]


@runs_app.command("list")
def list_(
    store: StoreOption = None,
    limit: Annotated[int, typer.Option(help="How many runs, newest first.")] = 50,
    as_json: JsonOption = False,
) -> None:
    """List runs, newest first."""
    with Store(store) as opened:
        rows = list_runs(opened, limit)
    if as_json:
        print_json(rows)
        return
    columns = ("run_id", "name", "status", "started_at", "n_records", "n_errors", "n_cache_hits")
    print_rows(rows, columns, title="Runs")


@runs_app.command("show")
def show(
    run: Annotated[str, typer.Argument(help="Run id, a unique prefix, or 'latest'.")],
    store: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show a run's manifest and summary."""
    with Store(store) as opened:
        row = get_run(opened, run)
        summary = summarize_run(opened, row["run_id"])
    if as_json:
        print_json({"run": row, "summary": summary.to_dict()})
        return
    manifest = row["manifest"]
    target = manifest.get("target", {})
    console.print(f"run {row['run_id']}  suite {row['name']}  status {row['status']}", markup=False)
    console.print(f"target {target}", markup=False)
    for ds in manifest.get("datasets", []):
        console.print(f"dataset {ds['name']}@{ds['version']} ({ds['n_cases']} cases)", markup=False)
    git = manifest.get("git", {})
    console.print(f"git {git.get('sha')} dirty={git.get('dirty')}", markup=False)
    print_summary(summary)


@runs_app.command("export")
def export(
    run: Annotated[str, typer.Argument(help="Run id, a unique prefix, or 'latest'.")],
    fmt: Annotated[
        str, typer.Option("--format", help=f"One of {', '.join(EXPORT_FORMATS)}.")
    ] = "jsonl",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default RUN.FORMAT).")
    ] = None,
    store: StoreOption = None,
) -> None:
    """Export a run's records with their scores as columns."""
    with Store(store) as opened:
        run_id = get_run(opened, run)["run_id"]
        path = output or Path(f"{run_id}.{fmt}")
        count = export_run(opened, run_id, path, fmt)
    console.print(f"Wrote {count} records to {path}", markup=False)

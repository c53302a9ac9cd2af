"""``vitals eval run``: run a suite, print its summary, store it."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

from aivitals.cli._app import StoreOption, app
from aivitals.cli._render import err_console, print_json, print_summary
from aivitals.evaluation import Run, execute_suite, load_suite, parse_suite
from aivitals.store import Store

__all__ = ["run_suite_command"]

eval_app = typer.Typer(help="Run evaluation suites.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")


def run_suite_command(
    suite_path: Path,
    store_path: Path | None,
    *,
    no_cache: bool,
    show_progress: bool,
    overrides: dict[str, int] | None = None,
) -> Run:
    """Run a suite file with a progress bar on stderr; Ctrl-C exits 130.

    The call cache is flushed on interruption, so running the same command
    again resumes without repeating the calls already made.
    """
    suite = load_suite(suite_path)
    if overrides:
        # Re-validate so an override obeys the same bounds as the file.
        suite = parse_suite({**suite.model_dump(), **overrides}, file=str(suite_path))
    with (
        Store(store_path) as store,
        Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=err_console,
            transient=True,
            disable=not show_progress,
        ) as bar,
    ):
        task = bar.add_task(suite.name, total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        try:
            return asyncio.run(
                execute_suite(
                    suite, store, base_dir=suite_path.parent, no_cache=no_cache, progress=progress
                )
            )
        except KeyboardInterrupt:
            bar.stop()
            typer.echo(
                "Interrupted. Completed calls are saved in the cache: run the same command "
                "again to resume without repeating them.",
                err=True,
            )
            sys.exit(130)


@eval_app.command("run")
def run(
    suite: Annotated[Path, typer.Argument(help="Suite YAML file.")],
    store: StoreOption = None,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Call the target even for cached requests.")
    ] = False,
    repeats: Annotated[
        int | None, typer.Option("--repeats", help="Run each case N times (overrides the suite).")
    ] = None,
    concurrency: Annotated[
        int | None, typer.Option("--concurrency", help="Calls in flight (overrides the suite).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Run SUITE: call the target on every case, score, store and summarise."""
    overrides = {
        k: v for k, v in {"repeats": repeats, "concurrency": concurrency}.items() if v is not None
    }
    result = run_suite_command(
        suite, store, no_cache=no_cache, show_progress=not as_json, overrides=overrides
    )
    if as_json:
        print_json(result.summary.to_dict())
    else:
        print_summary(result.summary)
        err_console.print(
            f"Stored run {result.id} in {result.store_path}. "
            f"Inspect: vitals runs show {result.id} · export: vitals runs export {result.id}"
        )
    if result.status != "completed":
        reason = result.manifest.get("abort_reason") or result.status
        err_console.print(f"Run {result.status}: {reason}", markup=False)
        raise typer.Exit(1)

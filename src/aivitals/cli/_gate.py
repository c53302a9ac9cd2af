"""``vitals gate --policy P --run CAND [--baseline BASE]``: ship or not, with evidence.

Exit codes: 0 the gate passed, 1 it failed, 3 it is inconclusive (unless the
policy maps inconclusive to pass or fail), 2 bad usage or input.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from aivitals.cli._app import StoreOption, app
from aivitals.cli._render import console
from aivitals.errors import InputError, Problem
from aivitals.gate import (
    evaluate_gate,
    load_policy,
    render_json,
    render_junit,
    render_markdown,
    render_text,
)
from aivitals.store import Store

__all__: list[str] = []


def _write(path: Path | None, text: str, option: str) -> None:
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(
            Problem(f"cannot write {option} file: {exc.strerror}", str(path))
        ) from None


@app.command("gate")
def gate(
    policy: Annotated[Path, typer.Option("--policy", help="Gate policy YAML file.")],
    run: Annotated[
        str, typer.Option("--run", help="Candidate run: id, unique prefix, or 'latest'.")
    ],
    baseline: Annotated[
        str | None,
        typer.Option("--baseline", help="Baseline run for max_regression / no_new_failures."),
    ] = None,
    junit: Annotated[
        Path | None, typer.Option("--junit", help="Write a JUnit XML report (one test per rule).")
    ] = None,
    md: Annotated[
        Path | None, typer.Option("--md", help="Write a Markdown pull-request comment.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
    store: StoreOption = None,
) -> None:
    """Apply a gate policy to a run: exit 0 pass, 1 fail, 3 inconclusive, 2 bad input."""
    spec = load_policy(policy)
    with Store(store, read_only=True) as opened:
        result = evaluate_gate(opened, spec, run, baseline)
    _write(junit, render_junit(result), "--junit")
    _write(md, render_markdown(result), "--md")
    if as_json:
        sys.stdout.write(render_json(result))
    else:
        console.print(render_text(result), markup=False, end="")
    raise typer.Exit(result.exit_code)

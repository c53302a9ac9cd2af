"""``vitals flaky``: cases whose verdict varies across repeats and runs."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from aivitals.cli._app import StoreOption, app
from aivitals.cli._render import console, err_console, fmt_estimate, print_json, print_rows
from aivitals.comparison._flaky import FlakyCase, case_history, flaky_cases, select_runs
from aivitals.errors import InputError, Problem
from aivitals.store import Store

__all__: list[str] = []

#: Verdict histories longer than this show their newest part only.
HISTORY_CHARS = 40
#: Inputs in the table are cut to this many characters (``--json`` has more).
INPUT_CHARS = 40
#: Outputs in ``--case`` tables are cut to this many characters.
OUTPUT_CHARS = 60


@app.command("flaky")
def flaky(
    run: Annotated[
        list[str] | None,
        typer.Option("--run", help="A run id, unique prefix or 'latest' (repeatable)."),
    ] = None,
    suite: Annotated[
        str | None, typer.Option("--suite", help="Only completed runs of this suite.")
    ] = None,
    last: Annotated[
        int | None, typer.Option("--last", help="Only the newest N completed runs.", min=1)
    ] = None,
    scorer: Annotated[str | None, typer.Option("--scorer", help="Only this scorer.")] = None,
    case: Annotated[
        str | None, typer.Option("--case", help="Show every verdict of this case id.")
    ] = None,
    dataset: Annotated[
        str | None,
        typer.Option("--dataset", help="With --case: only this dataset (name or name@version)."),
    ] = None,
    limit: Annotated[int, typer.Option(help="Show at most this many cases.", min=1)] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    store: StoreOption = None,
) -> None:
    """List cases whose pass/fail verdict varies, most unstable first.

    Default: every completed run. A case's verdicts are pooled over repeats
    and runs of the same dataset version; errored records are left out.
    """
    if dataset is not None and case is None:
        raise InputError(Problem("only applies with --case", field="--dataset"))
    with Store(store) as opened:
        run_ids = select_runs(opened, runs=run or None, suite=suite, last=last)
        if not run_ids:
            _say("no runs match; run `vitals eval run` or see `vitals runs list`", as_json)
            return
        if case is not None:
            _show_case(opened, case, dataset, scorer, run_ids, as_json)
            return
        cases = flaky_cases(opened, runs=run_ids, scorer=scorer)
    shown = cases[:limit]
    if as_json:
        print_json([c.to_dict() for c in shown])
        return
    if not cases:
        console.print(f"no flaky cases in {len(run_ids)} run(s)", markup=False)
        return
    _print_cases(shown, len(run_ids))
    if len(cases) > limit:
        console.print(f"({len(cases) - limit} more: raise --limit or use --json)", markup=False)


def _show_case(
    store: Store,
    case: str,
    dataset: str | None,
    scorer: str | None,
    run_ids: list[str],
    as_json: bool,
) -> None:
    verdicts = case_history(store, case, dataset=dataset, scorer=scorer, runs=run_ids)
    if as_json:
        print_json([v.to_dict() for v in verdicts])
        return
    if not verdicts:
        console.print(f"no verdicts for case {case!r} in {len(run_ids)} run(s)", markup=False)
        return
    rows = [
        {**v.to_dict(), "output": _cut(v.output or "", OUTPUT_CHARS, head=True)} for v in verdicts
    ]
    columns = ("run_id", "run_name", "started_at", "dataset", "repeat", "scorer", "passed", "value")
    print_rows(rows, (*columns, "output"), title=f"Case {case}")


def _say(message: str, as_json: bool) -> None:
    if as_json:
        err_console.print(message, markup=False)
        print_json([])
    else:
        console.print(message, markup=False)


def _cut(text: str, width: int, *, head: bool) -> str:
    if len(text) <= width:
        return text
    return text[: width - 1] + "…" if head else "…" + text[-(width - 1) :]


def _print_cases(cases: list[FlakyCase], n_runs: int) -> None:
    table = Table(title=f"Flaky cases over {n_runs} run(s)")
    for col in (
        "dataset",
        "case",
        "input",
        "scorer",
        "pass rate",
        "95% CI",
        "n",
        "runs",
        "history",
    ):
        table.add_column(
            col, justify="right" if col in ("pass rate", "95% CI", "n", "runs") else "left"
        )
    for c in cases:
        value, interval = fmt_estimate(c.pass_rate, percent=True)
        table.add_row(
            Text(c.dataset),
            Text(c.case_id),
            Text(_cut(c.input, INPUT_CHARS, head=True)),
            Text(c.scorer),
            value,
            interval,
            str(c.n),
            str(c.n_runs),
            _cut(c.history, HISTORY_CHARS, head=False),
        )
    console.print(table)

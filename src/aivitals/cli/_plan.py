"""``vitals plan``: what a golden set can detect, and how many cases it needs."""

from __future__ import annotations

from typing import Annotated

import typer

from aivitals.cli._app import StoreOption, app
from aivitals.cli._render import console, print_json, print_rows
from aivitals.comparison._plan import Plan, PlanRow, plan_rate, plan_run
from aivitals.errors import InputError
from aivitals.store import Store

__all__: list[str] = []

_COLUMNS = (
    "scorer",
    "slice",
    "cases",
    "pass rate",
    "min detectable drop",
    "cases needed",
    "status",
)


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def _status(row: PlanRow) -> str:
    if row.reason is not None:
        return row.reason
    if row.underpowered is None:
        return ""
    return "underpowered" if row.underpowered else "ok"


def _display(row: PlanRow) -> dict[str, str]:
    return {
        "scorer": row.scorer or "",
        "slice": row.label,
        "cases": "–" if row.n is None else str(row.n),
        "pass rate": _pct(row.pass_rate),
        "min detectable drop": _pct(row.detectable.drop if row.detectable else None),
        "cases needed": "–" if row.needed.n is None else str(row.needed.n),
        "status": _status(row),
    }


def print_plan(plan: Plan) -> None:
    """The plan's rows as a table, then what they assume."""
    source = f"run {plan.run_id}" if plan.run_id else "given rate"
    title = (
        f"Power plan ({source}): detect a drop of {plan.drop:.1%} "
        f"at alpha {plan.alpha:g} with power {plan.power:g}"
    )
    print_rows([_display(r) for r in plan.rows], _COLUMNS, title=title)
    if plan.method:
        console.print(f"test: {plan.method}", markup=False)
    if plan.skipped:
        console.print(f"no pass/fail verdicts: {', '.join(plan.skipped)}", markup=False)
    if plan.underpowered:
        console.print(
            f"{len(plan.underpowered)} of {len(plan.rows)} rows have fewer cases than a "
            f"{plan.drop:.1%} drop needs",
            markup=False,
        )


@app.command("plan")
def plan(
    run: Annotated[
        str | None, typer.Option("--run", help="Run id, a unique prefix, or 'latest'.")
    ] = None,
    rate: Annotated[
        float | None, typer.Option("--rate", help="Plan from this pass rate instead of a run.")
    ] = None,
    cases: Annotated[
        int | None, typer.Option("--cases", help="With --rate: cases in the golden set.")
    ] = None,
    drop: Annotated[
        float, typer.Option(help="Drop in pass rate to detect (0.05 = 5 points).")
    ] = 0.05,
    alpha: Annotated[float, typer.Option(help="Two-sided significance level.")] = 0.05,
    power: Annotated[float, typer.Option(help="Wanted probability of detecting the drop.")] = 0.8,
    discordance: Annotated[
        float | None,
        typer.Option(
            help="Expected share of verdicts that flip between runs (default: as if independent)."
        ),
    ] = None,
    store: StoreOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Minimum detectable drop per scorer and slice, and the cases a drop needs."""
    if run is not None and rate is not None:
        raise InputError("give --run RUN or --rate RATE, not both")
    if cases is not None and rate is None:
        raise InputError("--cases goes with --rate; a run's cases are counted from the store")
    if rate is not None:
        result = plan_rate(
            rate, n=cases, drop=drop, alpha=alpha, power=power, discordance=discordance
        )
    elif run is not None:
        with Store(store) as opened:
            result = plan_run(
                opened, run, drop=drop, alpha=alpha, power=power, discordance=discordance
            )
    else:
        raise InputError("give --run RUN (a stored run) or --rate RATE (a pass rate)")
    if as_json:
        print_json(result.to_dict())
        return
    print_plan(result)

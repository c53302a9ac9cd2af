"""``vitals score``: run a scorer on a sample of production records."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

import typer

from aivitals.cli._app import StoreOption, app
from aivitals.cli._render import console, print_json
from aivitals.errors import InputError
from aivitals.online import score_production
from aivitals.store import Store

__all__: list[str] = []


@app.command("score")
def score(
    scorer: Annotated[str, typer.Option("--scorer", help="Registered scorer or module:function.")],
    args: Annotated[
        str | None,
        typer.Option("--args", help="Scorer arguments as JSON, e.g. '{\"max_ms\": 800}'."),
    ] = None,
    threshold: Annotated[float | None, typer.Option(help="Pass when value >= this.")] = None,
    name: Annotated[str | None, typer.Option(help="Store the scores under this name.")] = None,
    sample: Annotated[float, typer.Option(help="Share of production records, in (0, 1].")] = 1.0,
    since: Annotated[datetime | None, typer.Option(help="Only records from this time.")] = None,
    until: Annotated[datetime | None, typer.Option(help="Only records before this time.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    store: StoreOption = None,
) -> None:
    """Score a stable sample of production records; new records only on re-runs."""
    try:
        parsed = json.loads(args) if args else None
    except json.JSONDecodeError as exc:
        raise InputError(f"--args is not JSON: {exc.msg} at column {exc.colno}") from None
    with Store(store) as opened:
        result = score_production(
            opened,
            scorer,
            args=parsed,
            threshold=threshold,
            name=name,
            sample=sample,
            since=since,
            until=until,
        )
    if as_json:
        print_json(result.to_dict())
        return
    console.print(
        f"Scored {result.scored} production records with {result.scorer} "
        f"(sample {result.sample_rate:.0%}; {result.missing} could not be judged). "
        f"See them with: vitals metrics pass_rate:{result.scorer}",
        markup=False,
    )

"""``vitals ingest FILE``: load production interactions or events from a file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from aivitals.cli._app import StoreOption, app
from aivitals.cli._render import console, print_json
from aivitals.errors import InputError, Problem
from aivitals.store import Store
from aivitals.telemetry import ingest_file

__all__: list[str] = []


def _mapping(pairs: list[str]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for pair in pairs:
        field, sep, column = pair.partition("=")
        if not sep or not field or not column:
            raise InputError(
                Problem(f"'{pair}' is not FIELD=COLUMN (e.g. --map id=request_id)", field="--map")
            )
        mapping[field.strip()] = column.strip()
    return mapping


@app.command("ingest")
def ingest(
    file: Annotated[Path, typer.Argument(help="JSONL, CSV or Parquet file.")],
    kind: Annotated[
        str, typer.Option("--kind", help="What the rows are: interactions or events.")
    ] = "interactions",
    fmt: Annotated[
        str | None, typer.Option("--format", help="jsonl, csv or parquet (default: suffix).")
    ] = None,
    mapping: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            help="FIELD=COLUMN for a differently named column; tags.NAME=COLUMN for a slice.",
        ),
    ] = None,
    store: StoreOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Check every row of FILE and store them all (or none, naming what is wrong).

    Rows whose id is already stored are counted as duplicates and left as
    they are, so ingesting the same file twice is safe.
    """
    if kind not in ("interactions", "events"):
        raise InputError(Problem("must be 'interactions' or 'events'", field="--kind"))
    fields = _mapping(mapping or [])
    with Store(store) as opened:
        result = ingest_file(
            opened,
            file,
            kind="interactions" if kind == "interactions" else "events",
            mapping=fields,
            fmt=fmt,
        )
    if as_json:
        print_json(
            {
                "file": result.path,
                "kind": result.kind,
                "rows": result.rows,
                "accepted": result.accepted,
                "duplicates": result.duplicates,
                "seconds": round(result.seconds, 3),
            }
        )
        return
    console.print(
        f"{result.path}: {result.accepted} {result.kind} stored, "
        f"{result.duplicates} duplicates skipped ({result.rows} rows, {result.seconds:.2f} s)",
        markup=False,
    )

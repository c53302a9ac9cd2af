"""``vitals datasets add / list / show``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from aivitals.cli._app import StoreOption, app
from aivitals.cli._render import console, print_json, print_rows
from aivitals.io import FieldMapping, load_dataset
from aivitals.store import Store, get_dataset, list_datasets, save_dataset

__all__: list[str] = []

datasets_app = typer.Typer(help="Versioned datasets (golden sets).", no_args_is_help=True)
app.add_typer(datasets_app, name="datasets")


@datasets_app.command("add")
def add(
    file: Annotated[Path, typer.Argument(help="JSONL, JSON, CSV, Parquet or YAML file.")],
    name: Annotated[str | None, typer.Option(help="Dataset name (default: file stem).")] = None,
    fmt: Annotated[str | None, typer.Option("--format", help="Force the file format.")] = None,
    id_field: Annotated[str | None, typer.Option("--id", help="Field with the case id.")] = None,
    input_field: Annotated[
        str | None, typer.Option("--input", help="Field with the input.")
    ] = None,
    expected: Annotated[
        list[str] | None, typer.Option("--expected", help="Field(s) with expected answers.")
    ] = None,
    context: Annotated[
        list[str] | None, typer.Option("--context", help="Field(s) with context documents.")
    ] = None,
    tag: Annotated[
        list[str] | None, typer.Option("--tag", help="Field(s) to use as slice tags.")
    ] = None,
    list_separator: Annotated[
        str | None, typer.Option(help="Split expected/context cells on this (CSV).")
    ] = None,
    store: StoreOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Validate FILE and store it as a new dataset version (a no-op if unchanged)."""
    mapping = FieldMapping(
        id=id_field,
        input=input_field,
        expected=expected or None,
        context=context or None,
        tags=tag or [],
        list_separator=list_separator,
    )
    dataset = load_dataset(file, name=name, mapping=mapping, fmt=fmt)
    with Store(store) as opened:
        new = save_dataset(opened, dataset, mapping.model_dump())
    result = {
        "name": dataset.name,
        "version": dataset.version,
        "n_cases": len(dataset.cases),
        "new": new,
    }
    if as_json:
        print_json(result)
        return
    state = "stored" if new else "already stored"
    console.print(f"{state}: {dataset.ref} ({len(dataset.cases)} cases)", markup=False)


@datasets_app.command("list")
def list_(
    store: StoreOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List stored dataset versions, newest first."""
    with Store(store) as opened:
        rows = list_datasets(opened)
    if as_json:
        print_json(rows)
        return
    print_rows(rows, ("name", "version", "n_cases", "source", "created_at"), title="Datasets")


@datasets_app.command("show")
def show(
    ref: Annotated[str, typer.Argument(help="NAME (newest version) or NAME@VERSION.")],
    limit: Annotated[int, typer.Option(help="How many cases to show.")] = 10,
    store: StoreOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show a dataset version and its first cases."""
    with Store(store) as opened:
        dataset = get_dataset(opened, ref)
    cases = [c.canonical() for c in dataset.cases[:limit]]
    if as_json:
        print_json(
            {
                "name": dataset.name,
                "version": dataset.version,
                "n_cases": len(dataset.cases),
                "cases": cases,
            }
        )
        return
    console.print(f"{dataset.ref} — {len(dataset.cases)} cases from {dataset.source}", markup=False)
    rows = [{**c, "tags": ", ".join(f"{k}={v}" for k, v in c["tags"].items())} for c in cases]
    print_rows(rows, ("id", "input", "expected", "tags"), title=f"First {len(rows)} cases")

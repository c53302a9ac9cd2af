"""The ``vitals`` command: a thin layer over the library.

Exit codes: 0 ok, 1 a run or gate failed, 2 bad usage or input, 3 a gate
that is inconclusive, 130 interrupted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from typer import _click  # typer vendors click; its Context is this one
from typer.core import TyperGroup

from aivitals import __version__
from aivitals.errors import InputError, StoreError, VitalsError

__all__ = ["ByOption", "SinceOption", "StoreOption", "UntilOption", "app", "main"]


class _Group(TyperGroup):
    """The root group: turns our errors into a message and an exit code.

    Done here rather than around ``app()`` so that every way of invoking the
    app (console script, ``python -m``, ``CliRunner``) behaves the same.
    """

    def invoke(self, ctx: _click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (InputError, StoreError) as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        except VitalsError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from None


app = typer.Typer(
    cls=_Group,
    name="vitals",
    help="aivitals — evaluate, gate and monitor AI features on one local store.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    add_completion=False,
)

StoreOption = Annotated[
    Path | None,
    typer.Option(
        "--store",
        envvar="VITALS_STORE",
        help="DuckDB store file (default .vitals/vitals.duckdb).",
        show_default=False,
    ),
]

# The production-range options `vitals metrics` and `vitals health` share.
ByOption = Annotated[
    str, typer.Option(help="Comma-separated slices: model_version and/or tag keys.")
]
SinceOption = Annotated[
    str | None, typer.Option(help="Start: ISO time (UTC if no zone) or a duration ago (24h).")
]
UntilOption = Annotated[str | None, typer.Option(help="End (exclusive), same forms.")]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"aivitals {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Evaluate, gate and monitor AI features on one local store."""


def main() -> None:
    """Console entry point."""
    app()

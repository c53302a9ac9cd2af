"""Command-line interface ``vitals``."""

from aivitals.cli._app import app, main

# Importing the command modules registers their commands on ``app``.
from aivitals.cli import _datasets, _demo, _eval, _runs  # noqa: F401  # isort: skip

__all__ = ["app", "main"]

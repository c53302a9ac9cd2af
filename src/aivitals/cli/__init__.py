"""Command-line interface ``vitals``."""

from aivitals.cli._app import app, main

# Importing the command modules registers their commands on ``app``.
from aivitals.cli import _compare, _datasets, _demo, _eval, _flaky, _plan, _runs  # noqa: F401  # isort: skip

__all__ = ["app", "main"]

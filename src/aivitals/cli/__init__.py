"""Command-line interface ``vitals``."""

from aivitals.cli._app import app, main

# Importing the command modules registers their commands on ``app``.
from aivitals.cli import (  # noqa: F401  # isort: skip
    _compare,
    _datasets,
    _demo,
    _eval,
    _flaky,
    _gate,
    _health,
    _ingest,
    _metrics,
    _plan,
    _report,
    _runs,
    _score,
    _serve,
    _simulate,
)

__all__ = ["app", "main"]

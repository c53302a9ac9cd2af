"""``aivitals.evaluate``: the Python entry point to a run."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aivitals.evaluation._runner import ProgressFn, Run, execute_suite
from aivitals.evaluation._suite import Suite, load_suite, parse_suite
from aivitals.store import Store

__all__ = ["evaluate"]


def evaluate(
    suite: Suite | Mapping[str, Any] | str | os.PathLike[str],
    *,
    store: Store | str | os.PathLike[str] | None = None,
    base_dir: str | os.PathLike[str] | None = None,
    no_cache: bool = False,
    progress: ProgressFn | None = None,
) -> Run:
    """Run an evaluation suite and store it; the same run the CLI makes.

    Args:
        suite: A suite YAML path, a mapping with the same keys, or a Suite.
        store: An open store, or a path; default ``$VITALS_STORE`` or
            ``.vitals/vitals.duckdb``.
        base_dir: Where relative paths in the suite point; defaults to the
            suite file's directory, else the working directory.
        no_cache: Call the target even for cached requests.
        progress: Called with (done, total) as records complete.

    Returns:
        The stored run, with its manifest and summary.
    """
    if isinstance(suite, Suite):
        parsed, default_dir = suite, Path()
    elif isinstance(suite, Mapping):
        parsed, default_dir = parse_suite(suite), Path()
    else:
        parsed, default_dir = load_suite(suite), Path(suite).parent
    directory = Path(base_dir) if base_dir is not None else default_dir
    if isinstance(store, Store):
        return asyncio.run(
            execute_suite(parsed, store, base_dir=directory, no_cache=no_cache, progress=progress)
        )
    with Store(store) as opened:
        return asyncio.run(
            execute_suite(parsed, opened, base_dir=directory, no_cache=no_cache, progress=progress)
        )

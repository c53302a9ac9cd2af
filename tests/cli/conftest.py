"""Run ``vitals`` in-process (fast) or as a real process (exit codes, signals)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aivitals.cli import app


@pytest.fixture
def vitals(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., CliRunnerResultLike]:
    """Invoke the CLI in-process with the store in ``tmp_path``."""
    monkeypatch.setenv("VITALS_STORE", str(tmp_path / "store.duckdb"))
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def invoke(*args: str) -> CliRunnerResultLike:
        return runner.invoke(app, list(args), catch_exceptions=False)

    return invoke


CliRunnerResultLike = object


def run_process(cwd: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``python -m aivitals ARGS`` as a separate process."""
    env = {
        **os.environ,
        "VITALS_STORE": str(cwd / "store.duckdb"),
        "PYTHONPATH": str(cwd),
        "COLUMNS": "200",
    }
    return subprocess.run(
        [sys.executable, "-m", "aivitals", *args],
        check=False,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )

"""``vitals serve`` as its own process, for tests that need a real one (kill -9, walkthroughs)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

# Importing the serve command first keeps the child's start-up short.
LAUNCH = "import aivitals.cli._serve; from aivitals.cli import main; main()"


@contextmanager
def serve_process(
    store: Path, *args: str, env: Mapping[str, str] | None = None
) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """Start ``vitals serve --store STORE --port 0 ARGS``; yield the process and its URL.

    Killed on exit if still running (tests that stop it themselves check how).
    """
    proc = subprocess.Popen(
        [sys.executable, "-c", LAUNCH, "serve", "--store", str(store), "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=None if env is None else dict(env),
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert "listening on http://" in line, proc.stderr.read() if proc.stderr else line
        yield proc, line.split("listening on ")[1].split()[0]
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)

"""Helpers the benchmarks share: servers in their own processes, timing, results."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"

_SERVER = """
import sys, threading
from aivitals.testing import FakeOpenAIServer
server = FakeOpenAIServer(latency_ms=float(sys.argv[1]), keep=10)
server.start()
print(server.base_url, flush=True)
sys.stdin.readline()
server.stop()
"""


@contextmanager
def server_process(latency_ms: float) -> Iterator[str]:
    """Run the fake OpenAI server in a separate process; yield its base URL.

    A separate process keeps the server's work off the benchmarked client's
    interpreter, as a real endpoint would be.
    """
    proc = subprocess.Popen(
        [sys.executable, "-c", _SERVER, str(latency_ms)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        yield proc.stdout.readline().strip()
    finally:
        proc.communicate("\n", timeout=30)


_LAUNCH = "import aivitals.cli._serve; from aivitals.cli import main; main()"


@contextmanager
def vitals_serve(store: Path, *options: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """Run ``vitals serve --store STORE --port 0 [OPTIONS]`` in its own process.

    Yields the process and the URL it prints once listening; stops it with
    SIGTERM (as a supervisor would) on the way out.
    """
    proc = subprocess.Popen(
        [sys.executable, "-c", _LAUNCH, "serve", "--store", str(store), "--port", "0", *options],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        yield proc, proc.stdout.readline().split("listening on ")[1].split()[0]
    finally:
        stop(proc)


def stop(proc: subprocess.Popen[Any]) -> None:
    """SIGTERM, and SIGKILL if the process has not ended a minute later."""
    proc.terminate()
    try:
        proc.wait(60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def timed(label: str, fn: Any) -> tuple[float, Any]:
    """Run ``fn()`` and print how long it took."""
    start = time.perf_counter()
    result = fn()
    elapsed = time.perf_counter() - start
    print(f"  {label}: {elapsed:.2f} s", flush=True)
    return elapsed, result


def save(name: str, figures: dict[str, Any]) -> None:
    """Write figures to benchmarks/results/NAME.json and print them."""
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(figures, indent=2))

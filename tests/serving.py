"""Real servers for tests: ``vitals serve`` as its own process, or an app in a thread."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

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


@dataclass
class Running:
    """An app served on 127.0.0.1 from a thread of this process."""

    url: str
    app: web.Application
    loop: asyncio.AbstractEventLoop


@contextmanager
def serve_in_thread(app: web.Application, *, auto_decompress: bool = True) -> Iterator[Running]:
    """Serve ``app`` on a free port of 127.0.0.1 in a background thread's event loop.

    ``auto_decompress=False`` runs it as ``vitals serve`` does (the OTLP
    decoder bounds gzip expansion itself).
    """
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(app, access_log=None, auto_decompress=auto_decompress)

    async def start() -> str:
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        return f"http://127.0.0.1:{runner.addresses[0][1]}"

    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    url = asyncio.run_coroutine_threadsafe(start(), loop).result(10)
    try:
        yield Running(url, app, loop)
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()

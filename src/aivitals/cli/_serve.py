"""``vitals serve``: the web server that owns the store (ingest API)."""

from __future__ import annotations

import asyncio
import ipaddress
import signal
from pathlib import Path
from typing import Annotated

import typer
from aiohttp import web

from aivitals.cli._app import StoreOption, app
from aivitals.errors import InputError, Problem
from aivitals.server import (
    DEFAULT_MAX_BODY,
    DEFAULT_MAX_PENDING,
    ApiKeys,
    create_app,
    create_key,
    key_file_for,
)
from aivitals.store import Store
from aivitals.store._db import resolve_store_path
from aivitals.web import register_dashboard

__all__ = ["serve_store"]


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def _run(application: web.Application, host: str, port: int) -> None:
    # OTLP bodies may be gzip: the decoder bounds their expansion, which
    # aiohttp's automatic decompression would not.
    runner = web.AppRunner(
        application, handle_signals=False, access_log=None, auto_decompress=False
    )
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = port
    for sock_addr in runner.addresses:
        if isinstance(sock_addr, tuple) and len(sock_addr) >= 2:
            bound = int(sock_addr[1])
            break
    shown = f"[{host}]" if ":" in host else host
    typer.echo(f"vitals serve: listening on http://{shown}:{bound} (Ctrl-C to stop)")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        typer.echo("vitals serve: shutting down", err=True)
        await runner.cleanup()


@app.command("serve")
def serve(
    store: StoreOption = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port (0 picks a free one).")] = 8765,
    create_key_name: Annotated[
        str | None,
        typer.Option(
            "--create-key",
            metavar="NAME",
            help="Create an API key named NAME, print it once, and exit.",
        ),
    ] = None,
    no_auth: Annotated[
        bool, typer.Option("--no-auth", help="Accept requests without a key (loopback only).")
    ] = False,
    max_body_mb: Annotated[
        float, typer.Option("--max-body-mb", help="Largest request body, MiB.")
    ] = DEFAULT_MAX_BODY / (1024 * 1024),
    max_queue: Annotated[
        int,
        typer.Option(
            "--max-queue",
            min=1,
            help="Items (events, spans, log records) waiting for the commit before "
            "new requests get 503 with Retry-After.",
        ),
    ] = DEFAULT_MAX_PENDING,
    no_dashboard: Annotated[
        bool,
        typer.Option("--no-dashboard", help="Serve only the ingest API, not the web dashboard."),
    ] = False,
) -> None:
    """Serve the ingest API and the dashboard; this process becomes the store's only writer."""
    path = resolve_store_path(store)
    key_file = key_file_for(path)
    if create_key_name is not None:
        key = create_key(key_file, create_key_name)
        typer.echo(f"API key '{create_key_name}' (shown only once; stored hashed in {key_file}):")
        typer.echo(key)
        return
    if no_auth and not _is_loopback(host):
        raise InputError(
            Problem(f"--no-auth is only allowed on a loopback address, not {host}", field="--host")
        )
    keys = None if no_auth else ApiKeys(key_file)
    if keys is not None and len(keys) == 0:
        raise InputError(
            Problem(
                f"no API keys in {key_file}: create one with `vitals serve --create-key NAME`, "
                "or pass --no-auth on a loopback address",
                file=str(key_file),
            )
        )
    if port < 0 or port > 65535:
        raise InputError(Problem(f"port must be 0..65535, got {port}", field="--port"))
    serve_store(
        path,
        keys=keys,
        host=host,
        port=port,
        max_body_bytes=int(max_body_mb * 1024 * 1024),
        max_pending=max_queue,
        dashboard=not no_dashboard,
    )


def serve_store(
    path: Path,
    *,
    keys: ApiKeys | None,
    host: str = "127.0.0.1",
    port: int = 8765,
    max_body_bytes: int = DEFAULT_MAX_BODY,
    max_pending: int = DEFAULT_MAX_PENDING,
    dashboard: bool = True,
) -> None:
    """Open ``path`` and serve it until SIGINT/SIGTERM (``vitals serve``, ``vitals demo``)."""
    with Store(path) as opened:
        application = create_app(
            opened,
            keys=keys,
            max_body_bytes=max_body_bytes,
            max_pending=max_pending,
            setup=(register_dashboard,) if dashboard else (),
        )
        try:
            asyncio.run(_run(application, host, port))
        except OSError as exc:
            if exc.errno is not None and "address" in str(exc).lower():
                raise InputError(Problem(f"cannot listen on {host}:{port}: {exc}")) from None
            raise

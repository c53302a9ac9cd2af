"""The aiohttp application behind ``vitals serve``.

Routes live on ``app.router``; other interfaces (OTLP, the dashboard) add
theirs by passing a hook to :func:`create_app` (``setup=[register]``) or by
calling ``app.router.add_*`` before the app starts. Store work goes through
``app[WRITER_KEY]``, the one writer thread.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from aiohttp import web

from aivitals import __version__
from aivitals.server._ingest_api import INGEST_PATH, ingest
from aivitals.server._keys import ApiKeys
from aivitals.server._otlp_api import register_otlp_routes
from aivitals.server._state import KEYS_KEY, MAX_BODY_KEY, STORE_KEY, WRITER_KEY
from aivitals.server._writer import DEFAULT_MAX_PENDING, Writer
from aivitals.store import Store

__all__ = ["DEFAULT_MAX_BODY", "HEALTH_PATH", "create_app", "register_routes"]

DEFAULT_MAX_BODY = 16 * 1024 * 1024
HEALTH_PATH = "/api/v1/health"


async def health(request: web.Request) -> web.Response:
    """``GET /api/v1/health``: the server is up and owns the store."""
    store = request.app[STORE_KEY]
    return web.json_response({"status": "ok", "version": __version__, "store": str(store.path)})


def register_routes(app: web.Application) -> None:
    """The ingest API's and the OTLP receivers' routes."""
    app.router.add_get(HEALTH_PATH, health)
    app.router.add_post(INGEST_PATH, ingest)
    register_otlp_routes(app)


def create_app(
    store: Store,
    *,
    keys: ApiKeys | None,
    max_body_bytes: int = DEFAULT_MAX_BODY,
    max_pending: int = DEFAULT_MAX_PENDING,
    setup: Iterable[Callable[[web.Application], None]] = (),
) -> web.Application:
    """The server application over an open, writable ``store``.

    Args:
        store: Held open for the app's lifetime; the caller closes it.
        keys: API keys to accept; ``None`` turns authentication off.
        max_body_bytes: Largest request body (413 beyond it).
        max_pending: Items admitted but not yet committed before new
            requests get 503 with ``Retry-After``.
        setup: Hooks that add more routes / state to the app.
    """
    # aiohttp's own limit backs up ours (it applies to request.read / post).
    app = web.Application(client_max_size=max_body_bytes)
    app[STORE_KEY] = store
    app[WRITER_KEY] = Writer(store, max_pending=max_pending)
    app[KEYS_KEY] = keys
    app[MAX_BODY_KEY] = max_body_bytes
    register_routes(app)
    for hook in setup:
        hook(app)

    async def _close_writer(app: web.Application) -> None:
        await app[WRITER_KEY].close()

    app.on_cleanup.append(_close_writer)
    return app

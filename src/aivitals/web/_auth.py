"""Who may read the dashboard: everyone without keys, key holders with them.

When ``vitals serve`` runs without keys (``--no-auth``, loopback only) the
pages and their JSON twins are open like the ingest API. With keys, both
need one: API clients send ``Authorization: Bearer KEY`` as for ingest, and
a browser signs in once through ``/login`` with the same key, which sets a
random session token (never the key) as an ``HttpOnly``, ``SameSite=Strict``
cookie; tokens live in memory and end with the server or ``/logout``.
Production inputs and outputs are personal data, so read access is guarded
like write access.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass, field

from aiohttp import web

from aivitals.server import KEYS_KEY, ApiKeys

__all__ = ["COOKIE", "Logins", "authorised", "safe_next", "sign_in"]

COOKIE = "vitals_session"
#: Most signed-in browsers remembered; the oldest is forgotten beyond it.
MAX_LOGINS = 1024


@dataclass
class Logins:
    """Session tokens of signed-in browsers and the key name each used."""

    tokens: dict[str, str] = field(default_factory=dict)

    def add(self, name: str) -> str:
        """A new token for key ``name``."""
        if len(self.tokens) >= MAX_LOGINS:
            self.tokens.pop(next(iter(self.tokens)))
        token = secrets.token_urlsafe(32)
        self.tokens[token] = name
        return token


async def _verify(keys: ApiKeys, key: str) -> str | None:
    name = keys.cached(key)
    if name is not None:
        return name
    # Key stretching is slow by design: off the event loop.
    return await asyncio.get_running_loop().run_in_executor(None, keys.verify, key)


async def authorised(request: web.Request, logins: Logins) -> bool:
    """Whether the request may read: no keys, a valid bearer key, or a session cookie."""
    keys = request.app[KEYS_KEY]
    if keys is None:
        return True
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return await _verify(keys, token.strip()) is not None
    cookie = request.cookies.get(COOKIE)
    return cookie is not None and cookie in logins.tokens


async def sign_in(request: web.Request, logins: Logins, key: str) -> str | None:
    """A session token for a valid ``key``, else ``None``."""
    keys = request.app[KEYS_KEY]
    if keys is None:
        return logins.add("anonymous")
    name = await _verify(keys, key.strip()) if key.strip() else None
    return logins.add(name) if name is not None else None


def safe_next(target: str | None) -> str:
    """A local path to return to after signing in (never another site)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target

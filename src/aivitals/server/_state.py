"""Typed keys for what the server keeps on its ``web.Application``."""

from __future__ import annotations

from aiohttp import web

from aivitals.server._keys import ApiKeys
from aivitals.server._writer import Writer
from aivitals.store import Store

__all__ = ["KEYS_KEY", "MAX_BODY_KEY", "STORE_KEY", "WRITER_KEY"]

#: The open store (use only from the writer thread, via ``WRITER_KEY``).
STORE_KEY = web.AppKey("aivitals.store", Store)
#: The single writer: ``await app[WRITER_KEY].run(fn, *args)`` runs store work.
WRITER_KEY = web.AppKey("aivitals.writer", Writer)
#: Accepted API keys, or ``None`` when auth is off.
KEYS_KEY: web.AppKey[ApiKeys | None] = web.AppKey("aivitals.keys")
#: Largest request body, bytes.
MAX_BODY_KEY = web.AppKey("aivitals.max_body", int)

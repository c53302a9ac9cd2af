"""The ``vitals serve`` web server: ingest API (more routes plug in later)."""

from aivitals.server._app import DEFAULT_MAX_BODY, HEALTH_PATH, create_app, register_routes
from aivitals.server._ingest_api import INGEST_PATH
from aivitals.server._keys import KEY_FILE_NAME, ApiKeys, create_key, key_file_for
from aivitals.server._state import KEYS_KEY, MAX_BODY_KEY, STORE_KEY, WRITER_KEY
from aivitals.server._writer import DEFAULT_MAX_PENDING, Overloaded, Writer

__all__ = [
    "DEFAULT_MAX_BODY",
    "DEFAULT_MAX_PENDING",
    "HEALTH_PATH",
    "INGEST_PATH",
    "KEYS_KEY",
    "KEY_FILE_NAME",
    "MAX_BODY_KEY",
    "STORE_KEY",
    "WRITER_KEY",
    "ApiKeys",
    "Overloaded",
    "Writer",
    "create_app",
    "create_key",
    "key_file_for",
    "register_routes",
]

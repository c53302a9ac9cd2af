"""API keys for the ingest API, kept hashed in a small JSON file beside the store.

A key looks like ``vk_<key id>_<secret>``. The file holds, per key, its name,
id, a random salt and ``pbkdf2_hmac("sha256", key, salt, iterations)`` — never
the key itself, which is shown once when it is created. Verification compares
digests with :func:`hmac.compare_digest`; a key that verified once is
remembered in memory (by its SHA-256) so that a busy client does not pay the
key-stretching cost on every request.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aivitals.errors import InputError, Problem

__all__ = ["KEY_FILE_NAME", "ApiKeys", "create_key", "key_file_for"]

KEY_FILE_NAME = "api_keys.json"
_ITERATIONS = 100_000
_CACHE_LIMIT = 4096


def key_file_for(store_path: str | os.PathLike[str]) -> Path:
    """The key file that goes with a store: ``api_keys.json`` in its folder."""
    return Path(store_path).parent / KEY_FILE_NAME


@dataclass(frozen=True)
class _Entry:
    name: str
    key_id: str
    salt: bytes
    digest: bytes
    iterations: int


def _hash(key: str, salt: bytes, iterations: int) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", key.encode("utf-8"), salt, iterations)


def _read(path: Path) -> list[_Entry]:
    if not path.exists():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return [
            _Entry(
                name=str(k["name"]),
                key_id=str(k["id"]),
                salt=bytes.fromhex(k["salt"]),
                digest=bytes.fromhex(k["hash"]),
                iterations=int(k.get("iterations", _ITERATIONS)),
            )
            for k in data["keys"]
        ]
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(Problem(f"unreadable API key file: {exc}", file=str(path))) from None


def create_key(path: str | os.PathLike[str], name: str) -> str:
    """Add a key named ``name`` to the key file; return the key (shown only now)."""
    if not name.strip():
        raise InputError(Problem("a key needs a non-empty name", field="name"))
    path = Path(path)
    entries = _read(path)
    key_id = secrets.token_hex(4)
    key = f"vk_{key_id}_{secrets.token_urlsafe(32)}"
    salt = secrets.token_bytes(16)
    raw: list[dict[str, Any]] = [
        {
            "name": e.name,
            "id": e.key_id,
            "salt": e.salt.hex(),
            "hash": e.digest.hex(),
            "iterations": e.iterations,
        }
        for e in entries
    ]
    raw.append(
        {
            "name": name,
            "id": key_id,
            "salt": salt.hex(),
            "hash": _hash(key, salt, _ITERATIONS).hex(),
            "iterations": _ITERATIONS,
            "created_at": datetime.now(UTC).isoformat(),
        }
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump({"keys": raw}, fh, indent=2)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return key


class ApiKeys:
    """The keys a server accepts, re-read when the file changes.

    Args:
        path: The key file, or ``None`` for an empty set.
    """

    def __init__(self, path: str | os.PathLike[str] | None) -> None:
        self.path = Path(path) if path is not None else None
        self._lock = threading.Lock()
        self._mtime: float | None = None
        self._entries: list[_Entry] = []
        self._verified: dict[bytes, str] = {}
        self._reload()

    def _reload(self) -> None:
        if self.path is None:
            return
        try:
            mtime = self.path.stat().st_mtime
        except FileNotFoundError:
            mtime = None
        if mtime == self._mtime:
            return
        self._entries = _read(self.path) if mtime is not None else []
        self._verified = {}
        self._mtime = mtime

    def __len__(self) -> int:
        with self._lock:
            self._reload()
            return len(self._entries)

    def cached(self, key: str) -> str | None:
        """The key's name if it verified before (cheap; safe on the event loop)."""
        with self._lock:
            self._reload()
            return self._verified.get(hashlib.sha256(key.encode("utf-8")).digest())

    def verify(self, key: str) -> str | None:
        """The name of ``key`` if it is one of ours, else ``None`` (may be slow)."""
        name = self.cached(key)
        if name is not None:
            return name
        with self._lock:
            entries = list(self._entries)
        parts = key.split("_", 2)
        key_id = parts[1] if len(parts) == 3 and parts[0] == "vk" else ""
        found: str | None = None
        for entry in entries:
            if entry.key_id != key_id:
                continue
            if hmac.compare_digest(_hash(key, entry.salt, entry.iterations), entry.digest):
                found = entry.name
        if found is not None:
            with self._lock:
                if len(self._verified) >= _CACHE_LIMIT:
                    self._verified.clear()
                self._verified[hashlib.sha256(key.encode("utf-8")).digest()] = found
        return found

"""The unique key of an id, computed in Python for rows that arrive as Arrow.

The same definition as :data:`aivitals.store._schema.ID_KEY_SQL` (see
docs/design/store-keys.md); a test holds the two to the same keys. Batches
of a thousand rows get their keys here: in SQL the expression costs about a
millisecond per statement to plan, more than computing the keys in Python.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

import pyarrow as pa

__all__ = ["id_key", "key_halves"]

_UUID7 = re.compile(r"[0-3][0-9a-f]{11}7[0-9a-f]{19}")
_SHORT = 1 << 126
_HASHED = 2 << 126
_LOW64 = (1 << 64) - 1


def id_key(text: str) -> int:
    """The 128-bit key of an id."""
    if len(text) == 32 and _UUID7.fullmatch(text):
        return int(text, 16)
    raw = text.encode("utf-8")
    if len(raw) <= 15:
        return _SHORT | int.from_bytes(raw, "big") << (8 * (15 - len(raw)) + 4) | len(raw)
    digest = hashlib.md5(raw, usedforsecurity=False).digest()
    return _HASHED | int.from_bytes(digest, "little") >> 2


def key_halves(ids: Iterable[str]) -> tuple[pa.Array, pa.Array]:
    """The high and low 64 bits of each id's key (Arrow has no 128-bit integer)."""
    keys = [id_key(i) for i in ids]
    return (
        pa.array([k >> 64 for k in keys], type=pa.uint64()),
        pa.array([k & _LOW64 for k in keys], type=pa.uint64()),
    )

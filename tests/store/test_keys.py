"""The unique key the store derives from an id (``ID_KEY_SQL``)."""

from __future__ import annotations

import hashlib
import re

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aivitals.store._keys import id_key
from aivitals.store._schema import ID_KEY_SQL
from aivitals.telemetry._model import new_id

_UUID7 = re.compile(r"[0-3][0-9a-f]{11}7[0-9a-f]{19}")


def expected_key(text: str) -> int:
    """The key as docs/design/store-keys.md defines it, computed in Python."""
    raw = text.encode("utf-8")
    if _UUID7.fullmatch(text):
        return int(text, 16)
    if len(raw) <= 15:
        return 1 << 126 | int.from_bytes(raw.ljust(15, b"\0"), "big") << 4 | len(raw)
    return 2 << 126 | int.from_bytes(hashlib.md5(raw).digest(), "little") >> 2


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    return duckdb.connect()


def keys(con: duckdb.DuckDBPyConnection, ids: list[str]) -> list[int]:
    sql = f"SELECT {ID_KEY_SQL.format(id='id')} FROM unnest(?) WITH ORDINALITY t(id, n) ORDER BY n"
    return [int(row[0]) for row in con.execute(sql, [ids]).fetchall()]


TRICKY = [
    "",
    "a",
    "a\x01",
    "req-000000001",
    "req-000000002",
    "fifteen-bytes-x",  # 15 bytes: kept as bytes
    "sixteen-bytes-xx",  # 16 bytes: hashed
    "é",  # two bytes
    "0190abcdef127abc0123456789abcdef",  # a UUIDv7 as the SDK writes it
    "0190ABCDEF127ABC0123456789ABCDEF",  # the same in capitals: another id
    "0190abcdef12_7bc0123456789abcdef",  # underscores parse as hex digits in DuckDB
    "0190abcdef124abc0123456789abcdef",  # version 4: hashed
    "0190abcd-ef12-7abc-0123-456789abcdef",  # dashed: another id
    "4190abcdef127abc0123456789abcdef",  # a time after 4199: hashed
    "0123456789abcdef0123456789abcdef0123456789abcdef",  # OTLP trace + span id
]


def test_keys_follow_the_documented_definition(con: duckdb.DuckDBPyConnection) -> None:
    # The SQL (files, migration) and the Python (Arrow batches) give one key.
    assert keys(con, TRICKY) == [expected_key(t) for t in TRICKY]
    assert [id_key(t) for t in TRICKY] == [expected_key(t) for t in TRICKY]


def test_distinct_ids_get_distinct_keys_and_the_ways_never_meet(
    con: duckdb.DuckDBPyConnection,
) -> None:
    found = keys(con, TRICKY)
    assert len(set(found)) == len(TRICKY)
    ways = [k >> 126 for k in found]
    assert ways == [1, 1, 1, 1, 1, 1, 2, 1, 0, 2, 2, 2, 2, 2, 2]


def test_ordered_ids_keep_their_order(con: duckdb.DuckDBPyConnection) -> None:
    # Ids that arrive in order land next to each other in the index.
    numbered = [f"req-{i:09d}" for i in range(0, 5000, 7)]
    assert keys(con, numbered) == sorted(keys(con, numbered))
    made = [new_id() for _ in range(200)]
    assert sorted(made) == [m for _, m in sorted(zip(keys(con, made), made, strict=True))]
    assert {k >> 126 for k in keys(con, made)} == {0}


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=40), min_size=1, max_size=20, unique=True))
def test_any_ids_get_the_documented_distinct_keys(ids: list[str]) -> None:
    ids = [i.replace("\0", "") for i in ids]  # DuckDB strings hold no NUL
    ids = list(dict.fromkeys(ids))
    found = keys(duckdb.connect(), ids)
    assert found == [expected_key(i) for i in ids] == [id_key(i) for i in ids]
    assert len(set(found)) == len(ids)

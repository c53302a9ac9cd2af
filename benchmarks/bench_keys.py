"""The store's unique key on ids, against a unique index on the VARCHAR id, at scale.

Idempotent ingest rests on a unique ART index. The store indexes a 128-bit
key made from each id (:data:`aivitals.store._schema.ID_KEY_SQL`: UUIDv7s
and short ids keep their order, other ids are hashed); the baseline indexes
the id itself, as schema v4 did. Both run in this script on the same table
shape (id, a number, a payload, the key) in DuckDB files: a store of
``N_ROWS`` rows (default 10M), then 300 inserts of 1,000 rows from Arrow,
each its own transaction, with the keys computed in Python as for an HTTP
batch (timed), then one insert of 1,000,000 rows in SQL, as for a file.
Four kinds of ids: numbered (``req-000000001``), the SDK's UUIDv7s, random
UUIDv4s (32 hex digits) and OTLP trace + span ids (48 random hex digits).
Usage: ``python -m benchmarks.bench_keys [N_ROWS]``.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb

from aivitals.store._keys import key_halves
from aivitals.store._schema import ID_KEY_SQL
from benchmarks._common import save

BATCHES = 300
BATCH = 1_000
BULK = 1_000_000

# Ids as SQL over a row number i; random parts from md5 so runs repeat.
IDS = {
    "numbered": "printf('req-%09d', i)",
    "uuid7": "printf('%012x', 1767225600000 + i * 2) || '7' || md5(i::VARCHAR)[1:19]",
    "uuid4": "md5(i::VARCHAR)",
    "otlp": "md5(i::VARCHAR) || md5((-i)::VARCHAR)[1:16]",
}
KEYS = {"store": ID_KEY_SQL.format(id="id"), "varchar": "NULL::UHUGEINT"}


def run(ids: str, key: str, n: int) -> dict[str, Any]:
    """Fill a store of ``n`` rows, then time batches and one bulk insert."""
    with tempfile.TemporaryDirectory() as tmp:
        con = duckdb.connect(str(Path(tmp) / "keys.duckdb"))
        con.execute(
            f"CREATE TEMP TABLE src AS SELECT {IDS[ids]} AS id, i "
            f"FROM range({n + BATCHES * BATCH + BULK}) r(i)"
        )
        con.execute("CREATE TABLE t (id VARCHAR NOT NULL, n BIGINT, payload VARCHAR, k UHUGEINT)")

        def insert(low: int, high: int) -> None:
            con.execute(
                f"INSERT INTO t SELECT id, i, 'payload ' || i, {KEYS[key]} FROM src "
                f"WHERE i >= {low} AND i < {high}"
            )

        insert(0, n)
        con.execute(f"CREATE UNIQUE INDEX t_key ON t ({'id' if key == 'varchar' else 'k'})")
        con.execute("CHECKPOINT")
        batches = [
            con.sql(
                f"SELECT id, i, 'payload ' || i AS payload FROM src WHERE i >= {low} "
                f"AND i < {low + BATCH} ORDER BY i",
            ).to_arrow_table()
            for low in range(n, n + BATCHES * BATCH, BATCH)
        ]
        times = []
        for rows in batches:
            start = time.perf_counter()
            if key == "store":
                high, low = key_halves(rows.column("id").to_pylist())
                rows = rows.append_column("hi", high).append_column("lo", low)  # noqa: PLW2901
                sql = "SELECT id, i, payload, (hi::UHUGEINT << 64) | lo::UHUGEINT FROM batch"
            else:
                sql = "SELECT id, i, payload, NULL FROM batch"
            con.register("batch", rows)
            con.execute(f"INSERT INTO t {sql}")
            con.unregister("batch")
            times.append(time.perf_counter() - start)
        start = time.perf_counter()
        insert(n + BATCHES * BATCH, n + BATCHES * BATCH + BULK)
        bulk = time.perf_counter() - start
        con.close()
    times.sort()
    return {
        "batches_s": round(sum(times), 2),
        "batch_median_ms": round(statistics.median(times) * 1000, 1),
        "batch_p99_ms": round(times[int(0.99 * len(times))] * 1000, 1),
        "bulk_s": round(bulk, 2),
    }


def main(n: int = 10_000_000) -> None:
    figures: dict[str, Any] = {"rows_before": n, "batches": BATCHES, "batch_rows": BATCH}
    for ids in IDS:
        got = {key: run(ids, key, n) for key in KEYS}
        got["varchar_over_store"] = {
            "batches": round(got["varchar"]["batches_s"] / got["store"]["batches_s"], 2),
            "bulk": round(got["varchar"]["bulk_s"] / got["store"]["bulk_s"], 2),
        }
        print(ids, got, flush=True)
        figures[ids] = got
    save("keys", figures)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000)

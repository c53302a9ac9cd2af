"""File ingest of production interactions: a Parquet file of 1,000,000 rows.

Times :func:`aivitals.telemetry.ingest_file` (read, vectorised checks of
every field, idempotent insert) against two baselines on fresh files in the
same process: the bare ``INSERT INTO records SELECT ... FROM
read_parquet(...)`` with no checks (same table, same unique index), and
DuckDB's floor — ``CREATE TABLE AS SELECT * FROM read_parquet(...)`` into an
unindexed table of the file's own columns, i.e. what copying the bytes into
a DuckDB file costs on this machine with no checks and no idempotency. The
unique index that makes ingest idempotent is on a 128-bit hash of the id,
so it should cost the same whatever the ids look like: ``ingest_file`` is
also timed on files whose ids are random UUIDv4s and time-ordered UUIDv7s
(as the SDK makes them), and on a file written as one row group. Usage:
``python -m benchmarks.bench_ingest [N_ROWS]``.
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from aivitals.store import Store, insert_sql
from aivitals.telemetry import ingest_file
from benchmarks._common import save

_TAGS = pa.map_(pa.string(), pa.string())
REPEAT = 2
# DuckDB reads a Parquet file one row group per thread. Writers differ:
# DuckDB's COPY writes groups of 122,880 rows, Spark of 128 MB, pyarrow of
# up to 1,048,576 rows, i.e. one group (one thread) for this whole file.
# Both layouts are timed; the headline is the multi-group one.
ROW_GROUP = 122_880


def _ids(kind: str, n: int, ts_us: np.ndarray, rng: np.random.Generator) -> pa.Array:
    """Row ids: ``sequential`` (req-000000001...), ``uuid4`` (random, as many
    services make them) or ``uuid7`` (the row's time in ms, then random, as
    the SDK makes them)."""
    if kind == "sequential":
        return pa.array([f"req-{i:09d}" for i in range(n)])
    noise = rng.bytes(16 * n).hex()
    if kind == "uuid4":
        return pa.array([noise[i : i + 32] for i in range(0, 32 * n, 32)])
    ms = (ts_us // 1000).tolist()
    return pa.array([f"{m:012x}7{noise[32 * i : 32 * i + 19]}" for i, m in enumerate(ms)])


def make_file(
    path: Path, n: int, row_group_size: int | None = ROW_GROUP, ids_kind: str = "sequential"
) -> None:
    rng = np.random.default_rng(7)
    start = datetime.now(UTC) - timedelta(days=30)
    ids = np.arange(n)
    ts_us = (start.timestamp() * 1e6 + ids * 2_000_000).astype(np.int64)
    segments = np.array(["free", "pro", "enterprise"])[ids % 3]
    channels = np.array(["web", "app", "api", "email"])[ids % 4]
    tags = pa.MapArray.from_arrays(
        pa.array(np.arange(0, 2 * n + 1, 2), type=pa.int32()),
        pa.array(np.tile(["segment", "channel"], n)),
        pa.array(np.column_stack([segments, channels]).ravel()),
    )
    table = pa.table(
        {
            "id": _ids(ids_kind, n, ts_us, rng),
            "session_id": pa.array([f"s{i // 4}" for i in range(n)]),
            "turn": pa.array(ids % 4, type=pa.int32()),
            "ts": pa.array(ts_us, type=pa.int64()).cast(pa.timestamp("us", tz="UTC")),
            "system_version": pa.array(np.array(["v1", "v2"])[ids % 2]),
            "input": pa.array([f"question {i}" for i in range(n)]),
            "output": pa.array([f"answer {i}" for i in range(n)]),
            "tags": tags.cast(_TAGS),
            "latency_ms": pa.array(rng.gamma(2.0, 300.0, n)),
            "tokens_in": pa.array(rng.integers(10, 2000, n)),
            "tokens_out": pa.array(rng.integers(10, 800, n)),
            "cost": pa.array(rng.random(n) / 100),
        }
    )
    pq.write_table(table, path, row_group_size=row_group_size)


# The same rows with no checks; insert_sql adds the store's unique record key.
BARE = insert_sql(
    "records",
    [
        ("record_id", "id"),
        ("source", "'prod'"),
        *((c, c) for c in ("session_id", "turn", "ts", "system_version")),
        ("input", "to_json(input)"),
        *((c, c) for c in ("output", "tags", "latency_ms", "tokens_in", "tokens_out", "cost")),
    ],
    "read_parquet(?)",
)


def main(n: int = 1_000_000) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "interactions.parquet"
        make_file(path, n)
        one_group = Path(tmp) / "one_group.parquet"
        make_file(one_group, n, row_group_size=n)
        by_ids = {kind: Path(tmp) / f"{kind}.parquet" for kind in ("uuid4", "uuid7")}
        for kind, kind_path in by_ids.items():
            make_file(kind_path, n, ids_kind=kind)
        print(f"{n} interactions, {path.stat().st_size / 1e6:.1f} MB Parquet", flush=True)
        # Best of REPEAT on fresh stores, alternating, as the machine may be shared.
        bares, floors, results, one_groups = [], [], [], []
        id_kinds: dict[str, list[float]] = {kind: [] for kind in by_ids}
        for attempt in range(REPEAT):
            con = duckdb.connect(str(Path(tmp) / f"floor{attempt}.duckdb"))
            start = time.perf_counter()
            con.execute("CREATE TABLE t AS SELECT * FROM read_parquet(?)", [str(path)])
            floors.append(time.perf_counter() - start)
            con.close()
            with Store(Path(tmp) / f"bare{attempt}.duckdb") as store:
                start = time.perf_counter()
                store.con.execute(BARE, [str(path)])
                bares.append(time.perf_counter() - start)
            with Store(Path(tmp) / f"ingest{attempt}.duckdb") as store:
                results.append(ingest_file(store, path))
                assert results[-1].accepted == n, results[-1]
                again = ingest_file(store, path)
                assert again.duplicates == n, again
            with Store(Path(tmp) / f"one_group{attempt}.duckdb") as store:
                one_groups.append(ingest_file(store, one_group).seconds)
            for kind, kind_path in by_ids.items():
                with Store(Path(tmp) / f"{kind}{attempt}.duckdb") as store:
                    id_kinds[kind].append(ingest_file(store, kind_path).seconds)
        bare = min(bares)
        floor = min(floors)
        result = min(results, key=lambda r: r.seconds)
    figures = {
        "rows": n,
        "duckdb_floor_ctas_s": round(floor, 3),
        "duckdb_floor_rows_per_s": round(n / floor),
        "bare_insert_s": round(bare, 3),
        "bare_insert_rows_per_s": round(n / bare),
        "ingest_file_s": round(result.seconds, 3),
        "ingest_file_rows_per_s": round(n / result.seconds),
        "reingest_all_duplicates_s": round(again.seconds, 3),
        "row_group_rows": ROW_GROUP,
        "one_row_group_file_ingest_s": round(min(one_groups), 3),
        "one_row_group_file_rows_per_s": round(n / min(one_groups)),
        **{f"{kind}_ids_ingest_rows_per_s": round(n / min(t)) for kind, t in id_kinds.items()},
        "overhead_vs_bare": round(result.seconds / bare, 2),
        "overhead_vs_duckdb_floor": round(result.seconds / floor, 2),
        "target_rows_per_s": 500_000,
    }
    save("ingest", figures)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)

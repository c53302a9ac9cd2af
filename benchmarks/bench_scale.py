"""100 million production interactions on one machine, with peak memory.

Writes the interactions as Parquet files of ``CHUNK`` rows (DuckDB ``COPY``
from ``range()``: a week of traffic, 5 model versions, 5 segments, log-normal
latencies), ingests each with :func:`aivitals.telemetry.ingest_file` — the
validated, idempotent path users run — and then computes p95 latency, error
rate and tokens per session by hour × model version × segment over all of
them with :func:`aivitals.metrics.compute_metrics`. Reports wall times,
rows/s and the peak resident memory of this process (DuckDB runs in it),
read from ``getrusage`` after each phase; the machine has 24 GB. The store's
DuckDB ``memory_limit`` is left at its default (80 % of RAM): the point is
that the default does not run out. Usage:
``python -m benchmarks.bench_scale [N_ROWS] [CHUNK]``.
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from aivitals.metrics import compute_metrics
from aivitals.store import Store
from aivitals.telemetry import ingest_file
from benchmarks._common import save

WEEK_SECONDS = 7 * 24 * 3600

CHUNK_SQL = """
COPY (
    SELECT 'r' || i AS id, 's' || (i // 4) AS session_id, CAST(i % 4 AS INTEGER) AS turn,
        TIMESTAMPTZ '2026-01-05 00:00:00+00' + to_seconds(CAST(i * {step} AS BIGINT)) AS ts,
        'v' || (hash(i // 4) % 5) AS system_version,
        'question ' || i AS input, 'answer ' || i AS output,
        MAP(['segment'], ['seg' || (hash(i // 4 + 7) % 5)]) AS tags,
        exp(6.0 + 0.5 * sqrt(-2 * ln(random())) * cos(2 * pi() * random())) AS latency_ms,
        50 + i % 200 AS tokens_in, 20 + i % 300 AS tokens_out,
        CASE WHEN i % 97 = 0 THEN 'timeout' END AS error
    FROM range({start}, {stop}) t(i)
) TO '{path}' (FORMAT parquet)
"""


def _peak_gb() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024


def main(n: int = 100_000_000, chunk: int = 10_000_000) -> None:
    figures: dict[str, Any] = {"rows": n, "chunk_rows": chunk}
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "scale.duckdb") as store:
        write_s = ingest_s = 0.0
        accepted = 0
        for start in range(0, n, chunk):
            stop = min(n, start + chunk)
            path = Path(tmp) / f"chunk-{start // chunk:03d}.parquet"
            began = time.perf_counter()
            store.con.execute(
                CHUNK_SQL.format(start=start, stop=stop, step=WEEK_SECONDS / n, path=path)
            )
            write_s += time.perf_counter() - began
            result = ingest_file(store, path)
            path.unlink()
            ingest_s += result.seconds
            accepted += result.accepted
            print(
                f"  {stop:>11,} rows  ingest {result.seconds:6.1f} s  "
                f"({result.rows / result.seconds:,.0f} rows/s)  peak RSS {_peak_gb():.1f} GB",
                flush=True,
            )
        assert accepted == n, accepted
        figures |= {
            "parquet_write_s": round(write_s, 1),
            "ingest_s": round(ingest_s, 1),
            "ingest_rows_per_s": round(n / ingest_s),
            "peak_rss_after_ingest_gb": round(_peak_gb(), 2),
            "store_file_gb": round((Path(tmp) / "scale.duckdb").stat().st_size / 1e9, 2),
        }
        began = time.perf_counter()
        values = compute_metrics(
            store,
            ["latency_p95", "error_rate", "tokens_per_session"],
            window="1h",
            by=("model_version", "segment"),
        )
        metrics_s = time.perf_counter() - began
        assert values and sum(v.n for v in values if v.metric == "error_rate") == n
        figures |= {
            "metrics": ["latency_p95", "error_rate", "tokens_per_session"],
            "metrics_groups": len(values),
            "metrics_s": round(metrics_s, 1),
            "peak_rss_after_metrics_gb": round(_peak_gb(), 2),
            "machine_ram_gb": round(
                os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3, 1
            ),
        }
        print(f"  metrics over {n:,} rows: {metrics_s:.1f} s, peak RSS {_peak_gb():.1f} GB")
    save("scale", figures)


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    main(*args)

"""Metrics by 5-minute window × model version × segment over 10M interactions.

Generates production interactions over one week (5 model versions, 5
segments, log-normal latencies) straight into a store with DuckDB's
``range()``, then times ``compute_metrics(["latency_p95"], window="5m",
by=("model_version", "segment"))`` — exact p95 plus its order-statistic 95 %
interval — against, in the same run: the hand-written DuckDB
``quantile_cont`` GROUP BY (p95 only, no interval); a hand-written query
that returns the same rank-bound values (``quantile_disc`` can't take per-group
ranks, so it sorts a list per group like ours); and pandas ``groupby``
quantile on the same data already in memory (load time reported apart).
polars is not a dependency and is not measured. Usage:
``python -m benchmarks.bench_metrics [N_RECORDS] [REPEATS]``.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

from aivitals.metrics import compute_metrics
from aivitals.store import Store
from benchmarks._common import save, timed

WEEK_SECONDS = 7 * 24 * 3600

GENERATE = """
INSERT INTO records (record_id, source, session_id, turn, ts, system_version, tags,
                     latency_ms, tokens_in, tokens_out, cost)
SELECT 'r' || i, 'prod', 's' || (i // 4), i % 4,
    TIMESTAMPTZ '2026-01-05 00:00:00+00' + to_seconds(CAST(i * {step} AS BIGINT)),
    'v' || (hash(i // 4) % 5), MAP(['segment'], ['seg' || (hash(i // 4 + 7) % 5)]),
    exp(6.0 + 0.5 * sqrt(-2 * ln(random())) * cos(2 * pi() * random())),
    50 + i % 200, 20 + i % 300, 0.0001 * (i % 50)
FROM range({n}) t(i)
"""

HAND = """
SELECT time_bucket(INTERVAL '5 minutes', ts, TIMESTAMPTZ '1970-01-01 00:00:00+00') AS w,
    system_version, tags['segment'] AS segment, count(*) AS n,
    quantile_cont(latency_ms, 0.95) AS p95
FROM records WHERE source = 'prod'
GROUP BY ALL
"""


def _median_time(fn: Any, repeats: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main(n: int = 10_000_000, repeats: int = 3) -> None:
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "bench.duckdb") as store:
        print(f"generating {n:,} interactions", flush=True)
        gen_s, _ = timed(
            "generate", lambda: store.con.execute(GENERATE.format(n=n, step=WEEK_SECONDS / n))
        )

        def ours() -> Any:
            return compute_metrics(
                store, ["latency_p95"], window="5m", by=("model_version", "segment")
            )

        def hand() -> Any:
            return store.con.execute(HAND).fetchall()

        ours()  # warm caches and imports (scipy) once for both sides
        hand()
        ours_s, values = _median_time(ours, repeats)
        hand_s, hand_rows = _median_time(hand, repeats)
        print(f"  aivitals: {ours_s:.2f} s ({len(values)} groups)  duckdb hand: {hand_s:.2f} s")
        assert len(values) == len(hand_rows)
        exact = {(r[0], r[1], r[2]): r[4] for r in hand_rows}
        mismatches = sum(
            1
            for v in values
            if v.value is None
            or abs(v.value - exact[(v.window_start, v.slice["model_version"], v.slice["segment"])])
            > 1e-9 * max(1.0, abs(v.value))
        )

        with warnings.catch_warnings():  # a pandas deprecation raised inside duckdb's .df()
            warnings.simplefilter("ignore")
            load_s, frame = timed(
                "pandas load",
                lambda: store.con.execute(
                    "SELECT ts, system_version, tags['segment'] AS segment, latency_ms "
                    "FROM records WHERE source = 'prod'"
                ).df(),
            )

        def pandas_groupby() -> Any:
            window = frame["ts"].dt.floor("5min")
            return frame.groupby([window, frame["system_version"], frame["segment"]])[
                "latency_ms"
            ].quantile(0.95)

        pandas_s, _ = _median_time(pandas_groupby, repeats)
        print(f"  pandas groupby: {pandas_s:.2f} s", flush=True)

    save(
        "metrics",
        {
            "n_records": n,
            "groups": len(values),
            "repeats": repeats,
            "generate_s": round(gen_s, 2),
            "aivitals_p95_with_interval_s": round(ours_s, 3),
            "duckdb_hand_quantile_cont_s": round(hand_s, 3),
            "ratio_vs_duckdb_hand": round(ours_s / hand_s, 2),
            "value_mismatches_vs_hand": mismatches,
            "pandas_groupby_quantile_s": round(pandas_s, 3),
            "pandas_load_from_duckdb_s": round(load_s, 2),
            "polars_s": None,
            "polars_note": "polars is not a dependency; not measured",
        },
    )


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000,
        int(sys.argv[2]) if len(sys.argv) > 2 else 3,
    )

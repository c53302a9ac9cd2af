"""pandas and polars peers of ``bench_metrics``, run in their own venv (``make bench-peers``).

Usage: ``.bench-peers/bin/python benchmarks/peers/metrics_peers.py DATA EXPECTED [REPEATS]``.
DATA is the Parquet export of the benchmark's interactions (``window``,
``system_version``, ``segment``, ``latency_ms``); EXPECTED holds DuckDB's
``quantile_cont(latency_ms, 0.95)`` per group (``p95``). Each library loads
DATA (timed apart), then its exact p95 per window × version × segment with
linear interpolation (DuckDB's ``quantile_cont``, numpy's default) is timed
over REPEATS runs after one warm-up; its values are checked against
EXPECTED within 1e-9 relative. DuckDB's own query on the same loaded rows
is timed here too, so the peers also have a baseline measured under the same
load. Prints one JSON object on stdout.

This file imports neither aivitals nor anything outside the peers' venv.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import polars as pl

KEYS = ["window", "system_version", "segment"]
Q = 0.95
REL_TOL = 1e-9


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def _median_time(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    fn()  # warm-up, as the main benchmark warms aivitals and DuckDB
    runs = [_timed(fn) for _ in range(repeats)]
    return statistics.median(t for t, _ in runs), runs[-1][1]


def _check(result: pl.DataFrame, expected: pl.DataFrame) -> dict[str, int]:
    """Groups missing on either side, and values off by more than REL_TOL relative."""
    joined = expected.join(result, on=KEYS, how="full", coalesce=True, nulls_equal=True)
    got = joined["got"].to_numpy()
    want = joined["p95"].to_numpy()
    missing = int(np.isnan(got).sum() + np.isnan(want).sum())
    both = ~(np.isnan(got) | np.isnan(want))
    off = np.abs(got[both] - want[both]) > REL_TOL * np.maximum(1.0, np.abs(want[both]))
    return {"groups": result.height, "missing_groups": missing, "value_mismatches": int(off.sum())}


def _pandas(data: str, expected: pl.DataFrame, repeats: int) -> dict[str, Any]:
    load_s, frame = _timed(lambda: pd.read_parquet(data))

    def group_by() -> pd.Series:
        grouped = frame.groupby(KEYS, sort=False, observed=True, dropna=False)
        return grouped["latency_ms"].quantile(Q, interpolation="linear")

    compute_s, series = _median_time(group_by, repeats)
    result = pl.from_pandas(series.rename("got").reset_index())
    return {
        "version": pd.__version__,
        "load_parquet_s": round(load_s, 3),
        "groupby_quantile_s": round(compute_s, 3),
        **_check(result.cast({"window": expected["window"].dtype}), expected),
    }


def _polars(data: str, expected: pl.DataFrame, repeats: int) -> dict[str, Any]:
    load_s, frame = _timed(lambda: pl.read_parquet(data))

    def group_by() -> pl.DataFrame:
        quantile = pl.col("latency_ms").quantile(Q, interpolation="linear")
        return frame.group_by(KEYS).agg(quantile.alias("got"))

    compute_s, result = _median_time(group_by, repeats)
    return {
        "version": pl.__version__,
        "threads": pl.thread_pool_size(),
        "load_parquet_s": round(load_s, 3),
        "group_by_quantile_s": round(compute_s, 3),
        **_check(result, expected),
    }


def _duckdb(data: str, expected: pl.DataFrame, repeats: int) -> dict[str, Any]:
    """The hand query again, here, on the same Parquet rows: a baseline under the same load."""
    con = duckdb.connect()
    load_s, _ = _timed(lambda: con.execute(f"CREATE TABLE t AS FROM read_parquet('{data}')"))
    keys = ", ".join(f'"{key}"' for key in KEYS)
    query = f"SELECT {keys}, quantile_cont(latency_ms, {Q}) AS got FROM t GROUP BY ALL"
    compute_s, result = _median_time(lambda: con.sql(query).pl(), repeats)
    return {
        "version": duckdb.__version__,
        "load_parquet_s": round(load_s, 3),
        "group_by_quantile_s": round(compute_s, 3),
        **_check(result.cast({"window": expected["window"].dtype}), expected),
    }


def main(data: str, expected_path: str, repeats: int) -> dict[str, Any]:
    expected = pl.read_parquet(expected_path)
    return {
        "pandas": _pandas(data, expected, repeats),
        "polars": _polars(data, expected, repeats),
        "duckdb_same_process": _duckdb(data, expected, repeats),
    }


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 5)))

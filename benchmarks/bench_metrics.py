"""Metrics by 5-minute window × model version × segment over 10M interactions.

Generates production interactions over one week (5 model versions, 5
segments, log-normal latencies) straight into a store with DuckDB's
``range()``, then times ``compute_metrics(["latency_p95"], window="5m",
by=("model_version", "segment"))`` — exact p95 plus its order-statistic 95 %
interval, as ``MetricValue`` objects — against the hand-written DuckDB
``quantile_cont`` GROUP BY (p95 only, no interval, plain tuples) in the same
run (the two alternate, median of REPEATS), and checks the p95 values agree.

pandas and polars are not dependencies of aivitals: they run in their own
venv (``make bench-peers``) as a child process, ``peers/metrics_peers.py``,
on the same rows exported to Parquet (window already bucketed), with load
time reported apart from the group-by, and their values checked against
DuckDB's. Without that venv the result says so. Every ratio is against the
hand-written DuckDB query. Usage:
``python -m benchmarks.bench_metrics [N_RECORDS] [REPEATS]``.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from aivitals.metrics import compute_metrics
from aivitals.store import Store, insert_select_sql
from benchmarks._common import save, timed

WEEK_SECONDS = 7 * 24 * 3600
ROOT = Path(__file__).resolve().parent.parent
PEERS_PYTHON = ROOT / ".bench-peers" / "bin" / "python"
PEERS_SCRIPT = Path(__file__).resolve().parent / "peers" / "metrics_peers.py"

# Interactions over a week as SQL over a row number i; format with n and step.
GENERATE = """
SELECT 'r' || i AS record_id, 'prod' AS source, 's' || (i // 4) AS session_id, i % 4 AS turn,
    TIMESTAMPTZ '2026-01-05 00:00:00+00' + to_seconds(CAST(i * {step} AS BIGINT)) AS ts,
    'v' || (hash(i // 4) % 5) AS system_version,
    MAP(['segment'], ['seg' || (hash(i // 4 + 7) % 5)]) AS tags,
    exp(6.0 + 0.5 * sqrt(-2 * ln(random())) * cos(2 * pi() * random())) AS latency_ms,
    50 + i % 200 AS tokens_in, 20 + i % 300 AS tokens_out, 0.0001 * (i % 50) AS cost
FROM range({n}) t(i)
"""


def generate_sql(n: int, step: float) -> str:
    """The insert of ``n`` generated interactions, ``step`` seconds apart."""
    return insert_select_sql("records", GENERATE.format(n=n, step=step))


WINDOW = "time_bucket(INTERVAL '5 minutes', ts, TIMESTAMPTZ '1970-01-01 00:00:00+00')"

HAND = f"""
SELECT {WINDOW} AS w, system_version, tags['segment'] AS segment, count(*) AS n,
    quantile_cont(latency_ms, 0.95) AS p95
FROM records WHERE source = 'prod'
GROUP BY ALL
"""

EXPORT = f"""
COPY (SELECT {WINDOW} AS "window", system_version, tags['segment'] AS segment, latency_ms
      FROM records WHERE source = 'prod') TO '{{path}}' (FORMAT parquet)
"""

EXPECTED = f"""
COPY (SELECT w AS "window", system_version, segment, p95 FROM ({HAND})) TO '{{path}}'
    (FORMAT parquet)
"""


def _interleaved(fns: dict[str, Any], repeats: int) -> tuple[dict[str, float], dict[str, Any]]:
    """Median seconds of each function over ``repeats`` rounds, run in turn each round.

    Alternating the contenders spreads a noisy machine's slow spells over
    both instead of charging them to whichever ran at the time.
    """
    times: dict[str, list[float]] = {name: [] for name in fns}
    results: dict[str, Any] = {}
    for _ in range(repeats):
        for name, fn in fns.items():
            results.pop(name, None)  # hold one result at a time, as a caller would
            start = time.perf_counter()
            results[name] = fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}, results


def _peers(data: Path, expected: Path, repeats: int) -> dict[str, Any]:
    """pandas and polars timings from their own venv, or why they are missing."""
    if not PEERS_PYTHON.exists():
        note = "not measured: run make bench-peers"
        print(f"  pandas, polars: {note}", flush=True)
        return {"pandas": None, "polars": None, "peers_note": note}
    proc = subprocess.run(
        [str(PEERS_PYTHON), str(PEERS_SCRIPT), str(data), str(expected), str(repeats)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        note = f"not measured: peer script failed: {proc.stderr.strip()[-500:]}"
        print(f"  pandas, polars: {note}", flush=True)
        return {"pandas": None, "polars": None, "peers_note": note}
    peers: dict[str, Any] = json.loads(proc.stdout)
    return peers


def main(n: int = 10_000_000, repeats: int = 5) -> None:
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "bench.duckdb") as store:
        print(f"generating {n:,} interactions", flush=True)
        gen_s, _ = timed("generate", lambda: store.con.execute(generate_sql(n, WEEK_SECONDS / n)))

        def ours() -> Any:
            return compute_metrics(
                store, ["latency_p95"], window="5m", by=("model_version", "segment")
            )

        def hand() -> Any:
            return store.con.execute(HAND).fetchall()

        ours()  # warm caches and imports (scipy) once for both sides
        hand()
        medians, results = _interleaved({"ours": ours, "hand": hand}, repeats)
        (ours_s, values), (hand_s, hand_rows) = ((medians[k], results[k]) for k in ("ours", "hand"))
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

        data, expected = Path(tmp) / "interactions.parquet", Path(tmp) / "expected.parquet"
        export_s, _ = timed("export parquet", lambda: store.con.execute(EXPORT.format(path=data)))
        store.con.execute(EXPECTED.format(path=expected))
        groups = len(hand_rows)
        del values, hand_rows, exact
        peers = _peers(data, expected, repeats)

    result: dict[str, Any] = {
        "n_records": n,
        "groups": groups,
        "repeats": repeats,
        "generate_s": round(gen_s, 2),
        "aivitals_p95_with_interval_s": round(ours_s, 3),
        "duckdb_hand_quantile_cont_s": round(hand_s, 3),
        "value_mismatches_vs_hand": mismatches,
        "ratio_aivitals_vs_hand": round(ours_s / hand_s, 2),
        "parquet_export_s": round(export_s, 2),
    }
    for name, key in (("pandas", "groupby_quantile_s"), ("polars", "group_by_quantile_s")):
        peer = peers.get(name)
        result[f"ratio_{name}_vs_hand"] = round(peer[key] / hand_s, 2) if peer else None
        if peer:
            same = peers["duckdb_same_process"]["group_by_quantile_s"]
            result[f"ratio_{name}_vs_duckdb_same_process"] = round(peer[key] / same, 2)
            print(
                f"  {name} {peer['version']}: {peer[key]:.2f} s "
                f"(load {peer['load_parquet_s']:.2f} s, {peer['value_mismatches']} mismatches)"
            )
    result.update(peers)
    save("metrics", result)


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000,
        int(sys.argv[2]) if len(sys.argv) > 2 else 5,
    )

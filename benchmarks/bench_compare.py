"""Comparing two runs of 100,000 records, 20 slices, 5 scorers.

Builds two stored runs through the store's own bulk path (records and scores
as Arrow), then times ``compare_runs`` (paired tests per scorer × slice,
Holm correction, flips) against the bare DuckDB query that only counts the
2×2 tables, in the same process; then a four-rule release gate on the same
runs. Usage:
``python -m benchmarks.bench_compare [N_RECORDS]``.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from aivitals.comparison import compare_runs
from aivitals.gate import evaluate_gate, parse_policy
from aivitals.model import Record, Score
from aivitals.store import ScoreColumns, Store, save_run
from benchmarks._common import save, timed

SCORERS = [("exact", True), ("contains", True), ("regex", True), ("f1", False), ("rouge", False)]


def make_run(store: Store, run_id: str, n: int, quality: float, seed: int) -> None:
    rng = random.Random(seed)
    records, scores = [], ScoreColumns()
    for i in range(n):
        tags = {"segment": f"s{i % 10}", "channel": f"c{(i // 10) % 10}"}
        record = Record(
            id=f"{run_id}/{i}",
            source=run_id,
            input=f"q{i}",
            output=f"a{i}",
            case_id=f"case{i}",
            dataset="bench@v1",
            tags=tags,
        )
        records.append(record)
        # Segment s3 is worse in the candidate: a slice regression to find.
        q = quality - (0.1 if tags["segment"] == "s3" and run_id == "cand" else 0)
        for name, binary in SCORERS:
            if binary:
                ok = rng.random() < q
                scores.append(record.id, name, "1", "h", Score(float(ok), passed=ok))
            else:
                scores.append(
                    record.id, name, "1", "h", Score(min(1.0, max(0.0, rng.gauss(q, 0.1))))
                )
    manifest = {
        "datasets": [{"name": "bench", "version": "v1", "n_cases": n, "source": ""}],
        "scorers": [{"name": s, "version": "1", "spec_hash": "h"} for s, _ in SCORERS],
    }
    now = datetime.now(UTC)
    save_run(
        store,
        {
            "run_id": run_id,
            "name": "bench",
            "status": "completed",
            "started_at": now,
            "ended_at": now,
            "target_id": "t",
            "datasets": manifest["datasets"],
            "manifest": manifest,
            "n_records": n,
            "n_errors": 0,
            "n_cache_hits": 0,
        },
        records,
        scores,
    )


POLICY = {
    "name": "bench gate",
    "rules": [
        {"scorer": "exact", "min": {"lower_bound": 0.85}},
        {"scorer": "exact", "max_regression": {"margin": 0.02}},
        {"scorer": "exact", "slices": ["segment"], "max_regression": {"margin": 0.05}},
        {"scorer": "f1", "slices": ["channel"], "max_regression": {"margin": 0.05}},
    ],
}

BARE = """
WITH b AS (SELECT r.case_id, s.scorer, s.passed FROM records r JOIN scores s USING (record_id)
           WHERE r.run_id = 'base'),
     c AS (SELECT r.case_id, s.scorer, s.passed, r.tags
           FROM records r JOIN scores s USING (record_id) WHERE r.run_id = 'cand')
SELECT c.scorer, k.key, c.tags[k.key], count_if(b.passed AND NOT c.passed),
       count_if(NOT b.passed AND c.passed), count(*)
FROM b JOIN c USING (case_id, scorer), unnest(map_keys(c.tags)) AS k(key)
GROUP BY ALL
"""


def main(n: int = 100_000) -> None:
    work = Path(tempfile.mkdtemp(prefix="vitals-bench-"))
    with Store(work / "bench.duckdb") as store:
        start = time.perf_counter()
        make_run(store, "base", n, 0.9, 1)
        make_run(store, "cand", n, 0.9, 2)
        print(f"  built two runs of {n} records in {time.perf_counter() - start:.1f} s")
        bare_s, _ = timed(
            "bare DuckDB 2x2 counts per slice", lambda: store.con.execute(BARE).fetchall()
        )
        compare_runs(store, "base", "cand")  # warm imports (scipy, statsmodels)
        cmp_s, result = timed("compare_runs", lambda: compare_runs(store, "base", "cand"))
        policy = parse_policy(POLICY)
        evaluate_gate(store, policy, "cand", "base")  # warm
        gate_s, gate = timed("evaluate_gate", lambda: evaluate_gate(store, policy, "cand", "base"))
    slices = {c.label for c in result.comparisons if c.slice}
    found = [c.label for c in result.regressions if c.slice]
    save(
        "compare",
        {
            "records_per_run": n,
            "scorers": len(SCORERS),
            "slices": len(slices),
            "comparisons": len(result.comparisons),
            "bare_counts_s": round(bare_s, 3),
            "compare_runs_s": round(cmp_s, 2),
            "ratio_vs_bare_counts": round(cmp_s / bare_s, 1),
            "regressed_slices_found": sorted(set(found)),
            "gate_rules": len(POLICY["rules"]),
            "gate_s": round(gate_s, 2),
            "gate_outcome": gate.outcome,
        },
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)

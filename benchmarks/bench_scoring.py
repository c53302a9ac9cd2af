"""Deterministic scoring throughput and the memory of a 100,000-case run.

1. Scoring alone: every deterministic built-in scorer on N records, awaited
   the way the runner awaits them, against a plain-Python loop doing the
   simplest check (``output in expected``) on the same records.
2. A whole offline run of N cases (recorded outputs target: load, score,
   store, summarise) in a child process, reporting its peak RSS.

Usage: ``python -m benchmarks.bench_scoring [N_CASES]``.
"""

from __future__ import annotations

import asyncio
import json
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

from aivitals.model import Record
from aivitals.scorers import create_scorer
from benchmarks._common import save, timed
from benchmarks.bench_eval_http import DETERMINISTIC


def records(n: int) -> list[Record]:
    return [
        Record(
            id=str(i),
            source="bench",
            input=f"What is {i} plus one?",
            output=f"The answer is {i + 1}." if i % 3 else f'{{"answer": {i + 1}}}',
            expected=(f"The answer is {i + 1}.", str(i + 1)),
            latency_ms=float(i % 700),
            cost=0.0001 * (i % 10),
        )
        for i in range(n)
    ]


def build_scorers() -> list:
    made = []
    for entry in DETERMINISTIC:
        if isinstance(entry, str):
            made.append(create_scorer(entry))
        else:
            made.append(create_scorer(entry["scorer"], entry.get("args")))
    return made


async def score_all(recs: list[Record], scorers: list) -> int:
    count = 0
    for record in recs:
        for scorer in scorers:
            await scorer(record)
            count += 1
    return count


def baseline(recs: list[Record]) -> int:
    return sum(1 for r in recs if r.output in r.expected)


_CHILD = """
import json, resource, sys, time
from aivitals import evaluate
from aivitals.store import Store
suite = json.loads(sys.argv[1])
start = time.perf_counter()
with Store(sys.argv[2]) as store:
    run = evaluate(suite, store=store)
elapsed = time.perf_counter() - start
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": elapsed, "peak_rss_mb": peak_mb, "records": run.summary.n_records}))
"""


def whole_run(n: int) -> dict:
    work = Path(tempfile.mkdtemp(prefix="vitals-bench-"))
    golden, outputs = work / "golden.jsonl", work / "outputs.jsonl"
    with golden.open("w", encoding="utf-8") as g, outputs.open("w", encoding="utf-8") as o:
        for r in records(n):
            g.write(json.dumps({"id": r.id, "input": r.input, "expected": list(r.expected)}) + "\n")
            o.write(
                json.dumps(
                    {"id": r.id, "output": r.output, "latency_ms": r.latency_ms, "cost": r.cost}
                )
                + "\n"
            )
    suite = {
        "name": "bench-offline",
        "dataset": {"path": str(golden)},
        "target": {"type": "recorded", "path": str(outputs)},
        "scorers": DETERMINISTIC,
        "concurrency": 8,
    }
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, json.dumps(suite), str(work / "bench.duckdb")],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(n: int = 100_000) -> None:
    recs = records(n)
    scorers = build_scorers()
    base_s, _ = timed("plain loop, one check", lambda: baseline(recs))
    score_s, calls = timed(
        f"{len(scorers)} aivitals scorers", lambda: asyncio.run(score_all(recs, scorers))
    )
    print("  whole offline run in a child process ...", flush=True)
    child = whole_run(n)
    save(
        "scoring",
        {
            "cases": n,
            "scorers": len(scorers),
            "scoring_cases_per_s": round(n / score_s),
            "scores_per_s": round(calls / score_s),
            "plain_loop_cases_per_s": round(n / base_s),
            "whole_run_s": round(child["seconds"], 2),
            "whole_run_cases_per_s": round(n / child["seconds"]),
            "whole_run_peak_rss_mb": round(child["peak_rss_mb"]),
            "this_process_peak_rss_mb": round(
                resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            ),
        },
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)

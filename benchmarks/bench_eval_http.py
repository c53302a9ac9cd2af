"""10,000 cases against a local OpenAI-compatible target (50 ms latency).

Compares ``aivitals.evaluate`` (concurrency 100, all deterministic scorers,
records and scores stored in DuckDB) with a bare aiohttp loop making the same
requests in the same script, then re-runs the suite to time the all-cache-hit
path. Usage: ``python -m benchmarks.bench_eval_http [N_CASES] [all|core]``
(``all``: the 12 deterministic scorers; ``core``: exact match, SQuAD F1 and
a latency budget).
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
from pathlib import Path

import aiohttp

from aivitals import evaluate
from aivitals.store import Store
from benchmarks._common import save, server_process, timed

DETERMINISTIC = [
    "exact_match",
    "normalized_match",
    {"scorer": "contains", "args": {"values": ["answer"]}},
    {"scorer": "regex", "args": {"pattern": "answer"}},
    "json_valid",
    {"scorer": "numeric_match", "args": {"abs_tol": 0.5}},
    {"scorer": "length", "args": {"max_chars": 2000}},
    {"scorer": "latency_budget", "args": {"max_ms": 1000}},
    {"scorer": "cost_budget", "args": {"max_cost": 1.0}},
    "label_match",
    "squad_exact_match",
    "squad_f1",
]


#: A typical small suite: one match, one overlap metric, one budget.
CORE = ["exact_match", "squad_f1", {"scorer": "latency_budget", "args": {"max_ms": 1000}}]


async def bare_loop(base_url: str, n: int, concurrency: int) -> None:
    """The baseline: aiohttp, a semaphore, the same request bodies."""
    sem = asyncio.Semaphore(concurrency)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one(i: int) -> None:
            body = {"model": "bench", "messages": [{"role": "user", "content": f"question {i}"}]}
            async with sem, session.post(f"{base_url}/chat/completions", json=body) as resp:
                data = await resp.json()
                _ = data["choices"][0]["message"]["content"]

        await asyncio.gather(*(one(i) for i in range(n)))


def main(
    n: int = 10_000, concurrency: int = 100, latency_ms: float = 50.0, scorers: str = "all"
) -> None:
    work = Path(tempfile.mkdtemp(prefix="vitals-bench-"))
    golden = work / "golden.jsonl"
    golden.write_text(
        "".join(
            json.dumps(
                {
                    "id": f"c{i}",
                    "input": f"question {i}",
                    "expected": f"answer: question {i}",
                    "label": "x",
                }
            )
            + "\n"
            for i in range(n)
        ),
        encoding="utf-8",
    )
    print(f"{n} cases, concurrency {concurrency}, server latency {latency_ms} ms")
    with server_process(latency_ms) as base_url:
        suite = {
            "name": "bench-http",
            "dataset": {"path": str(golden)},
            "target": {"type": "openai", "base_url": base_url, "model": "bench"},
            "scorers": DETERMINISTIC if scorers == "all" else CORE,
            "concurrency": concurrency,
        }
        asyncio.run(bare_loop(base_url, 200, concurrency))  # warm-up
        bare_s, _ = timed(
            "bare aiohttp loop", lambda: asyncio.run(bare_loop(base_url, n, concurrency))
        )
        with Store(work / "bench.duckdb") as store:
            first_s, run = timed("aivitals evaluate (cold)", lambda: evaluate(suite, store=store))
            cached_s, again = timed(
                "aivitals evaluate (all cache hits)", lambda: evaluate(suite, store=store)
            )
    assert run.summary.n_records == n and run.summary.n_errors == 0
    assert again.summary.n_cache_hits == n
    save(
        f"eval_http_{scorers}",
        {
            "cases": n,
            "scorers": scorers,
            "concurrency": concurrency,
            "latency_ms": latency_ms,
            "ideal_s": n / concurrency * latency_ms / 1000,
            "bare_aiohttp_s": round(bare_s, 2),
            "aivitals_s": round(first_s, 2),
            "ratio_vs_bare": round(first_s / bare_s, 2),
            "aivitals_cached_s": round(cached_s, 2),
            "cold_over_cached": round(first_s / cached_s, 1),
        },
    )


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 10_000,
        scorers=sys.argv[2] if len(sys.argv) > 2 else "all",
    )

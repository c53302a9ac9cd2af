"""Health overview (``compute_health``) over generated production traffic.

Generates N interactions in sessions of four over one week (as
``bench_metrics``) plus session events (CSAT, feedback, completion,
escalation, retries, abandonment: about 1.1 per session), then times
``compute_health`` with the shipped default config, window ``1d``, without
and with ``by=segment``. Usage:
``python -m benchmarks.bench_health [N_RECORDS] [REPEATS]``. For scale, it
also times ``compute_metrics`` of the same metrics once (point values and
analytic intervals only, one query per metric).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from aivitals.health import compute_health, default_health_config
from aivitals.metrics import compute_metrics
from aivitals.store import Store, insert_select_sql
from benchmarks.bench_metrics import WEEK_SECONDS, generate_sql

# Session events as SQL over a session number s; format with sessions and step.
EVENTS = """
SELECT 'e' || s || '-' || k AS event_id, 's' || s AS session_id,
    TIMESTAMPTZ '2026-01-05 00:00:00+00' + to_seconds(CAST(s * 4 * {step} + 1 AS BIGINT)) AS ts,
    ['csat', 'feedback', 'task_completed', 'escalated', 'retry', 'abandoned'][k + 1] AS type,
    CASE k WHEN 0 THEN 1 + hash(s) % 5 WHEN 1 THEN CASE WHEN hash(s + 1) % 3 = 0 THEN -1 ELSE 1 END
        ELSE NULL END AS value, 'prod' AS source
FROM range({sessions}) a(s), range(6) b(k)
WHERE hash(s * 7 + k) % 100 < [30, 20, 80, 10, 15, 5][k + 1]
"""


def events_sql(sessions: int, step: float) -> str:
    """The insert of the session events of ``sessions`` generated sessions."""
    return insert_select_sql("events", EVENTS.format(sessions=sessions, step=step))


def main(n: int = 1_000_000, repeats: int = 3) -> None:
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "bench.duckdb") as store:
        step = WEEK_SECONDS / n
        store.con.execute(generate_sql(n, step)).fetchall()
        store.con.execute(events_sql(n // 4, step)).fetchall()
        events = store.con.execute("SELECT count(*) FROM events").fetchall()[0][0]
        print(f"{n:,} interactions, {events:,} events", flush=True)
        compute_health(store)  # imports and caches once
        config = default_health_config()
        names = sorted(
            {c.metric for c in config.components if c.metric != "trust"}
            | {c.metric for c in (config.trust.components if config.trust else ())}
        )
        start = time.perf_counter()
        compute_metrics(store, names, window="1d")
        print(
            f"  compute_metrics of the same {len(names)} metrics: "
            f"{time.perf_counter() - start:.2f} s",
            flush=True,
        )
        for by in ((), ("segment",)):
            times = []
            for _ in range(repeats):
                start = time.perf_counter()
                report = compute_health(store, by=by)
                times.append(time.perf_counter() - start)
            print(
                f"  by={list(by)}: median {statistics.median(times):.2f} s "
                f"({len(report.windows)} rows)",
                flush=True,
            )


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))

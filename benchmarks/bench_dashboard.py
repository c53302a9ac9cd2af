"""The dashboard's health overview over 10M interactions, as a user meets it.

Generates N interactions and their session events (as ``bench_health``) into
a store, then starts ``vitals serve --no-auth`` on it in its own process and
times, with a plain HTTP client:

* ``compute_health`` on the same store in this process first — the uncached
  computation every overview load would cost without the dashboard's cache;
* one ingest request right after start, while the warm-up computes the
  default overview (reads run on their own connection, so it need not wait);
* the first ``GET /`` after start (answered once the start-up warm-up of the
  default overview is done: this is the cold start);
* ``GET /`` again while the warm-up goes on to the default metrics, and
  (median of 5) once it is done: what every later visitor waits;
* right after one event is ingested: ``GET /`` (the last answer, marked out
  of date, while the new one is computed once in the background) and the
  time until the fresh answer is served;
* after a restart of the server: the first ``GET /`` (the overview kept next
  to the store is served without recomputing).

Usage: ``python -m benchmarks.bench_dashboard [N_RECORDS]``.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from aivitals.health import compute_health
from aivitals.store import Store
from benchmarks._common import save, vitals_serve
from benchmarks.bench_health import events_sql
from benchmarks.bench_metrics import WEEK_SECONDS, generate_sql

TARGET_S = 2.0


def _get(url: str) -> tuple[float, bool]:
    """Seconds to fetch ``url`` completely, and whether it said it is stale."""
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=600) as response:
        response.read()
        stale = response.headers.get("X-Vitals-Stale") == "1"
    return time.perf_counter() - start, stale


def _post(url: str, body: Any) -> None:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=600) as response:
        assert response.status == 200, response.status


def main(n: int = 10_000_000) -> None:
    figures: dict[str, Any] = {"records": n, "target_s": TARGET_S}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.duckdb"
        with Store(path) as store:
            step = WEEK_SECONDS / n
            store.con.execute(generate_sql(n, step)).fetchall()
            store.con.execute(events_sql(n // 4, step)).fetchall()
            figures["events"] = store.one("SELECT count(*) FROM events")[0]
            start = time.perf_counter()
            compute_health(store)
            figures["compute_health_uncached_s"] = round(time.perf_counter() - start, 2)
        print(f"{n:,} interactions, {figures['events']:,} events", flush=True)
        for run in ("first", "restart"):
            launched = time.perf_counter()
            with vitals_serve(path, "--no-auth") as (_, url):
                listening = time.perf_counter() - launched
                if run == "first":
                    # Ingest while the start-up warm-up computes the overview:
                    # reads run on their own connection, so it need not wait.
                    event = {"id": "bench-warm", "session_id": "s1", "type": "csat", "value": 4}
                    start = time.perf_counter()
                    _post(url + "/api/v1/ingest", {"items": [event]})
                    figures["ingest_during_warm_up_s"] = round(time.perf_counter() - start, 3)
                first, _ = _get(url + "/")
                if run == "restart":
                    figures["restart_first_overview_request_s"] = round(first, 3)
                    continue
                figures["server_listening_s"] = round(listening, 2)
                figures["first_overview_after_start_s"] = round(time.perf_counter() - launched, 2)
                figures["first_overview_request_s"] = round(first, 2)
                # The start-up warm-up goes on to the default metrics and
                # sessions; until it ends, reads queue behind it.
                during, _ = _get(url + "/")
                figures["overview_during_warm_up_s"] = round(during, 3)
                _get(url + "/api/v1/metrics")
                _get(url + "/api/v1/sessions")
                figures["warm_up_done_after_start_s"] = round(time.perf_counter() - launched, 2)
                again = [_get(url + "/")[0] for _ in range(5)]
                figures["cached_overview_median_s"] = round(statistics.median(again), 3)
                event = {"id": "bench-new", "session_id": "s1", "type": "csat", "value": 5}
                _post(url + "/api/v1/ingest", {"items": [event]})
                changed = time.perf_counter()
                seconds, _ = _get(url + "/")
                figures["overview_after_ingest_s"] = round(seconds, 3)
                # The JSON twin says in a header whether the answer is out of date.
                _, stale = _get(url + "/api/v1/overview")
                figures["overview_after_ingest_was_stale"] = stale
                while stale:
                    time.sleep(0.2)
                    _, stale = _get(url + "/api/v1/overview")
                figures["fresh_after_ingest_s"] = round(time.perf_counter() - changed, 2)
    save("dashboard", figures)


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:2]))

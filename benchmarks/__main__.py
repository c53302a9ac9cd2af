"""Run every benchmark (or those named) and leave figures in benchmarks/results/."""

from __future__ import annotations

import sys

from benchmarks import (
    bench_compare,
    bench_dashboard,
    bench_eval_http,
    bench_health,
    bench_ingest,
    bench_keys,
    bench_metrics,
    bench_otlp,
    bench_scale,
    bench_scoring,
    bench_serve,
)

ALL = {
    "eval_http": bench_eval_http.main,
    "eval_http_core": lambda: bench_eval_http.main(scorers="core"),
    "scoring": bench_scoring.main,
    "compare": bench_compare.main,
    "ingest": bench_ingest.main,
    "keys": bench_keys.main,
    "metrics": bench_metrics.main,
    "health": bench_health.main,
    "dashboard": bench_dashboard.main,
    "serve": bench_serve.main,
    "otlp": bench_otlp.main,  # with Phoenix if `make bench-phoenix` was run
    "scale": bench_scale.main,  # ~30 min: 100M interactions
}

if __name__ == "__main__":
    for name in sys.argv[1:] or list(ALL):
        print(f"== {name}", flush=True)
        ALL[name]()

"""Definitions, the registry, and the compiled SQL's engine seams."""

from __future__ import annotations

import pytest

import aivitals.metrics as metrics
from aivitals.metrics import (
    DUCKDB,
    Dialect,
    MetricDefinition,
    compile_metric,
    get_metric,
    parse_window,
    registry,
)

BUILTINS = {
    "abandonment_rate", "ces", "correction_rate", "cost_per_session", "csat", "csat_mean",
    "error_rate", "escalation_rate", "fallback_rate", "latency_p50", "latency_p95",
    "latency_p99", "nps", "retry_rate", "task_completion_rate", "thumbs_up_rate",
    "tokens_per_session", "turns_per_session",
}  # fmt: skip


def test_all_is_sorted_and_complete():
    # ruff's order (RUF022): constants first, then the rest alphabetically.
    assert metrics.__all__ == sorted(metrics.__all__, key=lambda n: (not n.isupper(), n))
    assert set(metrics.__all__) == {n for n in vars(metrics) if not n.startswith("_")}


def test_builtins_are_registered_with_their_own_names():
    assert set(registry.names()) == BUILTINS
    for name in BUILTINS:
        definition = registry.get(name)
        assert definition.name == name
        assert definition.polarity in ("higher_is_better", "lower_is_better", "neutral")


def test_pass_rate_of_any_scorer_resolves_by_name():
    definition = get_metric("pass_rate:o'brien")
    assert (definition.kind, definition.source) == ("proportion", "scores")
    assert "scorer = 'o''brien'" in (definition.where or "")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "median"}, "kind must be"),
        ({"source": "traces"}, "source must be"),
        ({"kind": "quantile"}, "q is required"),
        ({"kind": "quantile", "q": 1.0}, "strictly between"),
        ({"q": 0.5}, "q is required"),
        ({"kind": "ratio"}, "denominator is required"),
    ],
)
def test_inconsistent_definitions_are_rejected(kwargs: dict[str, object], message: str):
    base: dict[str, object] = {
        "name": "m", "kind": "mean", "description": "d", "unit": "u",
        "polarity": "neutral", "source": "records", "value": "latency_ms",
    }  # fmt: skip
    with pytest.raises(ValueError, match=message):
        MetricDefinition(**{**base, **kwargs})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("window", "seconds"), [("30s", 30), ("5m", 300), ("1h", 3600), ("2d", 172800), ("all", None)]
)
def test_parse_window(window: str, seconds: int | None):
    assert parse_window(window) == seconds


class Marked(Dialect):
    """A stand-in engine: every seam leaves a mark in the SQL."""

    name = "marked"

    def bucket(self, ts: str, seconds: int) -> str:
        return f"BUCKET({ts}, {seconds})"

    def value_list(self, value: str) -> str:
        return f"VALUES({value})"

    def sort_list(self, values: str) -> str:
        return f"SORTED({values})"

    def extreme_values(self, value: str, k: int, *, largest: bool) -> str:
        return f"EXTREME({value}, {k}, {largest})"

    def list_slice(self, values: str, start0: str, length: str) -> str:
        return f"SLICE({values}, {start0}, {length})"


def test_engine_specific_sql_goes_through_the_dialect():
    sql = compile_metric(
        get_metric("latency_p95"), window_seconds=300, by=["segment"], dialect=Marked()
    ).sql
    assert "BUCKET(_ts, 300)" in sql and "VALUES(" in sql and "EXTREME(" in sql
    assert "SLICE(SORTED(all_values)" in sql and "SLICE(extreme_values" in sql
    duck = compile_metric(get_metric("latency_p95"), window_seconds=300, dialect=DUCKDB).sql
    assert "list_sort" in duck and "BUCKET" not in duck

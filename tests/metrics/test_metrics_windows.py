"""Windows, slices, time ranges and degenerate groups."""

from __future__ import annotations

from datetime import timedelta

import pytest

from aivitals.metrics import MetricValue, compute_metrics
from aivitals.store import Store

from .conftest import T0, at


def by_key(values: list[MetricValue]) -> dict[tuple[object, ...], MetricValue]:
    return {(v.window_start, *v.slice.values()): v for v in values}


def test_record_metrics_go_in_the_window_of_the_interaction(prod_store: Store):
    got = by_key(compute_metrics(prod_store, ["latency_p50"], window="1h", by=["model_version"]))
    hour = T0 + timedelta(hours=1)
    assert {k: (v.value, v.n) for k, v in got.items()} == {
        (T0, "v1"): (300.0, 5),  # r1..r5
        (T0, "v2"): (750.0, 2),  # r6, r9
        (hour, "v1"): (750.0, 2),  # r7, r8
        (hour, "v2"): (1000.0, 1),  # r10, although its session began in the first hour
    }
    assert got[(hour, "v2")].reason == "one observation"


def test_session_metrics_go_in_the_window_of_the_first_interaction(prod_store: Store):
    values = compute_metrics(prod_store, ["turns_per_session", "csat"], window="1h", by=["segment"])
    got = {(v.metric, v.window_start, v.slice["segment"]): (v.value, v.n) for v in values}
    hour = T0 + timedelta(hours=1)
    # s5 starts at 00:30 and ends at 01:05: its two turns and its 01:06 CSAT count at 00:00.
    assert got[("turns_per_session", T0, "B")] == (1.5, 2)
    assert got[("csat", T0, "B")] == (0.5, 2)
    assert got[("turns_per_session", hour, "A")] == (2.0, 1)
    # s4 has events but no CSAT response: the group is there with n = 0 and a reason.
    empty = next(
        v for v in values if (v.metric, v.window_start, v.slice["segment"]) == ("csat", hour, "A")
    )
    assert (empty.n, empty.value, empty.ci_low, empty.reason) == (0, None, None, "no observations")


def test_two_slices_and_a_missing_tag(prod_store: Store):
    values = compute_metrics(prod_store, ["error_rate"], window="all", by=["model_version", "tier"])
    assert {(v.slice["model_version"], v.slice["tier"], v.n) for v in values} == {
        ("v1", None, 7),
        ("v2", None, 3),
    }
    assert all(v.window_start is None for v in values)


def test_since_and_until_filter_units_by_their_own_timestamp(prod_store: Store):
    late = compute_metrics(
        prod_store, ["latency_p50", "turns_per_session"], window="all", since=at(60)
    )
    got = {v.metric: (v.value, v.n) for v in late}
    assert got["latency_p50"] == (800.0, 3)  # r7, r8, r10
    assert got["turns_per_session"] == (2.0, 1)  # only s4 starts after 01:00
    early = compute_metrics(prod_store, ["error_rate"], window="all", until=at(2))
    assert (early[0].value, early[0].n) == (0.0, 1)  # r1 only: until is exclusive


def test_an_empty_store_gives_no_rows_or_one_empty_total(store: Store):
    assert compute_metrics(store, ["csat", "latency_p95"], window="1h") == []
    total = compute_metrics(store, ["csat", "latency_p95", "retry_rate"], window="all")
    assert [(v.metric, v.n, v.value, v.reason) for v in total] == [
        ("csat", 0, None, "no observations"),
        ("latency_p95", 0, None, "no observations"),
        ("retry_rate", 0, None, "no observations"),
    ]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"window": "5 minutes"}, "window must look like"),
        ({"window": "0m"}, "window must look like"),
        ({"by": ["segment", "segment"]}, "repeated slice"),
        ({"by": [""]}, "non-empty"),
        ({"since": at(10), "until": at(5)}, "must be before"),
    ],
)
def test_bad_arguments_name_themselves(store: Store, kwargs: dict[str, object], message: str):
    with pytest.raises(ValueError, match=message):
        compute_metrics(store, ["csat"], **kwargs)  # type: ignore[arg-type]


def test_unknown_metric_lists_the_known_ones(store: Store):
    with pytest.raises(LookupError, match=r"known: .*latency_p95"):
        compute_metrics(store, ["latency_p42"])


def test_slice_values_are_sql_literals_not_code(prod_store: Store):
    values = compute_metrics(prod_store, ["error_rate"], window="all", by=["seg'ment"])
    assert [(v.slice, v.n) for v in values] == [({"seg'ment": None}, 10)]

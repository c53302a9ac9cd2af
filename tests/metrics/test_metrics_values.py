"""Every built-in metric against a hand computation on the fixture store."""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pytest
from scipy import stats

from aivitals.metrics import MetricsConfig, MetricValue, TaskCompletion, compute_metrics, registry
from aivitals.stats import MeanStats, ProportionStats
from aivitals.store import Store

from .conftest import RECORDS, at

LATENCIES = [r[5] for r in RECORDS]
SESSION_TOKENS = [15 + 25 + 30, 40, 10, 120, 20]
SESSION_COST = [0.03, 0.06, 0.01, 0.10, 0.02]
SESSION_TURNS = [3, 2, 1, 2, 2]


def one(store: Store, name: str, **kwargs: object) -> MetricValue:
    values = compute_metrics(store, [name], window="all", **kwargs)  # type: ignore[arg-type]
    assert len(values) == 1, values
    return values[0]


def clipped(name: str, low: float | None, high: float | None) -> tuple[float | None, ...]:
    lo, hi = registry.get(name).bounds
    if low is not None and lo is not None:
        low = max(lo, low)
    if high is not None and hi is not None:
        high = min(hi, high)
    return low, high


def check(value: MetricValue, expected: tuple[float | None, float | None, float | None, int]):
    got = (value.value, value.ci_low, value.ci_high, value.n)
    assert got[3] == expected[3]
    for g, e in zip(got[:3], expected[:3], strict=True):
        assert (g is None and e is None) or g == pytest.approx(e, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize(
    ("name", "n", "k"),
    [
        ("csat", 4, 2),  # 5, 3, 4, 1 → two of 4–5
        ("thumbs_up_rate", 3, 2),
        ("task_completion_rate", 5, 2),  # s1, s4 have task_completed
        ("escalation_rate", 5, 3),
        ("abandonment_rate", 5, 1),
        ("fallback_rate", 10, 1),  # r2 "I don't know"; the run record is ignored
        ("error_rate", 10, 1),
        ("pass_rate:faithful", 3, 2),  # r6 has no verdict; run-1 is not production
    ],
)
def test_proportions_match_hand_counts_and_wilson(prod_store: Store, name: str, n: int, k: int):
    est = ProportionStats(n, k).estimate()
    check(one(prod_store, name), (est.value, est.ci_low, est.ci_high, n))
    assert one(prod_store, name).method == "wilson"


@pytest.mark.parametrize(
    ("name", "values"),
    [
        ("csat_mean", [5, 3, 4, 1]),
        ("ces", [6, 2]),
        ("nps", [100, 0, -100]),  # 10 promoter, 7 passive, 3 detractor
        ("tokens_per_session", SESSION_TOKENS),
        ("cost_per_session", SESSION_COST),
        ("turns_per_session", SESSION_TURNS),
    ],
)
def test_means_match_hand_values_and_t(prod_store: Store, name: str, values: list[float]):
    x = np.array(values, dtype=float)
    est = MeanStats(len(x), float(x.sum()), float((x * x).sum())).estimate()
    low, high = clipped(name, est.ci_low, est.ci_high)
    check(one(prod_store, name), (est.value, low, high, len(x)))
    assert est.value == pytest.approx(x.mean())


def test_nps_interval_is_the_multinomial_variance_of_counts(prod_store: Store):
    value = one(prod_store, "nps")
    promoters, detractors, n = 1, 1, 3
    p, d = promoters / n, detractors / n
    var = (p + d - (p - d) ** 2) * 100**2 * n / (n - 1)  # per response, ddof 1
    half = stats.t.ppf(0.975, n - 1) * math.sqrt(var / n)
    assert half > 100  # three responses: the interval is clipped to the scale
    check(value, ((p - d) * 100, -100.0, 100.0, 3))
    two = compute_metrics(prod_store, ["nps"], window="all", until=at(15))[0]
    # Promoter and passive: mean 50, s = 70.71, t(1) = 12.71 → clipped both sides.
    assert (two.value, two.ci_low, two.ci_high, two.n) == (50.0, -100.0, 100.0, 2)


@pytest.mark.parametrize(
    ("name", "per_session"), [("retry_rate", [1, 0, 0, 0, 2]), ("correction_rate", [0, 1, 0, 0, 0])]
)
def test_ratios_match_hand_delta_method(prod_store: Store, name: str, per_session: list[int]):
    x, y = np.array(per_session, float), np.array(SESSION_TURNS, float)
    r = x.sum() / y.sum()
    cov = np.cov(x, y, ddof=1)
    var = (cov[0, 0] - 2 * r * cov[0, 1] + r * r * cov[1, 1]) / (len(x) * y.mean() ** 2)
    half = stats.norm.ppf(0.975) * math.sqrt(var)
    check(one(prod_store, name), (r, *clipped(name, r - half, r + half), 5))
    assert one(prod_store, name).method == "delta"


@pytest.mark.parametrize("q", [0.5, 0.95, 0.99])
def test_latency_quantiles_match_numpy_and_scipy(prod_store: Store, q: float):
    value = one(prod_store, f"latency_p{round(q * 100)}")
    assert value.value == pytest.approx(np.quantile(LATENCIES, q))
    assert value.n == 10
    ci = stats.quantile_test(LATENCIES, q=value.value, p=q).confidence_interval(0.95)
    if np.isfinite(ci.low) and np.isfinite(ci.high):
        assert (value.ci_low, value.ci_high) == (ci.low, ci.high)
    else:  # ten values cannot close a 95 % interval around p95 or p99
        assert value.ci_low is None and value.reason == "too few values for this level"


@pytest.mark.parametrize(
    ("completion", "k"),
    [
        (TaskCompletion(mode="event"), 2),
        # Escalated within 1 turn: s2, s3; negative feedback: s2 → s1, s4, s5.
        (TaskCompletion(mode="no_escalation", within_turns=1), 3),
        # Within 2 turns also catches s4's escalation → s1, s5.
        (TaskCompletion(mode="no_escalation", within_turns=2), 2),
    ],
)
def test_task_completion_is_configurable(prod_store: Store, completion: TaskCompletion, k: int):
    config = MetricsConfig(task_completion=completion)
    value = one(prod_store, "task_completion_rate", config=config)
    assert (value.value, value.n) == (k / 5, 5)


def test_fallback_patterns_are_configurable(prod_store: Store):
    config = MetricsConfig(fallback_patterns=(r"^done\.$", "let me check"))
    assert one(prod_store, "fallback_rate", config=config).value == pytest.approx(2 / 10)


def test_every_builtin_is_documented_and_computes(prod_store: Store):
    names = registry.names()
    assert len(names) >= 18
    values = compute_metrics(prod_store, window="all")
    assert sorted({v.metric for v in values}) == names
    for name in names:
        definition = registry.get(name)
        assert definition.description and definition.unit


def test_nps_interval_on_counts_matches_the_multinomial_formula(store: Store):
    scores = [10.0] * 20 + [8.0] * 10 + [2.0] * 10  # 20 promoters, 10 passives, 10 detractors
    n = len(scores)
    store.insert(
        "records",
        pa.table(
            {
                "record_id": [f"r{i}" for i in range(n)],
                "source": ["prod"] * n,
                "session_id": [f"s{i}" for i in range(n)],
                "ts": [at(i) for i in range(n)],
            }
        ),
    )
    store.insert(
        "events",
        pa.table(
            {
                "event_id": [f"e{i}" for i in range(n)],
                "session_id": [f"s{i}" for i in range(n)],
                "ts": [at(i + 0.5) for i in range(n)],
                "type": ["nps"] * n,
                "value": scores,
            }
        ),
    )
    p, d = 20 / n, 10 / n
    var = (p + d - (p - d) ** 2) * 100**2 * n / (n - 1)
    half = stats.t.ppf(0.975, n - 1) * math.sqrt(var / n)
    check(one(store, "nps"), (25.0, 25.0 - half, 25.0 + half, n))

"""compute_health on exact, generated stores."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import yaml

from aivitals.health import HealthConfig, compute_health, fisher_interval, parse_health_config
from aivitals.health._estimate import Weights, _quantile_replicates
from aivitals.metrics import compute_metrics
from aivitals.store import Store

from .conftest import generate

CONFIG = """
name: test
bands: {healthy: 80, watch: 60}
bootstrap: {replicates: 300, buckets: 512}
components:
  - {metric: task_completion_rate, group: quality, bad: 0.5, good: 0.95, weight: 3}
  - {metric: escalation_rate, group: business, bad: 0.4, good: 0.02, weight: 2}
  - {metric: csat, group: ux, bad: 0.3, good: 0.95, weight: 2}
  - {metric: latency_p95, group: technical, bad: 4000, good: 1000, curve: logistic}
  - {metric: error_rate, group: technical, bad: 0.1, good: 0.0, min_n: 10}
  - {metric: trust, group: ux, bad: 20, good: 95}
trust:
  components:
    - {metric: thumbs_up_rate, bad: 0.5, good: 0.95}
    - {metric: escalation_rate, bad: 0.4, good: 0.02}
    - {metric: retry_rate, bad: 0.4, good: 0.0}
impact: {currency: EUR, cost_per_escalation: 5, cost_per_failed_task: 2, baseline: first}
tree:
  - {driver: latency_p95, outcome: csat}
"""


def config(**changes: Any) -> HealthConfig:
    data = yaml.safe_load(CONFIG)
    data.update(changes)
    return parse_health_config(data)


@pytest.fixture
def two_days(store: Store) -> Store:
    generate(store, 0, 400)
    generate(store, 1, 400, fail_voice=0.4)
    return store


def test_component_values_equal_compute_metrics(two_days: Store):
    report = compute_health(two_days, config(), by=("channel",))
    names = ["task_completion_rate", "escalation_rate", "csat", "latency_p95", "error_rate"]
    expected = {
        (m.metric, m.window_start, tuple(m.slice.items())): m
        for by in ((), ("channel",))
        for m in compute_metrics(two_days, names, window="1d", by=by)
    }
    assert len(report.windows) == 6  # two days × (all traffic + chat + voice)
    for w in report.windows:
        for name in names:
            c = w.component(name)
            m = expected[(name, w.window_start, tuple(w.slice.items()))]
            assert c.value == pytest.approx(m.value, rel=1e-12), (name, w.slice)
            assert c.n == m.n


def test_json_shape(two_days: Store):
    data = compute_health(two_days, config(), by=("channel",)).to_dict()
    assert set(data) == {"config", "windows", "tree", "impact_config", "largest_fall"}
    assert {"name", "window", "by", "bands"} <= set(data["config"])
    first, later = data["windows"][0], data["windows"][3]
    assert first["slice"] == {} and data["windows"][1]["slice"] == {"channel": "chat"}
    assert {"window_start", "slice", "score", "ci_low", "ci_high", "n_sessions", "band",
            "components", "groups", "trust", "change", "impact"} == set(first)  # fmt: skip
    assert set(first["components"][0]) == {
        "metric", "group", "value", "ci_low", "ci_high", "n", "unit", "points", "weight",
        "weight_share", "points_lost", "status", "reason",
    }  # fmt: skip
    assert first["change"] is None and later["change"] is not None
    assert {"previous_window_start", "delta", "attribution", "summary"} == set(later["change"])
    assert set(data["tree"][0]) == {
        "driver", "outcome", "correlation", "ci_low", "ci_high", "n_windows", "method"
    }  # fmt: skip
    assert data["tree"][0]["method"] == "too few windows"
    assert first["n_sessions"] == 400


def test_score_is_weighted_points_and_points_lost_is_the_gap(two_days: Store):
    w = compute_health(two_days, config()).windows[0]
    assert sum(c.weight_share for c in w.components) == pytest.approx(1.0)
    assert w.score == pytest.approx(sum(c.weight_share * (c.points or 0) for c in w.components))
    assert 100 - w.score == pytest.approx(sum(c.points_lost for c in w.components))
    assert w.trust is not None and w.trust.score is not None
    assert w.component("trust").value == pytest.approx(w.trust.score)


def test_insufficient_data_is_shown_and_reweighted(two_days: Store):
    cfg = config()
    data = cfg.model_dump()
    data["components"][0]["min_n"] = 10_000  # task completion: too few sessions
    w = compute_health(two_days, parse_health_config(data)).windows[0]
    c = w.component("task_completion_rate")
    assert c.status == "insufficient" and c.points is None and c.weight_share == 0.0
    assert c.value is not None and "min_n" in (c.reason or "")
    usable = [x for x in w.components if x.status == "ok"]
    total = sum(x.weight for x in usable)
    for x in usable:
        assert x.weight_share == pytest.approx(x.weight / total)
    assert w.score == pytest.approx(sum(x.weight_share * (x.points or 0) for x in usable))


def test_no_usable_component_is_insufficient_not_zero(store: Store):
    generate(store, 0, 5)  # 5 sessions, 10 interactions: below every min_n
    data = config().model_dump()
    data["components"][4]["min_n"] = 30  # error_rate
    w = compute_health(store, parse_health_config(data)).windows[0]
    assert w.score is None and w.band == "insufficient"
    assert all(c.points is None for c in w.components)


def test_interval_contains_estimate_and_shrinks_with_more_sessions(tmp_path):
    widths = []
    for n in (200, 3200):
        with Store(tmp_path / f"s{n}.duckdb") as store:
            generate(store, 0, n, fail_chat=0.3, fail_voice=0.3)
            w = compute_health(store, config()).windows[0]
        assert w.score is not None and w.ci_low is not None and w.ci_high is not None
        assert w.ci_low <= w.score <= w.ci_high
        for c in w.components:
            if c.ci_low is not None and c.ci_high is not None and c.value is not None:
                assert c.ci_low - 1e-12 <= c.value <= c.ci_high + 1e-12, c.metric
        widths.append(w.ci_high - w.ci_low)
    assert widths[1] < widths[0] / 2  # 16x the sessions: about a quarter the width


def test_attribution_sums_to_the_delta_and_names_the_slice(two_days: Store):
    report = compute_health(two_days, config(), by=("channel",))
    overall = [w for w in report.windows if w.slice == {}][1]
    change = overall.change
    assert change is not None and overall.score is not None
    assert change.delta == pytest.approx(overall.score - report.windows[0].score)  # type: ignore[operator]
    assert sum(a.delta for a in change.attribution) == pytest.approx(change.delta)
    worst = min(change.attribution, key=lambda a: a.delta)
    assert worst.metric in {"task_completion_rate", "escalation_rate", "csat", "trust"}
    assert worst.slice == {"channel": "voice"}
    assert change.summary.startswith("\u2212")
    for w in report.windows[3:]:
        assert w.change is not None
        assert sum(a.delta for a in w.change.attribution) == pytest.approx(w.change.delta)


def test_voice_failures_cost_money_against_the_first_day(two_days: Store):
    report = compute_health(two_days, config(), by=("channel",))
    voice = [w for w in report.windows if w.slice == {"channel": "voice"}]
    assert voice[0].impact is None
    impact = voice[1].impact
    assert impact is not None and impact.currency == "EUR"
    assert impact.total is not None and impact.total > 0
    assert impact.ci_low is not None and impact.ci_high is not None
    assert impact.ci_low <= impact.total <= impact.ci_high
    items = {i.item: i for i in impact.items}
    esc = items["escalation"]
    assert esc.cost == pytest.approx((esc.rate - esc.baseline_rate) * esc.n_sessions * 5)  # type: ignore[operator]


def test_windows_are_oldest_first_and_deterministic(two_days: Store):
    a = compute_health(two_days, config(), seed=3).to_dict()
    b = compute_health(two_days, config(), seed=3).to_dict()
    assert a == b
    starts = [w["window_start"] for w in a["windows"]]
    assert starts == sorted(starts)


def test_an_empty_store_has_no_windows(store: Store):
    report = compute_health(store, config())
    assert report.windows == () and report.to_dict()["windows"] == []


def test_bad_arguments_raise_value_errors(two_days: Store):
    with pytest.raises(ValueError, match="window"):
        compute_health(two_days, config(), window="fortnight")
    with pytest.raises(ValueError, match="alpha"):
        compute_health(two_days, config(), alpha=1.5)


def test_weighted_quantile_replicates_match_numpy_on_the_repeated_sample():
    rng = np.random.default_rng(1)
    v = np.sort(rng.lognormal(6, 0.5, 3000))
    bucket = rng.integers(0, 64, v.size)
    weights = rng.poisson(1.0, (40, 64)).astype(np.float64)
    got = _quantile_replicates(
        bucket, v, 0.95, Weights(weights, np.ascontiguousarray(weights.T, dtype=np.float32))
    )
    for r in range(len(weights)):
        expected = np.quantile(np.repeat(v, weights[r, bucket].astype(int)), 0.95)
        assert got[r] == pytest.approx(expected, rel=1e-12)


def test_fisher_interval_matches_a_published_value():
    # Pearson r = 0.5, n = 50: 95% CI (0.257, 0.683) (e.g. Zar, Biostatistical Analysis).
    low, high = fisher_interval(0.5, 50, variance=1.0)
    assert (round(low, 3), round(high, 3)) == (0.257, 0.683)
    wider = fisher_interval(0.5, 50)  # Spearman: variance 1.06/(n-3)
    assert wider[0] < low and wider[1] > high
    assert math.isclose(sum(map(math.atanh, wider)) / 2, math.atanh(0.5))

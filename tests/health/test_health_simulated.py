"""On the simulated demo week, the health score sees the bad voice deploy."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from aivitals.health import HealthReport, HealthWindow, compute_health, default_health_config
from aivitals.simulate import default_scenario, simulate
from aivitals.store import Store

DAY = timedelta(days=1)


@pytest.fixture(scope="module")
def week(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, dict]]:
    path = tmp_path_factory.mktemp("sim") / "vitals.duckdb"
    scenario = default_scenario(sessions_per_day=400)
    with Store(path) as store:
        result = simulate(store, scenario, truth_path=path.parent / "truth.json")
        yield store, result.truth


@pytest.fixture(scope="module")
def report(week: tuple[Store, dict]) -> HealthReport:
    config = default_health_config()
    assert config.impact is not None
    impact = config.impact.model_copy(update={"baseline": "first"})
    return compute_health(week[0], config.model_copy(update={"impact": impact}), by=("channel",))


def _deploy(truth: dict) -> tuple[datetime, datetime]:
    incident = next(i for i in truth["incidents"] if i["id"] == "deploy-v2-voice")
    window = incident["window"]
    return datetime.fromisoformat(window["start"]), datetime.fromisoformat(window["end"])


def _voice(report: HealthReport) -> list[HealthWindow]:
    return [w for w in report.windows if w.slice == {"channel": "voice"}]


def test_voice_health_falls_during_the_v2_deploy(week, report: HealthReport):
    start, _ = _deploy(week[1])
    voice = _voice(report)
    before = [w.score for w in voice if w.window_start and w.window_start + DAY <= start]
    during = next(
        w for w in voice if w.window_start and w.window_start > start
    )  # first whole v2 day
    assert during.score is not None and all(b is not None for b in before)
    assert during.score < min(before) - 5  # type: ignore[type-var]
    assert during.band in {"watch", "critical"}


def test_the_drop_is_attributed_to_outcomes_and_costs_money(week, report: HealthReport):
    start, end = _deploy(week[1])
    during = [
        w for w in _voice(report) if w.window_start and start < w.window_start + DAY
        and w.window_start < end
    ]  # fmt: skip
    worst = min((w for w in during if w.change), key=lambda w: w.change.delta)  # type: ignore[union-attr]
    assert worst.change is not None and worst.change.delta < 0
    losers = [a.metric for a in worst.change.attribution if a.delta < 0][:4]
    assert {"task_completion_rate", "escalation_rate"} & set(losers), worst.change.summary
    assert worst.impact is not None and worst.impact.total is not None
    assert worst.impact.total > 0


def test_overall_rows_name_the_voice_slice(report: HealthReport):
    overall = [w for w in report.windows if w.slice == {} and w.change is not None]
    worst = min(overall, key=lambda w: w.change.delta)  # type: ignore[union-attr]
    assert worst.change is not None
    assert sum(a.delta for a in worst.change.attribution) == pytest.approx(worst.change.delta)


def test_tree_has_enough_windows(report: HealthReport):
    link = next(t for t in report.tree if t.driver == "task_completion_rate"
                and t.outcome == "escalation_rate")  # fmt: skip
    assert link.n_windows == 7 and link.correlation is not None
    assert link.ci_low is not None and link.ci_high is not None
    assert link.ci_low <= link.correlation <= link.ci_high


def test_store_path_is_real(week):
    assert Path(week[0].path).exists()


def test_the_largest_fall_is_voice_during_the_deploy(week, report: HealthReport):
    # What a reader should see first: who fell furthest from where they started, when, and why.
    start, end = _deploy(week[1])
    fall = report.largest_fall
    assert fall is not None and fall.slice == {"channel": "voice"}
    low = fall.window
    assert low.window_start is not None and start < low.window_start + DAY
    assert low.window_start < end
    first = _voice(report)[0]
    assert (fall.from_window_start, fall.from_score) == (first.window_start, first.score)
    assert low.score is not None
    assert fall.change.delta == pytest.approx(low.score - fall.from_score)
    assert sum(a.delta for a in fall.change.attribution) == pytest.approx(fall.change.delta)
    for other in report.windows:  # no slice fell further below its own start
        own = next(w for w in report.windows if w.slice == other.slice and w.score is not None)
        if other.slice and other.score is not None and own.score is not None:
            assert other.score - own.score >= fall.change.delta - 1e-9
    shown = report.to_dict()["largest_fall"]
    assert shown["slice"] == {"channel": "voice"} and shown["score"] == low.score
    assert shown["impact"]["total"] == low.impact.total  # type: ignore[union-attr]

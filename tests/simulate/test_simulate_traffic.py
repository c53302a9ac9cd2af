"""Simulated production traffic: reproducible, realistic, and incidents that show."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from aivitals.errors import ConfigError, StoreError
from aivitals.simulate import (
    DeployIncident,
    IntentOutageIncident,
    LatencySpikeIncident,
    SimulationConfig,
    SimulationResult,
    default_scenario,
    load_simulation_config,
    parse_simulation_config,
    simulate,
)
from aivitals.store import Store

START = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday
DEPLOY_AT = START + timedelta(days=1)
SPIKE = (START + timedelta(hours=12), START + timedelta(hours=16))
OUTAGE = (DEPLOY_AT + timedelta(hours=8), DEPLOY_AT + timedelta(hours=13))
OUTAGE_INTENT = "account_locked"


def _config(**changes: Any) -> SimulationConfig:
    base: dict[str, Any] = {
        "name": "test-week",
        "days": 2,
        "sessions_per_day": 400,
        "start": START,
        "seed": 11,
        "channel_mix": {"chat": 0.35, "email": 0.15, "voice": 0.5},
        # Every intent once, the outage's intent five times, so its window has traffic.
        "intent_mix": {OUTAGE_INTENT: 5.0},
        "incidents": [
            DeployIncident(id="bad-deploy", at=DEPLOY_AT, version="v2", channels=["voice"]),
            LatencySpikeIncident(id="slow", start=SPIKE[0], end=SPIKE[1], factor=5.0),
            IntentOutageIncident(
                id="login-down", start=OUTAGE[0], end=OUTAGE[1], intent=OUTAGE_INTENT
            ),
        ],
    }
    from aivitals.demo import INTENTS

    base["intent_mix"] = {**{i.id: 1.0 for i in INTENTS}, "out_of_scope": 1.0, **base["intent_mix"]}
    return SimulationConfig.model_validate({**base, **changes})


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, SimulationResult]]:
    path = tmp_path_factory.mktemp("sim") / "vitals.duckdb"
    with Store(path) as store:
        yield store, simulate(store, _config())


def _sessions(store: Store) -> list[dict[str, Any]]:
    """One row per session: slice, first ts, version, records, completed, escalated, csat."""
    return store.query(
        """
        SELECT r.session_id, min(r.ts) AS ts, any_value(r.tags['channel']) AS channel,
               any_value(r.tags['intent']) AS intent,
               any_value(r.system_version) AS version, count(*) AS n_records,
               count(*) FILTER (WHERE r.error IS NOT NULL) AS n_errors,
               coalesce(any_value(e.completed), false) AS completed,
               coalesce(any_value(e.escalated), false) AS escalated,
               any_value(e.retried) AS retried, any_value(e.csat) AS csat
        FROM records r LEFT JOIN (
            SELECT session_id,
                   bool_or(type = 'task_completed') AS completed,
                   bool_or(type = 'escalated') AS escalated,
                   bool_or(type = 'retry') AS retried,
                   max(value) FILTER (WHERE type = 'csat') AS csat
            FROM events GROUP BY session_id
        ) e USING (session_id)
        WHERE r.source = 'prod'
        GROUP BY r.session_id
        """
    )


def _rate(rows: list[dict[str, Any]]) -> float:
    return sum(r["completed"] for r in rows) / len(rows)


def test_same_seed_gives_identical_rows(tmp_path: Path) -> None:
    config = _config(days=1, sessions_per_day=40)
    dumps = []
    for name in ("a", "b"):
        with Store(tmp_path / f"{name}.duckdb") as store:
            simulate(store, config, truth_path=tmp_path / f"{name}.json")
            records = store.query("SELECT * FROM records ORDER BY record_id")
            events = store.query("SELECT * FROM events ORDER BY event_id")
            dumps.append((records, events))
    assert dumps[0] == dumps[1]
    assert len(dumps[0][0]) >= 40
    truth = [json.loads((tmp_path / f"{n}.json").read_text()) for n in ("a", "b")]
    assert truth[0] == truth[1]


def test_another_seed_gives_other_traffic(tmp_path: Path) -> None:
    with Store(tmp_path / "v.duckdb") as store:
        first = simulate(store, _config(days=1, sessions_per_day=30))
        second = simulate(store, _config(days=1, sessions_per_day=30, seed=12))
        assert first.simulation_id != second.simulation_id
        questions = store.query(
            "SELECT list(input ORDER BY session_id) AS q FROM records "
            "WHERE turn = 1 GROUP BY split_part(record_id, '-d', 1)"
        )
    assert questions[0]["q"] != questions[1]["q"]


def test_rerunning_a_simulation_into_the_same_store_is_refused(tmp_path: Path) -> None:
    config = _config(days=1, sessions_per_day=10)
    with Store(tmp_path / "v.duckdb") as store:
        simulate(store, config)
        with pytest.raises(StoreError, match="already holds simulation"):
            simulate(store, config)
        assert store.one("SELECT count(DISTINCT session_id) FROM records") == (10,)


def test_rows_follow_the_store_contract(simulated: tuple[Store, SimulationResult]) -> None:
    store, result = simulated
    assert store.one("SELECT count(*) FROM records") == (result.n_records,)
    assert store.one("SELECT count(*) FROM events") == (result.n_events,)
    bad = store.one(
        "SELECT count(*) FROM records WHERE source <> 'prod' OR run_id IS NOT NULL "
        "OR expected <> '[]' OR cached OR user_id IS NULL OR tags['segment'] IS NULL "
        "OR tags['intent_group'] IS NULL OR latency_ms <= 0"
    )
    assert bad == (0,)
    row = store.query("SELECT input, attributes FROM records LIMIT 1")[0]
    assert isinstance(json.loads(row["input"]), str)
    assert json.loads(row["attributes"])["simulation_id"] == result.simulation_id
    types = {r["type"] for r in store.query("SELECT DISTINCT type FROM events")}
    assert types == {"task_completed", "csat", "feedback", "retry", "escalated", "abandoned"}
    assert store.one(
        "SELECT count(*) FROM events WHERE (type = 'csat' AND value NOT BETWEEN 1 AND 5) "
        "OR (type = 'feedback' AND value NOT IN (-1, 1)) OR source <> 'prod'"
    ) == (0,)
    # Weekday volume: 2 days x 400 sessions.
    assert result.n_sessions == 800


def test_volume_follows_the_diurnal_cycle(simulated: tuple[Store, SimulationResult]) -> None:
    store, _ = simulated
    rows = store.query("SELECT hour(min(ts)) AS h FROM records GROUP BY session_id")
    hours = [r["h"] for r in rows]
    night = sum(h < 6 for h in hours)
    business = sum(9 <= h < 17 for h in hours)
    assert business > 5 * night


def test_weekends_are_quieter(tmp_path: Path) -> None:
    friday = START + timedelta(days=4)
    with Store(tmp_path / "v.duckdb") as store:
        simulate(store, _config(start=friday, incidents=[], sessions_per_day=50))
        per_day = store.query(
            "SELECT dayofweek(ts) AS d, count(*) AS n FROM "
            "(SELECT session_id, min(ts) AS ts FROM records GROUP BY session_id) GROUP BY 1"
        )
    counts = {r["d"]: r["n"] for r in per_day}
    assert counts == {5: 50, 6: 30}


def test_bad_deploy_lowers_success_for_its_slice_only(
    simulated: tuple[Store, SimulationResult],
) -> None:
    store, _ = simulated
    # The outage shares the deploy's day; its intent would blur the comparison.
    sessions = [s for s in _sessions(store) if s["intent"] != OUTAGE_INTENT]
    after = [s for s in sessions if s["ts"] >= DEPLOY_AT]
    assert {s["version"] for s in after if s["channel"] == "voice"} == {"lumen-v2"}
    assert {s["version"] for s in sessions if s not in after or s["channel"] != "voice"} == {
        "lumen-v1"
    }
    voice_before = [s for s in sessions if s["channel"] == "voice" and s["ts"] < DEPLOY_AT]
    voice_after = [s for s in after if s["channel"] == "voice"]
    assert _rate(voice_before) - _rate(voice_after) > 0.06
    # Chat and email stay on v1; pooled, so that email's small sample does not flap.
    others_before = [s for s in sessions if s["channel"] != "voice" and s["ts"] < DEPLOY_AT]
    others_after = [s for s in after if s["channel"] != "voice"]
    assert abs(_rate(others_before) - _rate(others_after)) < 0.05


def test_latency_spike_raises_p95_in_its_window(
    simulated: tuple[Store, SimulationResult],
) -> None:
    store, _ = simulated
    rows = store.query(
        "SELECT ts >= ? AND ts < ? AS inside, quantile_cont(latency_ms, 0.95) AS p95 "
        "FROM records GROUP BY 1",
        [SPIKE[0], SPIKE[1]],
    )
    p95 = {r["inside"]: r["p95"] for r in rows}
    assert p95[True] > 3 * p95[False]


def test_intent_outage_makes_that_intent_fail(simulated: tuple[Store, SimulationResult]) -> None:
    store, _ = simulated
    rows = store.query(
        "SELECT tags['intent'] = ? AS hit, ts >= ? AND ts < ? AS inside, count(*) AS n, "
        "avg((error IS NOT NULL OR output LIKE '%connect you with a person%')::INT) AS bad, "
        "count(*) FILTER (WHERE error_kind = 'http_500') AS errors "
        "FROM records GROUP BY 1, 2",
        [OUTAGE_INTENT, OUTAGE[0], OUTAGE[1]],
    )
    by = {(r["hit"], r["inside"]): r for r in rows}
    assert by[True, True]["n"] >= 10
    assert by[True, True]["bad"] > 0.6
    assert by[True, True]["errors"] > 0
    assert by[True, False]["errors"] == 0
    assert by[True, False]["bad"] < 0.2
    # Other intents in the window fail no more than usual (errors only via misrouting).
    assert by[False, True]["bad"] < 0.25


def test_csat_follows_success(simulated: tuple[Store, SimulationResult]) -> None:
    store, _ = simulated
    rated = [s for s in _sessions(store) if s["csat"] is not None]
    happy = [s["csat"] for s in rated if s["completed"]]
    unhappy = [s["csat"] for s in rated if not s["completed"]]
    assert len(unhappy) >= 10
    assert sum(happy) / len(happy) - sum(unhappy) / len(unhappy) > 1.5


def test_escalation_comes_after_two_failures(simulated: tuple[Store, SimulationResult]) -> None:
    store, _ = simulated
    sessions = _sessions(store)
    escalated = [s for s in sessions if s["escalated"]]
    assert len(escalated) >= 5
    for session in escalated:
        assert session["n_records"] == 2
        assert session["retried"]
        assert not session["completed"]
    assert all(s["n_records"] <= 2 for s in sessions)
    assert all(s["retried"] for s in sessions if s["n_records"] == 2)


def test_ground_truth_file_describes_each_incident(
    simulated: tuple[Store, SimulationResult],
) -> None:
    _, result = simulated
    truth = json.loads(result.truth_path.read_text(encoding="utf-8"))
    assert truth == result.truth
    assert truth["simulation_id"] == result.simulation_id
    assert result.truth_path.name == f"{result.simulation_id}.truth.json"
    incidents = {i["id"]: i for i in truth["incidents"]}
    assert set(incidents) == {"bad-deploy", "slow", "login-down"}
    deploy = incidents["bad-deploy"]
    assert deploy["kind"] == "deploy"
    assert deploy["window"] == {
        "start": DEPLOY_AT.isoformat(),
        "end": (START + timedelta(days=2)).isoformat(),
    }
    assert deploy["slice"]["channel"] == ["voice"]
    assert deploy["expected_effect"]["task_completion_rate"] == "down"
    assert deploy["expected_effect"]["system_version"] == "lumen-v2"
    seen = deploy["observed"]
    assert (
        seen["slice_in_window"]["task_completion_rate"]
        < seen["slice_outside_window"]["task_completion_rate"]
    )
    slow = incidents["slow"]
    assert slow["expected_effect"]["latency_p95"] == "up"
    assert slow["observed"]["slice_in_window"]["latency_p95_ms"] > (
        2 * slow["observed"]["slice_outside_window"]["latency_p95_ms"]
    )
    outage = incidents["login-down"]
    assert outage["slice"] == {"intent": [OUTAGE_INTENT]}
    assert outage["observed"]["slice_in_window"]["error_rate"] > 0.4


def test_default_scenario_has_one_incident_of_each_kind() -> None:
    config = default_scenario()
    assert (config.days, config.sessions_per_day) == (7, 2000)
    kinds = [i.kind for i in config.incidents]
    assert sorted(kinds) == ["deploy", "intent_outage", "latency_spike"]
    for _, incident in config.named_incidents:
        start = incident.at if isinstance(incident, DeployIncident) else incident.start
        assert config.start <= start < config.end
    short = default_scenario(days=2)
    assert all(config.start <= i.end <= short.end for i in short.incidents if i.end is not None)


def test_yaml_config_errors_name_file_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "sim.yaml"
    path.write_text(
        "days: 2\nincidents:\n  - kind: deploy\n    at: 2026-03-02T10:00:00Z\n"
        "    channels: [fax]\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_simulation_config(path)
    problem = caught.value.problems[0]
    assert (problem.file, problem.line) == (str(path), 5)
    assert "fax" in problem.message
    assert problem.field is not None and problem.field.endswith("channels")


def test_yaml_config_loads(tmp_path: Path) -> None:
    path = tmp_path / "sim.yaml"
    path.write_text(
        "days: 3\nseed: 5\nincidents:\n"
        "  - {kind: latency_spike, start: 2026-03-02T10:00:00Z, end: 2026-03-02T11:00:00Z}\n"
        "  - {kind: intent_outage, start: 2026-03-03T10:00:00Z, end: 2026-03-03T11:00:00Z,"
        " intent: payouts}\n",
        encoding="utf-8",
    )
    config = load_simulation_config(path)
    assert [name for name, _ in config.named_incidents] == ["latency_spike-1", "intent_outage-2"]
    assert config.simulation_id == load_simulation_config(path).simulation_id
    with pytest.raises(ConfigError, match="end must be after start"):
        parse_simulation_config(
            {"incidents": [{"kind": "latency_spike", "start": START, "end": START}]}
        )

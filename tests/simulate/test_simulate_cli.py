"""``vitals simulate``: counts and incident windows, JSON for machines, exit codes."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aivitals.cli import app


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    # Registering inside the fixture keeps the command off the app while tests are collected.
    importlib.import_module("aivitals.cli._simulate")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("VITALS_STORE", str(tmp_path / "store.duckdb"))
    monkeypatch.setenv("COLUMNS", "200")
    return CliRunner()


def test_simulate_prints_counts_and_incidents(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["simulate", "--days", "2", "--sessions-per-day", "30"])
    assert result.exit_code == 0, result.output
    assert "sessions 60" in result.output
    for name in ("latency-spike", "deploy-v2-voice", "password-reset-outage"):
        assert name in result.output
    truth = list(tmp_path.glob("sim-*.truth.json"))
    assert len(truth) == 1
    assert f"Ground truth: {truth[0]}" in result.output

    again = runner.invoke(app, ["simulate", "--days", "2", "--sessions-per-day", "30"])
    assert again.exit_code == 2
    assert "already holds simulation" in again.output


def test_simulate_json_with_config_and_truth_path(runner: CliRunner, tmp_path: Path) -> None:
    config = tmp_path / "sim.yaml"
    config.write_text(
        "days: 1\nsessions_per_day: 20\nseed: 3\nincidents:\n"
        "  - {kind: deploy, at: 2026-03-02T12:00:00Z, version: v2, segments: [enterprise]}\n",
        encoding="utf-8",
    )
    truth = tmp_path / "out" / "truth.json"
    result = runner.invoke(
        app, ["simulate", "--config", str(config), "--truth", str(truth), "--json", "--seed", "4"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["n_sessions"] == 20
    assert data["truth_path"] == str(truth)
    assert [i["id"] for i in data["incidents"]] == ["deploy-1"]
    assert json.loads(truth.read_text(encoding="utf-8"))["config"]["seed"] == 4


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--days", "0"], "days"),
        (["--config", "missing.yaml"], "no such simulation config file"),
    ],
)
def test_simulate_bad_input_exits_2(runner: CliRunner, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["simulate", *args])
    assert result.exit_code == 2
    assert message in result.output

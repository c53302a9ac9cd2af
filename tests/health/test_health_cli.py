"""``vitals health``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aivitals.cli import app
from aivitals.store import Store

from .conftest import generate, write_config

SMALL = """
name: small
bootstrap: {replicates: 100, buckets: 256}
components:
  - {metric: task_completion_rate, group: quality, bad: 0.5, good: 0.95, weight: 2}
  - {metric: escalation_rate, group: business, bad: 0.4, good: 0.02}
impact: {cost_per_escalation: 4, baseline: previous}
"""


@pytest.fixture
def store_path(tmp_path: Path) -> str:
    path = tmp_path / "vitals.duckdb"
    with Store(path) as store:
        generate(store, 0, 300)
        generate(store, 1, 300, fail_voice=0.5)
    return str(path)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_json_is_the_report(store_path: str, tmp_path: Path):
    config = write_config(tmp_path / "h.yaml", SMALL)
    code, out, _ = run(
        "health", "--config", str(config), "--by", "channel", "--store", store_path, "--json"
    )
    assert code == 0
    data = json.loads(out)
    assert data["config"]["name"] == "small" and data["config"]["by"] == ["channel"]
    assert len(data["windows"]) == 6
    last = data["windows"][3]
    assert last["slice"] == {} and last["change"]["delta"] < 0
    assert last["impact"]["total"] > 0


def test_table_with_the_default_config(store_path: str):
    code, out, _ = run("health", "--store", store_path)
    assert code == 0
    assert "Health — customer-support-assistant" in out
    assert "2026-01-06" in out and "USD" in out


def test_bad_yaml_exits_2_naming_line_and_field(store_path: str, tmp_path: Path):
    bad = SMALL.replace("weight: 2", "weight: heavy")
    config = write_config(tmp_path / "bad.yaml", bad)
    code, _, err = run("health", "--config", str(config), "--store", store_path)
    assert code == 2
    assert f"{config}:5" in err and "components.0.weight" in err


def test_unparseable_yaml_and_bad_window_exit_2(store_path: str, tmp_path: Path):
    config = write_config(tmp_path / "broken.yaml", "components: [\n")
    code, _, err = run("health", "--config", str(config), "--store", store_path)
    assert code == 2 and "invalid YAML" in err
    code, _, err = run("health", "--window", "soon", "--store", store_path)
    assert code == 2 and "window" in err

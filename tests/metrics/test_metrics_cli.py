"""``vitals metrics``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import aivitals.cli._metrics  # noqa: F401  (registers the command)
from aivitals.cli import app
from aivitals.store import Store

from .conftest import fill


@pytest.fixture
def store_path(tmp_path: Path) -> str:
    path = tmp_path / "vitals.duckdb"
    with Store(path) as store:
        fill(store)
    return str(path)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_json_has_every_value_with_n_and_interval(store_path: str):
    code, out, _ = run(
        "metrics", "csat", "latency_p50", "--window", "1h", "--by", "model_version,segment",
        "--store", store_path, "--json",
    )  # fmt: skip
    assert code == 0
    rows = json.loads(out)
    assert {r["metric"] for r in rows} == {"csat", "latency_p50"}
    first = next(r for r in rows if r["metric"] == "latency_p50")
    assert first["slice"] == {"model_version": "v1", "segment": "A"}
    assert first["window_start"] == "2026-01-01T00:00:00+00:00"
    assert {"value", "ci_low", "ci_high", "n", "method", "unit", "reason"} <= set(first)


def test_table_and_time_range(store_path: str):
    code, out, _ = run(
        "metrics", "error_rate", "--window", "all", "--since", "2026-01-01T00:00:00",
        "--until", "2026-01-01T00:02:00", "--store", store_path,
    )  # fmt: skip
    assert code == 0
    assert "error_rate" in out and "0.0%" in out


def test_completion_option(store_path: str):
    code, out, _ = run(
        "metrics", "task_completion_rate", "--window", "all", "--completion", "no_escalation",
        "--within-turns", "1", "--store", store_path, "--json",
    )  # fmt: skip
    assert code == 0 and json.loads(out)[0]["value"] == pytest.approx(0.6)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope"], "unknown metric 'nope'"),
        (["--window", "soon"], "window must look like"),
        (["--since", "yesterday"], "--since"),
        (["--completion", "vibes"], "--completion"),
    ],
)
def test_bad_input_exits_2_with_a_message(store_path: str, args: list[str], message: str):
    code, _, err = run("metrics", *args, "--store", store_path)
    assert code == 2
    assert message in err


def test_empty_store_says_so(tmp_path: Path):
    code, out, _ = run("metrics", "--store", str(tmp_path / "empty.duckdb"))
    assert code == 0 and "No production data" in out

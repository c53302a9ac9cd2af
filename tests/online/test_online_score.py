"""Online scoring of production records: sampled, stored, not repeated."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aivitals.cli import app
from aivitals.errors import InputError
from aivitals.metrics import compute_metrics
from aivitals.online import score_production
from aivitals.store import Store
from aivitals.telemetry import ingest_batch


@pytest.fixture
def prod(store: Store) -> Store:
    items = [
        {
            "id": f"r{i}",
            "session_id": f"s{i}",
            "input": f"question {i}",
            "output": "I don't know." if i % 4 == 0 else f"The answer is {i}.",
            "system_version": "bot-v1",
            "tags": {"segment": "pro" if i % 2 else "free"},
            "latency_ms": 100.0 + i,
        }
        for i in range(400)
    ]
    result = ingest_batch(store, items)
    assert result.accepted == 400
    return store


def test_a_sample_is_stable_nested_and_never_scored_twice(prod: Store) -> None:
    half = score_production(prod, "regex", args={"pattern": "answer is"}, sample=0.5)
    assert 150 < half.scored < 250
    again = score_production(prod, "regex", args={"pattern": "answer is"}, sample=0.5)
    assert again.scored == 0
    rest = score_production(prod, "regex", args={"pattern": "answer is"}, sample=1.0)
    assert half.scored + rest.scored == 400
    (n, passed) = prod.one("SELECT count(*), count_if(passed) FROM scores WHERE scorer = 'regex'")
    assert (n, passed) == (400, 300)


def test_online_scores_feed_the_pass_rate_metric(prod: Store) -> None:
    score_production(prod, "regex", args={"pattern": "answer is"}, name="answered")
    values = compute_metrics(prod, ["pass_rate:answered"], window="1d")
    assert values[0].n == 400
    assert values[0].value == pytest.approx(0.75)
    assert values[0].ci_low < 0.75 < values[0].ci_high


def test_bad_input_is_an_input_error(prod: Store) -> None:
    with pytest.raises(InputError, match="sample"):
        score_production(prod, "regex", args={"pattern": "x"}, sample=0)
    with pytest.raises(InputError, match="unknown scorer"):
        score_production(prod, "no_such_scorer")


def test_cli(prod: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = prod.path
    prod.close()
    monkeypatch.setenv("VITALS_STORE", str(path))
    runner = CliRunner()
    done = runner.invoke(
        app, ["score", "--scorer", "latency_budget", "--args", '{"max_ms": 300}', "--json"]
    )
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["scored"] == 400
    bad = runner.invoke(app, ["score", "--scorer", "regex", "--args", "{not json"])
    assert bad.exit_code == 2
    assert "--args is not JSON" in bad.stderr

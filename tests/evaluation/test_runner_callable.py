"""Runs end to end through the store with a Python callable as the target."""

import importlib
import json
from pathlib import Path

import pytest

from aivitals import evaluate
from aivitals.errors import ConfigError
from aivitals.store import Store, get_run

ROWS = [
    {
        "id": "r1",
        "question": "how do I get a refund?",
        "answer": "You can request a refund within 30 days.",
        "intent": "refund",
    },
    {
        "id": "r2",
        "question": "refund please",
        "answer": "You can request a refund within 30 days.",
        "intent": "refund",
    },
    {
        "id": "p1",
        "question": "forgot password",
        "answer": "Use the reset link.",
        "intent": "password",
    },
    {"id": "x1", "question": "what is the weather", "answer": "Sunny.", "intent": "other"},
]


def suite(tmp_path: Path, **overrides: object) -> dict:
    (tmp_path / "golden.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in ROWS), encoding="utf-8"
    )
    base = {
        "name": "tiny",
        "dataset": {
            "path": str(tmp_path / "golden.jsonl"),
            "mapping": {"input": "question", "tags": ["intent"]},
        },
        "target": {"type": "callable", "function": "tinybot:answer"},
        "scorers": ["exact_match", {"scorer": "squad_f1", "threshold": 0.5}],
    }
    return {**base, **overrides}


def test_run_is_stored_with_manifest_and_summary(
    tmp_path: Path, store: Store, bot_module: str
) -> None:
    run = evaluate(suite(tmp_path, repeats=2), store=store)
    assert run.status == "completed"
    summary = run.summary
    assert summary.n_records == 8
    exact = next(s for s in summary.scorers if s.scorer == "exact_match")
    assert (exact.metric, exact.estimate.n, exact.estimate.value) == ("pass_rate", 8, 0.75)
    assert exact.estimate.ci_low < 0.75 < exact.estimate.ci_high
    refund = next(s for s in summary.slices if s.scorer == "exact_match" and s.value == "refund")
    assert (refund.estimate.n, refund.estimate.value) == (4, 1.0)
    manifest = get_run(store, run.id)["manifest"]
    assert manifest["datasets"][0]["version"]
    assert manifest["target"]["function"] == "tinybot:answer"
    assert [s["name"] for s in manifest["scorers"]] == ["exact_match", "squad_f1"]
    assert manifest["scorers"][1]["threshold"] == 0.5
    assert manifest["config"]["repeats"] == 2
    assert {"python", "duckdb", "aivitals"} <= set(manifest["packages"])
    assert set(manifest["git"]) == {"sha", "dirty"}
    assert manifest["counts"]["records"] == 8


def test_second_run_is_served_from_the_cache(tmp_path: Path, store: Store, bot_module: str) -> None:
    bot = importlib.import_module(bot_module)
    evaluate(suite(tmp_path), store=store)
    calls = len(bot.CALLS)
    again = evaluate(suite(tmp_path), store=store)
    assert len(bot.CALLS) == calls == 4
    assert again.summary.n_cache_hits == 4
    fresh = evaluate(suite(tmp_path), store=store, no_cache=True)
    assert len(bot.CALLS) == 8
    assert fresh.summary.n_cache_hits == 0


def test_a_failed_call_is_an_error_on_its_record_not_a_failed_score(
    tmp_path: Path, store: Store, bot_module: str
) -> None:
    spec = suite(
        tmp_path, target={"type": "callable", "function": "tinybot:broken"}, max_error_rate=1.0
    )
    run = evaluate(spec, store=store)
    assert run.summary.n_errors == 4
    assert store.one("SELECT count(*) FROM scores WHERE run_id = ?", [run.id]) == (0,)
    row = store.query("SELECT error, error_kind FROM records WHERE run_id = ? LIMIT 1", [run.id])[0]
    assert row["error_kind"] == "exception"
    assert "model crashed" in row["error"]
    assert store.one("SELECT count(*) FROM call_cache") == (0,)


def test_error_budget_stops_the_run(tmp_path: Path, store: Store, bot_module: str) -> None:
    rows = [{"id": str(i), "input": f"q{i}"} for i in range(60)]
    (tmp_path / "many.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8"
    )
    spec = suite(
        tmp_path,
        dataset={"path": str(tmp_path / "many.jsonl")},
        target={"type": "callable", "function": "tinybot:broken"},
        max_error_rate=0.2,
        concurrency=1,
    )
    run = evaluate(spec, store=store)
    assert run.status == "aborted"
    assert "error budget" in run.manifest["abort_reason"]
    assert 20 <= run.summary.n_records < 60


def test_unknown_scorer_names_its_entry(tmp_path: Path, store: Store, bot_module: str) -> None:
    with pytest.raises(ConfigError) as err:
        evaluate(suite(tmp_path, scorers=["exact_match", "no_such_scorer"]), store=store)
    assert err.value.problems[0].field == "scorers.1"
    assert "no_such_scorer" in str(err.value)


def test_stored_dataset_can_be_named_instead_of_a_file(
    tmp_path: Path, store: Store, bot_module: str
) -> None:
    first = evaluate(suite(tmp_path), store=store)
    name = first.manifest["datasets"][0]["name"]
    again = evaluate(suite(tmp_path, dataset={"name": name}), store=store)
    assert again.manifest["datasets"][0]["version"] == first.manifest["datasets"][0]["version"]


def test_repeats_make_intervals_cluster_robust(
    tmp_path: Path, store: Store, bot_module: str
) -> None:
    import numpy as np
    import statsmodels.api as sm

    run = evaluate(suite(tmp_path, repeats=3), store=store)
    exact = next(s for s in run.summary.scorers if s.scorer == "exact_match")
    assert exact.estimate.method == "cluster-robust t (CR1)"
    # Deterministic answers: each case's three repeats agree, so the cluster
    # interval must match statsmodels' CR1 fit on the per-record verdicts.
    rows = store.query(
        "SELECT r.case_id, s.passed FROM scores s JOIN records r USING (record_id) "
        "WHERE s.run_id = ? AND s.scorer = 'exact_match' ORDER BY r.case_id",
        [run.id],
    )
    y = np.array([float(r["passed"]) for r in rows])
    groups = np.unique([r["case_id"] for r in rows], return_inverse=True)[1]
    fit = sm.OLS(y, np.ones_like(y)).fit(
        cov_type="cluster", cov_kwds={"groups": groups}, use_t=True
    )
    low, high = fit.conf_int(alpha=0.05)[0]
    assert exact.estimate.n == 12
    assert exact.estimate.value == pytest.approx(fit.params[0])
    # A pass rate's interval is clipped to [0, 1]; within it, statsmodels' bounds.
    assert exact.estimate.ci_low == pytest.approx(max(0.0, low))
    assert exact.estimate.ci_high == pytest.approx(min(1.0, high))


def test_a_scorer_that_raises_gives_missing_scores_not_a_failed_run(
    tmp_path: Path, store: Store, bot_module: str
) -> None:
    (tmp_path / "badscorer.py").write_text(
        "from aivitals import Score\n"
        "def picky(record):\n"
        "    if 'refund' in record.input_text:\n"
        "        raise ValueError('cannot judge refunds')\n"
        "    return Score(1.0, passed=True)\n",
        encoding="utf-8",
    )
    run = evaluate(suite(tmp_path, scorers=["badscorer:picky"]), store=store)
    assert run.status == "completed"
    rows = store.query(
        "SELECT value, explanation FROM scores WHERE run_id = ? AND value IS NULL", [run.id]
    )
    assert len(rows) == 2
    assert rows[0]["explanation"] == "scorer failed: ValueError: cannot judge refunds"

"""``vitals plan``: power of a stored run's golden set, per scorer and slice."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import aivitals.cli._plan  # noqa: F401 - registers ``vitals plan`` on the app
from aivitals import evaluate
from aivitals.cli._app import app
from aivitals.comparison._plan import plan_rate, plan_run
from aivitals.errors import InputError
from aivitals.stats import mde_proportion, sample_size_for_drop
from aivitals.store import Store

ANSWERS = {
    "refund": "You can request a refund within 30 days.",
    "password": "Use the reset link.",
}


def golden(tmp_path: Path) -> Path:
    """60 refund cases the bot answers, 20 password cases it half answers."""
    rows = [
        {"id": f"r{i}", "q": f"refund {i}", "a": ANSWERS["refund"], "intent": "refund"}
        for i in range(60)
    ]
    rows += [
        {
            "id": f"p{i}",
            "q": f"password {i}",
            "a": ANSWERS["password"] if i % 2 else "Call us.",
            "intent": "password",
        }
        for i in range(20)
    ]
    path = tmp_path / "golden.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def suite(tmp_path: Path, **extra: object) -> dict:
    return {
        "name": "plan",
        "dataset": {
            "path": str(golden(tmp_path)),
            "mapping": {"input": "q", "expected": "a", "tags": ["intent"]},
        },
        "target": {"type": "callable", "function": "tinybot:answer"},
        "scorers": ["exact_match", "levenshtein_similarity"],
        **extra,
    }


@pytest.fixture
def run_id(tmp_path: Path, store: Store, bot_module: str) -> str:
    return evaluate(suite(tmp_path, repeats=2), store=store).id


def test_plan_rows_per_scorer_and_slice(store: Store, run_id: str) -> None:
    plan = plan_run(store, run_id[:8], drop=0.1)
    assert plan.run_id == run_id
    assert plan.skipped == ("levenshtein_similarity",)  # numeric only: no pass rate
    by_label = {r.label: r for r in plan.rows}
    assert list(by_label) == ["overall", "intent=password", "intent=refund"]
    overall, password, refund = by_label.values()
    # Repeats are not extra cases: 80 cases, 160 verdicts.
    assert (overall.n, overall.pass_rate) == (80, 70 / 80)
    assert (refund.n, refund.pass_rate) == (60, 1.0)
    assert (password.n, password.pass_rate) == (20, 0.5)
    for row in plan.rows:
        assert row.scorer == "exact_match"
        expected = mde_proportion(row.n, row.pass_rate, paired=True)
        assert row.detectable == expected
        assert row.needed == sample_size_for_drop(row.pass_rate, 0.1, paired=True)
        assert row.underpowered == (row.n < row.needed.n)
    assert password.underpowered and password.detectable.drop > 0.1
    assert plan.underpowered == tuple(r for r in plan.rows if r.underpowered)
    assert plan.method.startswith("McNemar")


def test_plan_with_a_known_discordance_needs_fewer_cases(store: Store, run_id: str) -> None:
    assumed = plan_run(store, "latest", drop=0.1).rows[0]
    known = plan_run(store, "latest", drop=0.1, discordance=0.12).rows[0]
    assert known.needed.n < assumed.needed.n
    assert known.detectable.drop < assumed.detectable.drop


def test_plan_from_a_rate() -> None:
    plan = plan_rate(0.9, drop=0.05)
    (row,) = plan.rows
    assert (plan.run_id, row.n, row.detectable, row.underpowered) == (None, None, None, None)
    assert row.needed.n == sample_size_for_drop(0.9, 0.05, paired=True).n
    with_cases = plan_rate(0.9, n=200, drop=0.05).rows[0]
    assert with_cases.underpowered is True
    assert with_cases.detectable.drop == pytest.approx(mde_proportion(200, 0.9, paired=True).drop)


def test_a_zero_rate_row_carries_its_reason() -> None:
    (row,) = plan_rate(0.0, n=50).rows
    assert row.reason == "the base rate is 0: there is nothing to drop"
    assert row.to_dict()["needed"] is None


def test_bad_options_are_named_together() -> None:
    with pytest.raises(InputError) as err:
        plan_rate(1.5, drop=0.0, power=1.0, n=-1)
    fields = [p.field for p in err.value.problems]
    assert fields == ["drop", "power", "rate", "cases"]


def invoke(*args: str) -> object:
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def test_cli_plan_of_a_run(
    tmp_path: Path, bot_module: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    path = tmp_path / "cli.duckdb"
    with Store(path) as opened:
        run = evaluate(suite(tmp_path), store=opened).id
    done = invoke("plan", "--run", run, "--drop", "0.1", "--store", str(path))
    assert done.exit_code == 0, done.output
    assert "intent=password" in done.stdout
    assert "underpowered" in done.stdout
    assert "McNemar" in done.stdout
    as_json = invoke("plan", "--run", "latest", "--json", "--store", str(path))
    data = json.loads(as_json.stdout)
    assert data["run_id"] == run
    assert data["rows"][0]["n"] == 80
    assert data["skipped"] == ["levenshtein_similarity"]


def test_cli_plan_from_a_rate(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    done = invoke("plan", "--rate", "0.9", "--drop", "0.05", "--json")
    assert done.exit_code == 0, done.output
    (row,) = json.loads(done.stdout)["rows"]
    assert row["needed"] == sample_size_for_drop(0.9, 0.05, paired=True).n
    table = invoke("plan", "--rate", "0.9", "--cases", "100")
    assert "underpowered" in table.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "give --run RUN"),
        (("--rate", "0.9", "--run", "latest"), "not both"),
        (("--rate", "1.5"), "field 'rate'"),
        (("--rate", "0.9", "--drop", "2"), "field 'drop'"),
        (("--run", "latest", "--cases", "10"), "--cases goes with --rate"),
    ],
)
def test_cli_bad_usage_exits_2(args: tuple[str, ...], message: str, tmp_path: Path) -> None:
    done = invoke("plan", *args, "--store", str(tmp_path / "none.duckdb"))
    assert done.exit_code == 2
    assert message in done.output


def test_cli_unknown_run_exits_2(tmp_path: Path) -> None:
    done = invoke("plan", "--run", "nope", "--store", str(tmp_path / "empty.duckdb"))
    assert done.exit_code == 2
    assert "no run 'nope'" in done.output

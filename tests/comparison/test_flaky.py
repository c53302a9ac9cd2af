"""Flakiness: per-case verdict history across repeats and runs, and ``vitals flaky``."""

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

import aivitals.cli._flaky  # noqa: F401  # registers ``vitals flaky``
from aivitals import evaluate
from aivitals.cli import app
from aivitals.comparison._flaky import FlakyCase, case_history, flaky_cases, select_runs
from aivitals.errors import InputError, StoreError
from aivitals.store import Store

# Each input keeps its own call counter, so verdicts follow a fixed pattern
# per case however the cases interleave (runs use concurrency 1 so repeats of
# one case are called in order).
FLAKYBOT = """\
COUNTS = {}
def answer(text):
    n = COUNTS[text] = COUNTS.get(text, 0) + 1
    if text.startswith('flip'):  # P F P F ...
        return 'yes' if n % 2 else 'no'
    if text == 'rare':  # passes every 5th call
        return 'yes' if n % 5 == 0 else 'no'
    if text == 'crashy':  # errors on even calls; odd calls P F P F ...
        if n % 2 == 0:
            raise RuntimeError('boom')
        return 'yes' if n % 4 == 1 else 'no'
    return 'yes' if text == 'steady' else 'no'
"""
LONG_INPUT = "flip " + "please " * 20
CASES = [
    {"id": "flip", "input": "flip"},
    {"id": "long", "input": LONG_INPUT},
    {"id": "rare", "input": "rare"},
    {"id": "crashy", "input": "crashy"},
    {"id": "steady", "input": "steady"},
    {"id": "never", "input": "never"},
]


@dataclass(frozen=True)
class Runs:
    """Three runs, in order: suite ``a`` twice (5 repeats), suite ``b`` (2 repeats)."""

    path: Path
    a1: str
    a2: str
    b1: str


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    """Built once per module: the tests only read the store."""
    tmp_path = tmp_path_factory.mktemp("flaky")
    (tmp_path / "flakybot.py").write_text(FLAKYBOT, encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(tmp_path))
        patch.delitem(sys.modules, "flakybot", raising=False)
        yield _make_runs(tmp_path)
        sys.modules.pop("flakybot", None)


def _make_runs(tmp_path: Path) -> Runs:
    (tmp_path / "golden.jsonl").write_text(
        "".join(json.dumps({**c, "expected": "yes"}) + "\n" for c in CASES), encoding="utf-8"
    )

    def suite(name: str, repeats: int) -> dict[str, object]:
        return {
            "name": name,
            "dataset": {"path": str(tmp_path / "golden.jsonl")},
            "target": {"type": "callable", "function": "flakybot:answer"},
            "scorers": ["exact_match", {"scorer": "squad_f1", "threshold": 0.5}],
            "repeats": repeats,
            "concurrency": 1,
        }

    path = tmp_path / "flaky.duckdb"
    with Store(path) as store:
        ids = [
            evaluate(suite(name, repeats), store=store, no_cache=True).id
            for name, repeats in (("a", 5), ("a", 5), ("b", 2))
        ]
    return Runs(path, *ids)


def summary(cases: list[FlakyCase]) -> list[tuple[str, int, int, str]]:
    return [(c.case_id, c.n, c.passed, c.history) for c in cases]


def test_pooled_over_repeats_and_runs_most_unstable_first(runs: Runs) -> None:
    with Store(runs.path) as store:
        found = flaky_cases(store, suite="a", scorer="exact_match")
    # flip: PFPFP then FPFPF. crashy: errored calls are left out. steady and never: stable.
    assert summary(found) == [
        ("flip", 10, 5, "PFPFPFPFPF"),
        ("long", 10, 5, "PFPFPFPFPF"),
        ("crashy", 5, 3, "PFPFP"),
        ("rare", 10, 2, "FFFFPFFFFP"),
    ]
    flip = found[0]
    assert flip.dataset.startswith("golden@")
    assert flip.scorer == "exact_match"
    assert flip.n_runs == 2
    assert flip.input == "flip"
    rate = flip.pass_rate
    assert (rate.value, rate.n, rate.method) == (0.5, 10, "wilson")
    # statsmodels proportion_confint(5, 10, method="wilson")
    assert (rate.ci_low, rate.ci_high) == pytest.approx((0.2366, 0.7634), abs=5e-5)
    crashy = found[2].pass_rate
    # statsmodels proportion_confint(3, 5, method="wilson")
    assert (crashy.ci_low, crashy.ci_high) == pytest.approx((0.2307, 0.8824), abs=5e-5)
    long = found[1].input
    assert len(long) == 80 and long.endswith("…") and LONG_INPUT.startswith(long[:-1])


def test_every_scorer_is_listed_unless_one_is_chosen(runs: Runs) -> None:
    with Store(runs.path) as store:
        found = flaky_cases(store, suite="a")
    assert [(c.case_id, c.scorer) for c in found[:2]] == [
        ("flip", "exact_match"),
        ("flip", "squad_f1"),
    ]
    assert len(found) == 8
    assert {c.case_id for c in found} == {"flip", "long", "crashy", "rare"}


def test_errored_records_are_not_verdicts(runs: Runs) -> None:
    with Store(runs.path) as store:
        errors = store.one(
            "SELECT count(*) FROM records WHERE case_id = 'crashy' AND error IS NOT NULL "
            "AND run_id IN (?, ?)",
            [runs.a1, runs.a2],
        )
        assert errors == (5,)
        (crashy,) = [
            c for c in flaky_cases(store, suite="a", scorer="exact_match") if c.case_id == "crashy"
        ]
    assert (crashy.n, crashy.passed) == (5, 3)


@pytest.mark.parametrize(
    ("selection", "expected"),
    [
        (
            {"runs": ["A1"]},
            [
                ("flip", 5, 3, "PFPFP"),
                ("long", 5, 3, "PFPFP"),
                ("crashy", 3, 2, "PFP"),
                ("rare", 5, 1, "FFFFP"),
            ],
        ),
        (
            {"runs": ["A2", "A2"]},
            [
                ("crashy", 2, 1, "FP"),
                ("flip", 5, 2, "FPFPF"),
                ("long", 5, 2, "FPFPF"),
                ("rare", 5, 1, "FFFFP"),
            ],
        ),
        ({"suite": "b"}, [("flip", 2, 1, "PF"), ("long", 2, 1, "PF")]),
        ({"last": 1}, [("flip", 2, 1, "PF"), ("long", 2, 1, "PF")]),
        (
            {"suite": "a", "last": 1},
            [
                ("crashy", 2, 1, "FP"),
                ("flip", 5, 2, "FPFPF"),
                ("long", 5, 2, "FPFPF"),
                ("rare", 5, 1, "FFFFP"),
            ],
        ),
        (
            {},  # every completed run, oldest first in the history
            [
                ("flip", 12, 6, "PFPFPFPFPFPF"),
                ("long", 12, 6, "PFPFPFPFPFPF"),
                ("crashy", 6, 3, "PFPFPF"),
                ("rare", 12, 2, "FFFFPFFFFPFF"),
            ],
        ),
        (
            {"suite": "a", "min_observations": 6},
            [
                ("flip", 10, 5, "PFPFPFPFPF"),
                ("long", 10, 5, "PFPFPFPFPF"),
                ("rare", 10, 2, "FFFFPFFFFP"),
            ],
        ),
        ({"suite": "nope"}, []),
    ],
)
def test_selection(
    runs: Runs, selection: dict[str, Any], expected: list[tuple[str, int, int, str]]
) -> None:
    ids = {"A1": runs.a1, "A2": runs.a2}
    if "runs" in selection:
        selection = {"runs": [ids[ref] for ref in selection["runs"]]}
    with Store(runs.path) as store:
        found = flaky_cases(store, scorer="exact_match", **selection)
    assert summary(found) == expected


def test_select_runs_newest_first_and_resolves_references(runs: Runs) -> None:
    with Store(runs.path) as store:
        assert select_runs(store) == [runs.b1, runs.a2, runs.a1]
        assert select_runs(store, suite="a", last=5) == [runs.a2, runs.a1]
        assert select_runs(store, runs=["latest", runs.a1, runs.b1]) == [runs.b1, runs.a1]
        with pytest.raises(StoreError, match="no run 'zzz'"):
            select_runs(store, runs=["zzz"])


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"runs": ["latest"], "suite": "a"}, "runs"),
        ({"last": 0}, "last"),
        ({"min_observations": 1}, "min_observations"),
    ],
)
def test_bad_arguments_name_the_argument(runs: Runs, kwargs: dict[str, Any], field: str) -> None:
    with Store(runs.path) as store, pytest.raises(InputError) as err:
        flaky_cases(store, **kwargs)
    assert err.value.problems[0].field == field


def test_no_runs_gives_no_cases(tmp_path: Path) -> None:
    with Store(tmp_path / "empty.duckdb") as store:
        assert flaky_cases(store) == []


def test_case_history_drills_down_in_run_then_repeat_order(runs: Runs) -> None:
    with Store(runs.path) as store:
        history = case_history(store, "crashy", scorer="exact_match")
        both = case_history(store, "crashy", dataset="golden", runs=[runs.a1])
        none = case_history(store, "crashy", dataset="other")
    # Repeats that errored have no verdict.
    assert [(v.run_id, v.repeat, v.passed) for v in history] == [
        (runs.a1, 0, True),
        (runs.a1, 2, False),
        (runs.a1, 4, True),
        (runs.a2, 1, False),
        (runs.a2, 3, True),
        (runs.b1, 0, False),
    ]
    first = history[0]
    assert (first.run_name, first.output, first.value, first.scorer) == (
        "a",
        "yes",
        1.0,
        "exact_match",
    )
    assert first.to_dict()["started_at"] == first.started_at.isoformat()
    assert [(v.repeat, v.scorer) for v in both] == [
        (0, "exact_match"),
        (0, "squad_f1"),
        (2, "exact_match"),
        (2, "squad_f1"),
        (4, "exact_match"),
        (4, "squad_f1"),
    ]
    assert none == []


def vitals(runs: Runs, *args: str) -> Result:
    return CliRunner().invoke(
        app, ["flaky", *args, "--store", str(runs.path)], catch_exceptions=False
    )


def test_cli_json(runs: Runs) -> None:
    done = vitals(runs, "--suite", "a", "--scorer", "exact_match", "--json")
    assert done.exit_code == 0, done.output
    rows = json.loads(done.stdout)
    first = rows[0]
    assert (first["case_id"], first["n"], first["passed"], first["history"]) == (
        "flip",
        10,
        5,
        "PFPFPFPFPF",
    )
    assert rows[0]["pass_rate"]["value"] == 0.5
    assert {"ci_low", "ci_high", "n", "method"} <= set(rows[0]["pass_rate"])
    assert rows[0]["n_runs"] == 2
    limited = json.loads(
        vitals(runs, "--run", runs.a1, "--run", "latest", "--limit", "3", "--json").stdout
    )
    assert len(limited) == 3


def test_cli_table(runs: Runs, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    done = vitals(runs, "--suite", "a", "--scorer", "exact_match")
    assert done.exit_code == 0, done.output
    out = done.stdout
    assert "Flaky cases over 2 run(s)" in out
    assert "PFPFPFPFPF" in out and "FFFFPFFFFP" in out
    assert "50.0%" in out and "[23.7%, 76.3%]" in out
    assert "steady" not in out and "never" not in out
    more = vitals(runs, "--limit", "1")
    assert "(7 more: raise --limit or use --json)" in more.stdout


def test_cli_case_drill_down(runs: Runs, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    done = vitals(runs, "--case", "crashy", "--scorer", "exact_match", "--json")
    assert done.exit_code == 0, done.output
    rows = json.loads(done.stdout)
    assert [(r["repeat"], r["passed"]) for r in rows] == [
        (0, True),
        (2, False),
        (4, True),
        (1, False),
        (3, True),
        (0, False),
    ]
    table = vitals(runs, "--case", "crashy", "--suite", "b")
    assert table.exit_code == 0, table.output
    assert "Case crashy" in table.stdout and runs.b1 in table.stdout
    assert runs.a1 not in table.stdout
    missing = vitals(runs, "--case", "no-such-case")
    assert missing.exit_code == 0
    assert "no verdicts for case 'no-such-case' in 3 run(s)" in missing.stdout


def test_cli_unknown_run_and_no_runs(runs: Runs, tmp_path: Path) -> None:
    unknown = vitals(runs, "--run", "zzz")
    assert unknown.exit_code == 2
    assert "no run 'zzz'" in unknown.stderr
    conflict = vitals(runs, "--run", "latest", "--suite", "a")
    assert conflict.exit_code == 2
    nothing = vitals(runs, "--suite", "nope")
    assert nothing.exit_code == 0
    assert "no runs match" in nothing.stdout
    as_json = vitals(runs, "--suite", "nope", "--json")
    assert as_json.exit_code == 0
    assert json.loads(as_json.stdout) == []
    assert "no runs match" in as_json.stderr

"""``vitals report RUN [CAND]`` writes the file and prints where."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.report.conftest import Page, recorded_suite, write_jsonl
from typer.testing import CliRunner

import aivitals.cli._report  # noqa: F401  # registers the command
from aivitals import evaluate
from aivitals.cli import app

CASES = [
    {"id": f"c{i}", "input": f"q{i}", "expected": f"a{i}", "topic": f"t{i % 2}"} for i in range(12)
]


@pytest.fixture
def runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("VITALS_STORE", str(tmp_path / "store.duckdb"))
    write_jsonl(tmp_path / "golden.jsonl", CASES)
    write_jsonl(tmp_path / "base.jsonl", ({"id": c["id"], "output": c["expected"]} for c in CASES))
    write_jsonl(
        tmp_path / "cand.jsonl",
        ({"id": c["id"], "output": "no" if i < 4 else c["expected"]} for i, c in enumerate(CASES)),
    )
    ids = []
    for outputs in ("base.jsonl", "cand.jsonl"):
        suite = recorded_suite(tmp_path, "cli", outputs, tags=["topic"], scorers=["exact_match"])
        ids.append(evaluate(suite, store=tmp_path / "store.duckdb").id)
    return ids[0], ids[1]


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_report_of_one_run_goes_to_report_run_html(runs: tuple[str, str], tmp_path: Path) -> None:
    base, _ = runs
    code, output = invoke("report", base[:-1])  # a unique prefix
    assert code == 0
    path = tmp_path / f"report-{base}.html"
    assert output.strip() == f"Wrote report-{base}.html"
    assert Page(path.read_text(encoding="utf-8")).tables["scorers"][0][:3] == [
        "exact_match",
        "pass rate",
        "100.0%",
    ]


def test_report_of_two_runs_is_their_comparison(runs: tuple[str, str], tmp_path: Path) -> None:
    base, cand = runs
    code, output = invoke("report", base, "latest")
    assert code == 0
    path = tmp_path / f"report-{base}-vs-{cand}.html"
    assert output.strip() == f"Wrote {path.name}"
    page = Page(path.read_text(encoding="utf-8"))
    assert page.tables["overall"][0][:4] == [
        "exact_match",
        "pass rate",
        "100.0% [75.8%, 100.0%]",
        "66.7% [39.1%, 86.2%]",
    ]
    assert [row[0].split()[0] for row in page.tables["flip-rows"]] == ["c0", "c1", "c2", "c3"]


def test_output_option_names_the_file(runs: tuple[str, str], tmp_path: Path) -> None:
    code, output = invoke("report", "latest", "-o", "out/r.html")
    assert code == 0
    assert (tmp_path / "out" / "r.html").is_file()
    assert output.strip() == f"Wrote {Path('out/r.html')}"


def test_unknown_run_is_bad_input(runs: tuple[str, str]) -> None:
    code, output = invoke("report", "no-such-run")
    assert code == 2
    assert "no run 'no-such-run'" in output

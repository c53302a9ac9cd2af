"""The ``vitals`` command: in-process for speed, as a real process for exit codes."""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from tests.cli.conftest import run_process

ROWS = [
    {
        "id": "r1",
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
    {
        "id": "x1",
        "question": "<script>alert(1)</script> [bold]hi[/bold]",
        "answer": "Sunny.",
        "intent": "other",
    },
]
SUITE = """\
name: cli-suite
dataset:
  path: golden.jsonl
  mapping: {input: question, tags: [intent]}
target:
  type: callable
  function: tinybot:answer
scorers:
  - exact_match
  - scorer: squad_f1
    threshold: 0.5
"""


@pytest.fixture
def project(tmp_path: Path, bot_module: str, vitals: Callable[..., Any]) -> Path:
    (tmp_path / "golden.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in ROWS), encoding="utf-8"
    )
    (tmp_path / "suite.yaml").write_text(SUITE, encoding="utf-8")
    return tmp_path


def test_eval_run_then_runs_show_and_export(vitals: Callable[..., Any], project: Path) -> None:
    done = vitals("eval", "run", "suite.yaml", "--json")
    assert done.exit_code == 0, done.output
    summary = json.loads(done.stdout)
    exact = next(s for s in summary["scorers"] if s["scorer"] == "exact_match")
    assert {"n", "value", "ci_low", "ci_high"} <= set(exact)
    assert exact["n"] == 3
    assert {s["slice"] for s in summary["slices"]} == {"intent"}

    table = vitals("eval", "run", "suite.yaml")
    assert table.exit_code == 0
    assert "exact_match" in table.stdout
    assert "cache hits 3" in table.stdout

    listed = json.loads(vitals("runs", "list", "--json").stdout)
    assert len(listed) == 2
    shown = json.loads(vitals("runs", "show", summary["run_id"], "--json").stdout)
    assert shown["run"]["manifest"]["suite"]["name"] == "cli-suite"

    for fmt in ("jsonl", "csv", "parquet"):
        out = project / f"out.{fmt}"
        done = vitals("runs", "export", "latest", "--format", fmt, "-o", str(out))
        assert done.exit_code == 0, done.output
        assert out.stat().st_size > 0
    rows = pq.read_table(project / "out.parquet").to_pylist()
    assert len(rows) == 3
    assert {"exact_match", "exact_match.passed", "squad_f1"} <= set(rows[0])
    first = json.loads((project / "out.jsonl").read_text().splitlines()[0])
    assert first["input"] == "forgot password"


def test_model_text_cannot_restyle_the_terminal(vitals: Callable[..., Any], project: Path) -> None:
    vitals("datasets", "add", "golden.jsonl", "--input", "question")
    shown = vitals("datasets", "show", "golden")
    assert "[bold]hi[/bold]" in shown.stdout


def test_datasets_add_list_show(vitals: Callable[..., Any], project: Path) -> None:
    added = vitals(
        "datasets", "add", "golden.jsonl", "--input", "question", "--tag", "intent", "--json"
    )
    assert added.exit_code == 0, added.output
    info = json.loads(added.stdout)
    assert info["n_cases"] == 3
    assert info["new"] is True
    again = json.loads(
        vitals(
            "datasets", "add", "golden.jsonl", "--input", "question", "--tag", "intent", "--json"
        ).stdout
    )
    assert again["new"] is False
    listed = json.loads(vitals("datasets", "list", "--json").stdout)
    assert [d["version"] for d in listed] == [info["version"]]
    shown = json.loads(vitals("datasets", "show", "golden", "--json").stdout)
    assert shown["cases"][0]["tags"] == {"intent": "refund"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("datasets", "add", "missing.jsonl"), "missing.jsonl: no such file"),
        (("eval", "run", "nope.yaml"), "no such suite file"),
        (("runs", "show", "no-such-run"), "no run 'no-such-run'"),
        (("runs", "export", "latest", "--format", "xml"), "no run"),
    ],
)
def test_bad_input_exits_2_with_a_message(
    vitals: Callable[..., Any], project: Path, args: tuple[str, ...], message: str
) -> None:
    done = vitals(*args)
    assert done.exit_code == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_bad_dataset_in_a_suite_exits_2_naming_the_line(
    vitals: Callable[..., Any], project: Path
) -> None:
    with (project / "golden.jsonl").open("a", encoding="utf-8") as handle:
        handle.write('{"id": "bad", "question": ["not", "text"]}\n')
    done = vitals("eval", "run", "suite.yaml")
    assert done.exit_code == 2
    assert "golden.jsonl:4, field 'question'" in done.stderr


def test_help_lists_the_commands(project: Path) -> None:
    done = run_process(project, "--help")
    for command in ("demo", "datasets", "eval", "runs"):
        assert command in done.stdout


def test_a_real_process_exits_2_on_bad_input(project: Path) -> None:
    done = run_process(project, "eval", "run", "nope.yaml")
    assert done.returncode == 2
    assert "no such suite file" in done.stderr
    assert "Traceback" not in done.stderr


def test_repeats_and_concurrency_can_be_overridden(
    vitals: Callable[..., Any], project: Path
) -> None:
    done = vitals("eval", "run", "suite.yaml", "--repeats", "3", "--concurrency", "2", "--json")
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["n_records"] == 9
    bad = vitals("eval", "run", "suite.yaml", "--repeats", "0")
    assert bad.exit_code == 2
    assert "repeats" in bad.stderr

"""The gate end to end: real runs in a store, the library call, the CLI and its exit codes."""

import json
import shutil
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from tests.gate.conftest import GateRuns, gate_suite
from typer.testing import CliRunner

import aivitals.cli._gate  # noqa: F401  - registers `vitals gate` until the lead wires it
from aivitals import evaluate
from aivitals.cli import app
from aivitals.errors import ConfigError, StoreError
from aivitals.gate import evaluate_gate, load_policy
from aivitals.store import Store

POLICY = """\
name: release gate
rules:
  - id: floor
    scorer: exact_match
    min: {lower_bound: 0.85}
  - id: overall
    scorer: exact_match
    max_regression: {margin: 0.10}
  - id: channels
    scorer: exact_match
    slices: [channel]
    max_regression: {margin: 0.10}
  - id: critical
    scorer: exact_match
    no_new_failures: {}
"""

PASSING = """\
name: floor only
rules:
  - {scorer: exact_match, min: {value: 0.5}}
  - {scorer: exact_match, min_n: 300}
"""

NEEDS_BASELINE = """\
name: needs a baseline
on_inconclusive: MODE
rules:
  - {scorer: exact_match, max_regression: {margin: 0.05}}
"""


def policy_file(directory: Path, text: str, name: str = "gate.yaml") -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def test_gate_catches_a_slice_regression_while_overall_passes(
    gate_runs: GateRuns, tmp_path: Path
) -> None:
    policy = load_policy(policy_file(tmp_path, POLICY))
    with Store(gate_runs.store, read_only=True) as store:
        result = evaluate_gate(store, policy, gate_runs.candidate, gate_runs.base)
    outcomes = {r.name: r for r in result.rules}
    assert {name: r.outcome for name, r in outcomes.items()} == {
        "floor": "pass",
        "overall": "pass",
        "channels [channel=chat]": "pass",
        "channels [channel=email]": "pass",
        "channels [channel=voice]": "fail",
        "critical": "fail",
    }
    assert (result.outcome, result.exit_code) == ("fail", 1)
    assert (result.candidate_run, result.baseline_run) == (gate_runs.candidate, gate_runs.base)
    voice = outcomes["channels [channel=voice]"]
    assert voice.n == 120 and voice.delta is not None
    assert voice.delta.value == pytest.approx(-21 / 120)
    assert voice.evidence.startswith("exact_match in channel=voice: 82.5% [")
    assert "McNemar exact p<0.0001 (holm-adjusted" in voice.evidence
    overall = outcomes["overall"]
    assert overall.delta is not None and overall.delta.value == pytest.approx(-21 / 360)
    assert overall.delta.ci_low is not None and -0.10 < overall.delta.ci_low < -21 / 360
    critical = outcomes["critical"]
    assert [f.case_id for f in critical.flips] == ["c50"]
    assert critical.n == 36  # cases tagged critical: every tenth of 360
    assert "1 of 36 cases tagged critical=true" in critical.evidence
    assert 0 < result.duration_s < 5


def test_unknown_scorer_is_located_in_the_policy(gate_runs: GateRuns, tmp_path: Path) -> None:
    text = POLICY.replace(
        "    scorer: exact_match\n    no_new", "    scorer: exact_mach\n    no_new"
    )
    policy = load_policy(policy_file(tmp_path, text))
    with Store(gate_runs.store, read_only=True) as store, pytest.raises(ConfigError) as err:
        evaluate_gate(store, policy, gate_runs.candidate, gate_runs.base)
    [problem] = err.value.problems
    assert (problem.line, problem.field) == (14, "rules.3.scorer")
    assert "'exact_mach' is not in the candidate run; it has exact_match" in problem.message


def test_unknown_run_is_a_store_error(gate_runs: GateRuns, tmp_path: Path) -> None:
    policy = load_policy(policy_file(tmp_path, PASSING))
    with Store(gate_runs.store, read_only=True) as store, pytest.raises(StoreError):
        evaluate_gate(store, policy, "no-such-run")


# ---------------------------------------------------------------- CLI


def vitals(gate_runs: GateRuns, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        app, ["gate", *args, "--store", str(gate_runs.store)], catch_exceptions=False
    )
    return result.exit_code, result.output


def test_cli_fails_the_build_with_junit_and_markdown(gate_runs: GateRuns, tmp_path: Path) -> None:
    junit, md = tmp_path / "out" / "gate.xml", tmp_path / "out" / "gate.md"
    code, output = vitals(
        gate_runs,
        "--policy", str(policy_file(tmp_path, POLICY)),
        "--run", gate_runs.candidate,
        "--baseline", gate_runs.base,
        "--junit", str(junit),
        "--md", str(md),
    )  # fmt: skip
    assert code == 1, output
    assert output.startswith(f"gate FAIL: release gate (candidate {gate_runs.candidate}")
    assert "FAIL         channels [channel=voice]" in output
    cases = ET.parse(junit).getroot().findall("testsuite/testcase")
    assert len(cases) == 6
    assert sum(c.find("failure") is not None for c in cases) == 2
    comment = md.read_text(encoding="utf-8")
    assert comment.startswith("### ❌ aivitals gate: **FAIL** — release gate")
    assert "non-inferiority margin 10.0 pts not met" in comment
    assert "| c50 | voice question 50 | answer 50 | answer 50 |" in comment
    assert "&lt;script&gt;" in comment and "<script>" not in comment


def test_cli_json_and_exit_zero(gate_runs: GateRuns, tmp_path: Path) -> None:
    code, output = vitals(
        gate_runs, "--policy", str(policy_file(tmp_path, PASSING)), "--run", "latest", "--json"
    )
    assert code == 0, output
    data = json.loads(output)
    assert data["outcome"] == "pass" and data["candidate_run"] == gate_runs.candidate
    assert [r["outcome"] for r in data["rules"]] == ["pass", "pass"]


@pytest.mark.parametrize(("mode", "code"), [("inconclusive", 3), ("fail", 1), ("pass", 0)])
def test_cli_inconclusive_exit_code_follows_the_policy(
    gate_runs: GateRuns, tmp_path: Path, mode: str, code: int
) -> None:
    path = policy_file(tmp_path, NEEDS_BASELINE.replace("MODE", mode))
    found, output = vitals(gate_runs, "--policy", str(path), "--run", gate_runs.candidate)
    assert found == code, output
    assert "needs a baseline run (--baseline)" in output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--policy", "{dir}/missing.yaml", "--run", "latest"], "no such policy file"),
        (["--policy", "{policy}", "--run", "nope"], "no run 'nope'"),
        (["--policy", "{bad}", "--run", "latest"], "field 'rules.0.min'"),
        (["--policy", "{policy}", "--run", "latest", "--baseline", "nope"], "no run 'nope'"),
        (["--run", "latest"], "Missing option '--policy'"),
    ],
)
def test_cli_bad_input_exits_2(
    gate_runs: GateRuns, tmp_path: Path, args: list[str], message: str
) -> None:
    paths = {
        "dir": str(tmp_path),
        "policy": str(policy_file(tmp_path, PASSING)),
        "bad": str(policy_file(tmp_path, "name: b\nrules:\n  - {scorer: s, min: {}}\n", "b.yaml")),
    }
    result = CliRunner().invoke(
        app, ["gate", *(a.format(**paths) for a in args), "--store", str(gate_runs.store)]
    )
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_cli_missing_store_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["gate", "--policy", str(policy_file(tmp_path, PASSING)), "--run", "latest",
         "--store", str(tmp_path / "none.duckdb")],
    )  # fmt: skip
    assert result.exit_code == 2 and "no store at" in result.output


# ---------------------------------------------------------------- real processes


def run(gate_runs: GateRuns, launcher: list[str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *launcher, *args, "--store", str(gate_runs.store)],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=gate_runs.dir,
    )


# ``python -c`` passes the arguments after the script on to ``main()``.
WITH_GATE = ["-c", "import aivitals.cli._gate; from aivitals.cli import main; main()"]


def test_exit_codes_of_a_real_process(gate_runs: GateRuns, tmp_path: Path) -> None:
    gate = policy_file(tmp_path, POLICY)
    failed = run(
        gate_runs, WITH_GATE, "gate", "--policy", str(gate), "--run", gate_runs.candidate,
        "--baseline", gate_runs.base,
    )  # fmt: skip
    assert failed.returncode == 1, failed.stderr
    unsure = policy_file(tmp_path, NEEDS_BASELINE.replace("MODE", "inconclusive"), "u.yaml")
    inconclusive = run(gate_runs, WITH_GATE, "gate", "--policy", str(unsure), "--run", "latest")
    assert inconclusive.returncode == 3, inconclusive.stderr
    bad = run(gate_runs, WITH_GATE, "gate", "--policy", str(tmp_path / "x.yaml"), "--run", "x")
    assert bad.returncode == 2 and "no such policy file" in bad.stderr


def test_python_m_aivitals_gate(gate_runs: GateRuns, tmp_path: Path) -> None:
    wired = subprocess.run(
        [sys.executable, "-m", "aivitals", "gate", "--help"],
        check=False,
        capture_output=True,
        timeout=120,
    )
    if wired.returncode != 0:
        pytest.skip("`vitals gate` is not wired into aivitals.cli yet")
    passed = run(
        gate_runs, ["-m", "aivitals"], "gate", "--policy", str(policy_file(tmp_path, PASSING)),
        "--run", gate_runs.candidate,
    )  # fmt: skip
    assert passed.returncode == 0, passed.stderr
    assert "→ exit 0" in passed.stdout


def test_runs_that_measured_different_things_are_bad_input(
    gate_runs: GateRuns, tmp_path: Path
) -> None:
    store_copy = tmp_path / "copy.duckdb"
    shutil.copy(gate_runs.store, store_copy)
    spec = gate_suite(gate_runs.dir, "good")
    spec["scorers"] = [{"scorer": "exact_match", "args": {"case_sensitive": False}}]
    with pytest.MonkeyPatch.context() as mp, Store(store_copy) as store:
        mp.syspath_prepend(str(gate_runs.dir))
        other = evaluate(spec, store=store).id
    args = ["gate", "--policy", str(policy_file(tmp_path, POLICY)), "--run", other]
    result = CliRunner().invoke(
        app, [*args, "--baseline", gate_runs.base, "--store", str(store_copy)]
    )
    assert result.exit_code == 2, result.output
    assert "not comparable" in result.output and "configured differently" in result.output
    allowed = policy_file(tmp_path, POLICY.replace("rules:", "allow_mismatch: true\nrules:"))
    args[2] = str(allowed)
    result = CliRunner().invoke(
        app, [*args, "--baseline", gate_runs.base, "--store", str(store_copy), "--json"]
    )
    assert result.exit_code == 0, result.output  # the same bot as the baseline: all pass
    data = json.loads(result.output)
    assert any("mismatch allowed" in note for note in data["notes"])

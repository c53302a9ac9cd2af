"""Gate policy files: the format, its shorthands, and errors located by line and field."""

from pathlib import Path

import pytest

from aivitals.errors import ConfigError
from aivitals.gate import load_policy, parse_policy

EXAMPLE = """\
name: support-bot release gate
on_inconclusive: fail
min_n: 30
rules:
  - id: correctness
    scorer: answer_correct
    min: {lower_bound: 0.80}
  - scorer: answer_correct
    slices: [channel]
    max_regression: {margin: 0.02, alpha: 0.025}
  - scorer: answer_correct
    slice: {critical: true}
    min: {value: 0.95}
    min_n: 5
  - scorer: answer_correct
    no_new_failures: true
  - scorer: answer_correct
    slices: all
    min_n: 20
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "gate.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(tmp_path: Path, text: str) -> list[tuple[int | None, str | None, str]]:
    with pytest.raises(ConfigError) as err:
        load_policy(write(tmp_path, text))
    return [(p.line, p.field, p.message) for p in err.value.problems]


def test_example_policy_loads_with_shorthands_and_defaults(tmp_path: Path) -> None:
    policy = load_policy(write(tmp_path, EXAMPLE))
    assert policy.name == "support-bot release gate"
    assert (policy.on_inconclusive, policy.min_n, policy.alpha) == ("fail", 30, 0.05)
    kinds = [r.kind for r in policy.rules]
    assert kinds == ["min", "max_regression", "min", "no_new_failures", "min_n"]
    assert [policy.rule_id(i) for i in range(5)] == ["correctness", "R2", "R3", "R4", "R5"]
    assert policy.rules[1].slices == ["channel"]
    assert policy.rule_alpha(policy.rules[1]) == 0.025
    assert policy.rules[2].slice == {"critical": "true"}  # YAML true, compared as text
    assert policy.rule_min_n(policy.rules[2]) == 5
    crit = policy.rules[3].no_new_failures
    assert crit is not None and (crit.tag, crit.value) == ("critical", "true")
    assert policy.rule_min_n(policy.rules[3]) == 1  # one critical case is enough to judge
    assert policy.rules[4].all_slices
    assert [policy.rule_line(i) for i in range(5)] == [5, 8, 11, 15, 17]
    assert policy.file == str(tmp_path / "gate.yaml")


def test_defaults_without_a_file() -> None:
    policy = parse_policy({"name": "p", "rules": [{"scorer": "s", "min": {"value": 0.5}}]})
    assert (policy.on_inconclusive, policy.min_n, policy.adjustment) == ("inconclusive", 10, "holm")
    assert policy.file == "<policy>"


@pytest.mark.parametrize(
    ("text", "line", "field", "message"),
    [
        ("rules:\n  - {scorer: s, min: {value: 1}}\n", 1, "name", "Field required"),
        ("name: p\nrules: []\n", 2, "rules", "at least 1 item"),
        (
            "name: p\nrules:\n  - scorer: s\n    min: {value: 0.9}\n"
            "  - scorer: s\n    min: {value: 0.9}\n    max_regression: {margin: 0.1}\n",
            5,
            "rules.1",
            "one check per rule",
        ),
        (
            "name: p\nrules:\n  - scorer: s\n    min: {value: 0.9, lower_bound: 0.8}\n",
            4,
            "rules.0.min",
            "exactly one of 'value' or 'lower_bound'",
        ),
        (
            "name: p\nrules:\n  - scorer: s\n    max_regresion: {margin: 0.1}\n",
            4,
            "rules.0.max_regresion",
            "Extra inputs are not permitted",
        ),
        (
            "name: p\nrules:\n  - scorer: s\n    max_regression:\n      margin: 0\n",
            5,
            "rules.0.max_regression.margin",
            "greater than 0",
        ),
        (
            "name: p\nrules:\n  - scorer: s\n    max_regression: {margin: 0.1, alpha: 0.7}\n",
            4,
            "rules.0.max_regression.alpha",
            "less than 0.5",
        ),
        (
            "name: p\nrules:\n  - scorer: s\n",
            3,
            "rules.0",
            "needs one of min, max_regression, no_new_failures or min_n",
        ),
        (
            "name: p\nrules:\n  - scorer: s\n    slice: {a: x, b: y}\n    min: {value: 1}\n",
            4,
            "rules.0.slice",
            "one 'tag: value'",
        ),
        (
            "name: p\nrules:\n  - scorer: s\n    slice: {a: x}\n    slices: all\n"
            "    min: {value: 1}\n",
            3,
            "rules.0",
            "either 'slice' or 'slices'",
        ),
        (
            "name: p\nrules:\n  - scorer: s\n    slices: all\n    no_new_failures: {}\n",
            3,
            "rules.0",
            "drop 'slice'/'slices'",
        ),
        (
            "name: p\non_inconclusive: maybe\nrules:\n  - {scorer: s, min_n: 3}\n",
            2,
            "on_inconclusive",
            "'fail', 'pass' or 'inconclusive'",
        ),
        (
            "name: p\nrules:\n  - {scorer: s, min_n: 0}\n",
            3,
            "rules.0.min_n",
            "greater than or equal to 1",
        ),
        (
            "name: p\nrules:\n  - {id: a, scorer: s, min_n: 3}\n  - {id: a, scorer: t, min_n: 3}\n",
            4,
            "rules.1.id",
            "used twice",
        ),
    ],
)
def test_invalid_policy_names_line_and_field(
    tmp_path: Path, text: str, line: int, field: str, message: str
) -> None:
    found = problems(tmp_path, text)
    assert any(f == field and message in m and ln == line for ln, f, m in found), found


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = "name: p\nrules:\n  - scorer: s\n    min: {}\n  - scorer: ''\n    min_n: 2\n"
    fields = {f for _, f, _ in problems(tmp_path, text)}
    assert fields == {"rules.0.min", "rules.1.scorer"}


def test_error_message_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        load_policy(write(tmp_path, "name: p\nrules:\n  - {scorer: s, min: {valu: 1}}\n"))
    assert str(err.value).startswith(f"{tmp_path / 'gate.yaml'}:3, field 'rules.0.min.valu'")


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("name: [unclosed\n", 2, "invalid YAML"),
        ("- just\n- a list\n", None, "a policy is a mapping"),
    ],
)
def test_unreadable_policy(tmp_path: Path, text: str, line: int | None, message: str) -> None:
    [(found_line, _, found)] = problems(tmp_path, text)
    assert message in found and found_line == line


def test_missing_policy_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such policy file"):
        load_policy(tmp_path / "nope.yaml")

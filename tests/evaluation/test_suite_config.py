from pathlib import Path

import pytest

from aivitals.errors import ConfigError
from aivitals.evaluation import load_suite, parse_suite

GOOD = """\
name: faq
dataset:
  path: golden.jsonl
  mapping:
    input: question
target:
  type: callable
  function: tinybot:answer
scorers:
  - exact_match
  - scorer: squad_f1
    threshold: 0.5
"""


def test_singular_dataset_and_scorer_shorthand(tmp_path: Path) -> None:
    path = tmp_path / "suite.yaml"
    path.write_text(GOOD, encoding="utf-8")
    suite = load_suite(path)
    assert [d.path for d in suite.datasets] == ["golden.jsonl"]
    assert [s.display_name for s in suite.scorers] == ["exact_match", "squad_f1"]
    assert suite.scorers[1].threshold == 0.5
    assert suite.repeats == 1


def test_config_hash_is_stable_and_sensitive() -> None:
    base = {
        "name": "a",
        "dataset": {"path": "x.jsonl"},
        "target": {"type": "callable"},
        "scorers": ["exact_match"],
    }
    assert parse_suite(base).config_hash == parse_suite(dict(base)).config_hash
    assert parse_suite(base).config_hash != parse_suite({**base, "repeats": 2}).config_hash


@pytest.mark.parametrize(
    ("text", "line", "field", "message"),
    [
        (
            GOOD.replace(
                "  - exact_match\n", "  - exact_match\n  - scorer: rouge\n    treshold: 1\n"
            ),
            12,
            "scorers.1.treshold",
            "Extra inputs",
        ),
        (GOOD + "repeats: 0\n", 13, "repeats", "greater than or equal to 1"),
        (GOOD.replace("  path: golden.jsonl\n", ""), 2, "dataset", "give a 'path'"),
        (GOOD + "concurrency: many\n", 13, "concurrency", "valid integer"),
    ],
)
def test_problems_name_line_and_field(
    tmp_path: Path, text: str, line: int, field: str, message: str
) -> None:
    path = tmp_path / "suite.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_suite(path)
    problem = err.value.problems[0]
    assert (problem.file, problem.line, problem.field) == (str(path), line, field)
    assert message in problem.message


def test_duplicate_scorer_names_are_refused() -> None:
    with pytest.raises(ConfigError, match="used twice"):
        parse_suite(
            {
                "name": "a",
                "dataset": {"path": "x"},
                "target": {"type": "callable"},
                "scorers": ["exact_match", "exact_match"],
            }
        )


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "suite.yaml"
    path.write_text("name: a\nscorers: [\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="invalid YAML") as err:
        load_suite(path)
    assert err.value.problems[0].line is not None

"""Output and call checks: JSON, JSON Schema, length, latency and cost budgets."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from aivitals.model import Score
from aivitals.scorers import create_scorer

ScoreOne = Callable[..., Score]

PERSON = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "age": {"type": "integer", "minimum": 0}},
    "required": ["name"],
}


@pytest.mark.parametrize(
    ("args", "output", "passed"),
    [
        ({}, '{"a": [1, 2, null]}', True),
        ({}, "  [1, 2]\n", True),
        ({}, "42", True),
        ({}, '"text"', True),
        ({}, "true", True),
        ({}, "NaN", True),  # as Python's json accepts it
        ({}, "{'a': 1}", False),
        ({}, '{"a": 1', False),
        ({}, "Sure! Here it is: {}", False),
        ({}, "", False),
        ({}, '```json\n{"a": 1}\n```', False),
        ({"strip_code_fence": True}, '```json\n{"a": 1}\n```', True),
        ({"strip_code_fence": True}, "```\n[1]\n```\n", True),
        ({"strip_code_fence": True}, '{"a": 1}', True),
        ({"strip_code_fence": True}, "```json\nnope\n```", False),
    ],
)
def test_json_valid(score: ScoreOne, args: dict[str, Any], output: str, passed: bool) -> None:
    result = score("json_valid", output, (), args)
    assert (result.passed, result.value) == (passed, float(passed))


@pytest.mark.parametrize(
    ("output", "explanation"),
    [
        ('{"a": 1', "not JSON: Expecting ',' delimiter at line 1 column 8"),
        ("Sure!", "not JSON: starts with 'S'"),
        ("   ", "not JSON: empty"),
    ],
)
def test_json_valid_explains(score: ScoreOne, output: str, explanation: str) -> None:
    assert score("json_valid", output).explanation == explanation


@pytest.mark.parametrize(
    ("args", "output", "passed", "explanation"),
    [
        ({}, '{"name": "Ada", "age": 36}', True, None),
        ({}, '{"name": "Ada"}', True, None),
        ({}, '{"age": 36}', False, "$: 'name' is a required property"),
        ({}, '{"name": "Ada", "age": -1}', False, "$.age: -1 is less than the minimum of 0"),
        ({}, '{"name": 3}', False, "$.name: 3 is not of type 'string'"),
        ({}, "oops", False, "not JSON: starts with 'o'"),
        ({}, "nope", False, "not JSON: Expecting value at line 1 column 1"),
        ({"strip_code_fence": True}, '```json\n{"name": "Ada"}\n```', True, None),
    ],
)
def test_json_schema(
    score: ScoreOne, args: dict[str, Any], output: str, passed: bool, explanation: str | None
) -> None:
    result = score("json_schema", output, (), {"schema": PERSON, **args})
    assert (result.passed, result.explanation) == (passed, explanation)


def test_json_schema_formats_are_checked_only_when_asked(score: ScoreOne) -> None:
    schema = {"type": "string", "format": "date"}
    assert score("json_schema", '"not a date"', (), {"schema": schema}).passed is True
    checked = {"schema": schema, "check_formats": True}
    assert score("json_schema", '"not a date"', (), checked).passed is False
    assert score("json_schema", '"2024-02-29"', (), checked).passed is True


def test_json_schema_follows_the_declared_draft(score: ScoreOne) -> None:
    # Draft 4 reads a boolean exclusiveMaximum; later drafts would reject this schema.
    schema = {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "type": "number",
        "maximum": 10,
        "exclusiveMaximum": True,
    }
    assert score("json_schema", "10", (), {"schema": schema}).passed is False
    assert score("json_schema", "9", (), {"schema": schema}).passed is True


def test_json_schema_rejects_an_invalid_schema() -> None:
    with pytest.raises(ValueError, match="argument 'schema'"):
        create_scorer("json_schema", {"schema": {"type": "no-such-type"}})


@pytest.mark.parametrize(
    ("args", "output", "passed", "explanation"),
    [
        ({"max_chars": 5}, "hello", True, None),
        ({"max_chars": 4}, "hello", False, "5 characters > maximum 4"),
        ({"min_chars": 6}, "hello", False, "5 characters < minimum 6"),
        ({"min_words": 2, "max_words": 3}, "one two three", True, None),
        ({"max_words": 2}, " one  two\nthree ", False, "3 words > maximum 2"),
        ({"min_words": 1}, "   ", False, "0 words < minimum 1"),
        ({"max_chars": 100, "min_words": 2}, "word", False, "1 words < minimum 2"),
        ({"min_chars": 0, "max_chars": 0}, "", True, None),
    ],
)
def test_length(
    score: ScoreOne, args: dict[str, Any], output: str, passed: bool, explanation: str | None
) -> None:
    result = score("length", output, (), args)
    assert (result.passed, result.explanation) == (passed, explanation)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({}, "at least one"),
        ({"min_chars": 10, "max_chars": 5}, "'min_chars' .10. is larger than 'max_chars' .5."),
        ({"max_words": -1}, "argument 'max_words' must not be negative"),
    ],
)
def test_length_rejects_bad_bounds(args: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        create_scorer("length", args)


@pytest.mark.parametrize(
    ("latency_ms", "passed", "value"),
    [(120.0, True, 1.0), (500.0, True, 1.0), (500.5, False, 0.0), (None, None, None)],
)
def test_latency_budget(
    score: ScoreOne, latency_ms: float | None, passed: bool | None, value: float | None
) -> None:
    result = score("latency_budget", "ok", (), {"max_ms": 500}, latency_ms=latency_ms)
    assert (result.passed, result.value) == (passed, value)


def test_latency_budget_explains(score: ScoreOne) -> None:
    result = score("latency_budget", "ok", (), {"max_ms": 500}, latency_ms=812.4)
    assert result.explanation == "latency 812 ms > budget 500 ms"
    missing = score("latency_budget", "ok", (), {"max_ms": 500})
    assert missing.explanation == "no latency recorded"


@pytest.mark.parametrize(
    ("cost", "passed"), [(0.0, True), (0.002, True), (0.0021, False), (None, None)]
)
def test_cost_budget(score: ScoreOne, cost: float | None, passed: bool | None) -> None:
    assert score("cost_budget", "ok", (), {"max_cost": 0.002}, cost=cost).passed is passed


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("latency_budget", {"max_ms": -1.0}),
        ("latency_budget", {"max_ms": float("nan")}),
        ("cost_budget", {"max_cost": -0.5}),
    ],
)
def test_budgets_reject_bad_limits(name: str, args: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="must be a non-negative number"):
        create_scorer(name, args)


def test_budgets_do_not_read_expected(score: ScoreOne) -> None:
    assert score("cost_budget", "ok", ("something else",), {"max_cost": 1}, cost=0.5).passed


def test_spec_records_defaults() -> None:
    spec = create_scorer("json_schema", {"schema": PERSON}).spec
    assert dict(spec.args) == {"schema": PERSON, "strip_code_fence": False, "check_formats": False}
    assert dict(create_scorer("length", {"max_words": 3}).spec.args) == {
        "min_chars": None,
        "max_chars": None,
        "min_words": None,
        "max_words": 3,
    }

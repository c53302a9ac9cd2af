"""Answer checks: exact, normalised, contains, regex, label and numeric match."""

from __future__ import annotations

import asyncio
import unicodedata
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aivitals.model import Record, Score
from aivitals.scorers import create_scorer
from aivitals.scorers._match import normalize_text

ScoreOne = Callable[..., Score]


def _verdict(score: ScoreOne, name: str, output: str, expected: tuple[str, ...], args: Any) -> Any:
    result = score(name, output, expected, args)
    assert result.value == (None if result.passed is None else float(result.passed))
    return result.passed


@pytest.mark.parametrize(
    ("args", "output", "expected", "passed"),
    [
        ({}, "Paris", ("Paris",), True),
        ({}, "  Paris\n", ("Paris",), True),
        ({}, "paris", ("Paris",), False),
        ({}, "Paris", ("London", "Paris"), True),
        ({}, "Paris.", ("Paris",), False),
        ({"case_sensitive": False}, "PARIS", ("paris",), True),
        ({"case_sensitive": False}, "Straße", ("STRASSE",), True),
        ({"strip": False}, " Paris", ("Paris",), False),
        ({"strip": False, "case_sensitive": False}, "PARIS", ("paris",), True),
        ({}, "", ("",), True),
    ],
)
def test_exact_match(
    score: ScoreOne, args: dict[str, Any], output: str, expected: tuple[str, ...], passed: bool
) -> None:
    assert _verdict(score, "exact_match", output, expected, args) is passed


@pytest.mark.parametrize(
    ("output", "expected", "passed"),
    [
        ("Paris", ("paris",), True),
        ("  The   Eiffel Tower! ", ("the eiffel tower",), True),
        ("don't", ("dont",), True),
        ("«Bonjour», dit-il…", ("bonjour ditil",), True),
        ("ＡＢＣ", ("abc",), True),  # full-width letters, via NFKC
        ("$5", ("5",), False),  # symbols are kept
        ("a cat", ("cat",), False),  # articles are kept, unlike SQuAD
        ("Paris", ("Lyon", "PARIS."), True),
        ("Paris", ("Lyon",), False),
    ],
)
def test_normalized_match(
    score: ScoreOne, output: str, expected: tuple[str, ...], passed: bool
) -> None:
    assert _verdict(score, "normalized_match", output, expected, {}) is passed


_CASE_INVARIANT = st.characters(codec="latin-1").filter(
    lambda c: c.upper().casefold() == c.casefold() == c.lower().casefold()
)


@settings(deadline=None)
@given(
    words=st.lists(st.text(_CASE_INVARIANT.filter(lambda c: not c.isspace()), min_size=1)),
    gaps=st.lists(st.sampled_from([" ", "  ", "\t", "\n", " \u00a0 "]), min_size=1),
    flips=st.lists(st.booleans(), min_size=1),
)
def test_normalized_match_ignores_case_and_whitespace(
    words: list[str], gaps: list[str], flips: list[bool]
) -> None:
    text = " ".join(words)
    changed = gaps[0]
    for i, word in enumerate(words):
        changed += (word.upper() if flips[i % len(flips)] else word.lower()) + gaps[i % len(gaps)]
    scorer = create_scorer("normalized_match")
    record = Record(id="r", source="t", input="q", output=changed, expected=(text,))
    assert asyncio.run(scorer(record)).passed is True


@settings(deadline=None, max_examples=300)
@given(st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40))
def test_normalize_text_fast_path_equals_definition(text: str) -> None:
    folded = unicodedata.normalize("NFKC", text).casefold()
    kept = "".join(c for c in folded if not unicodedata.category(c).startswith("P"))
    assert normalize_text(text) == " ".join(kept.split())


def test_regex_explains(score: ScoreOne) -> None:
    assert score("regex", "x", (), {"pattern": "y+"}).explanation == "no match for 'y+'"


@pytest.mark.parametrize(
    ("args", "output", "expected", "passed"),
    [
        ({}, "The capital is Paris.", ("Paris",), True),
        ({}, "The capital is paris.", ("Paris",), False),
        ({"case_sensitive": False}, "The capital is paris.", ("Paris",), True),
        ({}, "Lyon or Paris", ("Paris", "Rome"), True),
        ({"mode": "all"}, "Lyon or Paris", ("Paris", "Rome"), False),
        ({"mode": "all"}, "Rome and Paris", ("Paris", "Rome"), True),
        ({"values": ["refund", "30 days"]}, "A refund within 30 days.", (), True),
        ({"values": ["refund", "30 days"], "mode": "all"}, "A refund.", ("x",), False),
        ({"values": ["REFUND"], "case_sensitive": False}, "a refund", (), True),
    ],
)
def test_contains(
    score: ScoreOne, args: dict[str, Any], output: str, expected: tuple[str, ...], passed: bool
) -> None:
    assert _verdict(score, "contains", output, expected, args) is passed


def test_contains_explains_what_is_absent(score: ScoreOne) -> None:
    result = score("contains", "Paris", ("Rome", "Oslo", "Paris"), {"mode": "all"})
    assert result.explanation == "output lacks 'Rome' and 1 more"


def test_contains_without_values_or_expected_is_missing(score: ScoreOne) -> None:
    assert score("contains", "Paris").value is None


@pytest.mark.parametrize(
    ("args", "output", "passed"),
    [
        ({"pattern": r"\d{3}-\d{4}"}, "call 555-1234 now", True),
        ({"pattern": r"\d{3}-\d{4}", "mode": "fullmatch"}, "call 555-1234 now", False),
        ({"pattern": r"\d{3}-\d{4}", "mode": "fullmatch"}, "555-1234", True),
        ({"pattern": r"^yes$"}, "YES", False),
        ({"pattern": r"^yes$", "ignore_case": True}, "YES", True),
        ({"pattern": r"^yes$"}, "no\nyes", False),
        ({"pattern": r"^yes$", "multiline": True}, "no\nyes", True),
        ({"pattern": r"a.b", "mode": "fullmatch"}, "a\nb", False),
        ({"pattern": r"a.b", "mode": "fullmatch", "dotall": True}, "a\nb", True),
    ],
)
def test_regex(score: ScoreOne, args: dict[str, Any], output: str, passed: bool) -> None:
    assert _verdict(score, "regex", output, (), args) is passed


@pytest.mark.parametrize(
    ("name", "args", "message"),
    [
        ("regex", {"pattern": "("}, "argument 'pattern'"),
        ("regex", {"pattern": "x", "mode": "match"}, "argument 'mode'"),
        ("contains", {"mode": "some"}, "argument 'mode'"),
        ("contains", {"values": []}, "argument 'values'"),
        ("label_match", {"labels": ["a", "A"]}, "argument 'labels'"),
        ("numeric_match", {"abs_tol": -1.0}, "abs_tol"),
    ],
)
def test_bad_configuration_names_the_argument(
    name: str, args: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        create_scorer(name, args)


def test_regex_needs_a_pattern() -> None:
    with pytest.raises(TypeError, match="pattern"):
        create_scorer("regex")


@pytest.mark.parametrize(
    ("args", "output", "expected", "passed", "label"),
    [
        ({}, "positive", ("positive",), True, "positive"),
        ({}, " Positive\n", ("positive",), True, "positive"),
        ({}, "NEGATIVE", ("positive",), False, "negative"),
        ({"case_sensitive": True}, "Positive", ("positive",), False, "Positive"),
        (
            {"labels": ["Card_Arrival", "Refund"]},
            "card_arrival",
            ("Card_Arrival",),
            True,
            "Card_Arrival",
        ),
        ({"labels": ["Card_Arrival", "Refund"]}, "REFUND", ("Card_Arrival",), False, "Refund"),
        ({"labels": ["Card_Arrival", "Refund"]}, "other", ("Refund",), False, "other"),
        ({}, "b", ("a", "b"), True, "b"),
    ],
)
def test_label_match(
    score: ScoreOne,
    args: dict[str, Any],
    output: str,
    expected: tuple[str, ...],
    passed: bool,
    label: str,
) -> None:
    result = score("label_match", output, expected, args)
    assert (result.passed, result.label) == (passed, label)


@pytest.mark.parametrize(
    ("args", "output", "expected", "passed"),
    [
        ({}, "The answer is 42.", ("42",), True),
        ({}, "42.0", ("42",), True),
        ({}, "It costs $1,234.50 in total", ("1234.5",), True),
        ({}, "-3 degrees", ("-3",), True),
        ({}, "1e3", ("1000",), True),
        ({}, "COVID-19 cases: 7", ("19",), True),
        ({}, "41", ("42",), False),
        ({}, "no idea", ("42",), False),
        ({"abs_tol": 0.5}, "41.6", ("42",), True),
        ({"rel_tol": 0.01}, "99.5", ("100",), True),
        ({"rel_tol": 0.001}, "99.5", ("100",), False),
        ({}, "7", ("seven", "7 days"), True),
    ],
)
def test_numeric_match(
    score: ScoreOne, args: dict[str, Any], output: str, expected: tuple[str, ...], passed: bool
) -> None:
    assert _verdict(score, "numeric_match", output, expected, args) is passed


def test_numeric_match_without_expected_number_is_missing(score: ScoreOne) -> None:
    result = score("numeric_match", "42", ("forty-two",))
    assert result.value is None
    assert result.explanation == "no number in the expected answers"


@pytest.mark.parametrize(
    "name", ["exact_match", "normalized_match", "label_match", "numeric_match"]
)
def test_comparisons_without_expected_are_missing(score: ScoreOne, name: str) -> None:
    result = score(name, "42")
    assert (result.value, result.passed) == (None, None)
    assert result.explanation == "no expected answer to compare with"


def test_failed_match_explains_what_was_expected(score: ScoreOne) -> None:
    assert score("exact_match", "Lyon", ("Paris",)).explanation == "expected 'Paris'"


def test_spec_records_defaults() -> None:
    spec = create_scorer("contains", {"mode": "all"}).spec
    assert dict(spec.args) == {"values": None, "mode": "all", "case_sensitive": True}
    assert dict(create_scorer("exact_match").spec.args) == {"case_sensitive": True, "strip": True}
    assert dict(create_scorer("regex", {"pattern": "x"}).spec.args) == {
        "pattern": "x",
        "mode": "search",
        "ignore_case": False,
        "multiline": False,
        "dotall": False,
    }

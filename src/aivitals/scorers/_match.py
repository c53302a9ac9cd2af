"""Answer checks: does the output match the expected answer or a pattern?

Every scorer here is a pass/fail check: ``value`` is 1 or 0 and ``passed``
is set. Comparisons against ``record.expected`` accept any of the expected
answers. Work that depends only on configuration (compiled patterns, fixed
needles, label tables) is done once in the factory, never per record.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from typing import Literal

from aivitals.model import Record, Score
from aivitals.scorers._registry import ScoreFn, scorer
from aivitals.scorers._verdicts import NO_EXPECTED, PASS, clip, fail, no_output

__all__ = [
    "contains",
    "exact_match",
    "label_match",
    "normalize_text",
    "normalized_match",
    "numeric_match",
    "parse_number",
    "regex",
]

_ASCII_PUNCTUATION = bytes(c for c in range(128) if unicodedata.category(chr(c)).startswith("P"))

# Optional sign, digits with optional thousands commas, decimals, exponent.
# The look-behind keeps "COVID-19" from reading as -19 and "v2" as 2.
_NUMBER = re.compile(
    r"(?<![\w.])[-+]?(?:(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?|\.\d+)(?:[eE][-+]?\d+)?"
)


def _casefold_strip(text: str) -> str:
    return text.strip().casefold()


def _identity(text: str) -> str:
    return text


def _text_key(*, case_sensitive: bool, strip: bool) -> Callable[[str], str]:
    """The comparison key for exact matching, chosen once per configuration."""
    if strip:
        return str.strip if case_sensitive else _casefold_strip
    return _identity if case_sensitive else str.casefold


def normalize_text(text: str) -> str:
    """Normalise for lenient comparison: NFKC, casefold, drop punctuation, collapse spaces.

    Punctuation is every Unicode character of category ``P*``; symbols such as
    ``$`` or ``+`` are kept because they change meaning.
    """
    return " ".join(_normalized_words(text))


def _normalized_words(text: str) -> list[str]:
    """The words of :func:`normalize_text`; ASCII text takes a byte-level shortcut."""
    if text.isascii():  # NFKC leaves ASCII alone and casefold equals lower there
        return text.lower().encode().translate(None, _ASCII_PUNCTUATION).decode().split()
    text = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in text if not unicodedata.category(ch).startswith("P")).split()


def parse_number(text: str) -> float | None:
    """The first number in ``text`` (``-1,234.5e3`` style), or ``None`` if there is none."""
    found = _NUMBER.search(text)
    if found is None:
        return None
    return float(found.group().replace(",", ""))


def _check_choice(arg: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ValueError(f"argument '{arg}' must be one of {', '.join(choices)}; got {value!r}")


def _matches_any(output: str, record: Record, key: Callable[[str], object]) -> Score:
    """Pass if ``key(output)`` equals the key of one of the expected answers."""
    wanted = key(output)
    expected = record.expected
    for answer in expected:
        if key(answer) == wanted:
            return PASS
    if len(expected) == 1:
        return fail(f"expected {clip(expected[0])}")
    return fail(f"matches none of the {len(expected)} expected answers, e.g. {clip(expected[0])}")


@scorer(name="exact_match")
def exact_match(*, case_sensitive: bool = True, strip: bool = True) -> ScoreFn:
    """Output equals one of the expected answers.

    Range {0, 1}; best 1; ``passed`` is set. Missing when there is no output
    or no expected answer.

    Args:
        case_sensitive: Compare letter case; otherwise both sides are casefolded.
        strip: Ignore leading and trailing whitespace.
    """
    key = _text_key(case_sensitive=case_sensitive, strip=strip)

    async def score(record: Record) -> Score:
        if record.output is None:
            return no_output(record)
        if not record.expected:
            return NO_EXPECTED
        return _matches_any(record.output, record, key)

    return score


@scorer(name="normalized_match")
def normalized_match() -> ScoreFn:
    """Output equals an expected answer ignoring case, whitespace and punctuation.

    Both sides go through :func:`normalize_text` (NFKC, casefold, Unicode
    punctuation removed, whitespace collapsed), so ``" Paris."`` matches
    ``"paris"``; articles are kept (see ``squad_exact_match`` for SQuAD's
    rules). Range {0, 1}; best 1; ``passed`` is set. Missing when there is no
    output or no expected answer.
    """

    async def score(record: Record) -> Score:
        if record.output is None:
            return no_output(record)
        if not record.expected:
            return NO_EXPECTED
        return _matches_any(record.output, record, _normalized_words)

    return score


@scorer(name="contains")
def contains(
    *,
    values: list[str] | None = None,
    mode: Literal["any", "all"] = "any",
    case_sensitive: bool = True,
) -> ScoreFn:
    """Output contains the given substrings (by default, the expected answers).

    Range {0, 1}; best 1; ``passed`` is set. Missing when there is no output,
    or when ``values`` is not given and the record has no expected answer.

    Args:
        values: Substrings to look for; ``None`` uses ``record.expected``.
        mode: ``"any"`` passes if one is present, ``"all"`` only if all are.
        case_sensitive: Compare letter case; otherwise both sides are casefolded.
    """
    _check_choice("mode", mode, ("any", "all"))
    if values is not None and not values:
        raise ValueError("argument 'values' must list at least one string, or be None")
    key = _identity if case_sensitive else str.casefold
    fixed = None if values is None else tuple((value, key(value)) for value in values)
    check = _contains_all if mode == "all" else _contains_any

    async def score(record: Record) -> Score:
        output = record.output
        if output is None:
            return no_output(record)
        if fixed is not None:
            return check(key(output), fixed)
        if not record.expected:
            return NO_EXPECTED
        return check(key(output), tuple((value, key(value)) for value in record.expected))

    return score


def _contains_any(haystack: str, needles: tuple[tuple[str, str], ...]) -> Score:
    """Pass if one ``(original, key)`` needle's key is in ``haystack``."""
    for _, needle in needles:
        if needle in haystack:
            return PASS
    if len(needles) == 1:
        return fail(f"output lacks {clip(needles[0][0])}")
    return fail(f"output contains none of the {len(needles)} values")


def _contains_all(haystack: str, needles: tuple[tuple[str, str], ...]) -> Score:
    """Pass if every ``(original, key)`` needle's key is in ``haystack``."""
    absent = [value for value, needle in needles if needle not in haystack]
    if not absent:
        return PASS
    more = f" and {len(absent) - 1} more" if len(absent) > 1 else ""
    return fail(f"output lacks {clip(absent[0])}{more}")


@scorer(name="regex")
def regex(
    *,
    pattern: str,
    mode: Literal["search", "fullmatch"] = "search",
    ignore_case: bool = False,
    multiline: bool = False,
    dotall: bool = False,
) -> ScoreFn:
    """Output matches a regular expression (Python ``re`` syntax).

    Range {0, 1}; best 1; ``passed`` is set. Missing when there is no output.
    The expected answers are not used.

    Args:
        pattern: The regular expression, compiled once.
        mode: ``"search"`` passes on a match anywhere, ``"fullmatch"`` only if
            the whole output matches.
        ignore_case: ``re.IGNORECASE``.
        multiline: ``re.MULTILINE`` (``^``/``$`` match at line breaks).
        dotall: ``re.DOTALL`` (``.`` matches newlines).
    """
    _check_choice("mode", mode, ("search", "fullmatch"))
    flags = (
        (re.IGNORECASE if ignore_case else 0)
        | (re.MULTILINE if multiline else 0)
        | (re.DOTALL if dotall else 0)
    )
    try:
        compiled = re.compile(pattern, flags)
    except re.error as exc:
        raise ValueError(f"argument 'pattern' is not a valid regular expression: {exc}") from exc
    match = compiled.search if mode == "search" else compiled.fullmatch
    failure = fail(
        f"no match for {clip(pattern)}"
        if mode == "search"
        else f"not a full match of {clip(pattern)}"
    )

    async def score(record: Record) -> Score:
        if record.output is None:
            return no_output(record)
        return PASS if match(record.output) is not None else failure

    return score


@scorer(name="label_match")
def label_match(*, case_sensitive: bool = False, labels: list[str] | None = None) -> ScoreFn:
    """A classifier's output label equals an expected label.

    The output and labels are stripped of surrounding whitespace. ``label``
    on the score is the predicted label, spelled consistently so that
    confusion tables group it: as in ``labels`` when given, else casefolded
    unless ``case_sensitive``. Range {0, 1}; best 1; ``passed`` is set. An
    output outside ``labels`` fails. Missing when there is no output or no
    expected label.

    Args:
        case_sensitive: Compare letter case.
        labels: The allowed labels, if known; gives their canonical spelling.
    """
    key = str.strip if case_sensitive else _casefold_strip
    canonical: dict[str, str] | None = None
    if labels is not None:
        canonical = {key(label): label.strip() for label in labels}
        if not canonical or len(canonical) != len(labels):
            raise ValueError("argument 'labels' must list distinct labels, or be None")

    async def score(record: Record) -> Score:
        if record.output is None:
            return no_output(record)
        if not record.expected:
            return NO_EXPECTED
        predicted = key(record.output)
        label = predicted
        if canonical is not None:
            if predicted not in canonical:
                return Score(
                    0.0,
                    passed=False,
                    label=predicted,
                    explanation=f"{clip(predicted)} is not one of the {len(canonical)} labels",
                )
            label = canonical[predicted]
        for expected in record.expected:
            if key(expected) == predicted:
                return Score(1.0, passed=True, label=label)
        return Score(
            0.0,
            passed=False,
            label=label,
            explanation=f"predicted {clip(label)}, expected {clip(record.expected[0].strip())}",
        )

    return score


@scorer(name="numeric_match")
def numeric_match(*, abs_tol: float = 0.0, rel_tol: float = 1e-9) -> ScoreFn:
    """The first number in the output equals an expected number within tolerance.

    Numbers are read by :func:`parse_number` (sign, thousands commas,
    decimals, exponent) from the output and from each expected answer, and
    compared with :func:`math.isclose`. Range {0, 1}; best 1; ``passed`` is
    set. An output without a number fails. Missing when there is no output or
    no expected answer holds a number.

    Args:
        abs_tol: Largest absolute difference accepted.
        rel_tol: Largest difference accepted relative to the larger magnitude.
    """
    if abs_tol < 0 or rel_tol < 0:
        raise ValueError("arguments 'abs_tol' and 'rel_tol' must not be negative")

    async def score(record: Record) -> Score:
        if record.output is None:
            return no_output(record)
        if not record.expected:
            return NO_EXPECTED
        targets = [n for n in map(parse_number, record.expected) if n is not None]
        if not targets:
            return Score.missing("no number in the expected answers")
        got = parse_number(record.output)
        if got is None:
            return fail(f"no number in output {clip(record.output)}")
        for target in targets:
            if math.isclose(got, target, rel_tol=rel_tol, abs_tol=abs_tol):
                return PASS
        return fail(f"output number {got:g} differs from expected {targets[0]:g}")

    return score

"""Checks on the output's form and the call's cost: JSON, length, latency, money.

Every scorer here is a pass/fail check: ``value`` is 1 or 0 and ``passed``
is set; none of them reads the expected answers. Configuration is validated
and compiled once in the factory (the JSON Schema validator above all).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import jsonschema
from jsonschema.exceptions import SchemaError, best_match

from aivitals.model import Record, Score
from aivitals.scorers._registry import ScoreFn, scorer
from aivitals.scorers._verdicts import PASS, fail, no_output

__all__ = ["cost_budget", "json_schema", "json_valid", "latency_budget", "length"]

_CODE_FENCE = re.compile(r"\s*```[\w+-]*[ \t]*\n(.*?)\n?[ \t]*```\s*", re.DOTALL)
# First characters json.loads accepts (NaN and Infinity included): rejecting
# anything else up front spares building a JSONDecodeError for prose output.
_JSON_STARTS = frozenset('{["-0123456789tfnNI')


def _parse_json(text: str, *, strip_code_fence: bool) -> tuple[Any, str | None]:
    """Parse ``text`` as JSON; returns the document, or an explanation of why not."""
    if strip_code_fence:
        fenced = _CODE_FENCE.fullmatch(text)
        if fenced is not None:
            text = fenced.group(1)
    start = text.lstrip(" \t\n\r")[:1]
    if start not in _JSON_STARTS:
        return None, f"not JSON: starts with {start!r}" if start else "not JSON: empty"
    try:
        return json.loads(text), None
    except json.JSONDecodeError as exc:
        return None, f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"


@scorer(name="json_valid")
def json_valid(*, strip_code_fence: bool = False) -> ScoreFn:
    """Output parses as JSON.

    Range {0, 1}; best 1; ``passed`` is set. An empty output fails. Missing
    when there is no output.

    Args:
        strip_code_fence: Accept an output wrapped in one Markdown code fence
            (```` ```json ... ``` ````), as chat models often write it.
    """

    async def score(record: Record) -> Score:
        if record.output is None:
            return no_output(record)
        _, problem = _parse_json(record.output, strip_code_fence=strip_code_fence)
        return PASS if problem is None else fail(problem)

    return score


@scorer(name="json_schema")
def json_schema(
    *, schema: dict[str, Any], strip_code_fence: bool = False, check_formats: bool = False
) -> ScoreFn:
    """Output is JSON valid under a JSON Schema.

    The validator class follows the schema's ``$schema`` (latest draft if
    absent) and is built once. Range {0, 1}; best 1; ``passed`` is set; a
    failure explains the most relevant error and where it is. Output that is
    not JSON fails. Missing when there is no output.

    Args:
        schema: The JSON Schema.
        strip_code_fence: Accept an output wrapped in one Markdown code fence.
        check_formats: Also enforce ``format`` (``date``, ``email``...), which
            JSON Schema otherwise treats as an annotation.
    """
    validator_class = jsonschema.validators.validator_for(schema)
    try:
        validator_class.check_schema(schema)
    except SchemaError as exc:
        raise ValueError(f"argument 'schema' is not a valid JSON Schema: {exc.message}") from exc
    format_checker = validator_class.FORMAT_CHECKER if check_formats else None
    validator = validator_class(schema, format_checker=format_checker)

    async def score(record: Record) -> Score:
        if record.output is None:
            return no_output(record)
        document, problem = _parse_json(record.output, strip_code_fence=strip_code_fence)
        if problem is not None:
            return fail(problem)
        error = best_match(validator.iter_errors(document))
        if error is None:
            return PASS
        return fail(f"{error.json_path}: {error.message}")

    return score


def _check_bounds(low_arg: str, low: int | None, high_arg: str, high: int | None) -> None:
    for arg, bound in ((low_arg, low), (high_arg, high)):
        if bound is not None and bound < 0:
            raise ValueError(f"argument '{arg}' must not be negative; got {bound}")
    if low is not None and high is not None and low > high:
        raise ValueError(f"argument '{low_arg}' ({low}) is larger than '{high_arg}' ({high})")


def _outside(count: int, unit: str, low: int | None, high: int | None) -> str | None:
    if low is not None and count < low:
        return f"{count} {unit} < minimum {low}"
    if high is not None and count > high:
        return f"{count} {unit} > maximum {high}"
    return None


@scorer(name="length")
def length(
    *,
    min_chars: int | None = None,
    max_chars: int | None = None,
    min_words: int | None = None,
    max_words: int | None = None,
) -> ScoreFn:
    """Output length lies within bounds, in characters and/or words (inclusive).

    Words are runs of non-whitespace. Range {0, 1}; best 1; ``passed`` is set.
    Missing when there is no output.

    Args:
        min_chars: Fewest characters allowed.
        max_chars: Most characters allowed.
        min_words: Fewest words allowed.
        max_words: Most words allowed.

    Raises:
        ValueError: No bound given, a negative bound, or a minimum above its maximum.
    """
    if min_chars is None and max_chars is None and min_words is None and max_words is None:
        raise ValueError("give at least one of 'min_chars', 'max_chars', 'min_words', 'max_words'")
    _check_bounds("min_chars", min_chars, "max_chars", max_chars)
    _check_bounds("min_words", min_words, "max_words", max_words)
    check_chars = min_chars is not None or max_chars is not None
    check_words = min_words is not None or max_words is not None

    async def score(record: Record) -> Score:
        output = record.output
        if output is None:
            return no_output(record)
        if check_chars:
            problem = _outside(len(output), "characters", min_chars, max_chars)
            if problem is not None:
                return fail(problem)
        if check_words:
            problem = _outside(len(output.split()), "words", min_words, max_words)
            if problem is not None:
                return fail(problem)
        return PASS

    return score


def _check_budget(arg: str, budget: float) -> None:
    if not budget >= 0:  # also rejects NaN
        raise ValueError(f"argument '{arg}' must be a non-negative number; got {budget}")


def _budget_scorer(
    measure: Callable[[Record], float | None],
    budget: float,
    what: str,
    shown: str,
    shown_budget: str,
) -> ScoreFn:
    """Pass when ``measure(record)`` is at most ``budget``; missing if unmeasured."""

    async def score(record: Record) -> Score:
        if record.output is None:
            return no_output(record)
        value = measure(record)
        if value is None:
            return Score.missing(f"no {what} recorded")
        if value <= budget:
            return PASS
        return fail(f"{what} {shown.format(value)} > budget {shown_budget.format(budget)}")

    return score


@scorer(name="latency_budget")
def latency_budget(*, max_ms: float) -> ScoreFn:
    """The call took at most ``max_ms`` milliseconds (``record.latency_ms``).

    Range {0, 1}; best 1; ``passed`` is set. Missing when there is no output
    (a failed call has no answer to be fast with) or no latency was recorded.

    Args:
        max_ms: The latency budget in milliseconds (inclusive).
    """
    _check_budget("max_ms", max_ms)
    return _budget_scorer(lambda r: r.latency_ms, max_ms, "latency", "{:.0f} ms", "{:g} ms")


@scorer(name="cost_budget")
def cost_budget(*, max_cost: float) -> ScoreFn:
    """The call cost at most ``max_cost`` (``record.cost``, the user's currency unit).

    Range {0, 1}; best 1; ``passed`` is set. Missing when there is no output
    or no cost was recorded.

    Args:
        max_cost: The cost budget per call (inclusive).
    """
    _check_budget("max_cost", max_cost)
    return _budget_scorer(lambda r: r.cost, max_cost, "cost", "{:g}", "{:g}")

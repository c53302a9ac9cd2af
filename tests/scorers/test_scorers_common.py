"""Invariants every registered scorer keeps, run over the whole registry."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest

import aivitals.scorers
from aivitals.model import Record, Score
from aivitals.scorers import Scorer, create_scorer, registry

# Scorers whose factories have required arguments: the least configuration that builds them.
REQUIRED_ARGS: Mapping[str, Mapping[str, Any]] = {
    "cost_budget": {"max_cost": 0.01},
    "json_schema": {"schema": {"type": "object"}},
    "latency_budget": {"max_ms": 1000.0},
    "length": {"max_words": 50},
    "regex": {"pattern": r"\bParis\b"},
}

NAMES = registry.names()

RECORDS = [
    Record(
        id="a",
        source="run-1",
        input="What is the capital of France?",
        output="The capital of France is Paris.",
        expected=("Paris", "Paris, France"),
        latency_ms=420.0,
        cost=0.002,
    ),
    Record(id="b", source="run-1", input="2+2?", output="4", expected=("4",), latency_ms=3000.0),
    Record(
        id="c", source="run-1", input="JSON please", output='{"city": "Lyon"}', expected=("{}",)
    ),
    Record(id="d", source="run-1", input="Label?", output="", expected=("positive",), cost=0.5),
    Record(id="e", source="run-1", input="Anything", output="No reference here", latency_ms=1.0),
    Record(id="f", source="run-1", input="Non-ASCII", output="Ça coûte 3,50 €", expected=("3.5",)),
]


def build(name: str) -> Scorer:
    return create_scorer(name, REQUIRED_ARGS.get(name))


def run(scorer: Scorer, record: Record) -> Score:
    return asyncio.run(scorer(record))


def test_builtins_are_registered() -> None:
    assert set(NAMES) >= {
        "bleu",
        "chrf",
        "contains",
        "cost_budget",
        "exact_match",
        "json_schema",
        "json_valid",
        "label_match",
        "latency_budget",
        "length",
        "levenshtein_similarity",
        "normalized_match",
        "numeric_match",
        "regex",
        "rouge",
        "squad_exact_match",
        "squad_f1",
    }


def test_package_all_is_sorted_and_importable() -> None:
    names = aivitals.scorers.__all__
    assert names == sorted(names)
    assert all(hasattr(aivitals.scorers, name) for name in names)


@pytest.mark.parametrize("name", NAMES)
def test_docstring_states_range_and_best(name: str) -> None:
    doc = " ".join((inspect.getdoc(registry.get(name).factory) or "").split())
    assert registry.get(name).description, f"{name} has no one-line summary"
    assert "Range" in doc and "best" in doc, (
        f"{name}'s docstring must state its range and best value"
    )
    assert "Missing when" in doc, f"{name}'s docstring must say when it is missing"


@pytest.mark.parametrize("name", NAMES)
def test_spec_records_every_argument_and_rebuilds(name: str) -> None:
    scorer = build(name)
    parameters = registry.get(name).parameters
    assert set(scorer.spec.args) == set(parameters)
    for arg, parameter in parameters.items():
        if arg not in REQUIRED_ARGS.get(name, {}):
            assert parameter.default is not inspect.Parameter.empty, f"{name}.{arg} needs a default"
            assert scorer.spec.args[arg] == parameter.default
    again = create_scorer(scorer.spec.name, scorer.spec.args)
    assert again.spec.hash == scorer.spec.hash
    assert [run(again, r) for r in RECORDS] == [run(scorer, r) for r in RECORDS]


@pytest.mark.parametrize("name", NAMES)
def test_returns_scores_in_range(name: str) -> None:
    scorer = build(name)
    for record in RECORDS:
        result = run(scorer, record)
        assert isinstance(result, Score)
        if result.value is None:
            assert result.passed is None and result.explanation, (name, record.id)
            continue
        assert 0.0 <= result.value <= 1.0, (name, record.id)
        if result.passed is not None:
            assert result.value == float(result.passed), (name, record.id)
            assert result.passed or result.explanation, f"{name} failed {record.id} unexplained"


@pytest.mark.parametrize("name", NAMES)
def test_no_output_is_missing_not_an_error(name: str) -> None:
    scorer = build(name)
    for record in RECORDS:
        failed = Record(
            id=record.id,
            source=record.source,
            input=record.input,
            output=None,
            expected=record.expected,
            latency_ms=record.latency_ms,
            error="HTTP 500 from the endpoint",
            error_kind="http_500",
        )
        result = run(scorer, failed)
        assert (result.value, result.passed) == (None, None)
        assert result.explanation == "no output: the call failed (http_500)"
    blank = Record(id="x", source="s", input="q", output=None)
    assert run(scorer, blank) == Score.missing("no output to score")


@pytest.mark.parametrize("name", NAMES)
def test_threshold_sets_passed_from_value(name: str) -> None:
    scorer = build(name).with_threshold(0.5)
    for record in RECORDS:
        result = run(scorer, record)
        assert result.passed == (None if result.value is None else result.value >= 0.5)


@pytest.mark.parametrize("name", NAMES)
def test_fields_a_scorer_does_not_judge_do_not_change_its_score(name: str) -> None:
    scorer = build(name)
    for record in RECORDS:
        moved = Record(
            # the same judged content, given in another order and with other bookkeeping
            cost=record.cost,
            latency_ms=record.latency_ms,
            expected=record.expected,
            output=record.output,
            input=record.input,
            source="prod",
            id=record.id + "-copy",
            tags={"segment": "enterprise"},
            session_id="s1",
            turn=3,
            ts=datetime(2024, 1, 1, tzinfo=UTC),
            system_version="v2",
            cached=True,
        )
        assert run(scorer, moved) == run(scorer, record), (name, record.id)


@pytest.mark.parametrize("name", NAMES)
def test_scores_do_not_depend_on_call_order_or_concurrency(name: str) -> None:
    """A scorer keeps no per-call state: any order or interleaving gives the same verdicts."""
    scorer = build(name)
    alone = [run(scorer, record) for record in RECORDS]

    async def together(records: list[Record]) -> list[Score]:
        return list(await asyncio.gather(*(scorer(record) for record in records)))

    backwards = asyncio.run(together(RECORDS[::-1]))[::-1]
    doubled = asyncio.run(together(RECORDS + RECORDS))
    assert backwards == alone
    assert doubled == alone + alone

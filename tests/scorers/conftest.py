"""Fixtures for the scorer tests: score one record by name; find the real datasets."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from aivitals.model import Record, Score
from aivitals.scorers import create_scorer

SHARED_DATA = (Path(__file__).resolve().parents[2] / ".." / "shared" / "data").resolve()


@pytest.fixture
def score() -> Callable[..., Score]:
    """``score(name, output, expected=(), args=None, **record_fields) -> Score``."""

    def run(
        name: str,
        output: str | None,
        expected: Sequence[str] = (),
        args: Mapping[str, Any] | None = None,
        **fields: Any,
    ) -> Score:
        fields.setdefault("id", "r1")
        fields.setdefault("source", "test")
        fields.setdefault("input", "question?")
        record = Record(output=output, expected=tuple(expected), **fields)
        return asyncio.run(create_scorer(name, args)(record))

    return run


@pytest.fixture(scope="session")
def shared_file() -> Callable[..., Path]:
    """``shared_file(*parts)``: a path under ../shared/data, skipping the test if absent."""

    def find(*parts: str) -> Path:
        path = SHARED_DATA.joinpath(*parts)
        if not path.exists():
            pytest.skip(f"needs {path} (shared datasets beside the project; absent in a clone)")
        return path

    return find

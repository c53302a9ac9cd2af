"""Fixtures shared across the suite."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from aivitals.store import Store

# Imports of scipy/statsmodels inside a first example would trip the default
# 200 ms deadline on a busy 2-core machine; examples are bounded in size instead.
settings.register_profile("aivitals", deadline=None, max_examples=60)
settings.load_profile("aivitals")

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture
def shared_data() -> Path:
    """../shared/data beside the project; skips the test where it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"needs the shared datasets at {SHARED_DATA} (absent in a plain clone)")
    return SHARED_DATA


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A fresh store in a real DuckDB file."""
    with Store(tmp_path / "vitals.duckdb") as opened:
        yield opened


@pytest.fixture
def bot_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """An importable module ``tinybot`` with a few deterministic targets."""
    (tmp_path / "tinybot.py").write_text(
        "CALLS = []\n"
        "def answer(text):\n"
        "    CALLS.append(text)\n"
        "    if 'refund' in text:\n"
        "        return 'You can request a refund within 30 days.'\n"
        "    return 'Use the reset link.' if 'password' in text else 'I do not know.'\n"
        "def broken(text):\n"
        "    raise RuntimeError('model crashed on ' + text)\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "tinybot", raising=False)
    return "tinybot"

"""Two tiny assistants and a golden set for comparison tests."""

import json
from collections.abc import Callable
from pathlib import Path

import pytest

BOTS = """
def good(text):
    return "answer " + text.split()[-1]

def worse_on_voice(text):
    if text.startswith("voice") and int(text.split()[-1]) % 4 != 0:
        return "sorry"
    return "answer " + text.split()[-1]

def html(text):
    return "<script>alert(1)</script> | pipe"
"""


@pytest.fixture
def bots(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "cmpbots.py").write_text(BOTS, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    rows = []
    for i in range(240):
        channel = ["chat", "email", "voice"][i % 3]
        rows.append(
            {
                "id": f"c{i}",
                "input": f"{channel} question {i}",
                "expected": f"answer {i}",
                "channel": channel,
                "critical": "true" if i % 10 == 0 else "false",
            }
        )
    (tmp_path / "golden.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8"
    )
    return tmp_path


def _suite(tmp_path: Path, function: str, **extra: object) -> dict:
    return {
        "name": "cmp",
        "dataset": {"path": str(tmp_path / "golden.jsonl"), "mapping": {"tags": ["channel"]}},
        "target": {"type": "callable", "function": f"cmpbots:{function}"},
        # A display name unlike the scorer's own: comparisons go by the name.
        "scorers": ["exact_match", {"scorer": "levenshtein_similarity", "name": "similarity"}],
        **extra,
    }


@pytest.fixture
def suite() -> Callable[..., dict]:
    """Build the comparison suite for one of the bots."""
    return _suite

"""Verdicts shared by the built-in scorers: pass, fail and missing.

A scorer that cannot judge a record returns :meth:`Score.missing` so that
aggregations skip it instead of counting a zero; the helpers here keep the
wording alike across scorers. Scores are frozen, so constants are shared.
"""

from __future__ import annotations

from aivitals.model import Record, Score

__all__ = ["NO_EXPECTED", "NO_OUTPUT", "PASS", "clip", "fail", "no_output"]

PASS = Score(1.0, passed=True)
NO_OUTPUT = Score.missing("no output to score")
NO_EXPECTED = Score.missing("no expected answer to compare with")


def fail(explanation: str) -> Score:
    """A failed check: value 0, ``passed`` false, with the reason."""
    return Score(0.0, passed=False, explanation=explanation)


def no_output(record: Record) -> Score:
    """The missing verdict for a record without output, naming the failure if known."""
    if record.error_kind or record.error:
        return Score.missing(f"no output: the call failed ({record.error_kind or 'error'})")
    return NO_OUTPUT


def clip(text: str, limit: int = 60) -> str:
    """Quote ``text`` for an explanation, shortened to about ``limit`` characters."""
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return repr(text)

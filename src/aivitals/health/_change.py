"""Explain a score change: per-component contributions, split across slices.

A score is Σ weight_share × points, so each component's Δ(weight_share ×
points) adds up to the score's delta exactly. For all-traffic rows of a
sliced report, a ratio-of-sums component's value is Σ over slices of
num_s / D (D: the total denominator), so its change splits exactly into
Δ(num_s / D) per slice; its contribution is shared out in those
proportions. Quantiles and the trust composite do not decompose that way
and keep one entry with an empty slice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from aivitals.health._report import Attribution, Change, ComponentResult

__all__ = ["SliceSums", "describe_change", "signed"]

#: One metric's numerator sum per slice (as sorted key/value pairs), now and before.
SliceSums = Mapping[tuple[tuple[str, str | None], ...], tuple[float, float]]

_MINUS = "\u2212"


def signed(value: float, digits: int = 0) -> str:
    """``+3`` / ``−12``: rounded, with a real minus sign."""
    text = f"{value:+.{digits}f}"
    if float(text) == 0:
        text = f"{0:.{digits}f}"
    return text.replace("-", _MINUS)


def _split(
    metric: str, delta: float, slices: SliceSums, totals: tuple[float, float]
) -> list[Attribution]:
    den_now, den_before = totals
    parts = {
        key: (now / den_now if den_now else 0.0) - (before / den_before if den_before else 0.0)
        for key, (now, before) in slices.items()
    }
    change = sum(parts.values())
    if not parts or abs(change) < 1e-12:
        return [Attribution(metric, {}, delta)]
    return [Attribution(metric, dict(key), delta * part / change) for key, part in parts.items()]


def describe_change(
    now: Sequence[ComponentResult],
    before: Sequence[ComponentResult],
    *,
    score_now: float,
    score_before: float,
    previous_window_start: datetime | None,
    slice_: Mapping[str, str | None],
    slices: Mapping[str, tuple[SliceSums, tuple[float, float]]] | None = None,
) -> Change:
    """The change of a row's score against the same slice in the previous window.

    Args:
        now: Components in this window.
        before: The same components in the previous window.
        score_now: This window's score.
        score_before: The previous window's score.
        previous_window_start: The previous window.
        slice_: The row's slice (each attribution of a sliced row names it).
        slices: For all-traffic rows of a sliced report, per metric: the slices'
            sums now and before, and the total denominators now and before.
    """
    previous = {c.metric: c for c in before}
    entries: list[Attribution] = []
    for c in now:
        old = previous.get(c.metric)
        delta = c.contribution - (old.contribution if old else 0.0)
        if slices is not None and c.metric in slices:
            sums, totals = slices[c.metric]
            entries.extend(_split(c.metric, delta, sums, totals))
        else:
            entries.append(Attribution(c.metric, dict(slice_), delta))
    entries.sort(key=lambda a: -abs(a.delta))
    total = score_now - score_before
    summary = _summary(total, entries, dict(slice_))
    return Change(previous_window_start, total, tuple(entries), summary)


def _summary(total: float, entries: Sequence[Attribution], own: Mapping[str, str | None]) -> str:
    top = [a for a in entries if abs(a.delta) >= 0.5][:3]
    if not top:
        return f"{signed(total)}: no component moved by half a point or more"
    parts = []
    for a in top:
        # A slice row's entries all name its own slice: the row already says it.
        where = "" if a.slice == own else ", ".join(f"{k}={v}" for k, v in a.slice.items())
        parts.append(f"{a.metric} {signed(a.delta)}" + (f" in {where}" if where else ""))
    return f"{signed(total)}: " + ", ".join(parts)

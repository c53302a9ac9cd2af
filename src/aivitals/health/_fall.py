"""The largest fall of a score below its own first window: the headline finding.

Day-over-day change hides a degradation that builds over two days, and the
newest window is often after the incident ended; a reader needs the worst
point of the period against where the same slice started. Slices are
compared with themselves only, so a slice that is always low (a harder
channel) is not a fall.
"""

from __future__ import annotations

from aivitals.health._change import describe_change
from aivitals.health._report import Fall, HealthWindow

__all__ = ["largest_fall"]


def largest_fall(windows: tuple[HealthWindow, ...] | list[HealthWindow]) -> Fall | None:
    """The window (and slice) furthest below its slice's first scored window.

    Slice rows are considered when there are any, else the all-traffic rows.
    ``None`` when nothing fell (every later score is at or above its start).
    """
    rows = [w for w in windows if w.slice and w.score is not None]
    if not rows:
        rows = [w for w in windows if not w.slice and w.score is not None]
    first: dict[tuple[tuple[str, str | None], ...], HealthWindow] = {}
    worst: tuple[float, HealthWindow, HealthWindow] | None = None
    for w in sorted(rows, key=lambda w: (w.window_start is None, w.window_start)):
        start = first.setdefault(tuple(sorted(w.slice.items())), w)
        assert w.score is not None and start.score is not None
        fall = w.score - start.score
        if fall < 0 and (worst is None or fall < worst[0]):
            worst = (fall, start, w)
    if worst is None:
        return None
    _, start, low = worst
    assert start.score is not None and low.score is not None
    change = describe_change(
        low.components,
        start.components,
        score_now=low.score,
        score_before=start.score,
        previous_window_start=start.window_start,
        slice_=low.slice,
    )
    return Fall(dict(low.slice), start.window_start, start.score, low, change)

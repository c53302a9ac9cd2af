"""Chart geometry for the dashboard's inline SVG: values over windows with intervals.

As in :mod:`aivitals.report._charts` (whose :class:`Scale` maps values to
pixels here too), Python computes positions only and the templates draw the
elements, so every label — metric names and slice values are user text — is
escaped by Jinja like the rest of the page.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aivitals.report._charts import Scale

__all__ = [
    "MAX_SERIES",
    "BandRect",
    "ChartPoint",
    "ChartRow",
    "LineChart",
    "Series",
    "band_ranges",
    "line_chart",
]

#: At most this many lines (slices) in one chart; the table has them all.
MAX_SERIES = 8

_LEFT, _TOP, _BOTTOM, _RIGHT = 52.0, 10.0, 34.0, 12.0


@dataclass(frozen=True)
class ChartRow:
    """One value to plot: its series (slice), window, value and interval."""

    series: str
    window: str
    value: float | None
    ci_low: float | None
    ci_high: float | None
    text: str


@dataclass(frozen=True)
class ChartPoint:
    """A value placed on the chart; ``low``/``high`` are the interval's pixels."""

    x: float
    y: float
    low: float | None
    high: float | None
    text: str


@dataclass(frozen=True)
class Series:
    """One line: its label, colour index and points in window order."""

    label: str
    index: int
    points: tuple[ChartPoint, ...]
    path: str


@dataclass(frozen=True)
class BandRect:
    """A horizontal status band (healthy / watch / critical) behind the lines."""

    name: str
    y: float
    height: float


@dataclass(frozen=True)
class LineChart:
    """Values over windows, one line per series, intervals as vertical whiskers."""

    title: str
    width: float
    height: float
    left: float
    top: float
    plot_width: float
    plot_height: float
    series: tuple[Series, ...]
    y_ticks: tuple[tuple[float, str], ...]
    x_ticks: tuple[tuple[float, str], ...]
    bands: tuple[BandRect, ...]
    left_out: int


def band_ranges(bands: Any) -> list[tuple[str, float, float]]:
    """``(name, low, high)`` score ranges from a health config's ``bands``.

    Accepts ``{"healthy": 80, "watch": 60, ...}`` (each band's lower bound),
    ``{"healthy": [80, 100], ...}`` and ``[{"name", "min", "max"}, ...]``;
    anything else gives no bands (the chart still colours nothing wrongly).
    """
    out: list[tuple[str, float, float]] = []
    if isinstance(bands, Mapping):
        lows = []
        for name, spec in bands.items():
            if isinstance(spec, int | float):
                lows.append((float(spec), str(name)))
            elif isinstance(spec, Sequence) and len(spec) == 2:
                out.append((str(name), float(spec[0]), float(spec[1])))
        lows.sort(reverse=True)
        top = 100.0
        for low, name in lows:
            out.append((name, low, top))
            top = low
        if lows and top > 0:
            out.append(("critical" if all(n != "critical" for _, n in lows) else "low", 0.0, top))
    elif isinstance(bands, Sequence) and not isinstance(bands, str):
        for spec in bands:
            if isinstance(spec, Mapping) and "name" in spec:
                low = spec.get("min", spec.get("low", 0.0))
                high = spec.get("max", spec.get("high", 100.0))
                out.append((str(spec["name"]), float(low), float(high)))
    return out


def _label(window: str) -> str:
    return window.replace("T", " ")[:16].removesuffix(" 00:00")


def _ticks(lo: float, hi: float, fmt: Any) -> list[float]:
    return [lo + (hi - lo) * i / 4 for i in range(5)] if hi > lo else [lo]


def line_chart(
    title: str,
    rows: Iterable[ChartRow],
    *,
    fmt: Any,
    percent: bool = False,
    y_range: tuple[float, float] | None = None,
    bands: Sequence[tuple[str, float, float]] = (),
    width: float = 640,
    height: float = 220,
) -> LineChart:
    """Lay out ``rows``: windows left to right, values bottom to top.

    Args:
        title: The chart's caption.
        rows: Values; series keep their first-seen order, windows are sorted.
        fmt: Formats a value for the axis labels.
        percent: Values are proportions (the axis stays within 0–100%).
        y_range: A fixed value axis (the health score's 0–100).
        bands: Status bands to shade, ``(name, low, high)`` in value units.
        width: Pixels, labels included.
        height: Pixels, labels included.
    """
    rows = list(rows)
    windows = sorted({r.window for r in rows})
    names = list(dict.fromkeys(r.series for r in rows))
    kept, left_out = names[:MAX_SERIES], max(0, len(names) - MAX_SERIES)
    plot_w, plot_h = width - _LEFT - _RIGHT, height - _TOP - _BOTTOM
    if y_range is not None:
        y = Scale(y_range[0], y_range[1], plot_h)
    else:
        bounds = [v for r in rows for v in (r.value, r.ci_low, r.ci_high)]
        y = Scale.fit(bounds, plot_h, percent=percent)
    step = plot_w / max(1, len(windows))
    x_of = {w: round(_LEFT + (i + 0.5) * step, 1) for i, w in enumerate(windows)}

    def y_px(value: float) -> float:
        return round(_TOP + plot_h - y.x(value), 1)

    series = []
    for index, name in enumerate(kept):
        points = []
        for r in sorted((r for r in rows if r.series == name), key=lambda r: r.window):
            if r.value is None:
                continue
            both = r.ci_low is not None and r.ci_high is not None
            points.append(
                ChartPoint(
                    x_of[r.window],
                    y_px(r.value),
                    y_px(r.ci_low) if both and r.ci_low is not None else None,
                    y_px(r.ci_high) if both and r.ci_high is not None else None,
                    r.text,
                )
            )
        path = " ".join(f"{'M' if i == 0 else 'L'}{p.x},{p.y}" for i, p in enumerate(points))
        series.append(Series(name, index, tuple(points), path))
    every = max(1, len(windows) // 6)
    rects = []
    for name, low, high in bands:
        top, bottom = y_px(min(high, y.hi)), y_px(max(low, y.lo))
        if bottom > top:
            rects.append(BandRect(name, top, round(bottom - top, 1)))
    return LineChart(
        title=title,
        width=width,
        height=height,
        left=_LEFT,
        top=_TOP,
        plot_width=plot_w,
        plot_height=plot_h,
        series=tuple(series),
        y_ticks=tuple((y_px(v), fmt(v)) for v in _ticks(y.lo, y.hi, fmt)),
        x_ticks=tuple((x_of[w], _label(w)) for i, w in enumerate(windows) if i % every == 0),
        bands=tuple(rects),
        left_out=left_out,
    )

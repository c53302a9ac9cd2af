"""Chart geometry for the report's inline SVG: interval bars, histograms, forest plots.

Python computes positions only; the templates (``_charts.html.j2``) draw the
SVG elements, so every label — scorer names and tag values are user text —
goes through Jinja's autoescaping like the rest of the page. Coordinates are
rounded to 0.1 px to keep the file small.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from aivitals.comparison import Comparison, MetricComparison
from aivitals.evaluation import RunSummary, SliceSummary
from aivitals.report._data import Histogram
from aivitals.stats import Estimate, fmt_delta, fmt_delta_interval, fmt_value

__all__ = [
    "BAR_WIDTH",
    "MAX_SLICE_ROWS",
    "Bar",
    "ForestChart",
    "ForestRow",
    "HistogramChart",
    "IntervalMark",
    "Scale",
    "SliceGroup",
    "forest_charts",
    "histogram_chart",
    "select_comparisons",
    "slice_groups",
]

#: At most this many slice rows on a page (the JSON output has them all).
MAX_SLICE_ROWS = 300
#: Forest-plot labels longer than this are cut (the full label is its tooltip).
LABEL_CHARS = 30


def _r(value: float) -> float:
    return round(value, 1)


@dataclass(frozen=True)
class Scale:
    """Maps values in ``[lo, hi]`` linearly onto ``[x0, x0 + width]`` pixels."""

    lo: float
    hi: float
    width: float
    x0: float = 0.0

    def x(self, value: float) -> float:
        """Pixel position of ``value``, clamped to the axis."""
        span = self.hi - self.lo
        share = 0.5 if span <= 0 else (min(max(value, self.lo), self.hi) - self.lo) / span
        return _r(self.x0 + share * self.width)

    @classmethod
    def fit(
        cls, values: Iterable[float | None], width: float, *, percent: bool, x0: float = 0.0
    ) -> Scale:
        """The values' range padded by 5%, within ``[0, 1]`` for proportions."""
        present = [v for v in values if v is not None]
        if not present:
            return cls(0.0, 1.0, width, x0)
        lo, hi = min(present), max(present)
        pad = (hi - lo) * 0.05 or abs(hi) * 0.05 or (0.01 if percent else 1.0)
        lo, hi = lo - pad, hi + pad
        if percent:
            lo, hi = max(lo, 0.0), min(hi, 1.0)
        return cls(lo, hi, width, x0)


@dataclass(frozen=True)
class IntervalMark:
    """An estimate drawn on a scale: a line for the interval, a dot for the value."""

    low: float | None
    high: float | None
    point: float | None

    @classmethod
    def of(cls, est: Estimate, scale: Scale) -> IntervalMark:
        """Place ``est`` on ``scale``; missing parts stay ``None``."""
        has_interval = est.ci_low is not None and est.ci_high is not None
        return cls(
            scale.x(est.ci_low) if has_interval and est.ci_low is not None else None,
            scale.x(est.ci_high) if has_interval and est.ci_high is not None else None,
            scale.x(est.value) if est.value is not None else None,
        )


@dataclass(frozen=True)
class SliceGroup:
    """One scorer's values within the slices of one tag, on a shared scale."""

    scorer: str
    tag: str
    metric: str
    overall: Estimate | None
    overall_x: float | None
    axis: tuple[str, str]
    rows: tuple[tuple[SliceSummary, IntervalMark], ...]

    @property
    def percent(self) -> bool:
        """Whether values read as percentages."""
        return self.metric == "pass_rate"


#: Width of a slice's interval bar, margins included.
BAR_WIDTH = 240.0
_BAR_MARGIN = 4.0


def slice_groups(summary: RunSummary, limit: int = MAX_SLICE_ROWS) -> tuple[SliceGroup, ...]:
    """Group the first ``limit`` slice rows by scorer and tag, each on one scale."""
    overall = {s.scorer: s.estimate for s in summary.scorers}
    grouped: dict[tuple[str, str], list[SliceSummary]] = {}
    for sl in summary.slices[:limit]:
        grouped.setdefault((sl.scorer, sl.tag), []).append(sl)
    groups = []
    for (scorer, tag), rows in grouped.items():
        ref = overall.get(scorer)
        ests = [r.estimate for r in rows] + ([ref] if ref else [])
        bounds = [v for e in ests for v in (e.ci_low, e.ci_high, e.value)]
        percent = rows[0].metric == "pass_rate"
        scale = Scale.fit(bounds, BAR_WIDTH - 2 * _BAR_MARGIN, percent=percent, x0=_BAR_MARGIN)
        groups.append(
            SliceGroup(
                scorer=scorer,
                tag=tag,
                metric=rows[0].metric,
                overall=ref,
                overall_x=scale.x(ref.value) if ref and ref.value is not None else None,
                axis=(fmt_value(scale.lo, percent), fmt_value(scale.hi, percent)),
                rows=tuple((r, IntervalMark.of(r.estimate, scale)) for r in rows),
            )
        )
    return tuple(groups)


@dataclass(frozen=True)
class Bar:
    """One histogram bar: its box, which series it belongs to and what it counts."""

    x: float
    y: float
    w: float
    h: float
    series: int
    count: int
    low: str
    high: str


@dataclass(frozen=True)
class HistogramChart:
    """A histogram of one scorer, one or two series side by side in each bin."""

    scorer: str
    width: float
    height: float
    bars: tuple[Bar, ...]
    lo: str
    hi: str
    max_count: int


def histogram_chart(
    hist: Histogram, runs: Sequence[str], width: float = 320, height: float = 110
) -> HistogramChart:
    """Lay out ``hist`` with one series per run in ``runs``."""
    series = [hist.counts[r] for r in runs]
    bins = len(series[0])
    top = max((max(c) for c in series), default=0) or 1
    step = (hist.hi - hist.lo) / bins
    slot = width / bins
    bar_w = (slot - 1) / len(series)
    bars = []
    for index in range(bins):
        low = fmt_value(hist.lo + index * step, False)
        high = fmt_value(hist.lo + (index + 1) * step, False)
        for s, counts in enumerate(series):
            count = counts[index]
            if not count:
                continue
            h = max(1.0, count / top * height)
            x = index * slot + s * bar_w
            bars.append(Bar(_r(x), _r(height - h), _r(bar_w), _r(h), s, count, low, high))
    return HistogramChart(
        scorer=hist.scorer,
        width=width,
        height=height,
        bars=tuple(bars),
        lo=fmt_value(hist.lo, False),
        hi=fmt_value(hist.hi, False),
        max_count=top,
    )


def select_comparisons(
    comparison: Comparison, limit: int = MAX_SLICE_ROWS
) -> tuple[MetricComparison, ...]:
    """Every overall row, then slices up to ``limit`` rows, significant ones first.

    The kept rows stay in the comparison's own order.
    """
    rows = comparison.comparisons
    if len(rows) <= limit:
        return rows
    rank = sorted(
        range(len(rows)),
        key=lambda i: (rows[i].slice is not None, rows[i].verdict not in ("regressed", "improved")),
    )
    keep = set(rank[:limit])
    return tuple(r for i, r in enumerate(rows) if i in keep)


@dataclass(frozen=True)
class ForestRow:
    """One comparison row in a forest plot."""

    y: float
    label: str
    short_label: str
    mark: IntervalMark
    verdict: str
    text: str


@dataclass(frozen=True)
class ForestChart:
    """Deltas (candidate minus base) of one scorer, overall and by slice."""

    scorer: str
    metric: str
    width: float
    height: float
    plot_x: float
    plot_width: float
    text_x: float
    zero_x: float
    ticks: tuple[tuple[float, str], ...]
    rows: tuple[ForestRow, ...]


_ROW_H = 18.0
_TOP = 20.0


def _forest(scorer: str, rows: Sequence[MetricComparison]) -> ForestChart:
    percent = rows[0].metric == "pass_rate"
    reach = max(
        (abs(v) for r in rows for v in (r.delta.ci_low, r.delta.ci_high, r.delta.value) if v),
        default=0.0,
    )
    reach = (reach or (0.01 if percent else 1.0)) * 1.05
    label_w, plot_w, text_w = 250.0, 330.0, 210.0
    scale = Scale(-reach, reach, plot_w, x0=label_w)
    forest_rows = []
    for i, row in enumerate(rows):
        label = row.label
        short = label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"
        delta = row.delta
        text = f"{fmt_delta(delta.value, percent)} {fmt_delta_interval(delta, percent)}"
        mark = IntervalMark.of(delta, scale)
        forest_rows.append(
            ForestRow(_r(_TOP + (i + 0.5) * _ROW_H), label, short, mark, row.verdict, text.strip())
        )
    ticks = tuple(
        (scale.x(v), fmt_delta(v, percent).removesuffix(" pts") if v else "0")
        for v in (-reach, 0.0, reach)
    )
    return ForestChart(
        scorer=scorer,
        metric=rows[0].metric,
        width=label_w + plot_w + text_w,
        height=_r(_TOP + len(rows) * _ROW_H + 6),
        plot_x=label_w,
        plot_width=plot_w,
        text_x=label_w + plot_w + 10,
        zero_x=scale.x(0.0),
        ticks=ticks,
        rows=tuple(forest_rows),
    )


def forest_charts(rows: Sequence[MetricComparison]) -> tuple[ForestChart, ...]:
    """One forest plot per scorer (its overall row first), in first-seen order."""
    by_scorer: dict[str, list[MetricComparison]] = {}
    for row in rows:
        by_scorer.setdefault(row.scorer, []).append(row)
    return tuple(
        _forest(scorer, sorted(group, key=lambda r: r.slice is not None))
        for scorer, group in by_scorer.items()
    )

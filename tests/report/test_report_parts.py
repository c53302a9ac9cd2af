"""Number formats, chart geometry and the template guard, without a store."""

from __future__ import annotations

import re
from importlib.resources import files

import pytest

from aivitals.comparison import Comparison, Lineage, MetricComparison
from aivitals.report._charts import Scale, forest_charts, histogram_chart, select_comparisons
from aivitals.report._data import Cell, Histogram
from aivitals.stats import Estimate, TestResult
from aivitals.stats._format import (
    fmt_delta,
    fmt_delta_interval,
    fmt_interval,
    fmt_pvalue,
    fmt_value,
)


def est(value: float | None, low: float | None, high: float | None, reason: str | None = None):
    return Estimate(value, low, high, 100, "wilson", reason)


@pytest.mark.parametrize(
    ("value", "percent", "text"),
    [
        (0.8766, True, "87.7%"),
        (1.0, True, "100.0%"),
        (0.8766, False, "0.877"),
        (12.345, False, "12.3"),
        (1234.5, False, "1,234"),
        (None, True, "–"),
    ],
)
def test_values(value: float | None, percent: bool, text: str) -> None:
    assert fmt_value(value, percent) == text


@pytest.mark.parametrize(
    ("estimate", "percent", "text"),
    [
        (est(0.5, 0.188, 0.812), True, "[18.8%, 81.2%]"),
        (est(0.5, 0.5, 0.5, "all values equal"), False, "[0.5, 0.5]"),
        (est(0.5, None, None, "one observation"), False, "one observation"),
    ],
)
def test_intervals(estimate: Estimate, percent: bool, text: str) -> None:
    assert fmt_interval(estimate, percent) == text


@pytest.mark.parametrize(
    ("estimate", "percent", "text"),
    [
        (est(0.017, 0.006, 0.028), True, "+1.7 pts [+0.6, +2.8] pts"),
        (est(-0.0123, -0.02, -0.004), False, "-0.0123 [-0.02, -0.004]"),
    ],
)
def test_deltas(estimate: Estimate, percent: bool, text: str) -> None:
    assert f"{fmt_delta(estimate.value, percent)} {fmt_delta_interval(estimate, percent)}" == text


@pytest.mark.parametrize(
    ("p", "text"), [(0.0355, "0.0355"), (1.0, "1.0000"), (0.00001, "<0.0001"), (None, "–")]
)
def test_pvalues(p: float | None, text: str) -> None:
    assert fmt_pvalue(p) == text


def test_cells_are_cut_and_say_by_how_much() -> None:
    assert Cell.of(None) is None
    assert Cell.of("abc", limit=5) == Cell("abc")
    assert Cell.of("abcdefgh", limit=5) == Cell("abcde", 3)
    assert Cell("<>").cost == len("&lt;&gt;")


def test_scale_clamps_and_fits_proportions_within_0_and_1() -> None:
    scale = Scale.fit([0.0, 0.5, 1.0], 100, percent=True)
    assert (scale.lo, scale.hi) == (0.0, 1.0)
    assert (scale.x(-1), scale.x(0.25), scale.x(2)) == (0.0, 25.0, 100.0)
    flat = Scale.fit([3.0, 3.0], 100, percent=False)
    assert flat.x(3.0) == 50.0


def test_histogram_bars_skip_empty_bins_and_scale_to_the_tallest() -> None:
    hist = Histogram("s", 0.0, 1.0, {"a": (4, 0, 0, 2), "b": (1, 0, 0, 3)})
    chart = histogram_chart(hist, ["a", "b"], width=80, height=40)
    assert [(b.series, b.count) for b in chart.bars] == [(0, 4), (1, 1), (0, 2), (1, 3)]
    assert chart.bars[0].h == 40.0 and chart.bars[0].y == 0.0
    assert (chart.lo, chart.hi, chart.bars[0].low, chart.bars[0].high) == ("0", "1", "0", "0.25")


def row(scorer: str, tag: str | None, verdict: str, delta: float = 0.1) -> MetricComparison:
    e = est(delta, delta - 0.05, delta + 0.05)
    return MetricComparison(
        scorer, tag, "v" if tag else None, "pass_rate", e, e, e,
        TestResult("McNemar exact", None, 0.5, 100), 0.5, verdict,  # type: ignore[arg-type]
    )  # fmt: skip


def test_capped_comparisons_keep_overall_and_significant_rows_in_order() -> None:
    rows = (
        row("a", None, "no_significant_change"),
        *(row("a", f"t{i}", "no_significant_change") for i in range(5)),
        row("a", "t9", "regressed"),
    )
    lineage = Lineage("b", "c", (), False, 100, 100, 100)
    comparison = Comparison(lineage, 0.05, "holm", rows, (), 10)
    kept = select_comparisons(comparison, limit=3)
    assert [(r.slice, r.verdict) for r in kept] == [
        (None, "no_significant_change"),
        ("t0", "no_significant_change"),
        ("t9", "regressed"),
    ]


def test_forest_puts_zero_in_the_middle_and_overall_first() -> None:
    (chart,) = forest_charts([row("a", "t", "regressed", -0.2), row("a", None, "improved")])
    assert chart.zero_x == chart.plot_x + chart.plot_width / 2
    assert [r.label for r in chart.rows] == ["overall", "t=v"]
    assert chart.rows[1].text == "-20.0 pts [-25.0, -15.0] pts"
    assert chart.rows[1].mark.point is not None and chart.rows[1].mark.point < chart.zero_x


def test_templates_mark_nothing_safe_but_our_own_assets() -> None:
    templates = files("aivitals.report").joinpath("templates")
    uses = []
    for entry in templates.iterdir():
        if entry.name.endswith(".j2"):
            uses += re.findall(r"{{\s*([\w.]+)\s*\|\s*safe", entry.read_text(encoding="utf-8"))
            assert "Markup" not in entry.read_text(encoding="utf-8")
    assert sorted(uses) == ["script", "style"]

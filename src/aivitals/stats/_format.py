"""How numbers read, in every output: terminal, Markdown, JSON-free text, HTML.

- Proportions (``pass_rate`` estimates, the error rate) are percentages with
  one decimal: ``75.0%``, interval ``[40.9%, 92.9%]``.
- Means (``mean`` estimates, latency) have three significant digits
  (``0.812``, ``[0.795, 0.829]``); from 1,000 up they are whole numbers with
  thousands separators (``1,234``).
- Deltas carry a sign: pass-rate deltas in percentage points with one
  decimal (``+1.2 pts``, interval ``[-0.3, +2.7] pts``), mean deltas with
  three significant digits (``+0.0123``).
- p-values have four decimals; below 0.0001 they read ``<0.0001``.

The terminal tables, the Markdown comments, the gate's evidence and the HTML
reports all format through these functions, so a run reads the same
everywhere.
- A missing value is an en dash; a missing interval is replaced by the
  estimate's ``reason`` (``all values equal``, ``one observation``...).
- Counts have thousands separators (``n=10,000``).

Every figure also carries its full-precision value, n and interval method
in a report's tooltip (``title``), so nothing is lost to rounding.
"""

from __future__ import annotations

from aivitals.stats._estimates import Estimate

__all__ = [
    "fmt_count",
    "fmt_delta",
    "fmt_delta_interval",
    "fmt_estimate",
    "fmt_interval",
    "fmt_pvalue",
    "fmt_value",
    "precise",
]

MISSING = "–"


def fmt_value(value: float | None, percent: bool) -> str:
    """One number: a percentage (one decimal) or three significant digits."""
    if value is None:
        return MISSING
    if percent:
        return f"{value:.1%}"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def fmt_interval(est: Estimate, percent: bool) -> str:
    """``[low, high]`` in the value's format, or the reason it is missing."""
    if est.ci_low is None or est.ci_high is None:
        return est.reason or ""
    return f"[{fmt_value(est.ci_low, percent)}, {fmt_value(est.ci_high, percent)}]"


def fmt_delta(value: float | None, percent: bool) -> str:
    """A signed difference: percentage points, or three significant digits."""
    if value is None:
        return MISSING
    if percent:
        return f"{value * 100:+.1f} pts"
    return f"{value:+,.0f}" if abs(value) >= 1000 else f"{value:+.3g}"


def fmt_delta_interval(est: Estimate, percent: bool) -> str:
    """``[low, high]`` of a delta, signed; ``pts`` after it for pass rates."""
    if est.ci_low is None or est.ci_high is None:
        return est.reason or ""
    low, high = (fmt_delta(v, percent).removesuffix(" pts") for v in (est.ci_low, est.ci_high))
    return f"[{low}, {high}]" + (" pts" if percent else "")


def fmt_estimate(est: Estimate, percent: bool, *, delta: bool = False) -> str:
    """``87.7% [84.8%, 90.1%]``; for a delta ``-18.2 pts [-26.1, -10.3] pts``.

    A missing interval is replaced by the estimate's reason in parentheses.
    """
    head = fmt_delta(est.value, percent) if delta else fmt_value(est.value, percent)
    interval = fmt_delta_interval(est, percent) if delta else fmt_interval(est, percent)
    if est.ci_low is None or est.ci_high is None:
        return f"{head} ({interval})" if interval else head
    if delta and percent:
        head = head.removesuffix(" pts")
    return f"{head} {interval}"


def fmt_pvalue(p: float | None) -> str:
    """A p-value to four decimals, ``<0.0001`` below that."""
    if p is None:
        return MISSING
    return "<0.0001" if p < 0.0001 else f"{p:.4f}"


def fmt_count(n: int | None) -> str:
    """A count with thousands separators."""
    return MISSING if n is None else f"{n:,}"


def precise(est: Estimate) -> str:
    """The estimate at full precision, for a tooltip."""
    text = f"value {est.value!r}, n={est.n}, {est.method}"
    if est.ci_low is not None and est.ci_high is not None:
        text += f" interval [{est.ci_low!r}, {est.ci_high!r}]"
    if est.reason:
        text += f" ({est.reason})"
    return text

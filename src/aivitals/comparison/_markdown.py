"""Markdown for pull-request comments: a comparison, with model text escaped.

Model outputs are untrusted: in Markdown they could close a table cell,
open a code span or smuggle raw HTML into the rendered comment, so every
piece of user or model text goes through :func:`escape_markdown`.
"""

from __future__ import annotations

import re

from aivitals.comparison._model import Comparison, MetricComparison
from aivitals.stats import fmt_estimate, fmt_pvalue

__all__ = [
    "comparison_markdown",
    "escape_markdown",
    "number_cells",
]

# Inside a table cell only these change meaning: code spans, emphasis, links,
# the cell separator and strikethrough. ``<`` and ``>`` become entities.
_SPECIAL = re.compile(r"([\\`*_{}\[\]|~])")


def escape_markdown(text: str | None, *, limit: int = 200) -> str:
    """Text safe inside a Markdown table cell: one line, no markup, no HTML."""
    if text is None:
        return "–"
    flat = " ".join(text.split())
    if len(flat) > limit:
        flat = flat[: limit - 1] + "…"
    flat = flat.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _SPECIAL.sub(r"\\\1", flat)


_ICON = {
    "regressed": "🔴 regressed",
    "improved": "🟢 improved",
    "no_significant_change": "⚪ no significant change",
    "inconclusive": "🟡 inconclusive",
}


def number_cells(c: MetricComparison) -> list[str]:
    """Base, candidate, delta, p (test), adjusted p and n of a row, as text."""
    pct = c.metric == "pass_rate"
    return [
        fmt_estimate(c.base, pct),
        fmt_estimate(c.candidate, pct),
        fmt_estimate(c.delta, pct, delta=True),
        f"{fmt_pvalue(c.test.p_value)} ({c.test.test})",
        fmt_pvalue(c.p_adjusted),
        str(c.test.n),
    ]


def _row(c: MetricComparison) -> str:
    cells = [
        escape_markdown(c.scorer),
        escape_markdown(c.label),
        *number_cells(c),
        _ICON[c.verdict],
    ]
    return "| " + " | ".join(cells) + " |"


def comparison_markdown(
    comparison: Comparison, *, max_slices: int = 30, max_flips: int = 20
) -> str:
    """A comparison as a pull-request comment."""
    lin = comparison.lineage
    regressions = comparison.regressions
    head = (
        f"**{len(regressions)} significant regression(s)**"
        if regressions
        else "**No significant regression**"
    )
    lines = [
        f"### aivitals: `{lin.candidate_run}` vs `{lin.base_run}`",
        "",
        f"{head} after {comparison.adjustment} correction across "
        f"{len(comparison.comparisons)} scorer × slice comparisons (α = {comparison.alpha}); "
        f"{lin.n_aligned} paired records.",
        "",
    ]
    lines += [f"> ⚠️ {escape_markdown(p, limit=400)}" for p in lin.problems]
    lines += [f"> {escape_markdown(n, limit=400)}" for n in lin.notes]
    header = "| scorer | slice | base | candidate | Δ | p (test) | adjusted p | n | verdict |"
    rule = "|---|---|---|---|---|---|---|---|---|"
    lines += ["", header, rule, *(_row(c) for c in comparison.overall)]
    notable = [
        c for c in comparison.comparisons if c.slice and c.verdict in ("regressed", "improved")
    ]
    if notable:
        lines += ["", "**Slices that changed significantly**", "", header, rule]
        lines += [_row(c) for c in notable[:max_slices]]
    failing = [f for f in comparison.flips if f.direction == "newly_failing"]
    if failing:
        lines += ["", f"<details><summary>{len(failing)} newly failing case(s)</summary>", ""]
        lines += [
            "| scorer | case | input | base output | candidate output |",
            "|---|---|---|---|---|",
        ]
        lines += [
            "| "
            + " | ".join(
                [
                    escape_markdown(f.scorer),
                    escape_markdown(f.case_id),
                    escape_markdown(f.input, limit=120),
                    escape_markdown(f.base_output, limit=120),
                    escape_markdown(f.candidate_output, limit=120),
                ]
            )
            + " |"
            for f in failing[:max_flips]
        ]
        lines += ["", "</details>"]
    return "\n".join(lines) + "\n"

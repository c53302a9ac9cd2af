"""Render report pages: one self-contained HTML file each.

Templates are package data (``templates/*.html.j2``) rendered with
autoescaping on, so every model input, output, expected answer, tag,
explanation and scorer name is escaped; nothing from the store is ever
marked safe. The only raw text inserted is our own stylesheet and script,
read from the package. A Content-Security-Policy admits that one script and
that one stylesheet by hash and nothing else — no network, no other inline
code — so even a missed escape could not run.
"""

from __future__ import annotations

import base64
import functools
import hashlib
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from importlib.resources import files
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from aivitals.comparison import Comparison
from aivitals.report._charts import (
    BAR_WIDTH,
    MAX_SLICE_ROWS,
    forest_charts,
    histogram_chart,
    select_comparisons,
    slice_groups,
)
from aivitals.report._data import comparison_page, run_page
from aivitals.stats import _format
from aivitals.store import Store

__all__ = ["render_comparison_report", "render_run_report"]

_FILTERS = {
    "value": _format.fmt_value,
    "interval": _format.fmt_interval,
    "delta": _format.fmt_delta,
    "delta_interval": _format.fmt_delta_interval,
    "pvalue": _format.fmt_pvalue,
    "count": _format.fmt_count,
    "precise": _format.precise,
}


@functools.cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("aivitals.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(_FILTERS)
    return env


@functools.cache
def _asset(name: str) -> str:
    return files("aivitals.report").joinpath("templates", name).read_text(encoding="utf-8")


def _sha256(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


def _page_context(title: str) -> dict[str, Any]:
    style, script = _asset("report.css"), _asset("report.js")
    csp = (
        f"default-src 'none'; script-src '{_sha256(script)}'; style-src '{_sha256(style)}'; "
        "base-uri 'none'; form-action 'none'"
    )
    try:
        package = version("aivitals")
    except PackageNotFoundError:  # running from a source tree that is not installed
        package = "unknown"
    return {
        "title": title,
        "csp": csp,
        # Our own files from the package; base.html.j2 inserts them unescaped.
        "style": style,
        "script": script,
        "generated_at": datetime.now(UTC).isoformat(sep=" ", timespec="seconds"),
        "package_version": package,
        "max_slice_rows": MAX_SLICE_ROWS,
        "bar_width": BAR_WIDTH,
    }


def render_run_report(store: Store, run_ref: str) -> str:
    """The HTML report of one run.

    Args:
        store: The open store.
        run_ref: Run id, a unique prefix, or ``latest``.

    Returns:
        A complete, self-contained HTML document.

    Raises:
        StoreError: No such run, or an ambiguous prefix.
    """
    page = run_page(store, run_ref)
    run_id = page.info.run_id
    template = _environment().get_template("run.html.j2")
    return template.render(
        **_page_context(f"Run {run_id} — {page.info.name}"),
        page=page,
        slice_groups=slice_groups(page.summary),
        histograms=[histogram_chart(h, [run_id]) for h in page.histograms],
    )


def render_comparison_report(store: Store, comparison: Comparison) -> str:
    """The HTML report of a comparison of two runs.

    Args:
        store: The store holding both runs.
        comparison: What ``compare_runs`` returned for them.

    Returns:
        A complete, self-contained HTML document.
    """
    page = comparison_page(store, comparison)
    runs = [page.base.run_id, page.candidate.run_id]
    rows = select_comparisons(comparison)
    template = _environment().get_template("comparison.html.j2")
    return template.render(
        **_page_context(f"Comparison {runs[0]} vs {runs[1]}"),
        page=page,
        rows=rows,
        forests=forest_charts(rows),
        histograms=[histogram_chart(h, runs) for h in page.histograms],
    )

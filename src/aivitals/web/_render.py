"""Render the dashboard's pages with Jinja (autoescaping on, nothing from the store marked safe).

Served pages link one stylesheet pair (the report's ``report.css`` and our
``dashboard.css``) and one script from ``/static/``, so the
Content-Security-Policy admits ``'self'`` and nothing inline. The
self-contained overview (:func:`render_overview` with ``static=True``,
behind ``vitals health --html``) inlines the same files and admits exactly
them by hash, like the offline reports.
"""

from __future__ import annotations

import base64
import functools
import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from importlib.metadata import PackageNotFoundError, version
from importlib.resources import files
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, StrictUndefined

from aivitals.metrics import parse_window
from aivitals.stats import fmt_count, fmt_value
from aivitals.web._charts import ChartRow, band_ranges, line_chart

__all__ = [
    "PAGE_CSP",
    "asset",
    "fmt_number",
    "fmt_score",
    "render_overview",
    "render_page",
]

#: The policy of every served dashboard page: our own files, nothing inline.
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
#: Slices listed as the worst of the latest window.
WORST_SLICES = 10
#: Largest parts of the latest change listed; smaller ones are counted, not listed.
ATTRIBUTIONS = 10
#: Parts of a change smaller than this (score points) round to ±0.0 and are not listed.
MIN_ATTRIBUTION = 0.05

# (package, file) of each static asset; the report's stylesheet is reused as is.
ASSETS = {
    "report.css": ("aivitals.report", "report.css"),
    "dashboard.css": ("aivitals.web", "dashboard.css"),
    "dashboard.js": ("aivitals.web", "dashboard.js"),
}


def fmt_number(value: float | None, unit: str) -> str:
    """A metric value as pages show it: shares as percentages, else three digits."""
    return fmt_value(value, unit == "share")


def fmt_score(value: float | None) -> str:
    """A health score or points (0–100) with one decimal."""
    return "–" if value is None else f"{value:.1f}"


def fmt_money(value: float | None) -> str:
    """An amount of money with two decimals and thousands separators."""
    return "–" if value is None else f"{value:,.2f}"


def fmt_signed(value: float | None) -> str:
    """A signed change in score points."""
    return "–" if value is None else f"{value:+.1f}"


@functools.cache
def fmt_when(value: Any) -> str:
    """A window start for people: ``Thu 05 Mar 2026``, with the time unless midnight UTC."""
    if not value:
        return "–"
    try:
        when = datetime.fromisoformat(str(value)).astimezone(UTC)
    except ValueError:
        return str(value)
    if (when.hour, when.minute, when.second) == (0, 0, 0):
        return f"{when:%a %d %b %Y}"
    return f"{when:%a %d %b %Y %H:%M} UTC"


@functools.cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("aivitals.web", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        {
            "number": fmt_number,
            "score": fmt_score,
            "signed": fmt_signed,
            "count": fmt_count,
            "money": fmt_money,
            "when": fmt_when,
        }
    )
    return env


@functools.cache
def asset(name: str) -> str:
    """A static file's text (``report.css``, ``dashboard.css``, ``dashboard.js``)."""
    package, file = ASSETS[name]
    return files(package).joinpath("templates", file).read_text(encoding="utf-8")


def _sha256(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


def _package_version() -> str:
    try:
        return version("aivitals")
    except PackageNotFoundError:  # a source tree that is not installed
        return "unknown"


def render_page(template: str, *, title: str, active: str, **context: Any) -> str:
    """A served dashboard page (stylesheets and script from ``/static/``)."""
    return (
        _environment()
        .get_template(template)
        .render(
            title=title,
            active=active,
            static=False,
            package_version=_package_version(),
            **context,
        )
    )


def _static_context() -> dict[str, Any]:
    style = asset("report.css") + "\n" + asset("dashboard.css")
    script = asset("dashboard.js")
    csp = (
        f"default-src 'none'; script-src '{_sha256(script)}'; style-src '{_sha256(style)}'; "
        "base-uri 'none'; form-action 'none'"
    )
    return {"style": style, "script": script, "csp": csp}


def _start(window: Mapping[str, Any]) -> str:
    return str(window.get("window_start") or "")


def _sessions_link(window: Mapping[str, Any], seconds: int | None) -> str:
    """``/sessions?...``: the sessions behind one window and slice."""
    params: dict[str, str] = {}
    start = _start(window)
    if start and seconds:
        begin = datetime.fromisoformat(start)
        params["since"] = begin.isoformat()
        params["until"] = (begin + timedelta(seconds=seconds)).isoformat()
    for key, value in sorted((window.get("slice") or {}).items()):
        params[f"slice.{key}"] = "" if value is None else str(value)
    return "/sessions?" + urlencode(params)


_WINDOW = ("window_start", "slice", "score", "ci_low", "ci_high", "n_sessions", "band")
_COMPONENT = (
    "metric", "group", "value", "ci_low", "ci_high", "n", "unit", "points", "weight",
    "weight_share", "points_lost", "status", "reason",
)  # fmt: skip
_CHANGE = ("previous_window_start", "delta", "attribution", "summary")
_IMPACT = ("currency", "baseline_window_start", "items", "total", "ci_low", "ci_high", "method")
_IMPACT_ITEM = (
    "item", "metric", "rate", "baseline_rate", "n_sessions", "unit_cost", "cost", "ci_low",
    "ci_high",
)  # fmt: skip
_TRUST = ("score", "ci_low", "ci_high")
_FALL = (
    "slice", "from_window_start", "from_score", "window_start", "score", "ci_low", "ci_high",
    "band", "n_sessions", "change", "impact",
)  # fmt: skip
_TREE = ("driver", "outcome", "correlation", "ci_low", "ci_high", "n_windows", "method")


def _filled(part: Any, keys: tuple[str, ...]) -> dict[str, Any] | None:
    """``part`` with every key the templates read present (``None`` if absent)."""
    if not isinstance(part, Mapping):
        return None
    return {**dict.fromkeys(keys), **part}


def _window(raw: Mapping[str, Any]) -> dict[str, Any]:
    window = _filled(raw, _WINDOW) or {}
    window["components"] = [_filled(c, _COMPONENT) for c in raw.get("components") or []]
    window["change"] = _filled(raw.get("change"), _CHANGE)
    if window["change"] is not None:
        window["change"]["attribution"] = [
            _filled(a, ("metric", "slice", "delta")) for a in window["change"]["attribution"] or []
        ]
    window["impact"] = _filled(raw.get("impact"), _IMPACT)
    if window["impact"] is not None:
        window["impact"]["items"] = [
            _filled(i, _IMPACT_ITEM) for i in window["impact"]["items"] or []
        ]
    window["trust"] = _filled(raw.get("trust"), _TRUST)
    return window


def _largest(attribution: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The parts of a change that show at one decimal, largest first."""
    shown = [a for a in attribution if abs(a.get("delta") or 0.0) >= MIN_ATTRIBUTION]
    return sorted(shown, key=lambda a: -abs(a.get("delta") or 0.0))[:ATTRIBUTIONS]


def _where(slice_: Any) -> str:
    """``channel=voice`` for a slice, ``all traffic`` for none."""
    pairs = sorted((slice_ or {}).items())
    return ", ".join(f"{k}={v}" for k, v in pairs) or "all traffic"


def _fall_series(windows: list[dict[str, Any]], raw: Any) -> list[dict[str, Any]]:
    """The windows of the slice that fell furthest, to plot next to all traffic."""
    if not isinstance(raw, Mapping) or not raw.get("slice"):
        return []
    return sorted((w for w in windows if w.get("slice") == raw["slice"]), key=_start)


def _fall(raw: Any, seconds: int | None) -> dict[str, Any] | None:
    """The largest fall, with where it happened as text and a link to its sessions."""
    fall = _filled(raw, _FALL)
    if fall is None:
        return None
    fall["change"] = _filled(fall["change"], _CHANGE) or dict.fromkeys(_CHANGE)
    fall["impact"] = _filled(fall["impact"], _IMPACT)
    fall["where"] = _where(fall["slice"])
    fall["link"] = _sessions_link(fall, seconds)
    return fall


def overview_model(report: Mapping[str, Any]) -> dict[str, Any]:
    """What the overview shows, picked from a ``HealthReport.to_dict()``."""
    config = _filled(report.get("config") or {}, ("name", "window", "by", "bands")) or {}
    try:
        seconds = parse_window(config.get("window") or "all")
    except ValueError:
        seconds = None
    windows = [_window(w) for w in report.get("windows") or [] if isinstance(w, Mapping)]
    overall = sorted((w for w in windows if not w.get("slice")), key=_start)
    # The newest window with a score: the last one is often a partial day or
    # hour with too few sessions, and a headline of "–" explains nothing.
    scored = [w for w in overall if w.get("score") is not None]
    latest = (scored or overall)[-1] if overall else None
    latest_start = _start(latest) if latest else None
    in_latest = [w for w in windows if w.get("slice") and _start(w) == latest_start]
    worst = sorted(in_latest, key=lambda w: (w.get("score") is None, w.get("score") or 0.0))
    components = sorted(
        (latest or {}).get("components") or [],
        key=lambda c: -(c.get("points_lost") or 0.0),
    )
    change = (latest or {}).get("change")
    chart = line_chart(
        "Health score",
        (
            ChartRow(
                _where(w.get("slice")),
                _start(w),
                w.get("score"),
                w.get("ci_low"),
                w.get("ci_high"),
                f"{_start(w)}: {fmt_score(w.get('score'))} ({w.get('band', '')})",
            )
            for w in [*overall, *_fall_series(windows, report.get("largest_fall"))]
        ),
        fmt=lambda v: f"{v:.0f}",
        y_range=(0.0, 100.0),
        bands=band_ranges(config.get("bands")),
    )
    return {
        "config": config,
        "fall": _fall(report.get("largest_fall"), seconds),
        "overall": [(w, _sessions_link(w, seconds)) for w in reversed(overall)],
        "latest": latest,
        "worst": [(w, _sessions_link(w, seconds)) for w in worst[:WORST_SLICES]],
        "n_slices": len(in_latest),
        "components": components,
        "change": change,
        "attribution": _largest(change["attribution"]) if change else [],
        "impact": (latest or {}).get("impact"),
        "trust": (latest or {}).get("trust"),
        "tree": [_filled(t, _TREE) for t in report.get("tree") or []],
        "chart": chart,
    }


def render_overview(report: Mapping[str, Any], *, static: bool = False, stale: bool = False) -> str:
    """The health overview page of a ``HealthReport.to_dict()``.

    Args:
        report: The health report as a plain dict (see ``docs/design/dashboard.md``).
        static: One self-contained file (inlined stylesheet and script, no
            links to the server) for ``vitals health --html FILE``.
        stale: Say that newer data is being computed (served pages only).

    Returns:
        A complete HTML document; every text from the report is escaped.
    """
    context = _static_context() if static else {}
    return (
        _environment()
        .get_template("overview.html.j2")
        .render(
            title="Health overview",
            active="overview",
            static=static,
            package_version=_package_version(),
            model=overview_model(report),
            stale=stale,
            **context,
        )
    )

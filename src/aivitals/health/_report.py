"""The health report: frozen results with one JSON shape (``HealthReport.to_dict``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = [
    "Attribution",
    "Change",
    "ComponentResult",
    "HealthReport",
    "HealthWindow",
    "Impact",
    "ImpactItem",
    "TreeLink",
    "TrustResult",
]

Slice = dict[str, str | None]


@dataclass(frozen=True)
class ComponentResult:
    """One component in one window and slice.

    ``points`` is None when ``status`` is ``insufficient`` (never a silent 0);
    ``weight_share`` is the share of the score it actually carried (0 then),
    ``points_lost`` = weight_share × (100 − points): its gap to target.
    """

    metric: str
    group: str
    value: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    unit: str
    points: float | None
    weight: float
    weight_share: float
    points_lost: float
    status: str  # ok | insufficient
    reason: str | None

    @property
    def contribution(self) -> float:
        """Points this component adds to the score (weight_share × points)."""
        return self.weight_share * (self.points or 0.0)

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass(frozen=True)
class TrustResult:
    """The trust sub-score (0–100) and its components."""

    score: float | None
    ci_low: float | None
    ci_high: float | None
    components: tuple[ComponentResult, ...]

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        return {
            "score": self.score,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "components": [c.to_dict() for c in self.components],
        }


@dataclass(frozen=True)
class Attribution:
    """Part of a score change due to one component (in one slice, when sliced)."""

    metric: str
    slice: Slice
    delta: float

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        return {"metric": self.metric, "slice": dict(self.slice), "delta": self.delta}


@dataclass(frozen=True)
class Change:
    """Score change against the previous window; attributions sum to ``delta``."""

    previous_window_start: datetime | None
    delta: float
    attribution: tuple[Attribution, ...]
    summary: str

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        return {
            "previous_window_start": _iso(self.previous_window_start),
            "delta": self.delta,
            "attribution": [a.to_dict() for a in self.attribution],
            "summary": self.summary,
        }


@dataclass(frozen=True)
class ImpactItem:
    """Estimated cost of one degraded outcome against the baseline."""

    item: str  # escalation | failed_task | abandoned_session
    metric: str
    rate: float | None
    baseline_rate: float | None
    n_sessions: int
    unit_cost: float
    cost: float | None
    ci_low: float | None
    ci_high: float | None

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass(frozen=True)
class Impact:
    """Cost of the degradation against a baseline window, per item and total."""

    currency: str
    baseline_window_start: datetime | None
    items: tuple[ImpactItem, ...]
    total: float | None
    ci_low: float | None
    ci_high: float | None
    method: str

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        return {
            "currency": self.currency,
            "baseline_window_start": _iso(self.baseline_window_start),
            "items": [i.to_dict() for i in self.items],
            "total": self.total,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "method": self.method,
        }


@dataclass(frozen=True)
class HealthWindow:
    """The score of one window and slice (``{}``: all traffic)."""

    window_start: datetime | None
    slice: Slice
    score: float | None
    ci_low: float | None
    ci_high: float | None
    n_sessions: int
    band: str
    components: tuple[ComponentResult, ...]
    groups: dict[str, float | None]
    trust: TrustResult | None
    change: Change | None = None
    impact: Impact | None = None

    def component(self, metric: str) -> ComponentResult:
        """The component computing ``metric``.

        Raises:
            KeyError: No such component.
        """
        for c in self.components:
            if c.metric == metric:
                return c
        raise KeyError(metric)

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        return {
            "window_start": _iso(self.window_start),
            "slice": dict(self.slice),
            "score": self.score,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "n_sessions": self.n_sessions,
            "band": self.band,
            "components": [c.to_dict() for c in self.components],
            "groups": dict(self.groups),
            "trust": self.trust.to_dict() if self.trust else None,
            "change": self.change.to_dict() if self.change else None,
            "impact": self.impact.to_dict() if self.impact else None,
        }


@dataclass(frozen=True)
class TreeLink:
    """Observed rank correlation of a declared driver → outcome over windows."""

    driver: str
    outcome: str
    correlation: float | None
    ci_low: float | None
    ci_high: float | None
    n_windows: int
    method: str

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass(frozen=True)
class Fall:
    """The largest fall of a score below its own first scored window.

    What a reader asks first — what broke, for whom, since when, what it
    costs: the slice (``{}``: all traffic), the window it fell from and the
    window where it was lowest relative to that, the change between the two
    with its attribution, and that window's estimated cost.
    """

    slice: Slice
    from_window_start: datetime | None
    from_score: float
    window: HealthWindow
    change: Change

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form (the low window by its start; its numbers are in ``windows``)."""
        impact = self.window.impact
        return {
            "slice": dict(self.slice),
            "from_window_start": _iso(self.from_window_start),
            "from_score": self.from_score,
            "window_start": _iso(self.window.window_start),
            "score": self.window.score,
            "ci_low": self.window.ci_low,
            "ci_high": self.window.ci_high,
            "band": self.window.band,
            "n_sessions": self.window.n_sessions,
            "change": self.change.to_dict(),
            "impact": impact.to_dict() if impact else None,
        }


@dataclass(frozen=True)
class HealthReport:
    """Health per window (oldest → newest) and slice, the metric tree and the impact settings."""

    name: str
    window: str | None
    by: tuple[str, ...]
    bands: dict[str, float]
    windows: tuple[HealthWindow, ...]
    tree: tuple[TreeLink, ...]
    impact_config: dict[str, Any] | None
    bootstrap: dict[str, Any] = field(default_factory=dict)
    largest_fall: Fall | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape dashboards read."""
        return {
            "config": {
                "name": self.name,
                "window": self.window,
                "by": list(self.by),
                "bands": dict(self.bands),
                "bootstrap": dict(self.bootstrap),
            },
            "windows": [w.to_dict() for w in self.windows],
            "tree": [t.to_dict() for t in self.tree],
            "impact_config": self.impact_config,
            "largest_fall": self.largest_fall.to_dict() if self.largest_fall else None,
        }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None

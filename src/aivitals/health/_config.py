"""Health-score configuration: components, bands, trust, metric tree and impact.

Validated with pydantic at the edge; errors name the file, line and field.
A ready configuration for a customer-support assistant ships as
``default.yaml`` in this package and is used when none is given.
"""

from __future__ import annotations

import math
import os
from datetime import datetime
from importlib import resources
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from aivitals.errors import ConfigError
from aivitals.io import parse_yaml, read_config, validation_problems
from aivitals.metrics import MetricsConfig, get_metric

__all__ = [
    "TRUST",
    "Bands",
    "Bootstrap",
    "Component",
    "HealthConfig",
    "ImpactConfig",
    "TreeEdge",
    "TrustConfig",
    "default_health_config",
    "load_health_config",
    "parse_health_config",
]

#: The component name that stands for the trust sub-score.
TRUST = "trust"

Group = Literal["technical", "quality", "ux", "business"]


def _known_metric(value: str) -> str:
    if value != TRUST:
        try:
            get_metric(value)
        except LookupError as exc:
            raise ValueError(str(exc).strip("'\"")) from None
    return value


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Component(_Model):
    """One metric mapped to 0–100 points.

    Attributes:
        metric: A metric name ``compute_metrics`` accepts (``pass_rate:SCORER``
            too), or ``trust`` for the trust sub-score (0–100).
        group: Which family it belongs to.
        bad: Value worth 0 points.
        good: Value worth 100 points; below ``bad`` when lower is better.
        curve: ``linear`` between the bounds, or ``logistic`` (an S-curve
            through the midpoint, rescaled to hit 0 and 100 at the bounds).
        steepness: The logistic curve's slope at the midpoint, in 1/span.
        weight: Relative weight in the score.
        min_n: Fewer observations than this: insufficient data, no points.
    """

    metric: str
    group: Group = "quality"
    bad: float
    good: float
    curve: Literal["linear", "logistic"] = "linear"
    steepness: float = Field(default=8.0, gt=0)
    weight: float = Field(default=1.0, gt=0)
    min_n: int = Field(default=30, ge=1)

    @field_validator("metric")
    @classmethod
    def _known(cls, value: str) -> str:
        return _known_metric(value)

    @model_validator(mode="after")
    def _bounds(self) -> Component:
        if not (math.isfinite(self.bad) and math.isfinite(self.good)) or self.bad == self.good:
            raise ValueError("bad and good must be finite and different")
        return self


class Bands(_Model):
    """Score thresholds: ``healthy`` at or above, ``watch`` at or above, else critical."""

    healthy: float = Field(default=80.0, ge=0, le=100)
    watch: float = Field(default=60.0, ge=0, le=100)

    @model_validator(mode="after")
    def _ordered(self) -> Bands:
        if self.watch > self.healthy:
            raise ValueError("watch must not be above healthy")
        return self

    def band(self, score: float | None) -> str:
        """``healthy``, ``watch``, ``critical``, or ``insufficient`` without a score."""
        if score is None:
            return "insufficient"
        if score >= self.healthy:
            return "healthy"
        return "watch" if score >= self.watch else "critical"


class TrustConfig(_Model):
    """The trust sub-score: behavioural signals and explicit feedback."""

    components: tuple[Component, ...] = Field(min_length=1)

    @field_validator("components")
    @classmethod
    def _no_self(cls, value: tuple[Component, ...]) -> tuple[Component, ...]:
        if any(c.metric == TRUST for c in value):
            raise ValueError("the trust score cannot be one of its own components")
        _unique(value)
        return value


class TreeEdge(_Model):
    """A declared driver → outcome link of the metric tree."""

    driver: str
    outcome: str

    @field_validator("driver", "outcome")
    @classmethod
    def _known(cls, value: str) -> str:
        return _known_metric(value)


class ImpactConfig(_Model):
    """Unit costs of bad outcomes and the baseline to compare against.

    Attributes:
        currency: Label for the amounts.
        cost_per_escalation: Cost of one escalated session.
        cost_per_failed_task: Cost of one session that did not complete its task.
        cost_per_abandoned_session: Cost of one abandoned session.
        baseline: ``previous`` window, ``first`` window, or an ISO window start.
    """

    currency: str = "USD"
    cost_per_escalation: float = Field(default=0.0, ge=0)
    cost_per_failed_task: float = Field(default=0.0, ge=0)
    cost_per_abandoned_session: float = Field(default=0.0, ge=0)
    baseline: str = "previous"

    @field_validator("baseline")
    @classmethod
    def _baseline(cls, value: str) -> str:
        if value not in ("previous", "first"):
            try:
                datetime.fromisoformat(value)
            except ValueError:
                raise ValueError(
                    f"baseline must be 'previous', 'first' or an ISO time, got {value!r}"
                ) from None
        return value


class Bootstrap(_Model):
    """Resampling settings (see docs/design/health.md for how they were chosen)."""

    replicates: int = Field(default=500, ge=50, le=100_000)
    buckets: int = Field(default=1024, ge=64, le=1 << 20)


class HealthConfig(_Model):
    """A health score: weighted components, bands, trust, tree and impact."""

    name: str = "health"
    bands: Bands = Bands()
    components: tuple[Component, ...] = Field(min_length=1)
    trust: TrustConfig | None = None
    tree: tuple[TreeEdge, ...] = ()
    impact: ImpactConfig | None = None
    bootstrap: Bootstrap = Bootstrap()
    metrics: MetricsConfig = MetricsConfig()

    @field_validator("components")
    @classmethod
    def _unique(cls, value: tuple[Component, ...]) -> tuple[Component, ...]:
        _unique(value)
        return value

    @model_validator(mode="after")
    def _trust_declared(self) -> HealthConfig:
        uses = any(c.metric == TRUST for c in self.components) or any(
            TRUST in (e.driver, e.outcome) for e in self.tree
        )
        if uses and self.trust is None:
            raise ValueError("'trust' is used but no trust section declares its components")
        return self


def _unique(components: tuple[Component, ...]) -> None:
    names = [c.metric for c in components]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(f"each metric may appear once; repeated: {', '.join(repeated)}")


def parse_health_config(
    data: dict[str, Any], *, file: str = "<health config>", node: Any = None
) -> HealthConfig:
    """Validate a health config given as a mapping.

    Raises:
        ConfigError: Every invalid field, with its line when ``node`` is given.
    """
    try:
        return HealthConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(validation_problems(exc, file, node)) from None


def load_health_config(path: str | os.PathLike[str]) -> HealthConfig:
    """Read and validate a health YAML file.

    Raises:
        ConfigError: Missing file, unreadable YAML or invalid fields, located by line.
    """
    file, node, data = read_config(path, "health config", "a mapping (components, bands, ...)")
    return parse_health_config(data, file=file, node=node)


def default_health_config() -> HealthConfig:
    """The shipped configuration for a customer-support assistant."""
    text = resources.files("aivitals.health").joinpath("default.yaml").read_text("utf-8")
    node, data = parse_yaml(text, "aivitals/health/default.yaml")
    return parse_health_config(data, file="aivitals/health/default.yaml", node=node)

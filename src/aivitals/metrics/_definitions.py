"""Metric definitions: named, documented aggregates, registered by name.

A definition says *what* is measured, never *how* an engine computes it:
its kind (proportion, mean, quantile, ratio), its unit of analysis (the
``source`` grain: records, sessions, events or scores), and portable SQL
expressions over that grain's columns (see ``_sql.GRAIN_COLUMNS``). The
compiler in ``_sql`` turns it into one query per engine dialect.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from aivitals.registry import Registry

__all__ = [
    "Grain",
    "Kind",
    "MetricDefinition",
    "Polarity",
    "get_metric",
    "metric",
    "registry",
    "scorer_pass_rate",
]

Kind = Literal["proportion", "mean", "quantile", "ratio"]
Polarity = Literal["higher_is_better", "lower_is_better", "neutral"]
Grain = Literal["records", "sessions", "events", "scores"]

_KINDS = ("proportion", "mean", "quantile", "ratio")
_GRAINS = ("records", "sessions", "events", "scores")
SCORER_PREFIX = "pass_rate:"


@dataclass(frozen=True)
class MetricDefinition:
    """A named aggregate over one grain, by window and slice.

    Attributes:
        name: Registry name (``csat``, ``latency_p95``...).
        kind: ``proportion`` (share of units where ``value`` is true, Wilson
            interval), ``mean`` (of ``value``, t interval), ``quantile`` (the
            ``q`` quantile of ``value``, order-statistic interval) or
            ``ratio`` (sum of ``value`` over sum of ``denominator`` per unit,
            delta-method interval; the unit is the cluster).
        description: One line for users: what it measures, range and best value.
        unit: Unit of the value (``share``, ``ms``, ``points``...).
        polarity: Which direction is good.
        source: The grain: one row per ``records`` interaction, ``sessions``
            session, ``events`` event or ``scores`` score on a production record.
        value: Portable SQL over the grain's columns: a condition for
            proportions, a number otherwise (the numerator of a ratio).
        where: Portable SQL condition selecting the units that count.
        denominator: Per-unit denominator of a ratio.
        q: The quantile's probability, for ``quantile``.
        bounds: The value's natural range (``None``: open); intervals from
            normal approximations (t, delta) are clipped to it.
    """

    name: str
    kind: Kind
    description: str
    unit: str
    polarity: Polarity
    source: Grain
    value: str
    where: str | None = None
    denominator: str | None = None
    q: float | None = None
    bounds: tuple[float | None, float | None] = (None, None)

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise ValueError(f"metric '{self.name}': kind must be one of {_KINDS}")
        if self.source not in _GRAINS:
            raise ValueError(f"metric '{self.name}': source must be one of {_GRAINS}")
        if (self.kind == "quantile") != (self.q is not None):
            raise ValueError(f"metric '{self.name}': q is required for, and only for, quantiles")
        if self.q is not None and not 0.0 < self.q < 1.0:
            raise ValueError(f"metric '{self.name}': q must be strictly between 0 and 1")
        if (self.kind == "ratio") != (self.denominator is not None):
            raise ValueError(
                f"metric '{self.name}': denominator is required for, and only for, ratios"
            )


registry: Registry[MetricDefinition] = Registry(
    kind="metric", builtins="aivitals.metrics", entry_point_group="aivitals.metrics"
)


def metric(definition: MetricDefinition) -> MetricDefinition:
    """Register ``definition`` under its name and return it."""
    return registry.register(definition.name, definition)


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def scorer_pass_rate(scorer: str) -> MetricDefinition:
    """Pass rate of ``scorer`` on production records (``pass_rate:NAME``).

    Share of scored production records whose verdict passed; records the
    scorer gave no verdict (``passed`` null) are left out of n.
    """
    return MetricDefinition(
        name=f"{SCORER_PREFIX}{scorer}",
        kind="proportion",
        description=(
            f"Share of production records passing scorer '{scorer}' (0–1, higher is better)."
        ),
        unit="share",
        polarity="higher_is_better",
        source="scores",
        value="passed",
        where=f"scorer = {_sql_string(scorer)} AND passed IS NOT NULL",
    )


def get_metric(name: str) -> MetricDefinition:
    """Resolve a registered metric, or ``pass_rate:SCORER`` for any scorer.

    Raises:
        LookupError: Unknown name; the message lists the known ones.
    """
    if name.startswith(SCORER_PREFIX) and len(name) > len(SCORER_PREFIX):
        return scorer_pass_rate(name[len(SCORER_PREFIX) :])
    return registry.get(name)


# --- Built-ins. Survey scores and feedback are per response (events grain);
# --- outcomes per session; latency, errors and fallbacks per interaction.

metric(
    MetricDefinition(
        "csat",
        "proportion",
        "Share of CSAT responses that are 4 or 5 on the 1–5 scale (0–1, higher is better).",
        "share",
        "higher_is_better",
        "events",
        "value >= 4",
        where="type = 'csat' AND value IS NOT NULL",
    )
)
metric(
    MetricDefinition(
        "csat_mean",
        "mean",
        "Mean CSAT response on the 1–5 scale (higher is better).",
        "score",
        "higher_is_better",
        "events",
        "value",
        where="type = 'csat'",
        bounds=(1.0, 5.0),
    )
)
metric(
    MetricDefinition(
        "ces",
        "mean",
        "Mean Customer Effort Score, 1–7 agreement that it was easy (higher is better).",
        "score",
        "higher_is_better",
        "events",
        "value",
        where="type = 'ces'",
        bounds=(1.0, 7.0),
    )
)
metric(
    MetricDefinition(
        "nps",
        "mean",
        "Net Promoter Score: % promoters (9–10) minus % detractors (0–6), −100..100 "
        "(higher is better); interval from the multinomial variance of the counts.",
        "points",
        "higher_is_better",
        "events",
        "CASE WHEN value >= 9 THEN 100.0 WHEN value <= 6 THEN -100.0 ELSE 0.0 END",
        where="type = 'nps' AND value IS NOT NULL",
        bounds=(-100.0, 100.0),
    )
)
metric(
    MetricDefinition(
        "thumbs_up_rate",
        "proportion",
        "Share of thumbs feedback that is positive (0–1, higher is better).",
        "share",
        "higher_is_better",
        "events",
        "value > 0",
        where="type = 'feedback' AND value <> 0",
    )
)
metric(
    MetricDefinition(
        "task_completion_rate",
        "proportion",
        "Share of sessions that completed their task, per the configured definition "
        "(0–1, higher is better).",
        "share",
        "higher_is_better",
        "sessions",
        "completed",
    )
)
metric(
    MetricDefinition(
        "escalation_rate",
        "proportion",
        "Share of sessions escalated to a human (0–1, lower is better).",
        "share",
        "lower_is_better",
        "sessions",
        "escalated",
    )
)
metric(
    MetricDefinition(
        "abandonment_rate",
        "proportion",
        "Share of sessions the user abandoned (0–1, lower is better).",
        "share",
        "lower_is_better",
        "sessions",
        "abandoned",
    )
)
metric(
    MetricDefinition(
        "retry_rate",
        "ratio",
        "Retries or rephrasings per interaction (≥ 0, lower is better; sessions are clusters).",
        "per turn",
        "lower_is_better",
        "sessions",
        "retries",
        denominator="n_turns",
        bounds=(0.0, None),
    )
)
metric(
    MetricDefinition(
        "correction_rate",
        "ratio",
        "User corrections per interaction (≥ 0, lower is better; sessions are clusters).",
        "per turn",
        "lower_is_better",
        "sessions",
        "corrections",
        denominator="n_turns",
        bounds=(0.0, None),
    )
)
metric(
    MetricDefinition(
        "fallback_rate",
        "proportion",
        'Share of answers that are a fallback such as "I don\'t know" (0–1, lower is better).',
        "share",
        "lower_is_better",
        "records",
        "is_fallback",
    )
)
metric(
    MetricDefinition(
        "error_rate",
        "proportion",
        "Share of interactions that ended in an error (0–1, lower is better).",
        "share",
        "lower_is_better",
        "records",
        "is_error",
    )
)
for _q in (50, 95, 99):
    metric(
        MetricDefinition(
            f"latency_p{_q}",
            "quantile",
            f"{_q}th percentile of interaction latency in ms (lower is better).",
            "ms",
            "lower_is_better",
            "records",
            "latency_ms",
            q=_q / 100,
        )
    )
metric(
    MetricDefinition(
        "tokens_per_session",
        "mean",
        "Mean tokens (in + out) per session (lower is cheaper).",
        "tokens",
        "lower_is_better",
        "sessions",
        "tokens",
        bounds=(0.0, None),
    )
)
metric(
    MetricDefinition(
        "cost_per_session",
        "mean",
        "Mean cost per session, in the records' cost unit (lower is better).",
        "cost",
        "lower_is_better",
        "sessions",
        "cost",
        where="cost IS NOT NULL",
        bounds=(0.0, None),
    )
)
metric(
    MetricDefinition(
        "turns_per_session",
        "mean",
        "Mean interactions per session (neutral: depends on the product).",
        "turns",
        "neutral",
        "sessions",
        "n_turns",
        bounds=(1.0, None),
    )
)

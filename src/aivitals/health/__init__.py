"""AI health score: a weighted, explained composite of production metrics.

:func:`compute_health` scores each window (and slice) 0–100 from the
components of a :class:`HealthConfig` (the shipped default for a
customer-support assistant when none is given), with a bootstrap interval
over sessions, the trust sub-score, the change against the previous window
and what explains it, the metric tree and the cost of the degradation.
"""

from aivitals.health._change import describe_change
from aivitals.health._compute import compute_health
from aivitals.health._config import (
    TRUST,
    Bands,
    Bootstrap,
    Component,
    HealthConfig,
    ImpactConfig,
    TreeEdge,
    TrustConfig,
    default_health_config,
    load_health_config,
    parse_health_config,
)
from aivitals.health._fall import largest_fall
from aivitals.health._report import (
    Attribution,
    Change,
    ComponentResult,
    Fall,
    HealthReport,
    HealthWindow,
    Impact,
    ImpactItem,
    TreeLink,
    TrustResult,
)
from aivitals.health._score import points
from aivitals.health._tree import fisher_interval

__all__ = [
    "TRUST",
    "Attribution",
    "Bands",
    "Bootstrap",
    "Change",
    "Component",
    "ComponentResult",
    "Fall",
    "HealthConfig",
    "HealthReport",
    "HealthWindow",
    "Impact",
    "ImpactConfig",
    "ImpactItem",
    "TreeEdge",
    "TreeLink",
    "TrustConfig",
    "TrustResult",
    "compute_health",
    "default_health_config",
    "describe_change",
    "fisher_interval",
    "largest_fall",
    "load_health_config",
    "parse_health_config",
    "points",
]

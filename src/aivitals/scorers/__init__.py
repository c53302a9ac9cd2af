"""Scorers: decorated factories returning async ``score(record) -> Score``."""

from aivitals.scorers._registry import (
    ScoreFn,
    Scorer,
    ScorerFactory,
    ScorerSpec,
    create_scorer,
    registry,
    scorer,
)

__all__ = [
    "ScoreFn",
    "Scorer",
    "ScorerFactory",
    "ScorerSpec",
    "create_scorer",
    "registry",
    "scorer",
]

"""Statistics: sufficient statistics, interval estimates and tests."""

from aivitals.stats._estimates import Estimate, MeanStats, ProportionStats

__all__ = ["Estimate", "MeanStats", "ProportionStats"]

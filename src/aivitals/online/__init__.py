"""Online scoring: any registered scorer on a sample of production records."""

from aivitals.online._score import OnlineScoreResult, score_production

__all__ = ["OnlineScoreResult", "score_production"]

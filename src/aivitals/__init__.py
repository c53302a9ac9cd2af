"""aivitals: local-first AI quality — evaluate, gate, monitor, analyse."""

from aivitals.evaluation import Run, Suite, evaluate, load_suite
from aivitals.model import Case, Dataset, Record, Score
from aivitals.scorers import Scorer, ScorerSpec, scorer
from aivitals.telemetry import configure, log_event, log_interaction, track

__version__ = "0.1.0"

__all__ = [
    "Case",
    "Dataset",
    "Record",
    "Run",
    "Score",
    "Scorer",
    "ScorerSpec",
    "Suite",
    "__version__",
    "configure",
    "evaluate",
    "load_suite",
    "log_event",
    "log_interaction",
    "scorer",
    "track",
]

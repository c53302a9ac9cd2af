"""aivitals: local-first AI quality — evaluate, gate, monitor, analyse."""

from aivitals.model import Case, Dataset, Record, Score

__version__ = "0.1.0"

__all__ = ["Case", "Dataset", "Record", "Score", "__version__"]

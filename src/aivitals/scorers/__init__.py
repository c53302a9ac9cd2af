"""Scorers: decorated factories returning async ``score(record) -> Score``.

Importing this package registers the built-in scorers; resolve them by name
with :func:`create_scorer`. Answer checks live in ``_match``, output and
call checks in ``_checks``, SQuAD's EM/F1 in ``_squad`` and library text
metrics (plus corpus BLEU/chrF for reports) in ``_text``.
"""

# Imported for their @scorer registrations, then dropped from the namespace below.
from aivitals.scorers import _checks, _match, _squad, _text
from aivitals.scorers._registry import (
    ScoreFn,
    Scorer,
    ScorerFactory,
    ScorerSpec,
    create_scorer,
    registry,
    scorer,
)
from aivitals.scorers._text import corpus_bleu, corpus_chrf

__all__ = [
    "ScoreFn",
    "Scorer",
    "ScorerFactory",
    "ScorerSpec",
    "corpus_bleu",
    "corpus_chrf",
    "create_scorer",
    "registry",
    "scorer",
]

del _checks, _match, _squad, _text

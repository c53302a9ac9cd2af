"""Lumen, a small real AI system for ``vitals demo`` to evaluate.

Lumen is a fictional invoicing app; its support assistant maps a customer
question to a knowledge-base intent and replies with that intent's answer.
Two versions ship (``v1`` in production, ``v2`` the candidate) together with
a generator for their golden set. Everything is in the package: no network,
no files outside it.
"""

from aivitals.demo._assistant import (
    VERSIONS,
    Answer,
    Version,
    answer,
    assistant_v1,
    assistant_v2,
    classify_v1,
    classify_v2,
)
from aivitals.demo._golden import (
    CHANNELS,
    FALLBACK_KEY_PHRASE,
    SEGMENTS,
    golden_cases,
    make_question,
    write_golden_set,
)
from aivitals.demo._kb import FALLBACK_ANSWER, GROUPS, INTENTS, OUT_OF_SCOPE, Intent, intent_by_id

__all__ = [
    "CHANNELS",
    "FALLBACK_ANSWER",
    "FALLBACK_KEY_PHRASE",
    "GROUPS",
    "INTENTS",
    "OUT_OF_SCOPE",
    "SEGMENTS",
    "VERSIONS",
    "Answer",
    "Intent",
    "Version",
    "answer",
    "assistant_v1",
    "assistant_v2",
    "classify_v1",
    "classify_v2",
    "golden_cases",
    "intent_by_id",
    "make_question",
    "write_golden_set",
]

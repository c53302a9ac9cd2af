"""A deterministic toy support bot, shared by the two instrumented apps.

No model and no network: answers come from a small table, and the "model
time" is a short sleep so that latency has something to measure.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import dataclass

VERSION = "toy-bot-v1"
SEGMENTS = ("free", "pro", "enterprise")
CHANNELS = ("chat", "email")
ANSWERS = {
    "refund": "Refunds go back to your card within 5 working days.",
    "password": "Use 'Forgot password' on the sign-in page; the link lasts 1 hour.",
    "shipping": "Orders ship in 2 days; the tracking link is in your confirmation.",
}
QUESTIONS = {
    "refund": "where is my refund?",
    "password": "I can't log in, how do I reset my password?",
    "shipping": "when will my order arrive?",
    "cancel": "please cancel my contract",  # the bot cannot: a fallback, then a human
}
FALLBACK = "Sorry, I can't help with that. Let me get a colleague."


@dataclass(frozen=True)
class Session:
    """One planned conversation: who asks what, and how they rate it."""

    index: int
    segment: str
    channel: str
    intent: str
    csat: int | None

    @property
    def resolved(self) -> bool:
        """Whether the bot can answer it (else it escalates)."""
        return self.intent in ANSWERS


def sessions(n: int, seed: int = 7) -> Iterator[Session]:
    """The same ``n`` sessions for the same seed."""
    rng = random.Random(seed)
    for i in range(n):
        intent = rng.choice(sorted(QUESTIONS))
        resolved = intent in ANSWERS
        csat = rng.choice((4, 5, 5) if resolved else (1, 2, 3)) if i % 2 == 0 else None
        yield Session(i, SEGMENTS[i % 3], CHANNELS[i % 2], intent, csat)


def answer(question: str) -> str:
    """The bot: look the question up, take a few milliseconds doing it."""
    time.sleep(0.002 + 0.001 * (len(question) % 7))
    for intent, text in QUESTIONS.items():
        if text == question and intent in ANSWERS:
            return ANSWERS[intent]
    return FALLBACK

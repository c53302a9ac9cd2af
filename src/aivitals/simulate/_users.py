"""Simulated Lumen customers: when they arrive, what they ask, how they react.

A user asks about one intent on one channel. The answer is right when the
assistant's predicted intent is the true one (for an out-of-scope question,
when it hands over). After a wrong answer, a fallback or an error the user
rephrases and asks again, or sometimes gives up; after a second failure they
ask for a person (escalation). Thumbs and CSAT follow the outcome, so the
feedback a health score reads is driven by what really happened.

Everything is drawn from the session's own random stream: a session's
content depends only on the seed and its position, never on other sessions.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from aivitals.demo import FALLBACK_ANSWER, OUT_OF_SCOPE, Answer, Version, make_question
from aivitals.simulate._config import Behaviour
from aivitals.simulate._incidents import World

__all__ = [
    "HOURLY_PROFILE",
    "SessionLog",
    "SimEvent",
    "Turn",
    "User",
    "run_session",
    "session_start",
]

#: Relative session volume by hour of day (UTC): quiet nights, business-hour peaks.
HOURLY_PROFILE: tuple[float, ...] = (
    0.15, 0.10, 0.08, 0.07, 0.08, 0.15, 0.35, 0.70, 1.10, 1.40, 1.50, 1.45,
    1.20, 1.30, 1.45, 1.40, 1.25, 1.00, 0.80, 0.65, 0.50, 0.40, 0.30, 0.20,
)  # fmt: skip

# Median response time (ms) per channel: email bodies are long, voice adds ASR.
_LATENCY_MEDIAN_MS = {"chat": 850.0, "email": 1400.0, "voice": 1100.0}
_LATENCY_SIGMA = 0.4
# How long a user takes before asking again: seconds live, minutes by email.
_THINK_MEDIAN_S = {"chat": 25.0, "email": 1200.0, "voice": 15.0}
#: Responses slower than this annoy users (CSAT one point lower, half the time).
SLOW_MS = 5000.0
# CSAT (1-5) weights by outcome.
_CSAT_FIRST_TRY = (0.0, 0.02, 0.08, 0.28, 0.62)
_CSAT_AFTER_RETRY = (0.0, 0.10, 0.25, 0.40, 0.25)
_CSAT_DECLINED = (0.10, 0.20, 0.40, 0.20, 0.10)
_CSAT_FAILED = (0.45, 0.35, 0.15, 0.05, 0.0)
_MAX_TRIES = 2

Ask = Callable[[str, Version], Answer]


@dataclass(frozen=True, slots=True)
class User:
    """Who is asking, about what, on which channel."""

    user_id: str
    segment: str
    channel: str
    intent: str


@dataclass(frozen=True, slots=True)
class Turn:
    """One interaction: a question and what the system did with it."""

    turn: int
    ts: datetime
    version: Version
    question: str
    output: str | None
    predicted_intent: str | None
    confidence: float | None
    latency_ms: float
    error: str | None
    error_kind: str | None
    success: bool


@dataclass(frozen=True, slots=True)
class SimEvent:
    """Something that happened in a session, tied to a turn when it is about one."""

    type: str
    ts: datetime
    value: float
    turn: int | None = None
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SessionLog:
    """A finished session: its turns, its events and how it ended.

    ``outcome`` is ``completed``, ``declined`` (out of scope, rightly handed
    over), ``escalated`` or ``abandoned``.
    """

    user: User
    start: datetime
    turns: tuple[Turn, ...]
    events: tuple[SimEvent, ...]
    outcome: str

    @property
    def completed(self) -> bool:
        """Whether the user's task was done."""
        return self.outcome == "completed"


def session_start(day_start: datetime, rng: random.Random) -> datetime:
    """A start time within the day, drawn from :data:`HOURLY_PROFILE`."""
    hour = rng.choices(range(24), weights=HOURLY_PROFILE)[0]
    return day_start + timedelta(hours=hour, seconds=rng.uniform(0, 3600))


def run_session(
    user: User,
    start: datetime,
    *,
    world: World,
    ask: Ask,
    behaviour: Behaviour,
    rng: random.Random,
) -> SessionLog:
    """Play one session to its end.

    The version is fixed at the session's start (a deploy does not switch a
    conversation midway); latency spikes and outages apply per turn.
    """
    version = world.version(start, user.segment, user.channel)
    turns: list[Turn] = []
    events: list[SimEvent] = []
    now = start
    outcome = "abandoned"
    for number in range(1, _MAX_TRIES + 1):
        turn = _turn(user, number, now, version, world, ask, rng)
        turns.append(turn)
        if number > 1:
            reason = _failure_reason(turns[-2])
            events.append(SimEvent("retry", now, 1.0, number, {"after": reason}))
        done = now + timedelta(milliseconds=turn.latency_ms)
        if turn.success:
            outcome = "declined" if user.intent == OUT_OF_SCOPE else "completed"
            if outcome == "completed":
                events.append(SimEvent("task_completed", _later(done, 5, rng), 1.0, number))
            if rng.random() < behaviour.thumbs_after_success:
                events.append(SimEvent("feedback", _later(done, 10, rng), 1.0, number))
            break
        if rng.random() < behaviour.thumbs_after_failure:
            events.append(SimEvent("feedback", _later(done, 10, rng), -1.0, number))
        if number == _MAX_TRIES:
            if rng.random() < behaviour.escalate_after_second_failure:
                outcome = "escalated"
                events.append(SimEvent("escalated", _later(done, 20, rng), 1.0, number))
            break
        if rng.random() < behaviour.abandon_after_failure:
            break
        now = done + timedelta(seconds=_think_seconds(user.channel, rng))
    last = turns[-1]
    end = now + timedelta(milliseconds=last.latency_ms)
    if outcome == "abandoned":
        events.append(SimEvent("abandoned", _later(end, 60, rng), 1.0, last.turn))
    if rng.random() < behaviour.csat_response:
        slow = any(t.latency_ms > SLOW_MS for t in turns)
        score = _csat(outcome, len(turns), slow, rng)
        events.append(SimEvent("csat", _later(end, 600, rng), float(score), None))
    return SessionLog(user, start, tuple(turns), tuple(events), outcome)


def _turn(  # noqa: PLR0917 - private; every argument is needed and distinct
    user: User,
    number: int,
    ts: datetime,
    version: Version,
    world: World,
    ask: Ask,
    rng: random.Random,
) -> Turn:
    question = make_question(user.intent, user.channel, rng)
    reply = ask(question, version)
    latency = _latency_ms(user.channel, rng) * world.latency_factor(ts, user.channel)
    outage = world.outage(ts, reply.intent)
    if outage is not None and rng.random() < outage.error_rate:
        message = f"knowledge base unavailable for intent {reply.intent!r} (HTTP 503)"
        return Turn(
            number, ts, version, question, None, None, None, latency, message, "http_500", False
        )
    if outage is not None:
        reply = Answer(FALLBACK_ANSWER, OUT_OF_SCOPE, reply.confidence, version)
    success = reply.intent == user.intent
    return Turn(
        number,
        ts,
        version,
        question,
        reply.text,
        reply.intent,
        reply.confidence,
        latency,
        None,
        None,
        success,
    )


def _failure_reason(turn: Turn) -> str:
    if turn.error is not None:
        return "error"
    return "fallback" if turn.predicted_intent == OUT_OF_SCOPE else "wrong_answer"


def _latency_ms(channel: str, rng: random.Random) -> float:
    return rng.lognormvariate(math.log(_LATENCY_MEDIAN_MS[channel]), _LATENCY_SIGMA)


def _think_seconds(channel: str, rng: random.Random) -> float:
    return rng.lognormvariate(math.log(_THINK_MEDIAN_S[channel]), 0.5)


def _later(ts: datetime, median_s: float, rng: random.Random) -> datetime:
    return ts + timedelta(seconds=rng.lognormvariate(math.log(median_s), 0.5))


def _csat(outcome: str, tries: int, slow: bool, rng: random.Random) -> int:
    if outcome == "completed":
        weights = _CSAT_FIRST_TRY if tries == 1 else _CSAT_AFTER_RETRY
    elif outcome == "declined":
        weights = _CSAT_DECLINED
    else:
        weights = _CSAT_FAILED
    score = rng.choices((1, 2, 3, 4, 5), weights=weights)[0]
    if slow and rng.random() < 0.5:
        score = max(1, score - 1)
    return score

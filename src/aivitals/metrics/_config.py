"""Configuration of the metrics engine: task completion and fallback answers."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["MetricsConfig", "TaskCompletion"]

#: Lower-cased answers matching any of these (regular expressions) are fallbacks.
DEFAULT_FALLBACK_PATTERNS = (
    r"\bi (do not|don't|dont) know\b",
    r"\bi'?m not sure\b",
    r"\bi (can ?not|can't|am unable to) (help|answer)\b",
)


class TaskCompletion(BaseModel):
    """How a session counts as having completed its task.

    Attributes:
        mode: ``event``: the session has a ``task_completed`` event.
            ``no_escalation``: no ``escalated`` event within the first
            ``within_turns`` turns and no negative feedback anywhere in it.
        within_turns: N for ``no_escalation``. An escalation's turn is that
            of the record it refers to; without one, the session's last turn.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    mode: Literal["event", "no_escalation"] = "event"
    within_turns: int = Field(default=3, ge=1)


class MetricsConfig(BaseModel):
    """Settings that change what the built-in definitions measure."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    task_completion: TaskCompletion = TaskCompletion()
    fallback_patterns: tuple[str, ...] = Field(default=DEFAULT_FALLBACK_PATTERNS, min_length=1)

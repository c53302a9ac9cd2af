"""What a simulation produces: traffic size, mixes, user behaviour and incidents.

Validated with pydantic because a scenario arrives as YAML. Incidents are a
tagged union on ``kind``; every window is half-open, ``[start, end)``, in UTC.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from aivitals.demo import CHANNELS, INTENTS, OUT_OF_SCOPE, SEGMENTS, Version
from aivitals.errors import ConfigError
from aivitals.io import read_config, validation_problems
from aivitals.model import content_hash

__all__ = [
    "DEFAULT_START",
    "AnyIncident",
    "Behaviour",
    "DeployIncident",
    "Incident",
    "IntentOutageIncident",
    "LatencySpikeIncident",
    "SimulationConfig",
    "default_scenario",
    "load_simulation_config",
    "parse_simulation_config",
]

#: A Monday, so that day 0 of the default week is a weekday.
DEFAULT_START = datetime(2026, 3, 2, tzinfo=UTC)

_INTENT_IDS = frozenset(i.id for i in INTENTS)


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _check_members(values: list[str], allowed: tuple[str, ...] | frozenset[str], what: str) -> None:
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise ValueError(f"unknown {what} {', '.join(unknown)}; use {', '.join(sorted(allowed))}")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DeployIncident(_Model):
    """A different assistant version serves one slice of traffic from ``at`` until ``end``.

    A session is in the slice when its segment is in ``segments`` (if given)
    and its channel is in ``channels`` (if given); neither means everyone.
    """

    kind: Literal["deploy"] = "deploy"
    id: str | None = None
    at: datetime
    end: datetime | None = Field(default=None, description="Rollback time; none = never.")
    version: Version = "v2"
    segments: list[str] = Field(default_factory=list)
    channels: list[str] = Field(default_factory=list)

    @field_validator("at", "end")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return None if value is None else _aware(value)

    @field_validator("segments")
    @classmethod
    def _segments(cls, value: list[str]) -> list[str]:
        _check_members(value, SEGMENTS, "segment")
        return value

    @field_validator("channels")
    @classmethod
    def _channels(cls, value: list[str]) -> list[str]:
        _check_members(value, CHANNELS, "channel")
        return value

    @model_validator(mode="after")
    def _window(self) -> DeployIncident:
        if self.end is not None and self.end <= self.at:
            raise ValueError("end must be after at")
        return self

    @property
    def start(self) -> datetime:
        """When the deploy took effect (same as ``at``)."""
        return self.at


class _Windowed(_Model):
    id: str | None = None
    start: datetime
    end: datetime

    @field_validator("start", "end")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return _aware(value)

    @model_validator(mode="after")
    def _window(self) -> Any:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class LatencySpikeIncident(_Windowed):
    """Every response in the window (on ``channels``, if given) is ``factor`` times slower."""

    kind: Literal["latency_spike"] = "latency_spike"
    factor: float = Field(default=4.0, gt=1.0)
    channels: list[str] = Field(default_factory=list)

    @field_validator("channels")
    @classmethod
    def _channels(cls, value: list[str]) -> list[str]:
        _check_members(value, CHANNELS, "channel")
        return value


class IntentOutageIncident(_Windowed):
    """The knowledge-base article of one intent cannot be fetched in the window.

    A question the assistant routes to ``intent`` fails with an error, or
    (the remaining share) gets the fallback answer from a degraded path.
    """

    kind: Literal["intent_outage"] = "intent_outage"
    intent: str
    error_rate: float = Field(default=0.8, ge=0.0, le=1.0)

    @field_validator("intent")
    @classmethod
    def _intent(cls, value: str) -> str:
        _check_members([value], _INTENT_IDS, "intent")
        return value


AnyIncident = DeployIncident | LatencySpikeIncident | IntentOutageIncident
Incident = Annotated[AnyIncident, Field(discriminator="kind")]


class Behaviour(_Model):
    """How simulated users act; probabilities are per session unless stated."""

    abandon_after_failure: float = Field(default=0.15, ge=0, le=1)
    escalate_after_second_failure: float = Field(default=0.85, ge=0, le=1)
    thumbs_after_success: float = Field(default=0.2, ge=0, le=1)
    thumbs_after_failure: float = Field(default=0.35, ge=0, le=1)
    csat_response: float = Field(default=0.3, ge=0, le=1)
    weekend_factor: float = Field(default=0.6, gt=0)


class SimulationConfig(_Model):
    """A scenario of production traffic for the Lumen demo assistant.

    Mixes are relative weights (they need not sum to 1). ``intent_mix`` keys
    are intent ids or ``out_of_scope``; intents left out get no traffic, an
    empty mix means every intent equally with a 3% out-of-scope share.
    ``sessions_per_day`` is a weekday's volume; weekends get
    ``behaviour.weekend_factor`` of it.
    """

    name: str = "lumen-week"
    days: int = Field(default=7, ge=1, le=366)
    sessions_per_day: int = Field(default=2000, ge=1, le=1_000_000)
    start: datetime = DEFAULT_START
    seed: int = 7
    base_version: Version = "v1"
    intent_mix: dict[str, float] = Field(default_factory=dict)
    segment_mix: dict[str, float] = Field(
        default_factory=lambda: {"free": 0.45, "pro": 0.4, "enterprise": 0.15}
    )
    channel_mix: dict[str, float] = Field(
        default_factory=lambda: {"chat": 0.55, "email": 0.2, "voice": 0.25}
    )
    behaviour: Behaviour = Field(default_factory=Behaviour)
    incidents: list[Incident] = Field(default_factory=list)

    @field_validator("start")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return _aware(value)

    @field_validator("intent_mix")
    @classmethod
    def _intents(cls, value: dict[str, float]) -> dict[str, float]:
        _check_members(list(value), _INTENT_IDS | {OUT_OF_SCOPE}, "intent")
        return _weights(value)

    @field_validator("segment_mix")
    @classmethod
    def _segments(cls, value: dict[str, float]) -> dict[str, float]:
        _check_members(list(value), SEGMENTS, "segment")
        return _weights(value, required=True)

    @field_validator("channel_mix")
    @classmethod
    def _channels(cls, value: dict[str, float]) -> dict[str, float]:
        _check_members(list(value), CHANNELS, "channel")
        return _weights(value, required=True)

    @model_validator(mode="after")
    def _incident_ids(self) -> SimulationConfig:
        seen: set[str] = set()
        for index, incident in enumerate(self.incidents):
            name = incident.id or f"{incident.kind}-{index + 1}"
            if name in seen:
                raise ValueError(f"two incidents are called {name!r}; give each a unique id")
            seen.add(name)
        return self

    @property
    def named_incidents(self) -> list[tuple[str, AnyIncident]]:
        """Each incident with its id: the given one, else ``KIND-N`` by position."""
        return [
            (incident.id or f"{incident.kind}-{index + 1}", incident)
            for index, incident in enumerate(self.incidents)
        ]

    @property
    def end(self) -> datetime:
        """The end of the simulated period (exclusive)."""
        return self.start + timedelta(days=self.days)

    @property
    def intent_weights(self) -> dict[str, float]:
        """Intent ids (and ``out_of_scope``) with their relative weights."""
        if self.intent_mix:
            return dict(self.intent_mix)
        share = 0.97 / len(INTENTS)
        return {**{i.id: share for i in INTENTS}, OUT_OF_SCOPE: 0.03}

    @property
    def simulation_id(self) -> str:
        """``sim-`` and a hash of the whole configuration: the same config, the same id."""
        return f"sim-{content_hash(self.model_dump(mode='json'), length=12)}"


def _weights(value: dict[str, float], *, required: bool = False) -> dict[str, float]:
    if any(w < 0 for w in value.values()):
        raise ValueError("weights must not be negative")
    if (value or required) and sum(value.values()) <= 0:
        raise ValueError("at least one weight must be positive")
    return value


def default_scenario(
    *,
    days: int = 7,
    sessions_per_day: int = 2000,
    seed: int = 7,
    start: datetime = DEFAULT_START,
) -> SimulationConfig:
    """The demo week: one incident of each kind, at times scaled to ``days``.

    * day 1, 13:00-15:00: latency spike, every channel 4x slower;
    * day 2, 10:00 to day 4, 16:00: v2 deployed to voice callers, then rolled back
      (v2 reads speech-to-text transcripts worse: task completion falls for voice);
    * day 5, 09:00-15:00: the ``password_reset`` article is unavailable.
    """
    start = _aware(start)

    def at(day_of_week: int, hour: int) -> datetime:
        day = min(days - 1, day_of_week * days // 7)
        return start + timedelta(days=day, hours=hour)

    incidents: list[Any] = [
        LatencySpikeIncident(id="latency-spike", start=at(1, 13), end=at(1, 15), factor=4.0),
        DeployIncident(
            id="deploy-v2-voice", at=at(2, 10), end=at(4, 16), version="v2", channels=["voice"]
        ),
        IntentOutageIncident(
            id="password-reset-outage", start=at(5, 9), end=at(5, 15), intent="password_reset"
        ),
    ]
    return SimulationConfig(
        days=days, sessions_per_day=sessions_per_day, seed=seed, start=start, incidents=incidents
    )


def parse_simulation_config(
    data: Mapping[str, Any], *, file: str = "<simulation>", node: Any = None
) -> SimulationConfig:
    """Validate a simulation config given as a mapping.

    Raises:
        ConfigError: Every invalid field, with its line when ``node`` is given.
    """
    try:
        return SimulationConfig.model_validate(dict(data))
    except ValidationError as exc:
        raise ConfigError(validation_problems(exc, file, node, _as_written)) from None


_KINDS = frozenset({"deploy", "latency_spike", "intent_outage"})


def _as_written(loc: tuple[int | str, ...]) -> tuple[int | str, ...]:
    # Pydantic puts the union tag in the path (incidents.0.deploy.at); the file has no such key.
    if len(loc) > 2 and loc[0] == "incidents" and loc[2] in _KINDS:
        return (*loc[:2], *loc[3:])
    return loc


def load_simulation_config(path: str | os.PathLike[str]) -> SimulationConfig:
    """Read and validate a simulation YAML file.

    Raises:
        ConfigError: Missing file, unreadable YAML or invalid fields, located by line.
    """
    file, node, data = read_config(path, "simulation config", "a mapping (days, seed, ...)")
    return parse_simulation_config(data, file=file, node=node)

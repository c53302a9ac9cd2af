"""Ground truth of a simulation's incidents: what was done, where, and what it did.

Each incident is written with its window, the slice it affected, the effect
it is expected to have on the metrics a monitor watches, and the effect the
simulation actually produced (the slice in the window against the slice
outside it), so a detector can be scored against both.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from aivitals.demo import CHANNELS, OUT_OF_SCOPE, SEGMENTS
from aivitals.simulate._config import (
    AnyIncident,
    DeployIncident,
    LatencySpikeIncident,
    SimulationConfig,
)
from aivitals.simulate._users import SessionLog

__all__ = ["SessionStats", "ground_truth"]

# What the demo's v2 does to each channel relative to v1 (see aivitals.demo._assistant).
_V2_EFFECT = {"voice": "down", "email": "up", "chat": "down"}


@dataclass
class SessionStats:
    """Per-session and per-record facts kept in memory to measure incidents."""

    sessions: list[tuple[datetime, str, str, str, str]] = field(default_factory=list)
    records: list[tuple[datetime, str, str, str, float, bool, bool]] = field(default_factory=list)

    @property
    def n_sessions(self) -> int:
        """Sessions seen."""
        return len(self.sessions)

    def add(self, log: SessionLog) -> None:
        """Remember one finished session."""
        user = log.user
        self.sessions.append((log.start, user.segment, user.channel, user.intent, log.outcome))
        for turn in log.turns:
            fallback = turn.predicted_intent == OUT_OF_SCOPE and user.intent != OUT_OF_SCOPE
            error = turn.error is not None
            self.records.append(
                (turn.ts, user.segment, user.channel, user.intent, turn.latency_ms, error, fallback)
            )


def ground_truth(config: SimulationConfig, stats: SessionStats) -> dict[str, Any]:
    """The ground-truth document for ``config`` as simulated into ``stats``."""
    return {
        "simulation_id": config.simulation_id,
        "period": {"start": config.start.isoformat(), "end": config.end.isoformat()},
        "base_version": f"lumen-{config.base_version}",
        "config": config.model_dump(mode="json"),
        "incidents": [_incident(name, inc, config, stats) for name, inc in config.named_incidents],
    }


def _incident(
    name: str, incident: AnyIncident, config: SimulationConfig, stats: SessionStats
) -> dict[str, Any]:
    if isinstance(incident, DeployIncident):
        start, end = incident.at, incident.end or config.end
        segments = incident.segments or list(SEGMENTS)
        channels = incident.channels or list(CHANNELS)
        directions = {_V2_EFFECT[c] if incident.version == "v2" else "unknown" for c in channels}
        direction = directions.pop() if len(directions) == 1 else "mixed"
        if incident.version == config.base_version:
            direction = "none"
        worse = {"down": "up", "up": "down"}.get(direction, direction)
        slice_ = {"segment": segments, "channel": channels}
        expected: dict[str, Any] = {
            "system_version": f"lumen-{incident.version}",
            "task_completion_rate": direction,
            "csat": direction,
            "escalation_rate": worse,
        }

        def in_slice(segment: str, channel: str, intent: str) -> bool:
            return segment in segments and channel in channels

    elif isinstance(incident, LatencySpikeIncident):
        start, end = incident.start, incident.end
        channels = incident.channels or list(CHANNELS)
        slice_ = {"channel": channels}
        expected = {"latency_p95": "up", "latency_factor": incident.factor, "csat": "down"}

        def in_slice(segment: str, channel: str, intent: str) -> bool:
            return channel in channels

    else:
        start, end = incident.start, incident.end
        outage_intent = incident.intent
        slice_ = {"intent": [outage_intent]}
        expected = {
            "error_rate": "up",
            "fallback_rate": "up",
            "task_completion_rate": "down",
            "escalation_rate": "up",
            "error_share": incident.error_rate,
        }

        def in_slice(segment: str, channel: str, intent: str) -> bool:
            return intent == outage_intent

    return {
        "id": name,
        "kind": incident.kind,
        "window": {"start": start.isoformat(), "end": end.isoformat()},
        "slice": slice_,
        "expected_effect": expected,
        "observed": _observed(stats, start, end, in_slice),
        "incident": incident.model_dump(mode="json"),
    }


def _observed(
    stats: SessionStats,
    start: datetime,
    end: datetime,
    in_slice: Callable[[str, str, str], bool],
) -> dict[str, Any]:
    """The slice inside the window, the slice outside it, and everyone else inside it."""
    groups: dict[str, list[tuple[datetime, str, str, str, str]]] = {
        "slice_in_window": [],
        "slice_outside_window": [],
        "others_in_window": [],
    }
    for row in stats.sessions:
        ts, segment, channel, intent, _ = row
        inside = start <= ts < end
        if in_slice(segment, channel, intent):
            groups["slice_in_window" if inside else "slice_outside_window"].append(row)
        elif inside:
            groups["others_in_window"].append(row)
    latencies: dict[str, list[tuple[float, bool, bool]]] = {k: [] for k in groups}
    for ts, segment, channel, intent, latency, error, fallback in stats.records:
        inside = start <= ts < end
        key = None
        if in_slice(segment, channel, intent):
            key = "slice_in_window" if inside else "slice_outside_window"
        elif inside:
            key = "others_in_window"
        if key is not None:
            latencies[key].append((latency, error, fallback))
    return {name: _summary(rows, latencies[name]) for name, rows in groups.items()}


def _summary(
    sessions: list[tuple[datetime, str, str, str, str]], records: list[tuple[float, bool, bool]]
) -> dict[str, Any]:
    n = len(sessions)
    outcomes = [row[4] for row in sessions]
    latency = np.array([r[0] for r in records], dtype=float)
    return {
        "sessions": n,
        "task_completion_rate": _rate(outcomes.count("completed"), n),
        "escalation_rate": _rate(outcomes.count("escalated"), n),
        "records": len(records),
        "error_rate": _rate(sum(r[1] for r in records), len(records)),
        "fallback_rate": _rate(sum(r[2] for r in records), len(records)),
        "latency_p95_ms": round(float(np.percentile(latency, 95)), 1) if len(latency) else None,
    }


def _rate(k: int, n: int) -> float | None:
    return round(k / n, 4) if n else None

"""Run a simulation into a store: records and events in Arrow batches, plus ground truth.

Ids derive from the config's hash (``sim-…``), the day and the session's
position, so the same config always writes the same rows, and a second run
of it into the same store is refused rather than duplicated.
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyarrow as pa

from aivitals.demo import Answer, Version, answer, intent_by_id
from aivitals.errors import StoreError
from aivitals.simulate._config import SimulationConfig
from aivitals.simulate._incidents import World
from aivitals.simulate._truth import SessionStats, ground_truth
from aivitals.simulate._users import SessionLog, User, run_session, session_start
from aivitals.store import Store

__all__ = ["SimulationResult", "simulate", "truth_path_for"]

_BATCH_ROWS = 50_000
_TAGS = pa.map_(pa.string(), pa.string())
_TS = pa.timestamp("us", tz="UTC")
# Rough price of the demo's prompt+retrieval call, per token, for the cost column.
_PRICE_IN, _PRICE_OUT = 0.15e-6, 0.60e-6
_PROMPT_TOKENS = 180


@dataclass(frozen=True, slots=True)
class SimulationResult:
    """What a simulation wrote.

    Attributes:
        simulation_id: ``sim-`` plus the config hash; prefix of every session id.
        n_sessions: Sessions simulated.
        n_records: Interactions written to ``records`` (``source='prod'``).
        n_events: Rows written to ``events``.
        events_by_type: Event counts by type.
        start: First instant of the simulated period (UTC).
        end: End of the period (exclusive).
        truth_path: Where the incidents' ground truth was written.
        truth: That ground truth, as written.
        seconds: Wall time of the simulation.
    """

    simulation_id: str
    n_sessions: int
    n_records: int
    n_events: int
    events_by_type: dict[str, int]
    start: datetime
    end: datetime
    truth_path: Path
    truth: dict[str, Any]
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        """The result as JSON-ready data."""
        return {
            "simulation_id": self.simulation_id,
            "n_sessions": self.n_sessions,
            "n_records": self.n_records,
            "n_events": self.n_events,
            "events_by_type": dict(self.events_by_type),
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "truth_path": str(self.truth_path),
            "incidents": self.truth["incidents"],
            "seconds": round(self.seconds, 3),
        }


def truth_path_for(store: Store, config: SimulationConfig) -> Path:
    """Default ground-truth file: ``SIMULATION_ID.truth.json`` beside the store file."""
    return store.path.parent / f"{config.simulation_id}.truth.json"


@lru_cache(maxsize=1 << 16)
def _ask(question: str, version: Version) -> Answer:
    # Repeated short questions ("i want a refund") are common; the model is pure.
    return answer(question, version)


def simulate(
    store: Store,
    config: SimulationConfig,
    *,
    truth_path: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SimulationResult:
    """Simulate ``config`` into ``store`` and write the incidents' ground truth.

    All rows go in one transaction: an interrupted simulation leaves nothing.

    Args:
        store: An open, writable store.
        config: The scenario.
        truth_path: Where to write the ground truth JSON (default: beside the store).
        progress: Called with (days done, days) after each simulated day.

    Raises:
        StoreError: The store already holds this simulation.
    """
    began = time.perf_counter()
    sim_id = config.simulation_id
    if _already_simulated(store, sim_id):
        raise StoreError(
            f"the store {store.path} already holds simulation {sim_id} (same config and "
            "seed); use another --seed or another --store"
        )
    world = World.from_config(config)
    writer = _Writer(store, sim_id)
    stats = SessionStats()
    with store.transaction():
        for day in range(config.days):
            for index, log in _day_sessions(config, world, day):
                session_id = f"{sim_id}-d{day:03d}-s{index:05d}"
                writer.add(session_id, log)
                stats.add(log)
            if progress is not None:
                progress(day + 1, config.days)
        writer.flush()
    truth = ground_truth(config, stats)
    path = truth_path or truth_path_for(store, config)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(truth, indent=2) + "\n", encoding="utf-8")
    return SimulationResult(
        simulation_id=sim_id,
        n_sessions=stats.n_sessions,
        n_records=writer.n_records,
        n_events=writer.n_events,
        events_by_type=dict(sorted(writer.event_types.items())),
        start=config.start,
        end=config.end,
        truth_path=path,
        truth=truth,
        seconds=time.perf_counter() - began,
    )


def _already_simulated(store: Store, sim_id: str) -> bool:
    row = store.one(
        "SELECT count(*) FROM records WHERE source = 'prod' AND starts_with(record_id, ?)",
        [f"{sim_id}-"],
    )
    return bool(row and row[0])


def _day_sessions(config: SimulationConfig, world: World, day: int) -> list[tuple[int, SessionLog]]:
    day_start = config.start + timedelta(days=day)
    weekend = day_start.weekday() >= 5
    factor = config.behaviour.weekend_factor if weekend else 1.0
    n_sessions = max(0, round(config.sessions_per_day * factor))
    intents, intent_w = zip(*config.intent_weights.items(), strict=True)
    segments, segment_w = zip(*config.segment_mix.items(), strict=True)
    channels, channel_w = zip(*config.channel_mix.items(), strict=True)
    # About three sessions per user over the period.
    users_per_segment = max(1, config.sessions_per_day * config.days // 3)
    logs = []
    for index in range(n_sessions):
        # A string seed is hashed with SHA-512: stable across runs and platforms.
        rng = random.Random(f"lumen-sim:{config.seed}:{day}:{index}")
        start = session_start(day_start, rng)
        segment = rng.choices(segments, weights=segment_w)[0]
        user = User(
            user_id=f"{segment}-{rng.randrange(users_per_segment):06d}",
            segment=segment,
            channel=rng.choices(channels, weights=channel_w)[0],
            intent=rng.choices(intents, weights=intent_w)[0],
        )
        log = run_session(user, start, world=world, ask=_ask, behaviour=config.behaviour, rng=rng)
        logs.append((index, log))
    return logs


class _Writer:
    """Rows of ``records`` and ``events`` kept as columns, inserted in batches."""

    def __init__(self, store: Store, sim_id: str) -> None:
        self.store = store
        self.sim_id = sim_id
        self.records: dict[str, list[Any]] = {}
        self.events: dict[str, list[Any]] = {}
        self.n_records = 0
        self.n_events = 0
        self.event_types: Counter[str] = Counter()

    def add(self, session_id: str, log: SessionLog) -> None:
        user = log.user
        group = "out_of_scope" if user.intent == "out_of_scope" else intent_by_id(user.intent).group
        tags = [
            ("intent", user.intent),
            ("intent_group", group),
            ("channel", user.channel),
            ("segment", user.segment),
        ]
        for turn in log.turns:
            attributes = {
                "simulation_id": self.sim_id,
                "predicted_intent": turn.predicted_intent,
                "confidence": turn.confidence,
                "outcome": log.outcome,
            }
            tokens_in = _PROMPT_TOKENS + len(turn.question) // 4
            tokens_out = len(turn.output) // 4 if turn.output else 0
            _append(
                self.records,
                record_id=f"{session_id}-t{turn.turn}",
                source="prod",
                session_id=session_id,
                turn=turn.turn,
                ts=turn.ts,
                system_version=f"lumen-{turn.version}",
                input=json.dumps(turn.question, ensure_ascii=False),
                output=turn.output,
                expected="[]",
                context="[]",
                tags=tags,
                latency_ms=round(turn.latency_ms, 3),
                tokens_in=tokens_in,
                tokens_out=tokens_out,
                cost=tokens_in * _PRICE_IN + tokens_out * _PRICE_OUT,
                error=turn.error,
                error_kind=turn.error_kind,
                cached=False,
                user_id=user.user_id,
                attributes=json.dumps(attributes),
            )
        for number, event in enumerate(log.events):
            _append(
                self.events,
                event_id=f"{session_id}-e{number}",
                session_id=session_id,
                record_id=None if event.turn is None else f"{session_id}-t{event.turn}",
                ts=event.ts,
                type=event.type,
                value=event.value,
                attrs=json.dumps({"simulation_id": self.sim_id, **event.attrs}),
                source="prod",
            )
            self.event_types[event.type] += 1
        self.n_records += len(log.turns)
        self.n_events += len(log.events)
        if len(self.records["record_id"]) >= _BATCH_ROWS:
            self.flush()

    def flush(self) -> None:
        if self.records:
            self.store.insert("records", _records_table(self.records))
            self.records = {}
        if self.events:
            self.store.insert("events", _events_table(self.events))
            self.events = {}


def _append(columns: dict[str, list[Any]], **row: Any) -> None:
    for name, value in row.items():
        columns.setdefault(name, []).append(value)


_RECORD_TYPES: dict[str, pa.DataType] = {
    "turn": pa.int32(),
    "ts": _TS,
    "tags": _TAGS,
    "latency_ms": pa.float64(),
    "tokens_in": pa.int64(),
    "tokens_out": pa.int64(),
    "cost": pa.float64(),
    "cached": pa.bool_(),
}
_EVENT_TYPES: dict[str, pa.DataType] = {"ts": _TS, "value": pa.float64()}


def _records_table(columns: dict[str, list[Any]]) -> pa.Table:
    return pa.table(
        {k: pa.array(v, type=_RECORD_TYPES.get(k, pa.string())) for k, v in columns.items()}
    )


def _events_table(columns: dict[str, list[Any]]) -> pa.Table:
    return pa.table(
        {k: pa.array(v, type=_EVENT_TYPES.get(k, pa.string())) for k, v in columns.items()}
    )

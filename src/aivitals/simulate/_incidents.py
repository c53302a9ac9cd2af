"""What the scheduled incidents do to one interaction at one moment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from aivitals.demo import Version
from aivitals.simulate._config import (
    DeployIncident,
    IntentOutageIncident,
    LatencySpikeIncident,
    SimulationConfig,
)

__all__ = ["World"]


@dataclass(frozen=True, slots=True)
class World:
    """The production system over time: base version plus the incidents in force."""

    base_version: Version
    deploys: tuple[DeployIncident, ...]
    spikes: tuple[LatencySpikeIncident, ...]
    outages: tuple[IntentOutageIncident, ...]

    @classmethod
    def from_config(cls, config: SimulationConfig) -> World:
        """The world a config describes."""
        incidents = config.incidents
        return cls(
            base_version=config.base_version,
            deploys=tuple(i for i in incidents if isinstance(i, DeployIncident)),
            spikes=tuple(i for i in incidents if isinstance(i, LatencySpikeIncident)),
            outages=tuple(i for i in incidents if isinstance(i, IntentOutageIncident)),
        )

    def version(self, ts: datetime, segment: str, channel: str) -> Version:
        """The assistant version serving a session that starts at ``ts``; the latest deploy wins."""
        version = self.base_version
        for deploy in self.deploys:
            in_window = deploy.at <= ts and (deploy.end is None or ts < deploy.end)
            in_slice = (not deploy.segments or segment in deploy.segments) and (
                not deploy.channels or channel in deploy.channels
            )
            if in_window and in_slice:
                version = deploy.version
        return version

    def latency_factor(self, ts: datetime, channel: str) -> float:
        """How many times slower responses are at ``ts`` on ``channel``."""
        factor = 1.0
        for spike in self.spikes:
            if spike.start <= ts < spike.end and (not spike.channels or channel in spike.channels):
                factor *= spike.factor
        return factor

    def outage(self, ts: datetime, intent: str) -> IntentOutageIncident | None:
        """The outage that breaks answers routed to ``intent`` at ``ts``, if any."""
        for outage in self.outages:
            if outage.intent == intent and outage.start <= ts < outage.end:
                return outage
        return None

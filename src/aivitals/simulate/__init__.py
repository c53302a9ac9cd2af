"""Simulated production traffic for the Lumen demo assistant, with scheduled incidents.

``simulate(store, config)`` runs the real demo assistant against simulated
customers over days of traffic and writes ``source='prod'`` records and
session events, plus a ground-truth file of the incidents it staged — the
test bed for health scores and monitors.
"""

from aivitals.simulate._config import (
    DEFAULT_START,
    AnyIncident,
    Behaviour,
    DeployIncident,
    Incident,
    IntentOutageIncident,
    LatencySpikeIncident,
    SimulationConfig,
    default_scenario,
    load_simulation_config,
    parse_simulation_config,
)
from aivitals.simulate._run import SimulationResult, simulate, truth_path_for

__all__ = [
    "DEFAULT_START",
    "AnyIncident",
    "Behaviour",
    "DeployIncident",
    "Incident",
    "IntentOutageIncident",
    "LatencySpikeIncident",
    "SimulationConfig",
    "SimulationResult",
    "default_scenario",
    "load_simulation_config",
    "parse_simulation_config",
    "simulate",
    "truth_path_for",
]

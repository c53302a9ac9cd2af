"""Targets: the systems under test (callables, HTTP endpoints, recorded outputs)."""

from aivitals.targets._base import Target, TargetRequest, TargetResponse
from aivitals.targets._registry import TargetConfig, TargetKind, build_target, target_kind

__all__ = [
    "Target",
    "TargetConfig",
    "TargetKind",
    "TargetRequest",
    "TargetResponse",
    "build_target",
    "target_kind",
]

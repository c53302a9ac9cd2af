"""Targets: the systems under test (callables, HTTP endpoints, recorded outputs)."""

from aivitals.targets._base import Target, TargetRequest, TargetResponse
from aivitals.targets._callable import CallableConfig, CallableTarget
from aivitals.targets._http import HttpConfig, HttpJsonTarget
from aivitals.targets._openai import OpenAIConfig, OpenAITarget
from aivitals.targets._recorded import RecordedConfig, RecordedTarget
from aivitals.targets._registry import TargetConfig, TargetKind, build_target, target_kind
from aivitals.targets._retry import RetryPolicy, with_timeout

__all__ = [
    "CallableConfig",
    "CallableTarget",
    "HttpConfig",
    "HttpJsonTarget",
    "OpenAIConfig",
    "OpenAITarget",
    "RecordedConfig",
    "RecordedTarget",
    "RetryPolicy",
    "Target",
    "TargetConfig",
    "TargetKind",
    "TargetRequest",
    "TargetResponse",
    "build_target",
    "target_kind",
    "with_timeout",
]

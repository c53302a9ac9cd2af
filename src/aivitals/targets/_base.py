"""What a target (the system under test) is, seen from the runner.

A target turns a :class:`TargetRequest` into a :class:`TargetResponse` or
raises :class:`~aivitals.errors.TargetError`. Retries, timeouts, the call
cache and concurrency live in the runner, the same for every target.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Protocol, runtime_checkable

from aivitals.model import Input

__all__ = ["Target", "TargetRequest", "TargetResponse"]


@dataclass(frozen=True, slots=True)
class TargetRequest:
    """One call to make: a case input, with what a target may template in.

    Attributes:
        case_id: The case this call answers.
        input: Text or chat messages.
        repeat: Repeat index; part of the cache key so repeats are distinct.
        context: Grounding documents, for targets that take them.
        tags: The case's slice attributes, for templating.
        metadata: The case's free-form metadata, for templating.
    """

    case_id: str
    input: Input
    repeat: int = 0
    context: tuple[str, ...] = ()
    tags: Mapping[str, str] = field(default_factory=dict)
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TargetResponse:
    """What the target answered.

    Attributes:
        output: The answer text.
        tokens_in: Prompt tokens, if the target reports them.
        tokens_out: Completion tokens, if reported.
        cost: Cost of the call, if known (from reported usage and prices).
        model: The model that actually answered, if reported.
        latency_ms: Latency the target itself reports (recorded outputs);
            the runner measures wall time otherwise.
    """

    output: str
    tokens_in: int | None = None
    tokens_out: int | None = None
    cost: float | None = None
    model: str | None = None
    latency_ms: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form, as kept in the call cache."""
        return {
            "output": self.output,
            "tokens_in": self.tokens_in,
            "tokens_out": self.tokens_out,
            "cost": self.cost,
            "model": self.model,
            "latency_ms": self.latency_ms,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TargetResponse:
        """Inverse of :meth:`to_dict`."""
        return cls(
            output=str(data["output"]),
            tokens_in=data.get("tokens_in"),
            tokens_out=data.get("tokens_out"),
            cost=data.get("cost"),
            model=data.get("model"),
            latency_ms=data.get("latency_ms"),
        )


@runtime_checkable
class Target(Protocol):
    """The system under test.

    Implementations open their connections in ``__aenter__`` and close them
    in ``__aexit__``; ``call`` must be safe to run concurrently.
    """

    #: Whether responses should go through the call cache (recorded outputs
    #: are already stored, so caching them again would only cost space).
    cacheable: bool

    def identity(self) -> dict[str, Any]:
        """What identifies this target in manifests and cache keys.

        Includes model, endpoint and a hash of the prompt template; never a
        secret.
        """
        ...

    def request_payload(self, request: TargetRequest) -> Any:
        """The exact request this target would send, as JSON-able data.

        Hashed (with the identity and repeat index) into the cache key, so a
        changed prompt or parameter misses the cache.
        """
        ...

    async def call(self, request: TargetRequest) -> TargetResponse:
        """Make one call.

        Raises:
            TargetError: With ``retryable`` set for 429 / 5xx / timeouts.
        """
        ...

    async def __aenter__(self) -> Target: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

"""Retrying target calls: exponential backoff with full jitter, and timeouts.

Only a :class:`~aivitals.errors.TargetError` marked ``retryable`` (429, 5xx,
timeouts, dropped connections) is retried; anything else is a verdict that
another attempt would not change.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from aivitals.errors import TargetError

__all__ = ["RetryPolicy", "with_timeout"]

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to retry a failed call.

    The wait before attempt ``n + 1`` is drawn uniformly from
    ``[0, min(max_delay_s, base_delay_s * 2 ** (n - 1))]`` ("full jitter"),
    or is that upper bound when ``jitter`` is off. A server's ``Retry-After``
    raises the wait to at least what it asked for, capped at ``max_delay_s``.

    Attributes:
        max_attempts: Attempts in all, the first included (1 = no retry).
        base_delay_s: Upper bound of the first wait.
        max_delay_s: Upper bound of any wait, ``Retry-After`` included.
        jitter: Whether to randomise waits so that many clients that failed
            together do not retry together.
        rng: Source of the jitter; pass a seeded one for reproducible waits.
    """

    max_attempts: int = 4
    base_delay_s: float = 0.5
    max_delay_s: float = 30.0
    jitter: bool = True
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, got {self.max_attempts}")
        if self.base_delay_s < 0 or self.max_delay_s < 0:
            raise ValueError("base_delay_s and max_delay_s must not be negative")

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        bound = min(self.max_delay_s, self.base_delay_s * 2.0 ** (attempt - 1))
        wait = self.rng.uniform(0.0, bound) if self.jitter else bound
        if retry_after is not None:
            wait = max(wait, min(retry_after, self.max_delay_s))
        return wait

    async def run(self, fn: Callable[[], Awaitable[T]]) -> tuple[T, int]:
        """Call ``fn`` until it succeeds or the attempts run out.

        Returns:
            The result and the number of attempts it took.

        Raises:
            TargetError: The first error that is not retryable, or the last
                one once ``max_attempts`` have failed.
        """
        attempt = 1
        while True:
            try:
                return await fn(), attempt
            except TargetError as exc:
                if not exc.retryable or attempt >= self.max_attempts:
                    raise
                await asyncio.sleep(self.delay(attempt, exc.retry_after))
            attempt += 1


async def with_timeout(awaitable: Awaitable[T], seconds: float | None) -> T:
    """Await ``awaitable`` for at most ``seconds`` (``None``: no limit).

    Raises:
        TargetError: Kind ``timeout``, retryable, when time runs out.
    """
    if seconds is None:
        return await awaitable
    try:
        async with asyncio.timeout(seconds):
            return await awaitable
    except TimeoutError:
        raise TargetError("timeout", f"no answer within {seconds:g} s", retryable=True) from None

from __future__ import annotations

import asyncio
import random
import time

import pytest

from aivitals.errors import TargetError
from aivitals.targets import RetryPolicy, with_timeout


class Flaky:
    """Fails with the given errors, then answers "ok"."""

    def __init__(self, *errors: TargetError) -> None:
        self.errors = list(errors)
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


def busy(retry_after: float | None = None) -> TargetError:
    return TargetError("http_503", "busy", retryable=True, retry_after=retry_after)


def test_succeeds_after_retryable_errors():
    fn = Flaky(busy(), busy())
    assert asyncio.run(RetryPolicy(base_delay_s=0.001).run(fn)) == ("ok", 3)


def test_non_retryable_error_is_raised_at_once():
    fn = Flaky(TargetError("http_400", "bad request"))
    with pytest.raises(TargetError, match="http_400"):
        asyncio.run(RetryPolicy(base_delay_s=0.001).run(fn))
    assert fn.calls == 1


def test_last_error_is_raised_when_attempts_run_out():
    fn = Flaky(busy(), busy(), TargetError("timeout", "slow", retryable=True))
    with pytest.raises(TargetError, match="timeout: slow"):
        asyncio.run(RetryPolicy(max_attempts=3, base_delay_s=0.001).run(fn))
    assert fn.calls == 3


def test_single_attempt_never_retries():
    fn = Flaky(busy())
    with pytest.raises(TargetError):
        asyncio.run(RetryPolicy(max_attempts=1).run(fn))
    assert fn.calls == 1


def test_delays_grow_exponentially_within_full_jitter_bounds():
    policy = RetryPolicy(base_delay_s=0.5, max_delay_s=3, rng=random.Random(1))
    for attempt, bound in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 3.0), (9, 3.0)]:
        delays = [policy.delay(attempt) for _ in range(200)]
        assert all(0 <= d <= bound for d in delays)
        assert max(delays) > 0.8 * bound


def test_seeded_rng_gives_reproducible_delays():
    first = RetryPolicy(rng=random.Random(7))
    second = RetryPolicy(rng=random.Random(7))
    assert [first.delay(n) for n in range(1, 6)] == [second.delay(n) for n in range(1, 6)]


def test_without_jitter_delays_are_the_bounds():
    policy = RetryPolicy(base_delay_s=0.5, max_delay_s=30, jitter=False)
    assert [policy.delay(n) for n in (1, 2, 3)] == [0.5, 1.0, 2.0]


def test_retry_after_is_a_floor_capped_at_max_delay():
    policy = RetryPolicy(base_delay_s=0.001, max_delay_s=2)
    assert policy.delay(1, retry_after=1.5) == 1.5
    assert policy.delay(1, retry_after=60) == 2


def test_retry_after_is_waited_for():
    started = time.monotonic()
    result = asyncio.run(RetryPolicy(base_delay_s=0.001).run(Flaky(busy(retry_after=0.2))))
    assert result == ("ok", 2)
    assert time.monotonic() - started >= 0.2


@pytest.mark.parametrize("options", [{"max_attempts": 0}, {"base_delay_s": -1}])
def test_invalid_policy(options):
    with pytest.raises(ValueError):
        RetryPolicy(**options)


def test_with_timeout_maps_to_a_retryable_timeout():
    with pytest.raises(TargetError) as caught:
        asyncio.run(with_timeout(asyncio.sleep(5), 0.05))
    assert (caught.value.kind, caught.value.retryable) == ("timeout", True)


def test_with_timeout_passes_results_through():
    async def answer() -> int:
        return 42

    assert asyncio.run(with_timeout(answer(), 1)) == 42
    assert asyncio.run(with_timeout(answer(), None)) == 42

"""Fixtures for target tests: a real fake OpenAI server and a call helper."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator

import pytest

from aivitals.targets import Target, TargetRequest, TargetResponse
from aivitals.testing import FakeOpenAIServer

CallTarget = Callable[[Target, TargetRequest | str], TargetResponse]


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as running:
        yield running


async def _call(target: Target, request: TargetRequest) -> TargetResponse:
    async with target:
        return await target.call(request)


@pytest.fixture
def call() -> CallTarget:
    """Open ``target``, make one call, close it; a str is a case input."""

    def call(target: Target, request: TargetRequest | str) -> TargetResponse:
        if isinstance(request, str):
            request = TargetRequest(case_id="c1", input=request)
        return asyncio.run(_call(target, request))

    return call

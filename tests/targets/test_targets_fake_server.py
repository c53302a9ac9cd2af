"""The fake OpenAI server itself (aivitals.testing), seen through plain aiohttp."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp
import pytest

from aivitals.testing import FakeOpenAIServer, Reply


async def post(url: str, body: Any, n: int = 1) -> list[tuple[int, str]]:
    async with aiohttp.ClientSession() as session:

        async def one() -> tuple[int, str]:
            async with session.post(url, json=body) as response:
                return response.status, await response.text()

        return list(await asyncio.gather(*(one() for _ in range(n))))


CHAT = {"model": "m", "messages": [{"role": "user", "content": "hi there"}]}


def test_answers_like_openai_and_counts_per_path(server):
    ((status, text),) = asyncio.run(post(f"{server.base_url}/chat/completions", CHAT))
    asyncio.run(post(f"{server.url}/chat/completions", CHAT))
    asyncio.run(post(f"{server.url}/elsewhere", CHAT))

    assert status == 200
    assert '"content": "answer: hi there"' in text
    assert server.requests_by_path == {
        "/v1/chat/completions": 1,
        "/chat/completions": 1,
        "/elsewhere": 1,
    }
    assert server.request_count == 3
    server.reset()
    assert server.request_count == 0


def test_custom_answer_function():
    with FakeOpenAIServer(answer=lambda body: body["model"].upper()) as server:
        ((_, text),) = asyncio.run(post(f"{server.base_url}/chat/completions", CHAT))
    assert '"content": "M"' in text


def test_bad_body_is_a_400(server):
    ((status, _),) = asyncio.run(post(f"{server.base_url}/chat/completions", {"model": "m"}))
    assert status == 400


def test_script_then_rates_then_ok():
    with FakeOpenAIServer(script=["500"], rates={Reply.RATE_LIMIT: 0.5}, seed=3) as server:
        statuses = [
            status
            for _ in range(40)
            for status, _ in asyncio.run(post(f"{server.base_url}/chat/completions", CHAT))
        ]
    assert statuses[0] == 500
    assert set(statuses[1:]) == {200, 429}
    assert 8 <= statuses.count(429) <= 32


def test_reply_for_picks_a_reply_by_content():
    def fail_on_boom(body: dict[str, Any]) -> str | None:
        return "500" if "boom" in body["messages"][-1]["content"] else None

    with FakeOpenAIServer(reply_for=fail_on_boom) as server:
        url = f"{server.base_url}/chat/completions"
        bad = {"model": "m", "messages": [{"role": "user", "content": "boom"}]}
        assert asyncio.run(post(url, bad))[0][0] == 500
        assert asyncio.run(post(url, CHAT))[0][0] == 200


def test_latency_and_concurrency():
    with FakeOpenAIServer(latency_ms=(80, 120)) as server:
        started = time.monotonic()
        results = asyncio.run(post(f"{server.base_url}/chat/completions", CHAT, n=150))
        elapsed = time.monotonic() - started
    assert {status for status, _ in results} == {200}
    assert elapsed >= 0.08
    assert server.max_in_flight >= 100  # all at once, not one after another


def test_runs_on_the_callers_event_loop():
    async def run() -> tuple[int, int]:
        async with FakeOpenAIServer() as server:
            ((status, _),) = await post(f"{server.base_url}/chat/completions", CHAT)
            return status, server.request_count

    assert asyncio.run(run()) == (200, 1)


def test_stop_releases_hanging_requests_quickly():
    server = FakeOpenAIServer(script=["hang"]).start()

    async def hang() -> None:
        timeout = aiohttp.ClientTimeout(total=0.2)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            with pytest.raises(asyncio.TimeoutError):
                await session.post(f"{server.base_url}/chat/completions", json=CHAT)

    asyncio.run(hang())
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 2.0
    with pytest.raises(RuntimeError, match="not running"):
        _ = server.base_url

from __future__ import annotations

import asyncio
import socket
import time
from pathlib import Path
from typing import Any

import pytest

from aivitals.errors import ConfigError, TargetError
from aivitals.model import canonical_json
from aivitals.targets import OpenAITarget, RetryPolicy, Target, TargetRequest, build_target
from aivitals.testing import FakeOpenAIServer


def openai(server: FakeOpenAIServer, **options: Any) -> Target:
    block = {"type": "openai", "base_url": server.base_url, "model": "fake-1", **options}
    return build_target(block, Path("."))


def call_error(call, target: Target, request: TargetRequest | str = "hi") -> TargetError:
    with pytest.raises(TargetError) as caught:
        call(target, request)
    return caught.value


def test_happy_path_reports_usage_and_cost(server, call):
    target = openai(server, price_per_1k_input=1.0, price_per_1k_output=2.0)

    response = call(target, "hello world")

    assert response.output == "answer: hello world"
    assert (response.tokens_in, response.tokens_out) == (2, 3)
    assert response.cost == pytest.approx(2 / 1000 * 1.0 + 3 / 1000 * 2.0)
    assert response.model == "fake-1"
    assert server.count("/v1/chat/completions") == 1
    assert server.received[0].body == {
        "model": "fake-1",
        "messages": [{"role": "user", "content": "hello world"}],
    }


def test_cost_is_none_without_prices_or_usage(server, call):
    assert call(openai(server), "q").cost is None
    server.usage = False
    response = call(openai(server, price_per_1k_input=1.0), "q")
    assert (response.tokens_in, response.cost) == (None, None)


def test_messages_input_is_sent_as_messages_after_the_system_prompt(server, call):
    chat = [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "hello"},
        {"role": "user", "content": "bye now"},
    ]
    target = openai(server, system="Be brief.", params={"temperature": 0, "seed": 7})

    response = call(target, TargetRequest("c1", chat))

    assert response.output == "answer: bye now"
    body = server.received[0].body
    assert body["messages"] == [{"role": "system", "content": "Be brief."}, *chat]
    assert (body["temperature"], body["seed"]) == (0, 7)


def test_system_and_prompt_templates_render_case_fields(server, call):
    target = openai(
        server,
        system="Answer in {{ tags.lang }}.",
        prompt="Context: {{ context | join('; ') }}\nQ: {{ input }} [{{ metadata.n }}]",
    )
    request = TargetRequest(
        "c1", "why?", context=("a", "b"), tags={"lang": "fr"}, metadata={"n": 3}
    )

    call(target, request)

    assert server.received[0].body["messages"] == [
        {"role": "system", "content": "Answer in fr."},
        {"role": "user", "content": "Context: a; b\nQ: why? [3]"},
    ]
    assert target.request_payload(request) == server.received[0].body


def test_unknown_template_variable_is_a_config_error_at_build(server):
    with pytest.raises(ConfigError) as caught:
        openai(server, prompt="{{ question }}")
    assert "target.prompt" in str(caught.value)
    assert "'question'" in str(caught.value)


def test_template_syntax_error_names_the_field(server):
    with pytest.raises(ConfigError, match=r"target\.system"):
        openai(server, system="{% if %}")


def test_value_missing_for_one_case_is_a_config_error_naming_the_case(server):
    target = openai(server, prompt="{{ input }} {{ metadata.product }}")
    with pytest.raises(ConfigError) as caught:
        target.request_payload(TargetRequest("case-7", "q"))
    assert "case-7" in str(caught.value)
    assert "product" in str(caught.value)


def test_api_key_is_read_from_the_environment_and_kept_out_of_sight(monkeypatch, call):
    secret = "sk-test-secret-4242"
    monkeypatch.setenv("AIV_TEST_KEY", secret)
    monkeypatch.setenv("AIV_TEAM", "team-secret-99")
    with FakeOpenAIServer(api_key=secret) as server:
        target = openai(server, api_key_env="AIV_TEST_KEY", headers={"X-Team": "${AIV_TEAM}"})

        assert call(target, "q").output == "answer: q"

        headers = server.received[0].headers
        assert headers["Authorization"] == f"Bearer {secret}"
        assert headers["X-Team"] == "team-secret-99"
    visible = canonical_json(
        [target.identity(), target.request_payload(TargetRequest("c", "q")), repr(target)]
    )
    assert secret not in visible
    assert "team-secret" not in visible


def test_wrong_api_key_is_a_401_that_is_not_retried(monkeypatch, call):
    monkeypatch.setenv("AIV_TEST_KEY", "sk-wrong")
    with FakeOpenAIServer(api_key="sk-right") as server:
        error = call_error(call, openai(server, api_key_env="AIV_TEST_KEY"))
    assert (error.kind, error.retryable) == ("http_401", False)
    assert "sk-wrong" not in str(error)


def test_missing_api_key_variable_is_a_config_error_naming_it(server, monkeypatch):
    monkeypatch.delenv("AIV_ABSENT_KEY", raising=False)
    with pytest.raises(ConfigError) as caught:
        openai(server, api_key_env="AIV_ABSENT_KEY")
    assert "AIV_ABSENT_KEY" in str(caught.value)
    assert "target.api_key_env" in str(caught.value)


def test_missing_header_variable_fails_on_entry(server, monkeypatch, call):
    monkeypatch.delenv("AIV_ABSENT_HEADER", raising=False)
    target = openai(server, headers={"X-Token": "Bearer ${AIV_ABSENT_HEADER}"})
    with pytest.raises(ConfigError, match="AIV_ABSENT_HEADER"):
        call(target, "q")
    assert server.request_count == 0


def test_a_pasted_key_in_api_key_env_is_rejected_without_echoing_it(server):
    with pytest.raises(ConfigError) as caught:
        openai(server, api_key_env="sk-proj-abc123")
    assert "target.api_key_env" in str(caught.value)
    assert "sk-proj-abc123" not in str(caught.value)


def test_identity_tracks_prompt_and_params_but_not_case_data(server):
    base = openai(server, prompt="Q: {{ input }}", params={"temperature": 0})
    identity = base.identity()
    assert identity["type"] == "openai"
    assert identity["model"] == "fake-1"
    assert identity["base_url"] == server.base_url
    assert identity != openai(server, prompt="Q2: {{ input }}").identity()
    assert identity != openai(server, prompt="Q: {{ input }}", params={"temperature": 1}).identity()
    assert identity == openai(server, prompt="Q: {{ input }}", params={"temperature": 0}).identity()


def test_429_retry_after_is_honoured_by_the_retry_policy(server):
    server.retry_after = 0.2
    server.script("429")
    target = openai(server)
    policy = RetryPolicy(base_delay_s=0.001, max_delay_s=5)

    async def run() -> tuple[Any, int]:
        async with target:
            return await policy.run(lambda: target.call(TargetRequest("c1", "q")))

    response, attempts = asyncio.run(run())

    assert (response.output, attempts) == ("answer: q", 2)
    first, second = server.received
    assert second.at - first.at >= 0.2
    assert server.count() == 2


def test_429_error_carries_retry_after(server, call):
    server.retry_after = 3
    server.script("429")
    error = call_error(call, openai(server))
    assert (error.kind, error.retryable, error.retry_after) == ("http_429", True, 3.0)
    assert "rate limit reached" in str(error)


def test_500_then_success_through_the_retry_policy(server):
    server.script("500", "500")
    target = openai(server)

    async def run() -> tuple[Any, int]:
        async with target:
            return await RetryPolicy(base_delay_s=0.01).run(
                lambda: target.call(TargetRequest("c1", "q"))
            )

    response, attempts = asyncio.run(run())
    assert (response.output, attempts) == ("answer: q", 3)
    assert server.count() == 3


def test_500_alone_is_a_retryable_error(server, call):
    server.script("500")
    error = call_error(call, openai(server))
    assert (error.kind, error.retryable) == ("http_500", True)


def test_hang_times_out_per_attempt(server, call):
    server.script("hang")
    started = time.monotonic()
    error = call_error(call, openai(server, timeout_s=0.3))
    assert (error.kind, error.retryable) == ("timeout", True)
    assert 0.25 <= time.monotonic() - started < 2.0


@pytest.mark.parametrize("reply", ["not_json", "no_choices"])
def test_malformed_body_is_a_bad_response_not_retried(server, call, reply):
    server.script(reply)
    error = call_error(call, openai(server))
    assert (error.kind, error.retryable) == ("bad_response", False)
    assert server.count() == 1


def test_connection_refused_is_retryable(call):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    target = build_target(
        {"type": "openai", "base_url": f"http://127.0.0.1:{port}/v1", "model": "m"}, Path(".")
    )
    error = call_error(call, target)
    assert (error.kind, error.retryable) == ("connection", True)


def test_calling_before_entering_is_a_clear_error(server):
    target = openai(server)
    with pytest.raises(RuntimeError, match="async with"):
        asyncio.run(target.call(TargetRequest("c1", "q")))


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"params": {"model": "other"}}, "target.params"),
        ({"base_url": "localhost:8000"}, "target.base_url"),
        ({"timeout_s": 0}, "target.timeout_s"),
        ({"price_per_1k_input": -1}, "target.price_per_1k_input"),
    ],
)
def test_invalid_options_name_the_field(server, options, field):
    with pytest.raises(ConfigError, match=field.replace(".", r"\.")):
        openai(server, **options)


def test_concurrent_calls_share_one_session(server):
    server.latency_ms = 50
    target = openai(server)
    assert isinstance(target, OpenAITarget)

    async def run() -> list[str]:
        async with target:
            calls = [target.call(TargetRequest(f"c{i}", f"q{i}")) for i in range(50)]
            return [r.output for r in await asyncio.gather(*calls)]

    outputs = asyncio.run(run())
    assert outputs == [f"answer: q{i}" for i in range(50)]
    assert server.max_in_flight >= 10

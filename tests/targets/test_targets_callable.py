from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import pytest

from aivitals.errors import ConfigError, TargetError
from aivitals.targets import RetryPolicy, Target, TargetRequest, TargetResponse, build_target

CALLER_THREAD: list[str] = []
FLAKY_CALLS: list[int] = []
BARRIER = threading.Barrier(16, timeout=5)


def shout(text: str) -> str:
    CALLER_THREAD.append(threading.current_thread().name)
    return text.upper() + "!"


async def async_echo(text: str) -> str:
    await asyncio.sleep(0)
    return f"echo: {text}"


def with_usage(text: str) -> dict[str, Any]:
    return {"output": text[::-1], "tokens_in": 3, "tokens_out": 4, "cost": 0.25}


def whole_request(request: TargetRequest) -> TargetResponse:
    return TargetResponse(output=f"{request.case_id}|{request.tags['lang']}|{len(request.context)}")


def broken(text: str) -> str:
    raise ValueError(f"cannot handle {text!r}")


def wrong_type(text: str) -> int:
    return 42


async def slow(text: str) -> str:
    await asyncio.sleep(5)
    return text


def meet(text: str) -> str:
    BARRIER.wait()  # only passes if 16 calls run at once
    return text


def flaky(text: str) -> str:
    FLAKY_CALLS.append(1)
    if len(FLAKY_CALLS) < 2:
        raise TargetError("http_503", "upstream busy", retryable=True)
    return "ok"


def callable_target(name: str, **options: Any) -> Target:
    return build_target(
        {"type": "callable", "function": f"{__name__}:{name}", **options}, Path(".")
    )


def test_sync_function_runs_off_the_event_loop_thread(call):
    CALLER_THREAD.clear()
    assert call(callable_target("shout"), "hi").output == "HI!"
    (thread,) = CALLER_THREAD
    assert thread != threading.main_thread().name


def test_sync_functions_run_concurrently():
    BARRIER.reset()
    target = callable_target("meet")

    async def run() -> list[TargetResponse]:
        async with target:
            return list(
                await asyncio.gather(*(target.call(TargetRequest(f"c{i}", "x")) for i in range(16)))
            )

    assert [r.output for r in asyncio.run(run())] == ["x"] * 16


def test_async_function(call):
    assert call(callable_target("async_echo"), "hi").output == "echo: hi"


def test_builtin_reference(call):
    target = build_target({"type": "callable", "function": "builtins:str.upper"}, Path("."))
    assert call(target, "abc").output == "ABC"
    assert target.identity()["source_hash"] is None


def test_dict_result_carries_usage(call):
    response = call(callable_target("with_usage"), "abc")
    assert response == TargetResponse(output="cba", tokens_in=3, tokens_out=4, cost=0.25)


def test_pass_request_gives_the_whole_request(call):
    target = callable_target("whole_request", pass_request=True)
    request = TargetRequest("c5", "q", context=("a", "b"), tags={"lang": "de"})
    assert call(target, request).output == "c5|de|2"
    assert target.request_payload(request)["tags"] == {"lang": "de"}


def test_exception_becomes_a_non_retryable_target_error(call):
    with pytest.raises(TargetError) as caught:
        call(callable_target("broken"), "x")
    assert (caught.value.kind, caught.value.retryable) == ("exception", False)
    assert "ValueError: cannot handle 'x'" in str(caught.value)


def test_unexpected_return_type_is_a_bad_response(call):
    with pytest.raises(TargetError, match="bad_response: function returned int"):
        call(callable_target("wrong_type"), "x")


def test_timeout_applies_to_callables(call):
    with pytest.raises(TargetError) as caught:
        call(callable_target("slow", timeout_s=0.1), "x")
    assert (caught.value.kind, caught.value.retryable) == ("timeout", True)


def test_a_target_error_raised_by_the_function_is_kept_and_retried():
    FLAKY_CALLS.clear()
    target = callable_target("flaky")

    async def run() -> tuple[TargetResponse, int]:
        async with target:
            return await RetryPolicy(base_delay_s=0.001).run(
                lambda: target.call(TargetRequest("c1", "x"))
            )

    response, attempts = asyncio.run(run())
    assert (response.output, attempts) == ("ok", 2)


def test_identity_has_reference_version_and_source_hash():
    identity = callable_target("shout", version="2").identity()
    assert identity["function"] == f"{__name__}:shout"
    assert identity["version"] == "2"
    assert isinstance(identity["source_hash"], str)
    assert identity["source_hash"] != callable_target("async_echo").identity()["source_hash"]
    assert identity != callable_target("shout", version="3").identity()


def test_payload_is_the_input_by_default():
    chat = [{"role": "user", "content": "hi"}]
    assert callable_target("shout").request_payload(TargetRequest("c", chat)) == {"input": chat}


@pytest.mark.parametrize(
    ("function", "message"),
    [
        ("no_such_module_xyz:f", "cannot import module"),
        (f"{__name__}:missing", "has no attribute"),
        (f"{__name__}:CALLER_THREAD", "is not callable"),
        ("no-colon", "module:function"),
    ],
)
def test_bad_reference_is_a_config_error_naming_the_field(function, message):
    with pytest.raises(ConfigError, match=message) as caught:
        build_target({"type": "callable", "function": function}, Path("."))
    assert "target.function" in str(caught.value)

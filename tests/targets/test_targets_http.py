from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest

from aivitals.errors import ConfigError, TargetError
from aivitals.targets import Target, TargetRequest, build_target
from aivitals.testing import FakeOpenAIServer

CHAT_BODY = {
    "model": "fake-1",
    "messages": "{{ messages }}",
    "temperature": "{{ metadata.temperature }}",
    "user": "case {{ case_id }} in {{ tags.lang }}",
}


def http(server: FakeOpenAIServer, **options: Any) -> Target:
    block = {
        "type": "http",
        "url": f"{server.base_url}/chat/completions",
        "body": CHAT_BODY,
        "output": "choices[0].message.content",
        **options,
    }
    return build_target(block, Path("."))


def request(text: str = "hello there") -> TargetRequest:
    return TargetRequest("c9", text, tags={"lang": "en"}, metadata={"temperature": 0.5})


def test_body_template_keeps_native_types_and_reads_output_by_jsonpath(server, call):
    target = http(server, tokens_in="$.usage.prompt_tokens", tokens_out="$.usage.completion_tokens")

    response = call(target, request())

    assert response.output == "answer: hello there"
    assert (response.tokens_in, response.tokens_out) == (2, 3)
    assert server.received[0].body == {
        "model": "fake-1",
        "messages": [{"role": "user", "content": "hello there"}],
        "temperature": 0.5,
        "user": "case c9 in en",
    }
    assert target.request_payload(request())["body"] == server.received[0].body


def test_non_text_output_is_serialised_as_json(server, call):
    response = call(http(server, output="$.usage"), request())
    assert response.output == '{"prompt_tokens": 2, "completion_tokens": 3, "total_tokens": 5}'


def test_cost_path_is_read_as_a_number(server, call):
    assert call(http(server, cost="$.usage.total_tokens"), request()).cost == 5.0


def test_missing_output_path_is_a_bad_response_naming_the_path(server, call):
    with pytest.raises(TargetError) as caught:
        call(http(server, output="$.data.answer"), request())
    assert (caught.value.kind, caught.value.retryable) == ("bad_response", False)
    assert "$.data.answer" in str(caught.value)


def test_body_that_is_not_json_is_a_bad_request(server, call):
    with pytest.raises(TargetError) as caught:
        call(http(server, body={"numbers": "{{ range(3) }}"}), request())
    assert (caught.value.kind, caught.value.retryable) == ("bad_request", False)
    assert server.request_count == 0


def test_url_rendering_to_an_invalid_url_is_a_bad_request(call):
    target = build_target(
        {"type": "http", "url": "http://{{ input }}:99999/x", "output": "$.a"}, Path(".")
    )
    with pytest.raises(TargetError) as caught:
        call(target, request("host"))
    assert (caught.value.kind, caught.value.retryable) == ("bad_request", False)


def test_headers_resolve_environment_references_at_call_time(server, call, monkeypatch):
    monkeypatch.setenv("AIV_HTTP_TOKEN", "tok-123")
    target = http(server, headers={"Authorization": "Token ${AIV_HTTP_TOKEN}"})
    assert "tok-123" not in repr(target.identity())
    call(target, request())
    assert server.received[0].headers["Authorization"] == "Token tok-123"


@pytest.mark.parametrize(
    ("reply", "kind", "retryable"),
    [("429", "http_429", True), ("500", "http_500", True), ("not_json", "bad_response", False)],
)
def test_failures_map_to_error_kinds(server, call, reply, kind, retryable):
    server.retry_after = 0.5
    server.script(reply)
    with pytest.raises(TargetError) as caught:
        call(http(server), request())
    assert (caught.value.kind, caught.value.retryable) == (kind, retryable)
    if reply == "429":
        assert caught.value.retry_after == 0.5


def test_retry_after_as_http_date(server, call):
    server.retry_after = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    server.script("429")
    with pytest.raises(TargetError) as caught:
        call(http(server), request())
    assert caught.value.retry_after is not None
    assert 25 <= caught.value.retry_after <= 31


def test_client_errors_are_not_retryable(server, call):
    with pytest.raises(TargetError) as caught:
        call(http(server, url=f"{server.url}/nowhere"), request())
    assert (caught.value.kind, caught.value.retryable) == ("http_404", False)
    assert server.requests_by_path == {"/nowhere": 1}


def test_get_with_templated_url(server, call):
    target = http(
        server, method="get", body=None, url=f"{server.url}/v1/models?q={{{{ input | urlencode }}}}"
    )
    target_body = target.request_payload(request("a b"))
    assert target_body == {"method": "GET", "url": f"{server.url}/v1/models?q=a%20b", "body": None}
    with pytest.raises(TargetError, match="bad_response"):
        call(target, request("a b"))
    assert server.received[0].method == "GET"


def test_hang_times_out(server, call):
    server.script("hang")
    with pytest.raises(TargetError) as caught:
        call(http(server, timeout_s=0.3), request())
    assert (caught.value.kind, caught.value.retryable) == ("timeout", True)


def test_identity_tracks_body_and_paths(server):
    identity = http(server).identity()
    assert identity["type"] == "http"
    assert identity["method"] == "POST"
    assert identity != http(server, body={**CHAT_BODY, "temperature": 1}).identity()
    assert identity != http(server, output="$.choices[0].message").identity()


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"output": "$.[["}, "target.output"),
        ({"tokens_in": "$..[?("}, "target.tokens_in"),
        ({"method": "GET"}, "target.body"),
        ({"method": "TRACE"}, "target.method"),
        ({"url": "ftp://x"}, "target.url"),
        ({"body": {"q": "{{ nope }}"}}, "target.body.q"),
    ],
)
def test_invalid_config_names_the_field(server, options, field):
    with pytest.raises(ConfigError, match=field.replace(".", r"\.")):
        http(server, **options)

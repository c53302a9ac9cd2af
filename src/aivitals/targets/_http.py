"""``type: http``: any HTTP endpoint that answers JSON.

The request body is a JSON template and the answer is read with JSONPath
(``$.data.answer``, ``choices[0].text``), so most in-house services can be
evaluated without writing code.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from jsonpath_ng.exceptions import JSONPathError
from jsonpath_ng.ext.parser import parse as parse_jsonpath
from jsonpath_ng.jsonpath import JSONPath
from pydantic import Field, ValidationInfo, field_validator

from aivitals.errors import TargetError
from aivitals.model import content_hash
from aivitals.targets._base import Target, TargetRequest, TargetResponse
from aivitals.targets._client import HeaderTemplates, HttpTarget
from aivitals.targets._registry import TargetConfig, target_kind
from aivitals.targets._templates import JsonTemplate, TextTemplate, template_variables

__all__ = ["HttpConfig", "HttpJsonTarget"]

_MISSING = object()


def _jsonpath(text: str) -> JSONPath:
    try:
        return parse_jsonpath(text)
    except (JSONPathError, ValueError, TypeError) as exc:
        raise ValueError(f"not a valid JSONPath ({exc})") from None


class HttpConfig(TargetConfig):
    """The ``target:`` block of ``type: http``.

    Attributes:
        url: Endpoint; may itself be a template (e.g. a query string).
        method: HTTP method.
        headers: Extra headers; values may reference ``${ENV_VAR}``.
        body: JSON template of the request body; ``None`` sends no body.
        output: JSONPath of the answer text in the response.
        tokens_in: JSONPath of the prompt token count, if reported.
        tokens_out: JSONPath of the completion token count, if reported.
        cost: JSONPath of the call's cost, if reported.
        timeout_s: Limit for one attempt, in seconds.
    """

    url: str
    method: Literal["GET", "POST", "PUT", "PATCH"] = "POST"
    headers: dict[str, str] = Field(default_factory=dict)
    body: Any = None
    output: str
    tokens_in: str | None = None
    tokens_out: str | None = None
    cost: str | None = None
    timeout_s: float = Field(default=60.0, gt=0)

    @field_validator("method", mode="before")
    @classmethod
    def upper_method(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("url")
    @classmethod
    def check_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("output", "tokens_in", "tokens_out", "cost")
    @classmethod
    def check_path(cls, value: str | None) -> str | None:
        if value is not None:
            _jsonpath(value)
        return value

    @field_validator("body")
    @classmethod
    def no_body_with_get(cls, value: Any, info: ValidationInfo) -> Any:
        if value is not None and info.data.get("method") == "GET":
            raise ValueError("a GET request has no body; template the url instead")
        return value


class HttpJsonTarget(HttpTarget):
    """Sends a templated JSON request and reads the answer by JSONPath."""

    def __init__(self, config: HttpConfig) -> None:
        super().__init__(HeaderTemplates(config.headers, "target.headers"), config.timeout_s)
        self.config = config
        self._url = TextTemplate(config.url, "target.url")
        self._body = None if config.body is None else JsonTemplate(config.body, "target.body")
        self._paths = {
            name: _jsonpath(text)
            for name in ("output", "tokens_in", "tokens_out", "cost")
            if (text := getattr(config, name)) is not None
        }

    def __repr__(self) -> str:
        return f"HttpJsonTarget(method={self.config.method!r}, url={self.config.url!r})"

    def identity(self) -> dict[str, Any]:
        """Method, URL template, a hash of the body template and the paths read."""
        config = self.config
        return {
            "type": "http",
            "method": config.method,
            "url": config.url,
            "body_hash": None if config.body is None else content_hash(config.body),
            "output": config.output,
            "tokens_in": config.tokens_in,
            "tokens_out": config.tokens_out,
            "cost": config.cost,
        }

    def request_payload(self, request: TargetRequest) -> dict[str, Any]:
        """Method, rendered URL and rendered body (headers are not part of it)."""
        variables = template_variables(request)
        body = None if self._body is None else self._body.render(variables)
        return {"method": self.config.method, "url": self._url.render(variables), "body": body}

    async def call(self, request: TargetRequest) -> TargetResponse:
        """Send one request and read the configured paths from the answer."""
        payload = self.request_payload(request)
        data = await self._client.send(
            payload["method"], payload["url"], body=payload["body"], headers=self._headers.resolve()
        )
        output = self._find("output", data)
        if output is _MISSING:
            raise TargetError(
                "bad_response", f"{payload['url']} answered without '{self.config.output}'"
            )
        tokens_in = self._number("tokens_in", data)
        tokens_out = self._number("tokens_out", data)
        return TargetResponse(
            output=output if isinstance(output, str) else json.dumps(output, ensure_ascii=False),
            tokens_in=None if tokens_in is None else int(tokens_in),
            tokens_out=None if tokens_out is None else int(tokens_out),
            cost=self._number("cost", data),
        )

    def _find(self, name: str, data: Any) -> Any:
        path = self._paths.get(name)
        matches = path.find(data) if path is not None else []
        return matches[0].value if matches else _MISSING

    def _number(self, name: str, data: Any) -> float | None:
        value = self._find(name, data)
        if value is _MISSING or value is None:
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            path = getattr(self.config, name)
            raise TargetError("bad_response", f"'{path}' is {value!r}, not a number") from None


@target_kind("http", HttpConfig)
def build_http(config: HttpConfig, base_dir: Path) -> Target:
    """Build an :class:`HttpJsonTarget`."""
    return HttpJsonTarget(config)

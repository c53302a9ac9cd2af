"""``type: openai``: any OpenAI-compatible chat-completions endpoint.

Works with OpenAI, Azure-style gateways, vLLM, Ollama, LiteLLM and the
like: ``POST {base_url}/chat/completions`` with ``model`` and ``messages``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Self

from pydantic import Field, field_validator

from aivitals.errors import TargetError
from aivitals.model import content_hash
from aivitals.targets._base import Target, TargetRequest, TargetResponse
from aivitals.targets._client import HeaderTemplates, HttpTarget, read_env_secret
from aivitals.targets._registry import TargetConfig, target_kind
from aivitals.targets._templates import TextTemplate, template_variables

__all__ = ["OpenAIConfig", "OpenAITarget"]

_ENV_NAME = re.compile(r"\A[A-Za-z_][A-Za-z0-9_]*\Z")
_RESERVED_PARAMS = ("messages", "model", "stream")


class OpenAIConfig(TargetConfig):
    """The ``target:`` block of ``type: openai``.

    Attributes:
        base_url: API root, e.g. ``https://api.openai.com/v1``.
        model: Model name sent with every request.
        api_key_env: Name of the environment variable holding the API key,
            sent as ``Authorization: Bearer``; omit for servers without auth.
        system: System prompt (a template), prepended to every request.
        prompt: Template of the user message for text inputs; chat inputs
            are sent as they are.
        params: Passed through in the body (temperature, max_tokens, seed...).
        headers: Extra headers; values may reference ``${ENV_VAR}``.
        price_per_1k_input: Price of 1,000 prompt tokens, for ``cost``.
        price_per_1k_output: Price of 1,000 completion tokens, for ``cost``.
        timeout_s: Limit for one attempt, in seconds.
    """

    base_url: str
    model: str
    api_key_env: str | None = None
    system: str | None = None
    prompt: str = "{{ input }}"
    params: dict[str, Any] = Field(default_factory=dict)
    headers: dict[str, str] = Field(default_factory=dict)
    price_per_1k_input: float | None = Field(default=None, ge=0)
    price_per_1k_output: float | None = Field(default=None, ge=0)
    timeout_s: float = Field(default=60.0, gt=0)

    @field_validator("base_url")
    @classmethod
    def check_base_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("api_key_env")
    @classmethod
    def check_api_key_env(cls, value: str | None) -> str | None:
        # The message must not echo the value: it may be a pasted key.
        if value is not None and not _ENV_NAME.match(value):
            raise ValueError(
                "must be the NAME of an environment variable holding the key "
                "(letters, digits, '_'), not the key itself"
            )
        return value

    @field_validator("params")
    @classmethod
    def check_params(cls, value: dict[str, Any]) -> dict[str, Any]:
        reserved = sorted(set(value) & set(_RESERVED_PARAMS))
        if reserved:
            raise ValueError(f"{', '.join(reserved)} cannot be set in params")
        return value


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _describe(data: Any) -> str:
    text = repr(data)
    return text if len(text) <= 200 else text[:200] + "..."


class OpenAITarget(HttpTarget):
    """Calls an OpenAI-compatible ``/chat/completions`` endpoint."""

    def __init__(self, config: OpenAIConfig) -> None:
        super().__init__(HeaderTemplates(config.headers, "target.headers"), config.timeout_s)
        self.config = config
        self._url = f"{config.base_url}/chat/completions"
        self._prompt = TextTemplate(config.prompt, "target.prompt")
        self._system = TextTemplate(config.system, "target.system") if config.system else None
        self._authorization: dict[str, str] = {}
        if config.api_key_env:
            read_env_secret(config.api_key_env, "target.api_key_env")

    def __repr__(self) -> str:
        return f"OpenAITarget(base_url={self.config.base_url!r}, model={self.config.model!r})"

    async def __aenter__(self) -> Self:
        name = self.config.api_key_env
        if name:
            key = read_env_secret(name, "target.api_key_env")
            self._authorization = {"Authorization": f"Bearer {key}"}
        return await super().__aenter__()

    def identity(self) -> dict[str, Any]:
        """Endpoint, model, parameters and hashes of the system and user prompts.

        Headers are left out: they carry credentials, not behaviour.
        """
        config = self.config
        return {
            "type": "openai",
            "base_url": config.base_url,
            "model": config.model,
            "params": dict(config.params),
            "system_hash": content_hash(config.system) if config.system else None,
            "prompt_hash": content_hash(config.prompt),
        }

    def request_payload(self, request: TargetRequest) -> dict[str, Any]:
        """The JSON body sent for ``request`` (headers are not part of it)."""
        variables = template_variables(request)
        messages: list[dict[str, Any]] = []
        if self._system is not None:
            messages.append({"role": "system", "content": self._system.render(variables)})
        if isinstance(request.input, list):
            messages.extend(dict(m) for m in request.input)
        else:
            messages.append({"role": "user", "content": self._prompt.render(variables)})
        return {**self.config.params, "model": self.config.model, "messages": messages}

    async def call(self, request: TargetRequest) -> TargetResponse:
        """Send one chat completion and read the answer, usage and cost."""
        headers = {**self._headers.resolve(), **self._authorization}
        data = await self._client.send(
            "POST", self._url, body=self.request_payload(request), headers=headers
        )
        return self._response(data)

    def _response(self, data: Any) -> TargetResponse:
        try:
            content = data["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError):
            content = None
        if not isinstance(content, str):
            raise TargetError(
                "bad_response",
                f"{self._url} answered without text at choices[0].message.content: "
                f"{_describe(data)}",
            )
        usage = data.get("usage")
        usage = usage if isinstance(usage, dict) else {}
        tokens_in = _count(usage.get("prompt_tokens"))
        tokens_out = _count(usage.get("completion_tokens"))
        model = data.get("model")
        return TargetResponse(
            output=content,
            tokens_in=tokens_in,
            tokens_out=tokens_out,
            cost=self._cost(tokens_in, tokens_out),
            model=model if isinstance(model, str) else self.config.model,
        )

    def _cost(self, tokens_in: int | None, tokens_out: int | None) -> float | None:
        prices = (
            (self.config.price_per_1k_input, tokens_in),
            (self.config.price_per_1k_output, tokens_out),
        )
        priced = [(price, tokens) for price, tokens in prices if price is not None]
        if not priced or any(tokens is None for _, tokens in priced):
            return None
        return sum(price * (tokens or 0) / 1000.0 for price, tokens in priced)


@target_kind("openai", OpenAIConfig)
def build_openai(config: OpenAIConfig, base_dir: Path) -> Target:
    """Build an :class:`OpenAITarget`; fails early if the key variable is unset."""
    return OpenAITarget(config)

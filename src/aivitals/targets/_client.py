"""HTTP plumbing shared by the HTTP targets: sessions, errors and secrets.

One :class:`JsonClient` per target owns one aiohttp session whose
connection pool is unbounded: the runner's semaphore is what bounds
concurrency, and a second, hidden limit here would only queue requests
(and spend their timeout) waiting for a connection.

Secrets come from environment variables named in the config (``${NAME}``
in header values, ``api_key_env``). They are resolved when needed and kept
out of identities, payloads, reprs and error messages.
"""

from __future__ import annotations

import email.utils
import json
import os
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

import aiohttp

from aivitals.errors import ConfigError, Problem, TargetError

__all__ = [
    "HeaderTemplates",
    "HttpTarget",
    "JsonClient",
    "parse_retry_after",
    "read_env_secret",
]

_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_SNIPPET_CHARS = 200


def read_env_secret(name: str, field: str) -> str:
    """Return the value of environment variable ``name``.

    Raises:
        ConfigError: The variable is unset or empty; names it and ``field``.
    """
    value = os.environ.get(name)
    if not value:
        raise ConfigError(
            Problem(f"environment variable '{name}' is not set; export it first", field=field)
        )
    return value


class HeaderTemplates:
    """Header values that may reference environment variables as ``${NAME}``.

    Only the templates are kept; values are resolved for each request, so
    a secret is never part of the target's state or of what it reports.
    """

    def __init__(self, templates: Mapping[str, str], field: str) -> None:
        self.templates = dict(templates)
        self.field = field

    def check(self) -> None:
        """Fail early if a referenced variable is missing.

        Raises:
            ConfigError: Naming the header and the variable.
        """
        self.resolve()

    def resolve(self) -> dict[str, str]:
        """The headers with every ``${NAME}`` replaced by its value.

        Raises:
            ConfigError: A referenced variable is unset.
        """
        return {
            name: _substitute(value, f"{self.field}.{name}")
            for name, value in self.templates.items()
        }


def _substitute(value: str, field: str) -> str:
    return _ENV_REF.sub(lambda m: read_env_secret(m.group(1), field), value)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (seconds or HTTP-date)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _retry_after(headers: Mapping[str, str]) -> float | None:
    milliseconds = headers.get("retry-after-ms")
    if milliseconds:
        try:
            return max(0.0, float(milliseconds) / 1000.0)
        except ValueError:
            pass
    return parse_retry_after(headers.get("Retry-After"))


def _snippet(body: bytes) -> str:
    """A short, printable summary of an error body (its error message if any)."""
    text = body.decode("utf-8", errors="replace")
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict):
        error = data.get("error")
        message = error.get("message") if isinstance(error, dict) else error
        if isinstance(message, str):
            text = message
    text = " ".join(text.split())
    return text if len(text) <= _SNIPPET_CHARS else text[:_SNIPPET_CHARS] + "..."


def _status_error(status: int, url: str, body: bytes, headers: Mapping[str, str]) -> TargetError:
    retryable = status in (408, 429) or status >= 500
    retry_after = _retry_after(headers) if retryable else None
    detail = _snippet(body)
    message = f"HTTP {status} from {url}" + (f": {detail}" if detail else "")
    return TargetError(f"http_{status}", message, retryable=retryable, retry_after=retry_after)


class JsonClient:
    """An aiohttp session that sends JSON and returns parsed JSON.

    Args:
        timeout_s: Limit for one attempt, connecting and reading included.
    """

    def __init__(self, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None

    async def open(self) -> None:
        """Open the session; must run inside the event loop that will use it."""
        if self._session is None:
            connector = aiohttp.TCPConnector(limit=0)
            self._session = aiohttp.ClientSession(connector=connector, timeout=self._timeout)

    async def close(self) -> None:
        """Close the session and its connections."""
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()

    async def send(
        self, method: str, url: str, *, body: Any = None, headers: Mapping[str, str]
    ) -> Any:
        """Send one request and return the decoded JSON answer.

        Raises:
            TargetError: ``timeout`` / ``connection`` (retryable), ``http_<status>``
                for non-2xx (retryable for 408, 429, 5xx, with the server's
                ``Retry-After``), ``bad_response`` for an answer that is not
                JSON, ``bad_request`` for a body that cannot be sent as JSON or
                an invalid URL.
        """
        if self._session is None:
            raise RuntimeError("target is not open; use it as 'async with target:'")
        try:
            data = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
        except (TypeError, ValueError) as exc:
            raise TargetError("bad_request", f"request body is not JSON: {exc}") from None
        send_headers = dict(headers)
        if data is not None:
            send_headers.setdefault("Content-Type", "application/json")
        try:
            async with self._session.request(
                method, url, data=data, headers=send_headers
            ) as response:
                raw = await response.read()
                status = response.status
                response_headers = response.headers
        except TimeoutError:
            raise TargetError(
                "timeout", f"no answer from {url} within {self.timeout_s:g} s", retryable=True
            ) from None
        except aiohttp.InvalidURL:
            raise TargetError("bad_request", f"not a valid URL: {url!r}") from None
        except aiohttp.ClientError as exc:
            # Payload errors are connections dropped mid-answer: worth a retry too.
            reason = str(exc) or type(exc).__name__
            raise TargetError("connection", f"{url}: {reason}", retryable=True) from None
        if not 200 <= status < 300:
            raise _status_error(status, url, raw, response_headers)
        try:
            return json.loads(raw)
        except ValueError:
            raise TargetError(
                "bad_response",
                f"{url} answered HTTP {status} with a body that is not JSON: {_snippet(raw)!r}",
            ) from None


class HttpTarget:
    """Lifecycle shared by targets that talk JSON over HTTP.

    Subclasses build requests and read answers; this opens and closes the
    session and checks, on entry, that every referenced secret is set.
    """

    cacheable = True

    def __init__(self, headers: HeaderTemplates, timeout_s: float) -> None:
        self._headers = headers
        self._client = JsonClient(timeout_s)

    async def __aenter__(self) -> Self:
        self._headers.check()
        await self._client.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._client.close()

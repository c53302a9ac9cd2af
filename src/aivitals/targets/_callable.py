"""``type: callable``: a Python function, sync or async, as the target.

Sync functions run in the target's own thread pool so a slow one does not
stall the event loop. The pool is larger than asyncio's default (which has
few threads on small machines) because sync targets are usually waiting on
I/O. A timed-out thread cannot be stopped: it runs to its end.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from pydantic import Field

from aivitals.errors import ConfigError, Problem, TargetError
from aivitals.model import content_hash
from aivitals.registry import import_object
from aivitals.targets._base import Target, TargetRequest, TargetResponse
from aivitals.targets._registry import TargetConfig, target_kind
from aivitals.targets._retry import with_timeout

__all__ = ["CallableConfig", "CallableTarget"]

#: Threads for sync functions; the runner's semaphore bounds calls in flight.
MAX_THREADS = 64


class CallableConfig(TargetConfig):
    """The ``target:`` block of ``type: callable``.

    Attributes:
        function: ``module:function`` to call.
        pass_request: Call it with the whole :class:`TargetRequest` instead
            of the input text.
        version: Bump it when the function's behaviour changes in ways its
            own source does not show (a model file, a remote dependency).
        timeout_s: Limit for one call, in seconds; ``None`` for none.
    """

    function: str
    pass_request: bool = False
    version: str | None = None
    timeout_s: float | None = Field(default=60.0, gt=0)


def _source_hash(fn: Callable[..., Any]) -> str | None:
    try:
        return content_hash(inspect.getsource(fn))
    except (OSError, TypeError):
        return None


def _is_async(fn: Callable[..., Any]) -> bool:
    call = getattr(fn, "__call__", None)  # noqa: B004 - an async __call__ counts too
    return inspect.iscoroutinefunction(fn) or inspect.iscoroutinefunction(call)


def _as_response(value: Any) -> TargetResponse:
    if isinstance(value, TargetResponse):
        return value
    if isinstance(value, str):
        return TargetResponse(output=value)
    if isinstance(value, Mapping) and "output" in value:
        return TargetResponse.from_dict(value)
    raise TargetError(
        "bad_response",
        f"function returned {type(value).__name__}; expected str, a dict with 'output' "
        "or a TargetResponse",
    )


class CallableTarget:
    """Calls a Python function with each input."""

    cacheable = True

    def __init__(self, config: CallableConfig, fn: Callable[..., Any]) -> None:
        self.config = config
        self._fn = fn
        self._async = _is_async(fn)
        self._source_hash = _source_hash(fn)
        self._pool: ThreadPoolExecutor | None = None

    def __repr__(self) -> str:
        return f"CallableTarget(function={self.config.function!r})"

    async def __aenter__(self) -> Self:
        if not self._async and self._pool is None:
            self._pool = ThreadPoolExecutor(MAX_THREADS, thread_name_prefix="aivitals-target")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            # Do not wait: a call that timed out may still be running.
            pool.shutdown(wait=False, cancel_futures=True)

    def identity(self) -> dict[str, Any]:
        """Function reference, declared version and a hash of its source."""
        return {
            "type": "callable",
            "function": self.config.function,
            "version": self.config.version,
            "source_hash": self._source_hash,
        }

    def request_payload(self, request: TargetRequest) -> dict[str, Any]:
        """What the function is given: the input, or the whole request."""
        if not self.config.pass_request:
            return {"input": request.input}
        return {
            "case_id": request.case_id,
            "input": request.input,
            "context": list(request.context),
            "tags": dict(request.tags),
            "metadata": dict(request.metadata),
        }

    async def call(self, request: TargetRequest) -> TargetResponse:
        """Call the function once, within ``timeout_s``."""
        argument: Any = request if self.config.pass_request else request.input
        if isinstance(argument, list):
            argument = [dict(m) for m in argument]  # the function may mutate its copy
        result = await with_timeout(self._invoke(argument), self.config.timeout_s)
        return _as_response(result)

    async def _invoke(self, argument: Any) -> Any:
        try:
            if self._async:
                return await self._fn(argument)
            result = await self._in_thread(argument)
            return await result if inspect.isawaitable(result) else result
        except TargetError:
            raise  # the function's own verdict, e.g. a retryable failure
        except Exception as exc:
            raise TargetError("exception", f"{type(exc).__name__}: {exc}") from exc

    async def _in_thread(self, argument: Any) -> Any:
        if self._pool is None:
            raise RuntimeError("target is not open; use it as 'async with target:'")
        run = functools.partial(contextvars.copy_context().run, self._fn, argument)
        return await asyncio.get_running_loop().run_in_executor(self._pool, run)


@target_kind("callable", CallableConfig)
def build_callable(config: CallableConfig, base_dir: Path) -> Target:
    """Import the function and build a :class:`CallableTarget`.

    Raises:
        ConfigError: The reference cannot be imported or is not callable.
    """
    try:
        fn = import_object(config.function)
    except LookupError as exc:
        raise ConfigError(Problem(str(exc), field="target.function")) from None
    if not callable(fn):
        raise ConfigError(Problem(f"'{config.function}' is not callable", field="target.function"))
    return CallableTarget(config, fn)

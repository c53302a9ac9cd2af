"""One exception tree for aivitals.

User-facing errors name where the problem is (file, line, field) and what
would fix it; the CLI maps :class:`InputError` to exit code 2.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = [
    "ConfigError",
    "InputError",
    "LineageError",
    "Problem",
    "StoreBusyError",
    "StoreError",
    "TargetError",
    "VitalsError",
]


class VitalsError(Exception):
    """Base class of every error aivitals raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located as precisely as we can.

    Attributes:
        message: What is wrong and, where it helps, what would fix it.
        file: The file the problem is in, if any.
        line: 1-based line (JSONL / CSV row / YAML line) if known.
        field: The field or key path, if known.
    """

    message: str
    file: str | None = None
    line: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = ":".join(str(p) for p in (self.file, self.line) if p is not None)
        parts = [where] if where else []
        if self.field:
            parts.append(f"field '{self.field}'")
        prefix = ", ".join(parts)
        return f"{prefix}: {self.message}" if prefix else self.message


class InputError(VitalsError):
    """Bad user input: a file, a config or an argument.

    Carries every problem found, so a user fixes them all in one go.
    """

    def __init__(self, problems: Problem | str | Iterable[Problem]) -> None:
        if isinstance(problems, str):
            items: Sequence[Problem] = (Problem(problems),)
        elif isinstance(problems, Problem):
            items = (problems,)
        else:
            items = tuple(problems)
        self.problems: tuple[Problem, ...] = tuple(items)
        super().__init__(self._render())

    def _render(self) -> str:
        if len(self.problems) == 1:
            return str(self.problems[0])
        lines = [f"{len(self.problems)} problems:"]
        lines.extend(f"  - {p}" for p in self.problems)
        return "\n".join(lines)


class ConfigError(InputError):
    """A suite, policy or other YAML configuration is invalid."""


class LineageError(InputError):
    """Two runs that measured different things were asked to be compared."""


class StoreError(VitalsError):
    """The store cannot do what was asked (schema too new, missing run...)."""


class StoreBusyError(StoreError):
    """Another process holds the DuckDB file for writing."""


class TargetError(VitalsError):
    """A call to the system under test failed after its retries.

    Attributes:
        kind: A short machine-readable class: ``timeout``, ``http_429``,
            ``http_500``, ``connection``, ``bad_response``, ``exception``.
        retryable: Whether another attempt might succeed.
        retry_after: Seconds the server asked us to wait, if it said.
    """

    def __init__(
        self,
        kind: str,
        message: str,
        *,
        retryable: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        self.retryable = retryable
        self.retry_after = retry_after

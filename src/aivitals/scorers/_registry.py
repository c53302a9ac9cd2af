"""The scorer decorator, the frozen spec it records, and name resolution.

A scorer is a decorated factory: its keyword arguments are configuration and
it returns an async callable ``score(record) -> Score`` that does the work.
Calling the decorated factory binds the arguments (defaults included) into a
:class:`ScorerSpec`, so every stored score can re-create the scorer exactly.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, ParamSpec, cast

from aivitals.model import Record, Score, canonical_json, content_hash
from aivitals.registry import Registry, import_object

__all__ = [
    "ScoreFn",
    "Scorer",
    "ScorerFactory",
    "ScorerSpec",
    "create_scorer",
    "registry",
    "scorer",
]

ScoreFn = Callable[[Record], Awaitable[Score]]
P = ParamSpec("P")


@dataclass(frozen=True)
class ScorerSpec:
    """Everything needed to re-create a scorer: name, version and arguments.

    Attributes:
        name: Registered name, or ``module:function`` for ad-hoc scorers.
        version: Bumped by the scorer's author whenever its verdicts change.
        args: The factory's bound arguments, defaults included (JSON-able).
        threshold: If set, ``passed`` is ``value >= threshold``.
    """

    name: str
    version: str
    args: Mapping[str, Any] = field(default_factory=dict)
    threshold: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form, as stored in run manifests."""
        return {
            "name": self.name,
            "version": self.version,
            "args": dict(self.args),
            "threshold": self.threshold,
        }

    @property
    def hash(self) -> str:
        """Content hash of the spec; equal specs give equal verdicts."""
        return content_hash(self.to_dict(), length=12)


@dataclass(frozen=True)
class Scorer:
    """A configured scorer: its spec and the async function doing the work."""

    spec: ScorerSpec
    fn: ScoreFn

    @property
    def name(self) -> str:
        """The scorer's name as shown in summaries."""
        return self.spec.name

    def with_threshold(self, threshold: float | None) -> Scorer:
        """Return a copy whose ``passed`` comes from ``value >= threshold``."""
        return replace(self, spec=replace(self.spec, threshold=threshold))

    async def judge(self, record: Record) -> Score:
        """Score one record; a scorer that raises gives a missing score.

        A bug in one scorer must not sink a run or a batch of online scores,
        and the exception is kept as the explanation for whoever reads it.
        """
        try:
            return await self(record)
        except Exception as exc:
            return Score.missing(f"scorer failed: {type(exc).__name__}: {exc}")

    async def __call__(self, record: Record) -> Score:
        """Score one record, applying the threshold if there is one."""
        score = await self.fn(record)
        threshold = self.spec.threshold
        if threshold is None or score.value is None:
            return score
        return replace(score, passed=score.value >= threshold)


@dataclass(frozen=True)
class ScorerFactory:
    """What the decorator returns: call it with arguments to get a Scorer."""

    name: str
    version: str
    description: str
    factory: Callable[..., ScoreFn]

    def __call__(self, **kwargs: Any) -> Scorer:
        """Bind ``kwargs`` (checked against the factory's signature)."""
        signature = inspect.signature(self.factory)
        bound = signature.bind(**kwargs)
        bound.apply_defaults()
        args = dict(bound.arguments)
        canonical_json(args)  # fails early on values a manifest cannot hold
        return Scorer(ScorerSpec(self.name, self.version, args), self.factory(**args))

    @property
    def parameters(self) -> Mapping[str, inspect.Parameter]:
        """The factory's parameters, for docs and validation."""
        return inspect.signature(self.factory).parameters


registry: Registry[ScorerFactory] = Registry(
    kind="scorer", builtins="aivitals.scorers", entry_point_group="aivitals.scorers"
)


def scorer(
    name: str | None = None, *, version: str = "1", register: bool = True
) -> Callable[[Callable[P, ScoreFn]], ScorerFactory]:
    """Declare a scorer factory.

    Args:
        name: Registry name; defaults to the function's name.
        version: Bump it whenever the scorer's verdicts change, so comparisons
            between runs can tell that scores are not comparable.
        register: Whether to add it to the global registry (``False`` for
            ad-hoc scorers referenced as ``module:function``).

    Returns:
        A decorator turning ``def f(**config) -> async score(record)`` into
        a :class:`ScorerFactory`.
    """

    def decorate(factory: Callable[P, ScoreFn]) -> ScorerFactory:
        doc = inspect.getdoc(factory) or ""
        made = ScorerFactory(
            name=name or factory.__name__,
            version=version,
            description=doc.splitlines()[0] if doc else "",
            factory=cast(Callable[..., ScoreFn], factory),
        )
        if register:
            registry.register(made.name, made)
        return made

    return decorate


def create_scorer(
    ref: str, args: Mapping[str, Any] | None = None, threshold: float | None = None
) -> Scorer:
    """Resolve a scorer by registry name or ``module:function`` and configure it.

    A ``module:function`` target may be a decorated factory, or a plain
    (async or sync) function ``f(record) -> Score`` taking no configuration.

    Raises:
        LookupError: Unknown name or unimportable reference.
        TypeError: Arguments that the factory does not accept.
    """
    if ":" in ref:
        obj = import_object(ref)
        if isinstance(obj, ScorerFactory):
            made = obj(**(args or {}))
        elif callable(obj):
            if args:
                raise TypeError(f"'{ref}' is a plain function and takes no arguments")
            made = Scorer(ScorerSpec(ref, "1", {}), _as_async(obj))
        else:
            raise LookupError(f"'{ref}' is not a scorer")
        return made.with_threshold(threshold) if threshold is not None else made
    made = registry.get(ref)(**(args or {}))
    return made.with_threshold(threshold) if threshold is not None else made


def _as_async(fn: Callable[[Record], Any]) -> ScoreFn:
    if inspect.iscoroutinefunction(fn):
        return cast(ScoreFn, fn)

    async def run(record: Record) -> Score:
        result = fn(record)
        if isinstance(result, Score):
            return result
        raise TypeError(f"scorer {fn!r} returned {type(result).__name__}, expected Score")

    return run

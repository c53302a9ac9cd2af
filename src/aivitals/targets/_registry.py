"""Target kinds: a name, a pydantic config model and a builder.

A suite's ``target:`` block names its ``type``; the rest is validated by
that kind's config model, so a typo in a key is an error naming the key.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from aivitals.errors import ConfigError, Problem
from aivitals.registry import Registry
from aivitals.targets._base import Target

__all__ = ["TargetConfig", "TargetKind", "build_target", "registry", "target_kind"]


class TargetConfig(BaseModel):
    """Base of every target kind's config; unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: str


@dataclass(frozen=True)
class TargetKind:
    """A registered kind of target.

    Attributes:
        name: The ``type:`` value in suites.
        config: Pydantic model validating the target block.
        build: Makes the target from a validated config and the directory
            relative paths in the config are resolved against.
    """

    name: str
    config: type[TargetConfig]
    build: Callable[[Any, Path], Target]


registry: Registry[TargetKind] = Registry(
    kind="target", builtins="aivitals.targets", entry_point_group="aivitals.targets"
)


def target_kind(
    name: str, config: type[TargetConfig]
) -> Callable[[Callable[[Any, Path], Target]], Callable[[Any, Path], Target]]:
    """Register a target builder under ``name`` with its config model."""

    def decorate(build: Callable[[Any, Path], Target]) -> Callable[[Any, Path], Target]:
        registry.register(name, TargetKind(name, config, build))
        return build

    return decorate


def build_target(block: Mapping[str, Any], base_dir: Path, *, where: str = "target") -> Target:
    """Validate a ``target:`` block and build the target.

    Args:
        block: The mapping from the suite (or the API).
        base_dir: Directory relative paths are resolved against.
        where: Prefix for error locations, e.g. ``suite.yaml: target``.

    Raises:
        ConfigError: Unknown type or invalid fields, each problem named.
    """
    kind_name = block.get("type")
    if not isinstance(kind_name, str):
        raise ConfigError(Problem("needs 'type' (one of the target kinds)", field=f"{where}.type"))
    try:
        kind = registry.get(kind_name)
    except LookupError as exc:
        raise ConfigError(Problem(str(exc), field=f"{where}.type")) from None
    try:
        config = kind.config.model_validate(dict(block))
    except ValidationError as exc:
        raise ConfigError(
            Problem(err["msg"], field=".".join([where, *map(str, err["loc"])]))
            for err in exc.errors()
        ) from None
    return kind.build(config, base_dir)

"""Suite files: which datasets, which target, which scorers, how to run.

Validated with pydantic; every problem is reported with the suite file, the
line of the offending key and its dotted path.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from aivitals.errors import ConfigError
from aivitals.io import FieldMapping, read_config, validation_problems
from aivitals.model import content_hash

__all__ = ["DatasetSpec", "RetrySpec", "ScorerEntry", "Suite", "load_suite", "parse_suite"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatasetSpec(_Strict):
    """One dataset of a suite: a file (relative to the suite) or a stored name.

    Attributes:
        path: File to load (JSONL, JSON, CSV, Parquet, YAML).
        name: Dataset name; for a stored dataset ``name`` or ``name@version``.
        format: Force a file format instead of guessing from the suffix.
        mapping: Which fields hold input, expected, context and tags.
        limit: Use only the first N cases (a smoke run).
    """

    path: str | None = None
    name: str | None = None
    format: str | None = None
    mapping: FieldMapping = Field(default_factory=FieldMapping)
    limit: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _path_or_name(self) -> DatasetSpec:
        if not self.path and not self.name:
            raise ValueError("give a 'path' to a file or the 'name' of a stored dataset")
        return self


class ScorerEntry(_Strict):
    """A scorer in a suite.

    Attributes:
        scorer: Registered name or ``module:function``.
        name: Name shown and stored for its scores; defaults to ``scorer``.
            Needed when one scorer is used twice with different arguments.
        args: The scorer factory's keyword arguments.
        threshold: Pass when the value is at least this.
    """

    scorer: str
    name: str | None = None
    args: dict[str, Any] = Field(default_factory=dict)
    threshold: float | None = None

    @property
    def display_name(self) -> str:
        """The name its scores are stored under."""
        return self.name or self.scorer


class RetrySpec(_Strict):
    """Retries on 429, 5xx, timeouts and connection errors."""

    max_attempts: int = Field(default=4, ge=1, le=20)
    base_delay_s: float = Field(default=0.5, ge=0)
    max_delay_s: float = Field(default=30.0, ge=0)


class Suite(_Strict):
    """An evaluation suite.

    Attributes:
        name: Suite name, shown in run lists.
        description: Free text.
        datasets: One or more datasets (``dataset:`` for just one).
        target: The system under test; ``type`` picks the kind.
        scorers: Scorers to run on every record.
        repeats: Run each case this many times.
        concurrency: Calls in flight at once.
        timeout_s: Per-attempt time limit of a call.
        retry: Retry policy.
        max_error_rate: Stop the run once more than this share of calls fail
            (checked after the first 20 calls).
        seed: Seed for anything random (retry jitter; passed to targets that
            take one in their params).
        tags: Labels of the run (e.g. ``change: new-prompt``).
    """

    name: str
    description: str = ""
    datasets: list[DatasetSpec] = Field(min_length=1)
    target: dict[str, Any]
    scorers: list[ScorerEntry] = Field(min_length=1)
    repeats: int = Field(default=1, ge=1, le=1000)
    concurrency: int = Field(default=16, ge=1, le=2000)
    timeout_s: float = Field(default=60.0, gt=0)
    retry: RetrySpec = Field(default_factory=RetrySpec)
    max_error_rate: float = Field(default=0.5, ge=0, le=1)
    seed: int = 0
    tags: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _singular_dataset(cls, data: Any) -> Any:
        if isinstance(data, dict) and "dataset" in data:
            if "datasets" in data:
                raise ValueError("give either 'dataset' or 'datasets', not both")
            data = {**data, "datasets": [data["dataset"]]}
            del data["dataset"]
        return data

    @field_validator("scorers", mode="before")
    @classmethod
    def _scorer_shorthand(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [{"scorer": v} if isinstance(v, str) else v for v in value]
        return value

    @model_validator(mode="after")
    def _unique_scorer_names(self) -> Suite:
        seen: set[str] = set()
        for entry in self.scorers:
            if entry.display_name in seen:
                raise ValueError(
                    f"scorer name '{entry.display_name}' is used twice; give each a 'name'"
                )
            seen.add(entry.display_name)
        return self

    @property
    def config_hash(self) -> str:
        """Hash of the whole configuration, for the run manifest."""
        return content_hash(self.model_dump(mode="json"), length=12)


def parse_suite(
    data: Mapping[str, Any], *, file: str = "<suite>", node: yaml.Node | None = None
) -> Suite:
    """Validate a suite given as a mapping.

    Raises:
        ConfigError: Every invalid field, with its line when ``node`` is given.
    """
    try:
        return Suite.model_validate(dict(data))
    except ValidationError as exc:

        def as_written(loc: tuple[int | str, ...]) -> tuple[int | str, ...]:
            # Name the key the user wrote: ``dataset:`` becomes datasets[0].
            if "dataset" in data and loc[:2] == ("datasets", 0):
                return ("dataset", *loc[2:])
            return loc

        raise ConfigError(validation_problems(exc, file, node, as_written)) from None


def load_suite(path: str | os.PathLike[str]) -> Suite:
    """Read and validate a suite YAML file.

    Raises:
        ConfigError: Unreadable YAML or invalid fields, located by line.
    """
    file, node, data = read_config(path, "suite", "a mapping with name, dataset, target, scorers")
    return parse_suite(data, file=file, node=node)

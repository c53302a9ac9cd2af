"""Gate policies: which numbers a candidate run must reach to ship.

A policy is a YAML file of rules, each on one scorer, overall or per slice.
Validated with pydantic; every problem is reported with the policy file, the
line of the offending key and its dotted path, like suite files.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from aivitals.errors import ConfigError, Problem
from aivitals.io import line_of, read_config, validation_problems

__all__ = [
    "CriticalCheck",
    "MinCheck",
    "Policy",
    "RegressionCheck",
    "Rule",
    "RuleKind",
    "load_policy",
    "parse_policy",
]

RuleKind = Literal["min", "max_regression", "no_new_failures", "min_n"]

#: ``slices: all`` is stored as this one-element list: every tag.
ALL_TAGS = "*"

_KINDS: tuple[RuleKind, ...] = ("min", "max_regression", "no_new_failures")


def _tag_value(value: Any) -> Any:
    """YAML scalars as tag text: ``true`` is ``"true"``, ``3`` is ``"3"``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MinCheck(_Strict):
    """A floor on the candidate's metric.

    Attributes:
        value: The point estimate must be at least this.
        lower_bound: The lower 95% confidence bound must be at least this;
            an upper bound below it fails, an interval around it is
            inconclusive.
    """

    value: float | None = None
    lower_bound: float | None = None

    @model_validator(mode="after")
    def _one_threshold(self) -> MinCheck:
        if (self.value is None) == (self.lower_bound is None):
            raise ValueError("give exactly one of 'value' or 'lower_bound'")
        return self

    @property
    def threshold(self) -> float:
        """The floor, whichever form it takes."""
        return self.value if self.value is not None else float(self.lower_bound or 0.0)


class RegressionCheck(_Strict):
    """Non-inferiority against the baseline: candidate − base > −margin.

    Attributes:
        margin: The largest drop tolerated, in the metric's units (0.02 is
            two percentage points of a pass rate); above 0, since a margin of
            0 would ask for a significant improvement.
        alpha: One-sided level of the test; the policy's ``alpha`` if unset.
    """

    margin: float = Field(gt=0)
    alpha: float | None = Field(default=None, gt=0, lt=0.5)


class CriticalCheck(_Strict):
    """No case tagged ``tag = value`` may pass in the baseline and fail now."""

    tag: str = "critical"
    value: str = "true"

    @field_validator("value", mode="before")
    @classmethod
    def _scalar(cls, value: Any) -> Any:
        return _tag_value(value)


class Rule(_Strict):
    """One rule of a policy.

    A rule checks one scorer, overall (default), in one slice (``slice``) or
    in every slice of some tags (``slices``), with exactly one of ``min``,
    ``max_regression`` or ``no_new_failures``. ``min_n`` alone requires that
    many scored records; next to a check, fewer make the check inconclusive.

    Attributes:
        id: Short name shown in reports; ``R<position>`` if unset.
        description: Why the rule exists, shown next to its outcome.
        scorer: Scorer name as stored in the runs.
        slice: One slice, ``{tag: value}``.
        slices: ``all`` (every tag) or a list of tags: one outcome per value.
        min: A floor on the candidate's value or its lower bound.
        max_regression: A non-inferiority test against the baseline.
        no_new_failures: No critical case newly failing.
        min_n: Required (alone) or needed (with a check) number of records.
    """

    id: str | None = Field(default=None, min_length=1)
    description: str | None = None
    scorer: str = Field(min_length=1)
    slice: dict[str, str] | None = None
    slices: list[str] | None = None
    min: MinCheck | None = None
    max_regression: RegressionCheck | None = None
    no_new_failures: CriticalCheck | None = None
    min_n: int | None = Field(default=None, ge=1)

    @field_validator("slice", mode="before")
    @classmethod
    def _slice_values(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: _tag_value(v) for k, v in value.items()}
        return value

    @field_validator("slice")
    @classmethod
    def _one_slice(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        if value is not None and len(value) != 1:
            raise ValueError("a slice is one 'tag: value'; use one rule per slice or 'slices'")
        return value

    @field_validator("slices", mode="before")
    @classmethod
    def _slices_shorthand(cls, value: Any) -> Any:
        if value == "all":
            return [ALL_TAGS]
        return [value] if isinstance(value, str) else value

    @field_validator("no_new_failures", mode="before")
    @classmethod
    def _defaults_shorthand(cls, value: Any) -> Any:
        return {} if value is True else value

    @model_validator(mode="after")
    def _one_check(self) -> Rule:
        given = [k for k in _KINDS if getattr(self, k) is not None]
        if len(given) > 1:
            raise ValueError(f"one check per rule, found {', '.join(given)}; split the rule")
        if not given and self.min_n is None:
            raise ValueError("a rule needs one of min, max_regression, no_new_failures or min_n")
        if self.slice is not None and self.slices is not None:
            raise ValueError("give either 'slice' or 'slices', not both")
        if self.no_new_failures is not None and (self.slice or self.slices):
            raise ValueError("no_new_failures selects its cases by tag; drop 'slice'/'slices'")
        return self

    @property
    def kind(self) -> RuleKind:
        """Which check the rule makes."""
        return next((k for k in _KINDS if getattr(self, k) is not None), "min_n")

    @property
    def all_slices(self) -> bool:
        """``slices: all``: every tag the run has."""
        return self.slices is not None and ALL_TAGS in self.slices


class Policy(_Strict):
    """A release gate policy.

    Attributes:
        name: Shown in reports and as the JUnit suite name.
        description: Free text.
        on_inconclusive: What an inconclusive gate counts as: ``fail``,
            ``pass`` or ``inconclusive`` (exit code 3).
        min_n: Fewer records (or pairs) than this make a ``min`` or
            ``max_regression`` rule inconclusive, unless the rule sets its own.
        alpha: Default one-sided level of ``max_regression`` rules.
        adjustment: Multiple-comparison correction of the baseline
            comparison's p-values (``holm`` or ``fdr_bh``).
        allow_mismatch: Compare with a baseline whose datasets or scorer
            specs differ (on what both share) instead of refusing.
        rules: The rules; all must pass.
    """

    name: str = Field(min_length=1)
    description: str = ""
    on_inconclusive: Literal["fail", "pass", "inconclusive"] = "inconclusive"
    min_n: int = Field(default=10, ge=1)
    alpha: float = Field(default=0.05, gt=0, lt=0.5)
    adjustment: Literal["holm", "fdr_bh"] = "holm"
    allow_mismatch: bool = False
    rules: list[Rule] = Field(min_length=1)

    _file: str | None = PrivateAttr(default=None)
    _node: yaml.Node | None = PrivateAttr(default=None)

    def rule_id(self, index: int) -> str:
        """The rule's ``id``, or ``R<position>`` (1-based)."""
        return self.rules[index].id or f"R{index + 1}"

    def rule_alpha(self, rule: Rule) -> float:
        """One-sided level of a ``max_regression`` rule."""
        check = rule.max_regression
        return check.alpha if check is not None and check.alpha is not None else self.alpha

    def rule_min_n(self, rule: Rule) -> int:
        """The records a rule needs; ``no_new_failures`` needs one case unless set."""
        if rule.min_n is not None:
            return rule.min_n
        return 1 if rule.kind == "no_new_failures" else self.min_n

    @property
    def file(self) -> str | None:
        """The file the policy came from, if any."""
        return self._file

    def rule_line(self, index: int) -> int | None:
        """Line of rule ``index`` in the policy file, if known."""
        return line_of(self._node, ("rules", index)) if self._node is not None else None

    def problem(self, index: int, field: str, message: str) -> Problem:
        """A problem located at rule ``index``'s ``field`` in the policy file."""
        loc: tuple[int | str, ...] = ("rules", index, *field.split("."))
        line = line_of(self._node, loc) if self._node is not None else None
        return Problem(message, file=self._file, line=line, field=".".join(map(str, loc)))


def _duplicate_ids(policy: Policy, file: str, node: yaml.Node | None) -> list[Problem]:
    problems = []
    seen: set[str] = set()
    for i in range(len(policy.rules)):
        rid = policy.rule_id(i)
        if rid in seen:
            loc = ("rules", i, "id")
            message = f"rule id '{rid}' is used twice; ids name the JUnit test cases"
            problems.append(Problem(message, file, line_of(node, loc), f"rules.{i}.id"))
        seen.add(rid)
    return problems


def parse_policy(
    data: Mapping[str, Any], *, file: str = "<policy>", node: yaml.Node | None = None
) -> Policy:
    """Validate a policy given as a mapping.

    Raises:
        ConfigError: Every invalid field, with its line when ``node`` is given.
    """
    try:
        policy = Policy.model_validate(dict(data))
    except ValidationError as exc:
        raise ConfigError(validation_problems(exc, file, node)) from None
    duplicates = _duplicate_ids(policy, file, node)
    if duplicates:
        raise ConfigError(duplicates)
    policy._file = file
    policy._node = node
    return policy


def load_policy(path: str | os.PathLike[str]) -> Policy:
    """Read and validate a policy YAML file.

    Raises:
        ConfigError: A missing file, unreadable YAML or invalid fields,
            located by line.
    """
    file, node, data = read_config(path, "policy", "a mapping with a name and rules")
    return parse_policy(data, file=file, node=node)

"""YAML with line numbers: the values and the node tree that locates them."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from aivitals.errors import ConfigError, InputError, Problem

__all__ = ["line_of", "parse_yaml", "read_config", "validation_problems"]


def parse_yaml(text: str, file: str) -> tuple[yaml.Node | None, Any]:
    """Parse ``text`` into its composed node tree and its plain value.

    The node tree keeps each key's line, so later validation errors can say
    where in the file they are.

    Raises:
        InputError: The text is not YAML; names the file and line.
    """
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader), yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise InputError(Problem(f"invalid YAML: {exc}", file=file, line=line)) from None


def line_of(node: yaml.Node | None, loc: tuple[int | str, ...]) -> int | None:
    """Follow ``loc`` into a composed YAML tree; the deepest line found."""
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            pair = next(((k, v) for k, v in node.value if k.value == part), None)
            if pair is None:
                break
            # The key's line: where a person looks for ``key:``.
            line, node = pair[0].start_mark.line + 1, pair[1]
        elif (
            isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value)
        ):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def validation_problems(
    exc: ValidationError,
    file: str,
    node: yaml.Node | None,
    rename: Callable[[tuple[int | str, ...]], tuple[int | str, ...]] | None = None,
) -> list[Problem]:
    """One :class:`Problem` per pydantic error, located by line and dotted field.

    Args:
        exc: The validation error of a config model.
        file: The config file, for messages.
        node: Its composed YAML tree (from :func:`parse_yaml`), if any.
        rename: Maps an error location to the keys as the user wrote them.
    """
    problems = []
    for err in exc.errors():
        # Union members appear as "function-after[...]" parts: not keys.
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and "[" in p))
        if rename is not None:
            loc = rename(loc)
        field = ".".join(map(str, loc)) or None
        message = err["msg"].removeprefix("Value error, ")
        problems.append(Problem(message, file=file, line=line_of(node, loc), field=field))
    return problems


def read_config(
    path: str | os.PathLike[str], what: str, shape: str
) -> tuple[str, yaml.Node | None, dict[str, Any]]:
    """Read a YAML config file that must hold a mapping.

    Args:
        path: The file.
        what: What it is, for messages (``suite``, ``policy``...).
        shape: What the mapping holds, for the message when it is not one.

    Returns:
        The file name, its composed node tree (for line numbers) and the data.

    Raises:
        ConfigError: A missing file, unreadable YAML, or not a mapping.
    """
    file = Path(path)
    if not file.is_file():
        raise ConfigError(Problem(f"no such {what} file", file=str(file)))
    try:
        node, data = parse_yaml(file.read_text(encoding="utf-8"), str(file))
    except InputError as exc:
        raise ConfigError(exc.problems) from None
    if not isinstance(data, dict):
        raise ConfigError(Problem(f"a {what} is {shape}", str(file)))
    return str(file), node, data

"""YAML with line numbers: the values and the node tree that locates them."""

from __future__ import annotations

from typing import Any

import yaml

from aivitals.errors import InputError, Problem

__all__ = ["parse_yaml"]


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

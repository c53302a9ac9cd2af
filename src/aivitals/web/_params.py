"""Query parameters of the dashboard's pages and API, checked at the edge.

A bad parameter is a :class:`BadRequest` naming the parameter and what would
fix it; pages show it, the JSON API answers ``{"error", "field"}``. Pages and
their JSON twins parse the same parameters with the same functions, so they
always answer the same query.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from multidict import MultiMapping

from aivitals.metrics import parse_time as parse_range_bound
from aivitals.metrics import parse_window

__all__ = [
    "BadRequest",
    "parse_by",
    "parse_int",
    "parse_slice",
    "parse_time",
    "parse_window_param",
]

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]{0,63}")


@dataclass
class BadRequest(Exception):
    """A parameter the dashboard cannot use (HTTP 400, or 404 for a missing thing).

    Attributes:
        message: What is wrong and how to fix it.
        field: The parameter.
        status: The HTTP status.
    """

    message: str
    field: str | None = None
    status: int = 400

    def __str__(self) -> str:
        return self.message


def parse_time(text: str | None, field: str, now: datetime | None = None) -> datetime | None:
    """``since`` / ``until``: see :func:`aivitals.metrics.parse_time`."""
    try:
        return parse_range_bound(text, now)
    except ValueError as exc:
        raise BadRequest(f"{field}: {exc}", field) from None


def parse_window_param(text: str | None, default: str) -> str:
    """A window length (``5m``, ``1h``, ``1d``) or ``all``."""
    value = (text or "").strip() or default
    try:
        parse_window(value)
    except ValueError as exc:
        raise BadRequest(f"window: {exc}", "window") from None
    return value


def parse_by(query: MultiMapping[str]) -> tuple[str, ...]:
    """Slice attributes from ``by=a,b`` or repeated ``by`` parameters."""
    names = [p.strip() for raw in query.getall("by", []) for p in raw.split(",") if p.strip()]
    for name in names:
        if not _NAME.fullmatch(name):
            raise BadRequest(f"by: '{name}' is not a tag key or model_version", "by")
    return tuple(dict.fromkeys(names))


def parse_slice(query: Mapping[str, str]) -> dict[str, str]:
    """A slice from ``slice.KEY=VALUE`` parameters (``slice.segment=pro``)."""
    out: dict[str, str] = {}
    for key, value in query.items():
        if not key.startswith("slice."):
            continue
        name = key.removeprefix("slice.")
        if not _NAME.fullmatch(name):
            raise BadRequest(f"{key}: '{name}' is not a tag key or model_version", key)
        out[name] = value
    return out


def parse_int(text: str | None, field: str, default: int, *, low: int, high: int) -> int:
    """A whole number in ``[low, high]``."""
    if text is None or not text.strip():
        return default
    try:
        value = int(text)
    except ValueError:
        raise BadRequest(f"{field}: '{text}' is not a whole number", field) from None
    if not low <= value <= high:
        raise BadRequest(f"{field}: must be between {low} and {high}, got {value}", field)
    return value

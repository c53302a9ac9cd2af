"""Row readers for JSONL, JSON, CSV, Parquet and YAML files.

Each reader yields ``(line, row)`` pairs, where ``line`` is the 1-based line
(or row) a person would look at, and collects what it cannot parse as
:class:`~aivitals.errors.Problem` entries instead of stopping at the first.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from aivitals.errors import InputError, Problem
from aivitals.io._yaml import parse_yaml

__all__ = ["FORMATS", "Row", "detect_format", "read_rows"]

Row = tuple[int | None, dict[str, Any]]

FORMATS = ("jsonl", "json", "csv", "parquet", "yaml")
_SUFFIXES = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".csv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".yaml": "yaml",
    ".yml": "yaml",
}


def detect_format(path: Path, fmt: str | None = None, *, formats: Sequence[str] = FORMATS) -> str:
    """The file's format: ``fmt`` if given, else from the suffix.

    Args:
        path: The file.
        fmt: The format the caller names, if any.
        formats: The formats the caller can read (a subset of :data:`FORMATS`).
    """
    if fmt:
        if fmt not in formats:
            raise InputError(Problem(f"unknown format '{fmt}'; use one of {', '.join(formats)}"))
        return fmt
    found = _SUFFIXES.get(path.suffix.lower())
    if found is None or found not in formats:
        suffixes = "/".join(f".{f}" for f in formats)
        raise InputError(
            Problem(
                f"cannot tell the format from the suffix '{path.suffix}'; "
                f"name it {suffixes} or pass --format",
                file=str(path),
            )
        )
    return found


def read_rows(path: Path, fmt: str, problems: list[Problem]) -> list[Row]:
    """Read every row of ``path``; unparseable rows go to ``problems``."""
    if not path.is_file():
        raise InputError(Problem("no such file", file=str(path)))
    readers = {
        "jsonl": _jsonl,
        "json": _json,
        "csv": _csv,
        "parquet": _parquet,
        "yaml": _yaml,
    }
    return list(readers[fmt](path, problems))


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            Problem(f"not valid UTF-8 (byte {exc.start}); re-save the file as UTF-8", str(path))
        ) from None


def _object(value: Any, path: Path, line: int | None, problems: list[Problem]) -> bool:
    if isinstance(value, dict):
        return True
    problems.append(
        Problem(f"expected an object, found {type(value).__name__}", file=str(path), line=line)
    )
    return False


def _jsonl(path: Path, problems: list[Problem]) -> Iterator[Row]:
    for number, raw in enumerate(_text(path).splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            problems.append(Problem(f"invalid JSON: {exc.msg}", file=str(path), line=number))
            continue
        if _object(value, path, number, problems):
            yield number, value


def _json(path: Path, problems: list[Problem]) -> Iterator[Row]:
    text = _text(path)
    if not text.lstrip().startswith(("[", '{"cases"')):
        yield from _jsonl(path, problems)
        return
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        problems.append(Problem(f"invalid JSON: {exc.msg}", file=str(path), line=exc.lineno))
        return
    items = value.get("cases") if isinstance(value, dict) else value
    if not isinstance(items, list):
        problems.append(Problem("expected a list of cases", file=str(path)))
        return
    # A JSON array has no useful line numbers; the 1-based item number is
    # what a person counts to.
    for index, item in enumerate(items, start=1):
        if _object(item, path, index, problems):
            yield index, item


def _csv(path: Path, problems: list[Problem]) -> Iterator[Row]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        try:
            for row in reader:
                if None in row:
                    problems.append(
                        Problem(
                            "more values than header columns", file=str(path), line=reader.line_num
                        )
                    )
                    continue
                yield reader.line_num, dict(row)
        except (csv.Error, UnicodeDecodeError) as exc:
            problems.append(Problem(f"unreadable CSV: {exc}", file=str(path), line=reader.line_num))


def _parquet(path: Path, problems: list[Problem]) -> Iterator[Row]:
    import pyarrow.parquet as pq  # noqa: PLC0415 - only parquet files need it

    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises several unrelated types
        problems.append(Problem(f"unreadable Parquet: {exc}", file=str(path)))
        return
    yield from enumerate(table.to_pylist(), start=1)


def _yaml(path: Path, problems: list[Problem]) -> Iterator[Row]:
    try:
        node, value = parse_yaml(_text(path), str(path))
    except InputError as exc:
        problems.extend(exc.problems)
        return
    if isinstance(value, dict) and isinstance(value.get("cases"), list):
        items = value["cases"]
        seq = next(
            (v for k, v in getattr(node, "value", []) if getattr(k, "value", None) == "cases"),
            None,
        )
    else:
        items, seq = value, node
    if not isinstance(items, list):
        problems.append(Problem("expected a list of cases (or 'cases:' with a list)", str(path)))
        return
    lines = [item.start_mark.line + 1 for item in getattr(seq, "value", [])]
    for index, item in enumerate(items):
        line = lines[index] if index < len(lines) else None
        if _object(item, path, line, problems):
            yield line, item

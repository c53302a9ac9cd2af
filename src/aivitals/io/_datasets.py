"""Load a dataset file into cases, with a field mapping and full validation.

A malformed file fails as a whole, listing every problem by file, line and
field, so nothing half-loaded is ever stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from aivitals.errors import InputError, Problem
from aivitals.io._readers import detect_format, read_rows
from aivitals.model import Case, Dataset, Input, content_hash

__all__ = ["FieldMapping", "load_dataset"]

_MAX_PROBLEMS = 50
_DEFAULTS: dict[str, tuple[str, ...]] = {
    "id": ("id", "case_id", "ID"),
    "input": ("input", "question", "prompt", "query", "messages", "text", "user_query"),
    "expected": ("expected", "answer", "answers", "reference", "references", "target", "ideal"),
    "context": ("context", "contexts", "documents", "docs"),
}


class FieldMapping(BaseModel):
    """Which fields of a row hold what.

    Unset fields fall back to common names (``input``/``question``/``prompt``,
    ``expected``/``answer``...). Fields not mapped to anything else are kept
    as case metadata.

    Attributes:
        id: Field holding the case id; rows without one get a content hash.
        input: Field holding the input text or chat messages.
        expected: Field(s) holding acceptable answers (a list is allowed).
        context: Field(s) holding grounding documents.
        tags: Fields whose values become slice tags; a ``tags`` object in
            the row is always used too.
        list_separator: For CSV: split expected/context cells on this.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str | None = None
    input: str | None = None
    expected: str | list[str] | None = None
    context: str | list[str] | None = None
    tags: list[str] = Field(default_factory=list)
    list_separator: str | None = None


def _pick(row: Mapping[str, Any], explicit: str | list[str] | None, role: str) -> list[str]:
    if explicit is not None:
        return [explicit] if isinstance(explicit, str) else list(explicit)
    return [name for name in _DEFAULTS[role] if name in row][:1]


class _RowParser:
    """Turns rows into cases, collecting problems rather than raising."""

    def __init__(self, file: str, mapping: FieldMapping, problems: list[Problem]):
        self.file = file
        self.mapping = mapping
        self.problems = problems

    def problem(self, line: int | None, field: str | None, message: str) -> None:
        self.problems.append(Problem(message, file=self.file, line=line, field=field))

    def texts(self, row: Mapping[str, Any], fields: list[str], line: int | None) -> tuple[str, ...]:
        out: list[str] = []
        for name in fields:
            value = row.get(name)
            if value is None or value == "":
                continue
            if isinstance(value, str):
                sep = self.mapping.list_separator
                out.extend(v.strip() for v in value.split(sep)) if sep else out.append(value)
            elif isinstance(value, bool | int | float):
                out.append(str(value))
            elif isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
                out.extend(str(v) for v in value)
            else:
                self.problem(line, name, f"expected text or a list of texts, found {_kind(value)}")
        return tuple(out)

    def input(self, row: Mapping[str, Any], line: int | None) -> Input | None:
        fields = _pick(row, self.mapping.input, "input")
        if not fields or row.get(fields[0]) in (None, ""):
            name = fields[0] if fields else (self.mapping.input or "input")
            self.problem(line, name, "missing input (map it with --input FIELD)")
            return None
        value = row[fields[0]]
        if isinstance(value, str):
            return value
        if isinstance(value, list) and value and all(_is_message(m) for m in value):
            return [dict(m) for m in value]
        self.problem(
            line,
            fields[0],
            f"input must be text or a list of {{role, content}}, found {_kind(value)}",
        )
        return None

    def tags(self, row: Mapping[str, Any], line: int | None) -> dict[str, str]:
        tags: dict[str, str] = {}
        raw = row.get("tags")
        if isinstance(raw, dict):
            tags.update({str(k): str(v) for k, v in raw.items() if v is not None})
        elif raw not in (None, "") and "tags" not in self.mapping.tags:
            self.problem(line, "tags", f"tags must be an object, found {_kind(raw)}")
        for name in self.mapping.tags:
            value = row.get(name)
            if value is None or value == "":
                continue
            if isinstance(value, dict | list):
                self.problem(line, name, f"a tag must be a single value, found {_kind(value)}")
                continue
            tags[name] = str(value)
        return tags

    def case(self, line: int | None, row: Mapping[str, Any]) -> Case | None:
        before = len(self.problems)
        inp = self.input(row, line)
        expected_fields = _pick(row, self.mapping.expected, "expected")
        context_fields = _pick(row, self.mapping.context, "context")
        expected = self.texts(row, expected_fields, line)
        context = self.texts(row, context_fields, line)
        tags = self.tags(row, line)
        id_field = self.mapping.id or next((n for n in _DEFAULTS["id"] if n in row), None)
        used = {id_field, *expected_fields, *context_fields, *self.mapping.tags, "tags"}
        used.update(_pick(row, self.mapping.input, "input"))
        raw_id = row.get(id_field) if id_field else None
        if self.mapping.id and raw_id in (None, ""):
            self.problem(line, self.mapping.id, "missing id")
        if raw_id is not None and not isinstance(raw_id, str | int):
            self.problem(line, id_field, f"id must be text or an integer, found {_kind(raw_id)}")
        if inp is None or len(self.problems) > before:
            return None
        case_id = str(raw_id) if raw_id not in (None, "") else content_hash(inp, length=12)
        metadata = {k: v for k, v in row.items() if k not in used}
        return Case(case_id, inp, expected, context, tags, metadata)


def _is_message(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("content"), str) and "role" in value


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def load_dataset(
    path: str | Path,
    *,
    name: str | None = None,
    mapping: FieldMapping | Mapping[str, Any] | None = None,
    fmt: str | None = None,
) -> Dataset:
    """Read a JSONL / JSON / CSV / Parquet / YAML file into a versioned dataset.

    Args:
        path: The file.
        name: Dataset name; defaults to the file's stem.
        mapping: Which fields hold input, expected answers, context, tags.
        fmt: Force a format instead of guessing from the suffix.

    Raises:
        InputError: Every problem found (bad JSON, missing input, duplicate
            id, wrong type), each with file, line and field.
    """
    file = Path(path)
    fields = mapping if isinstance(mapping, FieldMapping) else FieldMapping(**(mapping or {}))
    problems: list[Problem] = []
    rows = read_rows(file, detect_format(file, fmt), problems)
    parser = _RowParser(str(file), fields, problems)
    cases: list[Case] = []
    first_line: dict[str, int | None] = {}
    for line, row in rows:
        case = parser.case(line, row)
        if case is None:
            continue
        if case.id in first_line:
            parser.problem(
                line,
                fields.id or "id",
                f"duplicate id '{case.id}' (first on line {first_line[case.id]})",
            )
            continue
        first_line[case.id] = line
        cases.append(case)
    if not rows and not problems:
        problems.append(Problem("the file has no cases", file=str(file)))
    if problems:
        problems.sort(key=lambda p: (p.line is None, p.line or 0))
        extra = len(problems) - _MAX_PROBLEMS
        shown = problems[:_MAX_PROBLEMS]
        if extra > 0:
            shown.append(Problem(f"... and {extra} more problems", file=str(file)))
        raise InputError(shown)
    return Dataset.from_cases(name or file.stem, cases, source=str(file))

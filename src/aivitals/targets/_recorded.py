"""``type: recorded``: outputs produced elsewhere, read from a file.

Lets a team score outputs from a system aivitals cannot call (a batch job,
a vendor export) with the same scorers and statistics. The file is JSONL,
CSV or Parquet with one row per case (and repeat).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Self

import pyarrow.parquet as pq
from pydantic import Field, field_validator

from aivitals.errors import ConfigError, Problem, TargetError
from aivitals.targets._base import Target, TargetRequest, TargetResponse
from aivitals.targets._registry import TargetConfig, target_kind

__all__ = ["RecordedConfig", "RecordedTarget"]

FIELDS = ("id", "output", "repeat", "latency_ms", "tokens_in", "tokens_out", "cost")
_MAX_PROBLEMS = 20

Format = Literal["jsonl", "csv", "parquet"]
Key = tuple[str, int]

_FORMATS: dict[str, Format] = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".csv": "csv",
    ".parquet": "parquet",
}


class RecordedConfig(TargetConfig):
    """The ``target:`` block of ``type: recorded``.

    Attributes:
        path: The file, relative to the suite's directory.
        format: ``jsonl``, ``csv`` or ``parquet``; guessed from the suffix.
        fields: Column names in the file for our field names, e.g.
            ``{id: question_id, output: answer}``.
    """

    path: str
    format: Format | None = None
    fields: dict[str, str] = Field(default_factory=dict)

    @field_validator("fields")
    @classmethod
    def known_fields(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(FIELDS))
        if unknown:
            raise ValueError(f"unknown field {', '.join(unknown)}; known: {', '.join(FIELDS)}")
        return value


@dataclass(frozen=True)
class _Row:
    line: int
    values: Mapping[str, Any]


class _Loader:
    """Turns rows into responses keyed by (case id, repeat), collecting problems."""

    def __init__(self, file: str, columns: Mapping[str, str]) -> None:
        self.file = file
        self.columns = columns
        self.problems: list[Problem] = []
        self.responses: dict[Key, TargetResponse] = {}

    def fail(self, message: str, line: int | None, field: str | None = None) -> None:
        self.problems.append(Problem(message, file=self.file, line=line, field=field))

    def has_columns(self, names: Iterable[str]) -> bool:
        """Check a table's header for the id and output columns."""
        present = set(names)
        missing = [self.columns[f] for f in ("id", "output") if self.columns[f] not in present]
        for column in missing:
            self.fail(f"no such column; columns are: {', '.join(sorted(present))}", 1, column)
        return not missing

    def number(self, row: _Row, name: str, kind: type[int] | type[float]) -> Any:
        column = self.columns[name]
        value = row.values.get(column)
        if value is None:
            return None
        try:
            if isinstance(value, bool):
                raise ValueError
            number = float(value)
            if kind is int and not number.is_integer():
                raise ValueError
            return kind(number)
        except (TypeError, ValueError):
            expected = "a whole number" if kind is int else "a number"
            self.fail(f"{value!r} is not {expected}", row.line, column)
            return None

    def add(self, row: _Row) -> None:
        id_column, output_column = self.columns["id"], self.columns["output"]
        case_id, output = row.values.get(id_column), row.values.get(output_column)
        if case_id is None or case_id == "":
            self.fail("is missing", row.line, id_column)
            return
        if not isinstance(output, str):
            what = "is missing" if output is None else f"must be text, not {output!r}"
            self.fail(what, row.line, output_column)
            return
        repeat = self.number(row, "repeat", int) or 0
        key = (str(case_id), repeat)
        if key in self.responses:
            self.fail(f"case '{key[0]}' repeat {repeat} appears twice", row.line, id_column)
            return
        self.responses[key] = TargetResponse(
            output=output,
            latency_ms=self.number(row, "latency_ms", float),
            tokens_in=self.number(row, "tokens_in", int),
            tokens_out=self.number(row, "tokens_out", int),
            cost=self.number(row, "cost", float),
        )


def _jsonl_rows(text: str, loader: _Loader) -> Iterator[_Row]:
    # Not splitlines(): JSON strings may hold U+2028 and other "line breaks".
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError as exc:
            loader.fail(f"not valid JSON: {exc.args[0]}", number)
            continue
        if not isinstance(value, dict):
            loader.fail("each line must be a JSON object", number)
            continue
        yield _Row(number, value)


def _csv_rows(text: str, loader: _Loader) -> Iterator[_Row]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if not loader.has_columns(reader.fieldnames or ()):
        return
    start = reader.line_num + 1
    for row in reader:
        # Empty cells are missing values, as in a JSONL file without the key.
        yield _Row(start, {k: v for k, v in row.items() if v not in ("", None)})
        start = reader.line_num + 1


def _parquet_rows(data: bytes, loader: _Loader) -> Iterator[_Row]:
    table = pq.read_table(io.BytesIO(data))
    if not loader.has_columns(table.column_names):
        return
    for number, row in enumerate(table.to_pylist(), start=1):
        yield _Row(number, row)


def _format(config: RecordedConfig, path: Path) -> Format:
    if config.format is not None:
        return config.format
    guessed = _FORMATS.get(path.suffix.lower())
    if guessed is None:
        raise ConfigError(
            Problem(
                f"cannot tell the format of '{path.name}'; set format: jsonl, csv or parquet",
                field="target.format",
            )
        )
    return guessed


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ConfigError(
            Problem(f"cannot read recorded outputs: {exc.strerror}", file=str(path))
        ) from None


def load_recorded(
    data: bytes, file: str, fmt: Format, fields: Mapping[str, str]
) -> dict[Key, TargetResponse]:
    """Parse a file's bytes into responses keyed by ``(case id, repeat)``.

    Raises:
        ConfigError: Every problem found (up to 20), each naming the line
            and the column.
    """
    loader = _Loader(file, {name: fields.get(name, name) for name in FIELDS})
    try:
        if fmt == "parquet":
            rows = _parquet_rows(data, loader)
        else:
            text = data.decode("utf-8-sig")
            rows = _csv_rows(text, loader) if fmt == "csv" else _jsonl_rows(text, loader)
        for row in rows:
            loader.add(row)
            if len(loader.problems) >= _MAX_PROBLEMS:
                break
    except (UnicodeDecodeError, csv.Error, OSError, ValueError) as exc:
        loader.problems.append(Problem(f"cannot read as {fmt}: {exc}", file=file))
    if loader.problems:
        raise ConfigError(loader.problems)
    return loader.responses


class RecordedTarget:
    """Answers each case with its recorded output."""

    cacheable = False

    def __init__(self, config: RecordedConfig, path: Path) -> None:
        self.config = config
        self.path = path
        self._format = _format(config, path)
        self._file_hash = hashlib.sha256(_read_bytes(path)).hexdigest()[:16]
        self._responses: dict[Key, TargetResponse] | None = None

    def __repr__(self) -> str:
        return f"RecordedTarget(path={str(self.path)!r})"

    async def __aenter__(self) -> Self:
        data = _read_bytes(self.path)
        if hashlib.sha256(data).hexdigest()[:16] != self._file_hash:
            raise ConfigError(
                Problem("file changed after the target was set up; run again", file=str(self.path))
            )
        self._responses = load_recorded(data, str(self.path), self._format, self.config.fields)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._responses = None

    def identity(self) -> dict[str, Any]:
        """The kind, a hash of the file's content and the column mapping."""
        return {
            "type": "recorded",
            "file_hash": self._file_hash,
            "fields": dict(self.config.fields),
        }

    def request_payload(self, request: TargetRequest) -> dict[str, Any]:
        """The row looked up: case id and repeat."""
        return {"case_id": request.case_id, "repeat": request.repeat}

    async def call(self, request: TargetRequest) -> TargetResponse:
        """Return the recorded output for the case and repeat."""
        if self._responses is None:
            raise RuntimeError("target is not open; use it as 'async with target:'")
        response = self._responses.get((request.case_id, request.repeat))
        if response is None:
            raise TargetError(
                "missing_output",
                f"{self.path.name} has no output for case '{request.case_id}' "
                f"repeat {request.repeat}",
            )
        return response


@target_kind("recorded", RecordedConfig)
def build_recorded(config: RecordedConfig, base_dir: Path) -> Target:
    """Build a :class:`RecordedTarget`; the file must exist.

    Raises:
        ConfigError: The file cannot be read or its format guessed.
    """
    return RecordedTarget(config, (base_dir / config.path).resolve())

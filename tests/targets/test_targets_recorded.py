from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from aivitals.errors import ConfigError, TargetError
from aivitals.targets import Target, TargetRequest, TargetResponse, build_target

ROWS = [
    {"id": "a", "output": "alpha", "latency_ms": 12.5, "tokens_in": 3, "tokens_out": 1},
    {"id": "b", "output": "beta", "repeat": 0, "cost": 0.01},
    {"id": "b", "output": "beta again", "repeat": 1},
]


def write_jsonl(path: Path, rows: list[Any]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def recorded(path: Path, **options: Any) -> Target:
    return build_target({"type": "recorded", "path": path.name, **options}, path.parent)


def answers(target: Target, requests: list[TargetRequest]) -> list[TargetResponse]:
    async def run() -> list[TargetResponse]:
        async with target:
            return [await target.call(r) for r in requests]

    return asyncio.run(run())


def test_jsonl_outputs_by_case_and_repeat(tmp_path):
    target = recorded(write_jsonl(tmp_path / "out.jsonl", ROWS))

    a, b0, b1 = answers(
        target,
        [TargetRequest("a", "q"), TargetRequest("b", "q"), TargetRequest("b", "q", repeat=1)],
    )

    assert a == TargetResponse(output="alpha", latency_ms=12.5, tokens_in=3, tokens_out=1)
    assert (b0.output, b0.cost, b1.output) == ("beta", 0.01, "beta again")
    assert target.cacheable is False


def test_missing_case_is_a_missing_output_error(tmp_path, call):
    target = recorded(write_jsonl(tmp_path / "out.jsonl", ROWS))
    with pytest.raises(TargetError) as caught:
        call(target, TargetRequest("zzz", "q"))
    assert (caught.value.kind, caught.value.retryable) == ("missing_output", False)
    assert "'zzz'" in str(caught.value)


def test_csv_with_remapped_fields(tmp_path, call):
    path = tmp_path / "export.csv"
    path.write_text(
        'question_id,answer,ms\nq1,"Paris, France",40\nq2,"two\nlines",\n', encoding="utf-8"
    )
    target = recorded(path, fields={"id": "question_id", "output": "answer", "latency_ms": "ms"})

    first, second = answers(target, [TargetRequest("q1", "?"), TargetRequest("q2", "?")])

    assert (first.output, first.latency_ms) == ("Paris, France", 40.0)
    assert (second.output, second.latency_ms) == ("two\nlines", None)


def test_parquet(tmp_path):
    path = tmp_path / "out.parquet"
    pq.write_table(pa.Table.from_pylist([{"id": 7, "output": "seven", "tokens_out": 2}]), path)
    (response,) = answers(recorded(path), [TargetRequest("7", "q")])
    assert (response.output, response.tokens_out) == ("seven", 2)


def test_malformed_line_error_names_file_and_line(tmp_path, call):
    path = tmp_path / "out.jsonl"
    path.write_text('{"id": "a", "output": "x"}\n\n{"id": "b", "output": \n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        call(recorded(path), TargetRequest("a", "q"))
    assert f"{path}:3" in str(caught.value)
    assert "not valid JSON" in str(caught.value)


def test_every_bad_row_is_reported_with_its_field(tmp_path, call):
    path = write_jsonl(
        tmp_path / "out.jsonl",
        [
            {"output": "no id"},
            {"id": "b", "output": None},
            {"id": "c", "output": "x", "tokens_in": "many"},
            {"id": "d", "output": "x", "repeat": 1.5},
            {"id": "e", "output": "x"},
            {"id": "e", "output": "y"},
            ["not", "an", "object"],
        ],
    )
    with pytest.raises(ConfigError) as caught:
        call(recorded(path), TargetRequest("e", "q"))
    text = str(caught.value)
    assert f"{path}:1, field 'id': is missing" in text
    assert f"{path}:2, field 'output': is missing" in text
    assert f"{path}:3, field 'tokens_in': 'many' is not a whole number" in text
    assert f"{path}:4, field 'repeat'" in text
    assert f"{path}:6, field 'id': case 'e' repeat 0 appears twice" in text
    assert f"{path}:7: each line must be a JSON object" in text


def test_csv_without_the_id_column_names_it(tmp_path, call):
    path = tmp_path / "out.csv"
    path.write_text("case,output\na,x\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"out\.csv:1, field 'id': no such column"):
        call(recorded(path), TargetRequest("a", "q"))


def test_identity_is_the_file_content_hash(tmp_path):
    path = write_jsonl(tmp_path / "out.jsonl", ROWS)
    first = recorded(path).identity()
    assert first["type"] == "recorded"
    assert first == recorded(path).identity()
    write_jsonl(path, ROWS[:1])
    assert recorded(path).identity() != first


def test_file_changed_between_build_and_entry_is_an_error(tmp_path, call):
    path = write_jsonl(tmp_path / "out.jsonl", ROWS)
    target = recorded(path)
    write_jsonl(path, ROWS[:1])
    with pytest.raises(ConfigError, match="changed"):
        call(target, TargetRequest("a", "q"))


@pytest.mark.parametrize(
    ("options", "field"),
    [({"fields": {"answer": "x"}}, "target.fields"), ({"format": "xml"}, "target.format")],
)
def test_invalid_options_name_the_field(tmp_path, options, field):
    path = write_jsonl(tmp_path / "out.jsonl", ROWS)
    with pytest.raises(ConfigError, match=field.replace(".", r"\.")):
        recorded(path, **options)


def test_missing_file_and_unknown_suffix(tmp_path):
    with pytest.raises(ConfigError, match="cannot read recorded outputs"):
        recorded(tmp_path / "absent.jsonl")
    (tmp_path / "out.txt").write_text("", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"target\.format"):
        recorded(tmp_path / "out.txt")

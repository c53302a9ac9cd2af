"""File ingest: JSONL, CSV and Parquet, with field mappings, all-or-nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from aivitals.cli import _ingest as _register  # noqa: F401 - registers `vitals ingest`
from aivitals.cli import app
from aivitals.errors import InputError
from aivitals.store import Store
from aivitals.telemetry import ingest_batch, ingest_file


def rows(n: int = 4) -> list[dict[str, Any]]:
    return [
        {
            "request_id": f"req-{i}",
            "session": f"s{i // 2}",
            "prompt": "hello" if i % 2 else [{"role": "user", "content": f"q{i}"}],
            "output": f"a{i}",
            "ts": "2026-01-01T10:00:00Z",
            "latency_ms": 100 + i,
            "tokens_in": 5,
            "plan": "pro" if i % 2 else "free",
            "browser": "firefox",
        }
        for i in range(n)
    ]


MAPPING = {"id": "request_id", "session_id": "session", "input": "prompt", "tags.segment": "plan"}


def write_jsonl(path: Path, items: list[Any]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in items), encoding="utf-8")
    return path


def test_jsonl_with_a_mapping(store: Store, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "prod.jsonl", rows())
    result = ingest_file(store, path, mapping=MAPPING)
    assert (result.rows, result.accepted, result.duplicates) == (4, 4, 0)
    row = store.query("SELECT * FROM records WHERE record_id = 'req-0'")[0]
    assert row["session_id"] == "s0"
    assert json.loads(row["input"]) == [{"role": "user", "content": "q0"}]
    assert row["tags"] == {"segment": "free"}
    assert json.loads(row["attributes"]) == {"browser": "firefox"}
    assert row["latency_ms"] == 100.0
    assert row["source"] == "prod"
    again = ingest_file(store, path, mapping=MAPPING)
    assert (again.accepted, again.duplicates) == (0, 4)
    assert store.one("SELECT count(*) FROM records") == (4,)


def test_a_file_overlapping_the_store_adds_only_new_ids(store: Store, tmp_path: Path) -> None:
    ingest_file(store, write_jsonl(tmp_path / "old.jsonl", rows(4)[:2]), mapping=MAPPING)
    # Two stored ids, two new ones, and one new id twice in the file.
    more = write_jsonl(tmp_path / "more.jsonl", [*rows(4), rows(4)[3]])
    result = ingest_file(store, more, mapping=MAPPING)
    assert (result.rows, result.accepted, result.duplicates) == (5, 2, 3)
    assert store.query("SELECT record_id, count(*) AS n FROM records GROUP BY 1 ORDER BY 1") == [
        {"record_id": f"req-{i}", "n": 1} for i in range(4)
    ]


def test_csv_events(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    path.write_text(
        "event,sid,type,value,ts\n"
        "e1,s1,csat,5,2026-01-01 10:00:00\n"
        "e2,s1,feedback,-1,2026-01-01T10:00:00+01:00\n"
        "e3,s2,escalated,,\n",
        encoding="utf-8",
    )
    result = ingest_file(store, path, kind="events", mapping={"id": "event", "session_id": "sid"})
    assert result.accepted == 3
    got = store.query("SELECT event_id, type, value, ts FROM events ORDER BY event_id")
    assert [(r["type"], r["value"]) for r in got] == [
        ("csat", 5.0),
        ("feedback", -1.0),
        ("escalated", None),
    ]
    assert got[0]["ts"].hour == 10 and got[1]["ts"].hour == 9  # naive is UTC


def test_parquet_with_native_types(store: Store, tmp_path: Path) -> None:
    table = pa.table(
        {
            "id": ["p1", "p2"],
            "input": ["a", "b"],
            "ts": pa.array([1_767_225_600_000_000] * 2, type=pa.timestamp("us", tz="UTC")),
            "tags": pa.array([[("channel", "web")], []], type=pa.map_(pa.string(), pa.string())),
            "context": pa.array([["d1", "d2"], None], type=pa.list_(pa.string())),
            "tokens_out": pa.array([3, None], type=pa.int64()),
        }
    )
    pq.write_table(table, tmp_path / "t.parquet")
    assert ingest_file(store, tmp_path / "t.parquet").accepted == 2
    got = store.query("SELECT record_id, tags, context, tokens_out FROM records ORDER BY 1")
    assert got[0]["tags"] == {"channel": "web"}
    assert json.loads(got[0]["context"]) == ["d1", "d2"]
    assert json.loads(got[1]["context"]) == []
    assert got[1]["tokens_out"] is None


def test_a_bad_row_fails_the_file_and_names_line_and_field(store: Store, tmp_path: Path) -> None:
    items = rows(6)
    items[2]["latency_ms"] = "slow"
    items[4]["ts"] = "2999-01-01T00:00:00Z"
    path = tmp_path / "prod.jsonl"
    text = "".join(json.dumps(r) + "\n" for r in items[:2]) + "\n"  # a blank line
    path.write_text(text + "".join(json.dumps(r) + "\n" for r in items[2:]), encoding="utf-8")
    with pytest.raises(InputError) as info:
        ingest_file(store, path, mapping=MAPPING)
    problems = info.value.problems
    assert [(p.line, p.field) for p in problems] == [(4, "latency_ms"), (6, "ts")]
    assert "not a number" in problems[0].message and "future" in problems[1].message
    assert store.one("SELECT count(*) FROM records") == (0,)


def test_a_bad_row_among_duplicates_keeps_the_store_as_it_was(store: Store, tmp_path: Path) -> None:
    # The checks run inside the insert: whether the unique index or a check
    # stops it first, the file is refused whole and the stored rows stay.
    path = write_jsonl(tmp_path / "first.jsonl", rows(4))
    assert ingest_file(store, path, mapping=MAPPING).accepted == 4
    items = rows(8)
    items[6]["latency_ms"] = -1
    again = write_jsonl(tmp_path / "again.jsonl", items)
    with pytest.raises(InputError) as info:
        ingest_file(store, again, mapping=MAPPING)
    assert [(p.line, p.field) for p in info.value.problems] == [(7, "latency_ms")]
    assert store.one("SELECT count(*) FROM records") == (4,)


def test_bad_events_name_the_row(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    path.write_text(
        "id,session_id,type,value\ne1,s,csat,7\ne2,s,tip,\ne3,s,nps,abc\n,s,retry,\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as info:
        ingest_file(store, path, kind="events")
    found = [(p.line, p.field) for p in info.value.problems]
    assert found == [(2, "value"), (3, "type"), (4, "value"), (4, "value"), (5, "id")]
    assert "csat value must be a whole number from 1 to 5" in str(info.value)
    assert "unknown event type 'tip'" in str(info.value)
    assert store.one("SELECT count(*) FROM events") == (0,)


def test_malformed_json_names_the_line(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "a", "input": "q"}\n{"id": oops}\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"bad.jsonl:2: invalid JSON"):
        ingest_file(store, path)


def test_invalid_utf8_is_a_clear_error(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(b"id,input\na,ok\nb,caf\xe9\n")
    with pytest.raises(InputError, match=r"latin1.csv:3: not valid UTF-8"):
        ingest_file(store, path)


def test_mapping_problems(store: Store, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "p.jsonl", rows())
    with pytest.raises(InputError, match="no column for required field 'id'"):
        ingest_file(store, path)
    with pytest.raises(InputError, match="no column 'nope'"):
        ingest_file(store, path, mapping={**MAPPING, "output": "nope"})
    with pytest.raises(InputError, match="unknown field"):
        ingest_file(store, path, mapping={**MAPPING, "colour": "plan"})


def test_cli_ingest(vitals: Callable[..., Any], tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "prod.jsonl", rows())
    args = ["ingest", str(path), "--map", "id=request_id", "--map", "input=prompt", "--json"]
    first = vitals(*args)
    assert first.exit_code == 0, first.output
    assert json.loads(first.output)["accepted"] == 4
    second = vitals(*args)
    assert json.loads(second.output)["duplicates"] == 4
    bad = vitals("ingest", str(path), "--map", "idrequest_id")
    assert bad.exit_code == 2 and "FIELD=COLUMN" in bad.output
    missing = vitals("ingest", str(path))
    assert missing.exit_code == 2 and "required field 'id'" in missing.output


@pytest.fixture
def vitals(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Any]:
    from typer.testing import CliRunner

    monkeypatch.setenv("VITALS_STORE", str(tmp_path / "store.duckdb"))
    runner = CliRunner()
    return lambda *args: runner.invoke(app, list(args), catch_exceptions=False)


def test_an_empty_file_stores_nothing(store: Store, tmp_path: Path) -> None:
    (tmp_path / "empty.jsonl").write_text("\n", encoding="utf-8")
    assert ingest_file(store, tmp_path / "empty.jsonl").rows == 0


@pytest.mark.parametrize(
    "item_id",
    [
        "req-7",  # short: kept as bytes
        "0190abcdef127abc8123456789abcdef",  # the SDK's UUIDv7: its own bits
        "0123456789abcdef0123456789abcdef0123456789abcdef",  # OTLP-like: hashed
    ],
)
def test_an_id_sent_by_http_then_in_a_file_is_a_duplicate(
    store: Store, tmp_path: Path, item_id: str
) -> None:
    # Batches key ids in Python, files in SQL: both must give one key.
    first = ingest_batch(store, [{"kind": "interaction", "id": item_id, "input": "hi"}])
    assert first.statuses == ["accepted"]
    path = write_jsonl(tmp_path / "again.jsonl", [{"id": item_id, "input": "hi"}])
    again = ingest_file(store, path)
    assert (again.accepted, again.duplicates) == (0, 1)
    back = ingest_batch(store, [{"kind": "interaction", "id": item_id, "input": "hi"}])
    assert back.statuses == ["duplicate"]
    assert store.one("SELECT count(*) FROM records") == (1,)

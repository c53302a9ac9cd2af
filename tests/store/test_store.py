import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from aivitals.errors import StoreBusyError, StoreError
from aivitals.model import Case, Dataset
from aivitals.store import (
    Store,
    get_dataset,
    insert_sql,
    list_datasets,
    resolve_store_path,
    save_dataset,
)
from aivitals.store._schema import ID_KEY_SQL, MIGRATIONS

TABLES = {
    "datasets",
    "cases",
    "runs",
    "records",
    "scores",
    "call_cache",
    "events",
    "labels",
    "alerts",
}


def test_new_store_has_every_table_at_the_newest_version(store: Store) -> None:
    names = {
        r["table_name"] for r in store.query("SELECT table_name FROM information_schema.tables")
    }
    assert names >= TABLES
    assert store.schema_version == MIGRATIONS[-1][0]


def test_reopening_does_not_migrate_again(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    Store(path).close()
    with Store(path) as store:
        assert store.one("SELECT count(*) FROM schema_migrations") == (len(MIGRATIONS),)


def test_a_store_newer_than_the_code_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    with Store(path) as store:
        store.con.execute("INSERT INTO schema_migrations VALUES (999, ?)", [datetime.now(UTC)])
    with pytest.raises(StoreError, match="newer"):
        Store(path)


def test_second_process_gets_a_clear_busy_error(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    Store(path).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import sys, time
                from aivitals.store import Store
                s = Store({str(path)!r})
                print("ready", flush=True)
                sys.stdin.readline()
                """
            ),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(StoreBusyError, match="held by another process"):
            Store(path)
    finally:
        holder.communicate("\n", timeout=30)


def test_transaction_rolls_back_on_error(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction():
        store.con.execute("INSERT INTO alerts VALUES ('a', 'r', 'firing', now(), NULL, NULL)")
        raise RuntimeError("boom")
    assert store.one("SELECT count(*) FROM alerts") == (0,)


def test_datasets_round_trip_and_versions_are_stored_once(store: Store) -> None:
    cases = [
        Case("1", "hi", ("hello",), ("ctx",), {"intent": "greet"}, {"x": 1}),
        Case("2", [{"role": "user", "content": "bye"}], (), (), {}, {}),
    ]
    dataset = Dataset.from_cases("greetings", cases, source="g.jsonl")
    assert save_dataset(store, dataset) is True
    assert save_dataset(store, dataset) is False
    loaded = get_dataset(store, "greetings")
    assert loaded == dataset
    assert get_dataset(store, f"greetings@{dataset.version[:6]}").version == dataset.version
    assert [r["version"] for r in list_datasets(store)] == [dataset.version]
    with pytest.raises(StoreError, match="no dataset"):
        get_dataset(store, "nope")


def test_store_path_resolution(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("VITALS_STORE", raising=False)
    assert resolve_store_path(None) == Path(".vitals/vitals.duckdb")
    monkeypatch.setenv("VITALS_STORE", str(tmp_path / "env.duckdb"))
    assert resolve_store_path(None) == tmp_path / "env.duckdb"
    assert resolve_store_path(tmp_path / "x.duckdb") == tmp_path / "x.duckdb"


def test_a_version_4_store_gets_keys_and_stays_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "v4.duckdb"
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ)"
    )
    for version, sql in MIGRATIONS[:4]:
        con.execute(sql)
        con.execute("INSERT INTO schema_migrations VALUES (?, now())", [version])
    con.execute(
        "INSERT INTO records (record_id, source, session_id, tags, latency_ms) VALUES "
        "('a', 'prod', 's1', MAP {'segment': 'pro'}, 12.5), ('b', 'prod', 's1', MAP {}, 3.0)"
    )
    con.execute(
        "INSERT INTO events (event_id, session_id, ts, type, value, source) "
        "VALUES ('e1', 's1', TIMESTAMPTZ '2026-01-05 10:00:00+00', 'csat', 4, 'prod')"
    )
    con.close()
    with Store(path) as store:
        assert store.schema_version == 5
        rows = store.query(
            "SELECT record_id, tags, latency_ms, "
            f"record_key = {ID_KEY_SQL.format(id='record_id')} AS keyed "
            "FROM records ORDER BY record_id"
        )
        assert rows == [
            {"record_id": "a", "tags": {"segment": "pro"}, "latency_ms": 12.5, "keyed": True},
            {"record_id": "b", "tags": {}, "latency_ms": 3.0, "keyed": True},
        ]
        store.con.register("again", pa.table({"record_id": ["b", "c"], "source": ["prod"] * 2}))
        sql = insert_sql("records", [("record_id", "record_id"), ("source", "source")], "again")
        all_new, results = store.insert_new([(sql, "ON CONFLICT DO NOTHING RETURNING record_id")])
        assert all_new is False
        assert results == [[("c",)]]
        assert store.one("SELECT count(*) FROM records") == (3,)
        assert store.one(
            f"SELECT event_id, type, value, event_key = {ID_KEY_SQL.format(id='event_id')} "
            "FROM events"
        ) == ("e1", "csat", 4.0, True)
        with pytest.raises(duckdb.ConstraintException, match="event_key"):
            store.con.execute(
                "INSERT INTO events (event_id, ts, type, event_key) "
                f"VALUES ('e1', now(), 'retry', {ID_KEY_SQL.format(id=repr('e1'))})"
            )


@pytest.mark.parametrize(
    ("sql", "key"),
    [
        ("INSERT INTO records (record_id, source) VALUES ('x', 'prod')", "record_key"),
        ("INSERT INTO events (event_id, ts, type) VALUES ('x', now(), 'retry')", "event_key"),
    ],
)
def test_an_insert_without_the_derived_key_is_refused(store: Store, sql: str, key: str) -> None:
    # A row without its key would escape the unique index, and with it
    # idempotent ingest; it must fail instead.
    with pytest.raises(duckdb.ConstraintException, match=key):
        store.con.execute(sql)

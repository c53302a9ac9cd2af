"""Versioned schema migrations for the DuckDB store.

Each migration is applied once, in order, inside a transaction, and recorded
in ``schema_migrations``. Never edit a released migration: add a new one.
Tables follow DESIGN.md's data model; events, labels and alerts are created
now so later features add columns by migration rather than new stores.
"""

from __future__ import annotations

__all__ = ["ID_KEY_SQL", "MIGRATIONS"]

_V1 = """
CREATE TABLE datasets (
    name VARCHAR NOT NULL,
    version VARCHAR NOT NULL,
    source VARCHAR,
    n_cases INTEGER NOT NULL,
    mapping JSON,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (name, version)
);
CREATE TABLE cases (
    dataset_name VARCHAR NOT NULL,
    dataset_version VARCHAR NOT NULL,
    position INTEGER NOT NULL,
    case_id VARCHAR NOT NULL,
    input JSON NOT NULL,
    expected JSON,
    context JSON,
    tags MAP(VARCHAR, VARCHAR),
    metadata JSON
);
CREATE TABLE runs (
    run_id VARCHAR PRIMARY KEY,
    name VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    started_at TIMESTAMPTZ NOT NULL,
    ended_at TIMESTAMPTZ,
    target_id VARCHAR,
    datasets JSON,
    manifest JSON NOT NULL,
    summary JSON,
    n_records INTEGER,
    n_errors INTEGER,
    n_cache_hits INTEGER
);
CREATE TABLE records (
    record_id VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    run_id VARCHAR,
    case_id VARCHAR,
    dataset VARCHAR,
    repeat INTEGER,
    session_id VARCHAR,
    turn INTEGER,
    ts TIMESTAMPTZ,
    system_version VARCHAR,
    input JSON,
    output VARCHAR,
    expected JSON,
    context JSON,
    tags MAP(VARCHAR, VARCHAR),
    latency_ms DOUBLE,
    tokens_in BIGINT,
    tokens_out BIGINT,
    cost DOUBLE,
    error VARCHAR,
    error_kind VARCHAR,
    cached BOOLEAN
);
CREATE TABLE scores (
    record_id VARCHAR NOT NULL,
    run_id VARCHAR,
    scorer VARCHAR NOT NULL,
    scorer_version VARCHAR NOT NULL,
    spec_hash VARCHAR NOT NULL,
    value DOUBLE,
    passed BOOLEAN,
    label VARCHAR,
    explanation VARCHAR
);
CREATE TABLE call_cache (
    key VARCHAR PRIMARY KEY,
    target_id VARCHAR NOT NULL,
    response JSON NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE events (
    event_id VARCHAR PRIMARY KEY,
    session_id VARCHAR,
    record_id VARCHAR,
    ts TIMESTAMPTZ NOT NULL,
    type VARCHAR NOT NULL,
    value DOUBLE,
    attrs JSON
);
CREATE TABLE labels (
    label_id VARCHAR PRIMARY KEY,
    record_id VARCHAR NOT NULL,
    rubric VARCHAR NOT NULL,
    rater VARCHAR NOT NULL,
    value DOUBLE,
    label VARCHAR,
    comment VARCHAR,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE alerts (
    alert_id VARCHAR PRIMARY KEY,
    rule VARCHAR NOT NULL,
    state VARCHAR NOT NULL,
    fired_at TIMESTAMPTZ NOT NULL,
    resolved_at TIMESTAMPTZ,
    evidence JSON
);
"""

# Production telemetry: who and which trace an interaction belongs to, the
# raw attributes it arrived with, and unique ids so repeated ingest of the
# same interaction or event is a no-op (ON CONFLICT DO NOTHING).
_V2 = """
ALTER TABLE records ADD COLUMN user_id VARCHAR;
ALTER TABLE records ADD COLUMN trace_id VARCHAR;
ALTER TABLE records ADD COLUMN span_id VARCHAR;
ALTER TABLE records ADD COLUMN attributes JSON;
CREATE UNIQUE INDEX records_record_id ON records (record_id);
ALTER TABLE events ADD COLUMN source VARCHAR;
CREATE INDEX records_source_ts ON records (source, ts);
CREATE INDEX events_session ON events (session_id);
"""

# DuckDB answers range filters on ts from zone maps, not from an ART index,
# and never used these two for the metric queries; each made every insert
# of a million interactions about 0.8 s slower. Only the unique index that
# makes ingest idempotent stays.
_V3 = """
DROP INDEX records_source_ts;
DROP INDEX events_session;
"""

# OTLP exporters send spans and log records on separate schedules, so an
# evaluation result can arrive before the span it scores. It waits here,
# acknowledged, and moves to `scores` when the span is stored.
_V4 = """
CREATE TABLE parked_scores (
    record_id VARCHAR NOT NULL,
    run_id VARCHAR,
    scorer VARCHAR NOT NULL,
    scorer_version VARCHAR NOT NULL,
    spec_hash VARCHAR NOT NULL,
    value DOUBLE,
    passed BOOLEAN,
    label VARCHAR,
    explanation VARCHAR,
    parked_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
"""

# The unique key of an id, a 128-bit integer; {id} is the id column. A
# VARCHAR index takes long or random ids (UUIDs, OTLP's 48-digit trace+span
# ids) at up to twice the cost of a fixed-width key, and a hash of every id
# would scatter the ids that arrive in order (the SDK's UUIDv7s, numbered
# ids), which cost the index least, over the whole tree. So an id keeps its
# order where it can (docs/design/store-keys.md). The top two bits say how:
#   00  the SDK's UUIDv7s (32 lower-case hex digits, '7' the 13th, the first
#       at most '3', i.e. before the year 4199): their own 128 bits;
#   01  other ids of at most 15 bytes: their bytes, zero-padded, then the
#       length in the low 4 bits;
#   10  any other id: the top 126 bits of its MD5 (two ids share a key with
#       probability about n^2 / 2^127).
# Each way is one-to-one and the ways never meet, so distinct ids get
# distinct keys but for MD5 collisions. Keys are stored: changing this
# needs a migration that recomputes them. (DuckDB reads '_' as a hex digit
# separator, hence the exact pattern.)
ID_KEY_SQL = """CASE
    WHEN length({id}) = 32 AND regexp_full_match({id}, '[0-3][0-9a-f]{{11}}7[0-9a-f]{{19}}')
        THEN ('0x' || {id})::UHUGEINT
    WHEN strlen({id}) <= 15
        THEN (1::UHUGEINT << 126) | (('0x' || rpad(hex({id}), 30, '0'))::UHUGEINT << 4)
            | strlen({id})::UHUGEINT
    ELSE (2::UHUGEINT << 126) | (md5_number({id}) >> 2)
END"""


def _keyed(table: str, id_column: str, key: str, not_null: tuple[str, ...]) -> str:
    """SQL that rebuilds ``table`` with ``key`` (ID_KEY_SQL of ``id_column``) unique."""
    return "\n".join(
        [
            f"CREATE TABLE {table}_v5 AS",
            f"    SELECT *, {ID_KEY_SQL.format(id=id_column)} AS {key} FROM {table};",
            f"DROP TABLE {table};",
            f"ALTER TABLE {table}_v5 RENAME TO {table};",
            *(f"ALTER TABLE {table} ALTER COLUMN {c} SET NOT NULL;" for c in (*not_null, key)),
            f"CREATE UNIQUE INDEX {table}_{key} ON {table} ({key});",
        ]
    )


# Idempotent ingest keys records and events on ID_KEY_SQL of their ids.
# DuckDB refuses an index on a column with pending updates in the same
# transaction, so the tables are rebuilt rather than updated in place, and
# the rebuild restores the NOT NULL constraints. Every insert names the key
# (aivitals.store.insert_select_sql, insert_arrow_sql); NOT NULL makes one
# that does not fail loudly rather than lose idempotency.
_V5 = "\n".join(
    [
        "DROP INDEX records_record_id;",
        _keyed("records", "record_id", "record_key", ("record_id", "source")),
        _keyed("events", "event_id", "event_key", ("event_id", "ts", "type")),
    ]
)

#: (version, SQL) pairs, applied in order.
MIGRATIONS: tuple[tuple[int, str], ...] = (
    (1, _V1),
    (2, _V2),
    (3, _V3),
    (4, _V4),
    (5, _V5),
)

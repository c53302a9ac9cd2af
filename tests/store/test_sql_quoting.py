"""The store's SQL quoting: any text survives as a literal and as a column name."""

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from aivitals.store import sql_name, sql_string

# DuckDB strings hold any Unicode text but NUL and lone surrogates.
TEXT = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=30)


@settings(max_examples=200, deadline=None)
@given(value=TEXT, name=TEXT.filter(bool))
def test_any_text_round_trips_as_literal_and_name(value: str, name: str) -> None:
    con = duckdb.connect()
    cursor = con.execute(f"SELECT {sql_string(value)} AS {sql_name(name)}")
    assert cursor.fetchall() == [(value,)]
    assert [d[0] for d in cursor.description or []] == [name]


def test_quotes_cannot_end_the_literal() -> None:
    con = duckdb.connect()
    hostile = "x' UNION SELECT 'pwned"
    assert con.execute(f"SELECT {sql_string(hostile)}").fetchall() == [(hostile,)]
    assert sql_name('a"b') == '"a""b"'

"""The store: one DuckDB file with versioned migrations and bulk Arrow writes."""

from aivitals.store._cache import CacheEntry, lookup_cached, save_cached
from aivitals.store._datasets import get_dataset, list_datasets, save_dataset
from aivitals.store._db import (
    DEFAULT_STORE,
    Store,
    insert_arrow_sql,
    insert_select_sql,
    insert_sql,
    resolve_store_path,
    sql_name,
    sql_string,
    with_key,
)
from aivitals.store._runs import (
    EXPORT_FORMATS,
    export_run,
    get_run,
    list_runs,
    resolve_run_id,
    save_run,
    update_run_summary,
)
from aivitals.store._tables import ScoreColumns

__all__ = [
    "DEFAULT_STORE",
    "EXPORT_FORMATS",
    "CacheEntry",
    "ScoreColumns",
    "Store",
    "export_run",
    "get_dataset",
    "get_run",
    "insert_arrow_sql",
    "insert_select_sql",
    "insert_sql",
    "list_datasets",
    "list_runs",
    "lookup_cached",
    "resolve_run_id",
    "resolve_store_path",
    "save_cached",
    "save_dataset",
    "save_run",
    "sql_name",
    "sql_string",
    "update_run_summary",
    "with_key",
]

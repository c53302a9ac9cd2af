"""Pull what the bootstrap needs from the store: per-bucket sums and quantile values.

Every component is a ratio of sums (proportions k/n, means s/n, ratios
sx/sy) or a quantile. So one query per grain returns, for each window ×
slice × session bucket, the sums of numerator and denominator of every
component of that grain; quantile components return their values with
their bucket, unsorted. Sessions are hashed to buckets with DuckDB's ``hash`` of the
session id (of the record id for records without a session), so a session
lands in the same bucket in every grain and window and is resampled as one.

The grains are the metrics package's own SQL, so a component's point
estimate is exactly ``compute_metrics``' value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from aivitals.metrics import DUCKDB, MetricDefinition, MetricsConfig, get_metric

# The grain CTEs are the single definition of what a unit is; the metrics
# package keeps them private because only metric compilers should use them.
from aivitals.metrics._sql import _dim_expr, _grain, _time_filter
from aivitals.store import Store

__all__ = ["GroupKey", "Pulled", "pull"]

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]

#: A window start in epoch seconds (0 without windows) and the slice values.
GroupKey = tuple[int, tuple[str | None, ...]]

_KEYS = {
    "records": "COALESCE(session_id, record_id)",
    "sessions": "session_id",
    "scores": "_sid",
}


@dataclass(frozen=True)
class Pulled:
    """Sufficient statistics per group (window × slice) and bucket.

    Attributes:
        groups: The group keys, index-aligned with the first axis below.
        metrics: Ratio-of-sums metrics, aligned with the last axis.
        n: Observations, shape (groups, buckets, metrics).
        num: Sums of numerators, same shape.
        den: Sums of denominators, same shape.
        sessions: Sessions started (first interaction) per group and bucket.
        values: Per quantile metric and group index: (bucket, value) arrays,
            in no particular order.
    """

    groups: list[GroupKey]
    metrics: tuple[str, ...]
    n: Floats
    num: Floats
    den: Floats
    sessions: Floats
    values: dict[str, dict[int, tuple[Ints, Floats]]]


def _stats(d: MetricDefinition, j: int) -> str:
    where, value = d.where or "TRUE", d.value
    if d.kind == "proportion":
        n = f"count_if(({where}) AND ({value}) IS NOT NULL)"
        return f"{n} AS n{j}, count_if(({where}) AND ({value})) AS x{j}, {n} AS y{j}"
    if d.kind == "mean":
        v = f"(CASE WHEN {where} THEN CAST({value} AS DOUBLE) END)"
        return f"count({v}) AS n{j}, sum({v}) AS x{j}, count({v}) AS y{j}"
    ok = f"({where}) AND ({value}) IS NOT NULL AND ({d.denominator}) IS NOT NULL"
    x = f"(CASE WHEN {ok} THEN CAST({value} AS DOUBLE) END)"
    y = f"(CASE WHEN {ok} THEN CAST({d.denominator} AS DOUBLE) END)"
    return f"count({x}) AS n{j}, sum({x}) AS x{j}, sum({y}) AS y{j}"


def _units(
    source: str,
    dims: Sequence[str],
    since: datetime | None,
    until: datetime | None,
    config: MetricsConfig,
) -> str:
    """CTEs ending in ``keyed``: the grain's units with their session ``_sid``."""
    if source == "scores":
        time = _time_filter("r.ts", since, until, DUCKDB)
        cols = "".join(f", {_dim_expr(dim, 'r', DUCKDB)} AS _d{i}" for i, dim in enumerate(dims))
        return f"""keyed AS (
    SELECT r.ts AS _ts{cols}, COALESCE(r.session_id, r.record_id) AS _sid,
        sc.scorer, sc.value, sc.passed
    FROM scores sc JOIN records r ON r.record_id = sc.record_id
    WHERE r.source = 'prod' AND r.ts IS NOT NULL{time}
)"""
    probe = MetricDefinition("_", "mean", "", "", "neutral", source, "1")  # type: ignore[arg-type]
    grain = _grain(probe, dims, since=since, until=until, config=config, d=DUCKDB)
    if source == "events":
        # Events carry their session in the table, not in the grain's columns.
        keyed = "SELECT u.*, e2.session_id AS _sid FROM units u JOIN events e2 USING (event_id)"
    else:
        keyed = f"SELECT *, {_KEYS[source]} AS _sid FROM units"
    return f"{grain},\nkeyed AS ({keyed})"


def _head(dims: Sequence[str], seconds: int | None, buckets: int) -> str:
    window = (
        "0" if seconds is None else f"CAST(floor(epoch(_ts) / {seconds}) * {seconds} AS BIGINT)"
    )
    cols = "".join(f", CAST(_d{i} AS VARCHAR) AS d{i}" for i in range(len(dims)))
    return f"{window} AS w{cols}, CAST(hash(_sid) % {buckets} AS BIGINT) AS b"


def _group_codes(table: pa.Table, ndims: int, index: dict[GroupKey, int]) -> Ints:
    """Each row's group index, adding new groups to ``index`` (few distinct keys)."""
    if table.num_rows == 0:
        return np.zeros(0, dtype=np.int64)
    parts = [pc.cast(table["w"], pa.string())]
    parts += [pc.fill_null(table[f"d{i}"], "\x00") for i in range(ndims)]
    key = pc.binary_join_element_wise(*parts, "\x1f") if ndims else parts[0]
    encoded = pc.dictionary_encode(key).combine_chunks()
    local = np.asarray(encoded.indices.to_numpy(), dtype=np.int64)
    _, first = np.unique(local, return_index=True)
    w = table["w"].to_numpy()
    dims = [table[f"d{i}"].to_pylist() for i in range(ndims)] if ndims else []
    mapping = np.empty(len(encoded.dictionary), dtype=np.int64)
    for code, row in enumerate(first.tolist()):
        group = (int(w[row]), tuple(d[row] for d in dims))
        mapping[code] = index.setdefault(group, len(index))
    return mapping[local]


def _column(table: pa.Table, name: str) -> Floats:
    return np.asarray(pc.fill_null(table[name], 0).to_numpy(), dtype=np.float64)


def pull(
    store: Store,
    names: Sequence[str],
    *,
    seconds: int | None,
    dims: Sequence[str],
    since: datetime | None,
    until: datetime | None,
    config: MetricsConfig,
    buckets: int,
) -> Pulled:
    """One query per grain (and per quantile metric) for ``names``."""
    definitions = [get_metric(n) for n in names]
    sums = [d for d in definitions if d.kind != "quantile"]
    quantiles = [d for d in definitions if d.kind == "quantile"]
    index: dict[GroupKey, int] = {}
    head = _head(dims, seconds, buckets)
    per_grain: list[tuple[Ints, Ints, pa.Table, list[int], bool]] = []
    sources = {d.source for d in sums} | {"sessions"}
    for source in sorted(sources):
        members = [j for j, d in enumerate(sums) if d.source == source]
        stats = "".join(f", {_stats(sums[j], j)}" for j in members)
        extra = ", count(*) AS sessions" if source == "sessions" else ""
        sql = (
            f"WITH {_units(source, dims, since, until, config)}\n"
            f"SELECT {head}{stats}{extra} FROM keyed GROUP BY ALL"
        )
        table = store.con.sql(sql).to_arrow_table().combine_chunks()
        codes = _group_codes(table, len(dims), index)
        b = np.asarray(table["b"].to_numpy(), dtype=np.int64)
        per_grain.append((codes, b, table, members, source == "sessions"))
    values: dict[str, dict[int, tuple[Ints, Floats]]] = {}
    for d in quantiles:
        # One row per group with its values, unsorted: the estimate only needs a
        # band of ranks around n·q, which it selects in O(n) (sorting all was ~4x slower).
        cols = ", ".join(["w", *(f"d{i}" for i in range(len(dims)))])
        sql = (
            f"WITH {_units(d.source, dims, since, until, config)},\n"
            f"vals AS (SELECT {head}, CAST({d.value} AS DOUBLE) AS v FROM keyed "
            f"WHERE ({d.where or 'TRUE'}) AND ({d.value}) IS NOT NULL)\n"
            f"SELECT {cols}, list({{'v': v, 'b': b}}) AS vb FROM vals GROUP BY ALL"
        )
        table = store.con.sql(sql).to_arrow_table()
        codes = _group_codes(table, len(dims), index)
        if table.num_rows == 0:
            values[d.name] = {}
            continue
        lists = table["vb"].combine_chunks()
        ends = np.cumsum(np.asarray(pc.list_value_length(lists).to_numpy(), dtype=np.int64))
        flat = pc.list_flatten(lists)
        buckets_of = np.split(np.asarray(flat.field("b").to_numpy(), dtype=np.int64), ends[:-1])
        values_of = np.split(np.asarray(flat.field("v").to_numpy(), dtype=np.float64), ends[:-1])
        values[d.name] = dict(
            zip(codes.tolist(), zip(buckets_of, values_of, strict=True), strict=True)
        )
    shape = (len(index), buckets, len(sums))
    n, num, den = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    sessions = np.zeros(shape[:2])
    for codes, b, table, members, has_sessions in per_grain:
        for j in members:
            # GROUP BY makes (group, bucket) unique within a grain's table.
            n[codes, b, j] = _column(table, f"n{j}")
            num[codes, b, j] = _column(table, f"x{j}")
            den[codes, b, j] = _column(table, f"y{j}")
        if has_sessions:
            sessions[codes, b] = _column(table, "sessions")
    return Pulled(
        groups=list(index),
        metrics=tuple(d.name for d in sums),
        n=n,
        num=num,
        den=den,
        sessions=sessions,
        values=values,
    )

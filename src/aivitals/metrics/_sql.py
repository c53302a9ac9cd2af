"""Compile a metric definition to one SQL query of sufficient statistics.

The query returns one row per window × slice with exactly what the interval
needs: n and successes (proportion); n, sum, sum of squares (mean); n and the
sums and cross-products of numerator and denominator (ratio); or, for a
quantile, n and a band of sorted values around rank n·q, wide enough to hold
the exact binomial rank bounds and the interpolation points (O(√n) values
per group, never the whole column).

Everything engine-specific goes through :class:`Dialect`: time bucketing,
literals, regular expressions, value lists, top-k aggregates and list
sorting. Definitions and the grain queries use portable SQL (CASE, COALESCE,
``min_by``, map subscripts), so a Spark dialect only overrides the dialect's
methods.

Grains (one row per unit, columns usable in definitions):

* ``records``: production interactions. ``record_id, session_id, turn,
  latency_ms, tokens_in, tokens_out, tokens, cost, is_error, is_fallback``.
* ``sessions``: one row per session, windowed and sliced by its first
  interaction. ``session_id, n_turns, tokens, cost, n_errors, escalated,
  first_escalation_turn, completed_event, negative_feedback, retries,
  corrections, abandoned, completed``.
* ``events``: session events joined to their session (window and slice of
  the session's first interaction). ``event_id, record_id, type, value``.
* ``scores``: scores on production records. ``scorer, value, passed``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from aivitals.metrics._config import MetricsConfig
from aivitals.metrics._definitions import MetricDefinition

__all__ = ["DUCKDB", "CompiledQuery", "Dialect", "compile_metric", "parse_window"]

#: ``--by`` names that are record columns; any other name is a tag key.
DIM_COLUMNS = {"model_version": "system_version", "system_version": "system_version"}

#: Band half-width in standard deviations of the binomial rank (plus slack):
#: far beyond the 1.96 the exact 95 % (or 99.9 %) bounds need.
_BAND_SD = 4.5
_BAND_SLACK = 3

#: A quantile's band comes from a top-k (bottom-k) aggregate of this many
#: values when they hold it (small groups; high quantiles); otherwise from
#: sorting the group's whole list, which costs a sort per group.
_EXTREME_K = 64

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_time(text: str | None, now: datetime | None = None) -> datetime | None:
    """A range bound: an ISO 8601 time (UTC without a zone) or a duration ago.

    Args:
        text: ``2026-03-02T10:00``, ``2026-03-02T10:00+01:00``, or ``30m``,
            ``24h``, ``7d``, ``2w`` before ``now``; empty or ``None``: no bound.
        now: What durations count back from (default: the current time).

    Raises:
        ValueError: ``text`` is neither.
    """
    if text is None or not text.strip():
        return None
    match = re.fullmatch(r"(\d+)([mhdw])", text.strip())
    if match:
        ago = int(match.group(1)) * _UNITS[match.group(2)]
        return (now or datetime.now(UTC)) - timedelta(seconds=ago)
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            f"'{text}' is neither an ISO time (2026-03-02T10:00) nor a duration ago like 24h"
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def parse_window(window: str | None) -> int | None:
    """Seconds in ``window`` (``30s``, ``5m``, ``1h``, ``1d``, ``1w``); ``all``/None: no windows.

    Raises:
        ValueError: Not of that form, naming the argument.
    """
    if window is None or window == "all":
        return None
    match = re.fullmatch(r"\s*(\d+)\s*([smhdw])\s*", window)
    if not match or int(match.group(1)) == 0:
        raise ValueError(f"window must look like 5m, 1h or 1d (or 'all'), got '{window}'")
    return int(match.group(1)) * _UNITS[match.group(2)]


class Dialect:
    """DuckDB SQL for the engine-specific pieces; subclass for another engine."""

    name = "duckdb"

    def string(self, text: str) -> str:
        """A string literal (standard SQL: no backslash escapes)."""
        return "'" + text.replace("'", "''") + "'"

    def timestamp(self, value: datetime) -> str:
        """A UTC timestamp literal."""
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        text = value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        return f"TIMESTAMPTZ '{text}+00'"

    def null_timestamp(self) -> str:
        """A typed NULL timestamp (the window of un-windowed results)."""
        return "CAST(NULL AS TIMESTAMPTZ)"

    def bucket(self, ts: str, seconds: int) -> str:
        """Start of the ``seconds``-long window holding ``ts``, aligned to the epoch."""
        return f"to_timestamp(floor(epoch({ts}) / {seconds}) * {seconds})"

    def regex_match(self, text: str, pattern: str) -> str:
        """Whether ``pattern`` occurs in ``text``."""
        return f"regexp_matches({text}, {self.string(pattern)})"

    def value_list(self, value: str) -> str:
        """Aggregate: the non-null values of ``value``, in no particular order."""
        return f"list({value}) FILTER (WHERE {value} IS NOT NULL)"

    def sort_list(self, values: str) -> str:
        """A list sorted ascending."""
        return f"list_sort({values})"

    def extreme_values(self, value: str, k: int, *, largest: bool) -> str:
        """Aggregate: the ``k`` largest (or smallest) non-null values of ``value``, ascending."""
        return f"list_reverse(max({value}, {k}))" if largest else f"min({value}, {k})"

    def list_slice(self, values: str, start0: str, length: str) -> str:
        """``length`` elements of a list from 0-based ``start0``."""
        return f"list_slice({values}, {start0} + 1, {start0} + {length})"


DUCKDB = Dialect()


@dataclass(frozen=True)
class CompiledQuery:
    """SQL returning ``window_start, d0..dk`` and the kind's statistics."""

    sql: str
    dims: tuple[str, ...]
    stats: tuple[str, ...]


def _dim_expr(dim: str, alias: str, dialect: Dialect) -> str:
    column = DIM_COLUMNS.get(dim)
    return f"{alias}.{column}" if column else f"{alias}.tags[{dialect.string(dim)}]"


def _time_filter(ts: str, since: datetime | None, until: datetime | None, dialect: Dialect) -> str:
    parts = []
    if since is not None:
        parts.append(f"{ts} >= {dialect.timestamp(since)}")
    if until is not None:
        parts.append(f"{ts} < {dialect.timestamp(until)}")
    return "".join(f" AND {p}" for p in parts)


def _records_grain(dims: Sequence[str], time: str, config: MetricsConfig, d: Dialect) -> str:
    dim_cols = "".join(f", {_dim_expr(dim, 'r', d)} AS _d{i}" for i, dim in enumerate(dims))
    pattern = "|".join(f"({p})" for p in config.fallback_patterns)
    return f"""units AS (
    SELECT r.ts AS _ts{dim_cols}, r.record_id, r.session_id, r.turn, r.latency_ms,
        r.tokens_in, r.tokens_out, COALESCE(r.tokens_in, 0) + COALESCE(r.tokens_out, 0) AS tokens,
        r.cost, r.error IS NOT NULL AS is_error,
        COALESCE({d.regex_match("lower(r.output)", pattern)}, FALSE) AS is_fallback
    FROM records r
    WHERE r.source = 'prod' AND r.ts IS NOT NULL{time}
)"""


def _sessions_cte(
    dims: Sequence[str], since: datetime | None, until: datetime | None, d: Dialect
) -> str:
    dim_cols = "".join(
        f", min_by({_dim_expr(dim, 'r', d)}, r.ts) AS _d{i}" for i, dim in enumerate(dims)
    )
    having = _time_filter("min(r.ts)", since, until, d).removeprefix(" AND ")
    return f"""s_recs AS (
    SELECT r.session_id, min(r.ts) AS _ts{dim_cols}, count(*) AS n_turns,
        sum(COALESCE(r.tokens_in, 0) + COALESCE(r.tokens_out, 0)) AS tokens, sum(r.cost) AS cost,
        sum(CASE WHEN r.error IS NOT NULL THEN 1 ELSE 0 END) AS n_errors
    FROM records r
    WHERE r.source = 'prod' AND r.session_id IS NOT NULL AND r.ts IS NOT NULL
    GROUP BY r.session_id{f" HAVING {having}" if having else ""}
)"""


def _flag(condition: str) -> str:
    return f"max(CASE WHEN {condition} THEN 1 ELSE 0 END) = 1"


def _count(condition: str) -> str:
    return f"sum(CASE WHEN {condition} THEN 1 ELSE 0 END)"


def _session_grain(dims: Sequence[str], config: MetricsConfig) -> str:
    dim_cols = "".join(f", s._d{i}" for i in range(len(dims)))
    completion = config.task_completion
    if completion.mode == "event":
        completed = "COALESCE(ev.completed_event, FALSE)"
    else:
        completed = (
            f"NOT COALESCE(x.first_escalation_turn <= {completion.within_turns}, FALSE) "
            "AND NOT COALESCE(ev.negative_feedback, FALSE)"
        )
    return f"""s_events AS (
    SELECT e.session_id, {_flag("e.type = 'escalated'")} AS escalated,
        {_flag("e.type = 'task_completed'")} AS completed_event,
        {_flag("e.type = 'feedback' AND e.value < 0")} AS negative_feedback,
        {_flag("e.type = 'abandoned'")} AS abandoned,
        {_count("e.type = 'retry'")} AS retries, {_count("e.type = 'correction'")} AS corrections
    FROM events e JOIN s_recs s ON s.session_id = e.session_id
    GROUP BY e.session_id
),
s_escalations AS (
    -- The turn of an escalation: how many interactions the session had by then.
    SELECT session_id, min(turns_before) AS first_escalation_turn FROM (
        SELECT e.session_id, e.event_id, count(r.record_id) AS turns_before
        FROM events e JOIN s_recs s ON s.session_id = e.session_id
        LEFT JOIN records r ON r.session_id = e.session_id AND r.source = 'prod' AND r.ts <= e.ts
        WHERE e.type = 'escalated'
        GROUP BY e.session_id, e.event_id
    ) t GROUP BY session_id
),
units AS (
    SELECT s._ts{dim_cols}, s.session_id, s.n_turns, s.tokens, s.cost, s.n_errors,
        COALESCE(ev.escalated, FALSE) AS escalated, x.first_escalation_turn,
        COALESCE(ev.completed_event, FALSE) AS completed_event,
        COALESCE(ev.negative_feedback, FALSE) AS negative_feedback,
        COALESCE(ev.abandoned, FALSE) AS abandoned,
        COALESCE(ev.retries, 0) AS retries, COALESCE(ev.corrections, 0) AS corrections,
        {completed} AS completed
    FROM s_recs s LEFT JOIN s_events ev ON ev.session_id = s.session_id
    LEFT JOIN s_escalations x ON x.session_id = s.session_id
)"""


def _events_grain(dims: Sequence[str]) -> str:
    dim_cols = "".join(f", s._d{i}" for i in range(len(dims)))
    return f"""units AS (
    SELECT s._ts{dim_cols}, e.event_id, e.record_id, e.type, e.value
    FROM events e JOIN s_recs s ON s.session_id = e.session_id
)"""


def _scores_grain(dims: Sequence[str], time: str, d: Dialect) -> str:
    dim_cols = "".join(f", {_dim_expr(dim, 'r', d)} AS _d{i}" for i, dim in enumerate(dims))
    return f"""units AS (
    SELECT r.ts AS _ts{dim_cols}, sc.scorer, sc.value, sc.passed
    FROM scores sc JOIN records r ON r.record_id = sc.record_id
    WHERE r.source = 'prod' AND r.ts IS NOT NULL{time}
)"""


def _grain(
    definition: MetricDefinition,
    dims: Sequence[str],
    *,
    since: datetime | None,
    until: datetime | None,
    config: MetricsConfig,
    d: Dialect,
) -> str:
    time = _time_filter("r.ts", since, until, d)
    if definition.source == "records":
        return _records_grain(dims, time, config, d)
    if definition.source == "scores":
        return _scores_grain(dims, time, d)
    sessions = _sessions_cte(dims, since, until, d)
    if definition.source == "events":
        return f"{sessions},\n{_events_grain(dims)}"
    return f"{sessions},\n{_session_grain(dims, config)}"


def _stats(definition: MetricDefinition, d: Dialect) -> tuple[str, tuple[str, ...]]:
    where = definition.where or "TRUE"
    value = definition.value
    if definition.kind == "proportion":
        return (
            f"{_count(f'({where}) AND ({value}) IS NOT NULL')} AS n, "
            f"{_count(f'({where}) AND ({value})')} AS k",
            ("n", "k"),
        )
    if definition.kind == "mean":
        v = f"(CASE WHEN {where} THEN CAST({value} AS DOUBLE) END)"
        return f"count({v}) AS n, sum({v}) AS s, sum({v} * {v}) AS ss", ("n", "s", "ss")
    if definition.kind == "ratio":
        ok = f"({where}) AND ({value}) IS NOT NULL AND ({definition.denominator}) IS NOT NULL"
        x = f"(CASE WHEN {ok} THEN CAST({value} AS DOUBLE) END)"
        y = f"(CASE WHEN {ok} THEN CAST({definition.denominator} AS DOUBLE) END)"
        return (
            f"count({x}) AS n, sum({x}) AS sx, sum({y}) AS sy, sum({x} * {x}) AS sxx, "
            f"sum({y} * {y}) AS syy, sum({x} * {y}) AS sxy",
            ("n", "sx", "sy", "sxx", "syy", "sxy"),
        )
    assert definition.q is not None
    v = f"(CASE WHEN {where} THEN CAST({value} AS DOUBLE) END)"
    extreme = d.extreme_values(v, _EXTREME_K, largest=definition.q >= 0.5)
    return (
        f"count({v}) AS n, {d.value_list(v)} AS all_values, {extreme} AS extreme_values",
        ("n", "all_values", "extreme_values"),
    )


def _band(sql: str, dim_cols: str, q: float, dialect: Dialect) -> str:
    """Wrap the quantile aggregate: per group, the band of sorted values around rank n·q.

    The band comes from the group's extreme values when they hold it (their
    ascending ranks start at ``n - len`` for the largest, 0 for the smallest),
    else from its sorted list of all values.
    """
    half = f"CAST(ceil({_BAND_SD} * sqrt(n * {q} * {1 - q})) AS BIGINT) + {_BAND_SLACK}"
    start = f"greatest(0, CAST(floor(n * {q}) AS BIGINT) - ({half}))"
    stop = f"least(n - 1, CAST(floor(n * {q}) AS BIGINT) + ({half}))"
    first = f"n - least(n, {_EXTREME_K})" if q >= 0.5 else "0"
    last = "n - 1" if q >= 0.5 else f"least(n, {_EXTREME_K}) - 1"
    length = "band_stop - band_start + 1"
    from_extremes = dialect.list_slice("extreme_values", f"band_start - ({first})", length)
    from_all = dialect.list_slice(dialect.sort_list("all_values"), "band_start", length)
    return (
        f"SELECT window_start{dim_cols}, n, band_start,\n"
        f"    CASE WHEN band_start >= {first} AND band_stop <= {last} THEN {from_extremes}\n"
        f"    ELSE {from_all} END AS band\n"
        f"FROM (SELECT *, {start} AS band_start, {stop} AS band_stop FROM ({sql}) agg) b"
    )


def compile_metric(
    definition: MetricDefinition,
    *,
    window_seconds: int | None,
    by: Sequence[str] = (),
    since: datetime | None = None,
    until: datetime | None = None,
    config: MetricsConfig | None = None,
    dialect: Dialect = DUCKDB,
) -> CompiledQuery:
    """One query of ``definition``'s sufficient statistics per window × slice.

    Returns columns ``window_start`` (null without windows), ``d0..dk`` (the
    ``by`` values) and the kind's statistics; for quantiles ``n``,
    ``band_start`` (0-based rank of the band's first value) and ``band``.
    """
    config = config or MetricsConfig()
    dims = tuple(by)
    grain = _grain(definition, dims, since=since, until=until, config=config, d=dialect)
    window = (
        dialect.null_timestamp()
        if window_seconds is None
        else dialect.bucket("_ts", window_seconds)
    )
    keys = ([window] if window_seconds is not None else []) + [f"_d{i}" for i in range(len(dims))]
    stats, names = _stats(definition, dialect)
    dim_select = "".join(f", _d{i} AS d{i}" for i in range(len(dims)))
    group = f"\nGROUP BY {', '.join(keys)}" if keys else ""
    order = ", ".join(["window_start", *(f"d{i}" for i in range(len(dims)))])
    sql = f"WITH {grain}\nSELECT {window} AS window_start{dim_select}, {stats}\nFROM units{group}"
    if definition.kind == "quantile":
        assert definition.q is not None
        dim_cols = "".join(f", d{i}" for i in range(len(dims)))
        sql = _band(sql, dim_cols, definition.q, dialect)
        names = ("n", "band_start", "band")
    return CompiledQuery(f"{sql}\nORDER BY {order}", dims, names)


def band_half_width(n: int, q: float) -> int:
    """The band's half-width in ranks, as the SQL computes it (for tests)."""
    return math.ceil(_BAND_SD * math.sqrt(n * q * (1 - q))) + _BAND_SLACK

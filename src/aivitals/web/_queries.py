"""Read-only store queries behind the sessions, session and alerts pages.

Each function takes the store and runs on the server's reader thread, on a
connection of its own (:meth:`aivitals.store.Store.reader`). A session
belongs to the window and slice of its first interaction, as in
:mod:`aivitals.metrics`, so that the sessions behind a slice's number are
the ones listed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aivitals.store import Store

__all__ = [
    "MAX_SESSIONS",
    "SessionFilter",
    "list_alerts",
    "list_sessions",
    "message_text",
    "session_detail",
]

#: Most sessions on one page of the session list.
MAX_SESSIONS = 200
#: Most alerts listed.
MAX_ALERTS = 500

_SESSIONS = """
WITH s AS (
    SELECT session_id,
           min(ts) AS started_at,
           max(ts) AS ended_at,
           count(*) AS turns,
           arg_min(system_version, ts) AS model_version,
           arg_min(tags, ts) AS tags,
           sum(cost) AS cost,
           count(error) AS errors
    FROM records
    WHERE source = 'prod' AND session_id IS NOT NULL{within}
    GROUP BY session_id
)
SELECT * FROM s WHERE {where}
"""


@dataclass(frozen=True)
class SessionFilter:
    """Which sessions to list: a time range of first interactions and a slice.

    Attributes:
        since: First interaction at or after this.
        until: First interaction before this.
        slice: ``model_version`` and / or tag keys and the value each must have.
    """

    since: datetime | None = None
    until: datetime | None = None
    slice: Mapping[str, str] | None = None

    def within(self) -> tuple[str, list[Any]]:
        """A cheap pre-filter: only sessions with a turn in the time range.

        A session whose first turn is in the range has a turn in it, so this
        keeps every session the full filter keeps and groups far fewer rows.
        """
        clauses: list[str] = []
        params: list[Any] = []
        for op, value in ((">=", self.since), ("<", self.until)):
            if value is not None:
                clauses.append(f"ts {op} ?")
                params.append(value)
        if not clauses:
            return "", []
        inner = "SELECT session_id FROM records WHERE source = 'prod' AND " + " AND ".join(clauses)
        return f" AND session_id IN ({inner})", params

    def sql(self) -> tuple[str, list[Any]]:
        """The ``WHERE`` clause over the sessions CTE and its parameters."""
        clauses: list[str] = ["TRUE"]
        params: list[Any] = []
        if self.since is not None:
            clauses.append("started_at >= ?")
            params.append(self.since)
        if self.until is not None:
            clauses.append("started_at < ?")
            params.append(self.until)
        for key, value in sorted((self.slice or {}).items()):
            clauses.append("model_version = ?" if key == "model_version" else "tags[?] = ?")
            params.extend([value] if key == "model_version" else [key, value])
        return " AND ".join(clauses), params


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _tags(value: Any) -> dict[str, str]:
    return dict(sorted(value.items())) if isinstance(value, dict) else {}


def list_sessions(
    store: Store, where: SessionFilter, *, limit: int = 50, offset: int = 0
) -> dict[str, Any]:
    """Sessions matching ``where``, newest first, with their event types.

    Returns:
        ``{"total", "limit", "offset", "sessions": [...]}``; each session has
        its id, first and last time, turns, model version, tags of the first
        turn, cost, errors and the sorted distinct types of its events.
    """
    within, early = where.within()
    clause, late = where.sql()
    base = _SESSIONS.format(within=within, where=clause)
    params = [*early, *late]
    total_row = store.one(f"SELECT count(*) FROM ({base})", params)
    rows = store.query(
        base + " ORDER BY started_at DESC, session_id LIMIT ? OFFSET ?", [*params, limit, offset]
    )
    events: dict[str, list[str]] = {}
    if rows:
        ids = [r["session_id"] for r in rows]
        for r in store.query(
            "SELECT session_id, list(DISTINCT type ORDER BY type) AS types FROM events "
            "WHERE session_id IN (SELECT unnest(?)) GROUP BY session_id",
            [ids],
        ):
            events[r["session_id"]] = list(r["types"])
    sessions = [
        {
            "session_id": r["session_id"],
            "started_at": _iso(r["started_at"]),
            "ended_at": _iso(r["ended_at"]),
            "turns": int(r["turns"]),
            "model_version": r["model_version"],
            "tags": _tags(r["tags"]),
            "cost": r["cost"],
            "errors": int(r["errors"]),
            "events": events.get(r["session_id"], []),
        }
        for r in rows
    ]
    total = int(total_row[0]) if total_row else 0
    return {"total": total, "limit": limit, "offset": offset, "sessions": sessions}


def message_text(raw: Any) -> str:
    """A stored input (JSON text or chat messages) as plain text for display."""
    if raw is None:
        return ""
    try:
        value = json.loads(raw) if isinstance(raw, str) else raw
    except json.JSONDecodeError:
        return str(raw)
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(m, dict) for m in value):
        return "\n".join(f"{m.get('role', '?')}: {m.get('content', '')}" for m in value)
    return json.dumps(value, ensure_ascii=False)


def session_detail(store: Store, session_id: str) -> dict[str, Any] | None:
    """A session's turns (input, output, scores), events; ``None`` if unknown."""
    records = store.query(
        "SELECT record_id, turn, ts, system_version, input, output, tags, latency_ms, "
        "tokens_in, tokens_out, cost, error, error_kind, user_id FROM records "
        "WHERE source = 'prod' AND session_id = ? ORDER BY ts, turn, record_id",
        [session_id],
    )
    events = store.query(
        "SELECT event_id, record_id, ts, type, value, attrs FROM events "
        "WHERE session_id = ? ORDER BY ts, event_id",
        [session_id],
    )
    if not records and not events:
        return None
    scores: dict[str, list[dict[str, Any]]] = {}
    if records:
        for s in store.query(
            "SELECT record_id, scorer, value, passed, label, explanation FROM scores "
            "WHERE record_id IN (SELECT unnest(?)) ORDER BY scorer",
            [[r["record_id"] for r in records]],
        ):
            scores.setdefault(s.pop("record_id"), []).append(s)
    turns = [
        {
            **{k: _iso(v) for k, v in r.items() if k not in ("input", "tags")},
            "input": message_text(r["input"]),
            "tags": _tags(r["tags"]),
            "scores": scores.get(r["record_id"], []),
        }
        for r in records
    ]
    return {
        "session_id": session_id,
        "turns": turns,
        "events": [
            {**{k: _iso(v) for k, v in e.items() if k != "attrs"}, "attrs": _attrs(e["attrs"])}
            for e in events
        ],
    }


def _attrs(raw: Any) -> dict[str, Any]:
    try:
        value = json.loads(raw) if isinstance(raw, str) else raw
    except json.JSONDecodeError:
        return {"raw": raw}
    return value if isinstance(value, dict) else {}


def list_alerts(store: Store) -> list[dict[str, Any]]:
    """The newest alerts first (the ``alerts`` table that monitors fill)."""
    rows = store.query(
        "SELECT alert_id, rule, state, fired_at, resolved_at, evidence FROM alerts "
        "ORDER BY fired_at DESC, alert_id LIMIT ?",
        [MAX_ALERTS],
    )
    return [
        {
            **{k: _iso(v) for k, v in r.items() if k != "evidence"},
            "evidence": _attrs(r["evidence"]) if r["evidence"] is not None else None,
        }
        for r in rows
    ]

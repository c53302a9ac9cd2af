"""Score a deterministic sample of production records with any scorer.

The sample is chosen by a hash of the record id, so the same rate picks the
same records every time and a higher rate picks a superset; records a
scorer with the same spec already judged are skipped, so re-running only
scores what is new. Scores are stored like an evaluation's (``run_id``
NULL), so offline and online numbers share one definition.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aivitals.errors import InputError
from aivitals.model import Record, Score
from aivitals.scorers import Scorer, create_scorer
from aivitals.store import ScoreColumns, Store

__all__ = ["OnlineScoreResult", "score_production"]

# Records in the sample that this scorer spec has not scored yet. The hash
# bucket makes the sample stable across calls and nested across rates.
_SAMPLE = """
SELECT r.record_id, r.input, r.output, r.expected, r.context, map_entries(r.tags) AS tags,
       r.latency_ms, r.tokens_in, r.tokens_out, r.cost, r.session_id, r.turn, r.ts,
       r.system_version
FROM records r
WHERE r.source = 'prod' AND r.error IS NULL
  AND hash(r.record_id) % 1000000 < $cut
  AND ($since IS NULL OR r.ts >= $since) AND ($until IS NULL OR r.ts < $until)
  AND NOT EXISTS (
      SELECT 1 FROM scores s
      WHERE s.record_id = r.record_id AND s.scorer = $name AND s.spec_hash = $spec
  )
ORDER BY r.record_id
"""


@dataclass(frozen=True)
class OnlineScoreResult:
    """How many production records were scored, and the scorer's spec."""

    scorer: str
    spec: dict[str, Any]
    sample_rate: float
    scored: int
    missing: int

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        return {
            "scorer": self.scorer,
            "spec": self.spec,
            "sample_rate": self.sample_rate,
            "scored": self.scored,
            "missing": self.missing,
        }


def _record(row: tuple[Any, ...]) -> Record:
    rid, inp, out, exp, ctx, tags, lat, t_in, t_out, cost, session, turn, ts, version = row
    return Record(
        id=rid,
        source="prod",
        input=json.loads(inp) if inp else "",
        output=out,
        expected=tuple(json.loads(exp or "[]")),
        context=tuple(json.loads(ctx or "[]")),
        tags={e["key"]: e["value"] for e in tags or []},
        latency_ms=lat,
        tokens_in=t_in,
        tokens_out=t_out,
        cost=cost,
        session_id=session,
        turn=turn,
        ts=ts,
        system_version=version,
    )


async def _score_all(scorer: Scorer, records: list[Record]) -> list[Score]:
    return [await scorer.judge(record) for record in records]


def score_production(
    store: Store,
    scorer: str,
    *,
    args: Mapping[str, Any] | None = None,
    threshold: float | None = None,
    name: str | None = None,
    sample: float = 1.0,
    since: datetime | None = None,
    until: datetime | None = None,
) -> OnlineScoreResult:
    """Run a scorer on a sample of production records and store the scores.

    Args:
        store: The store (the writer).
        scorer: Registered name or ``module:function``.
        args: The scorer factory's arguments.
        threshold: Pass when the value is at least this.
        name: Name to store the scores under (default: the scorer's).
        sample: Share of production records to score, in (0, 1].
        since: Only records at or after this time.
        until: Only records before this time.

    Raises:
        InputError: A bad rate, scorer or arguments.
    """
    if not 0.0 < sample <= 1.0:
        raise InputError(f"--sample must be in (0, 1], got {sample}")
    try:
        made = create_scorer(scorer, args, threshold)
    except (LookupError, TypeError, ValueError) as exc:
        raise InputError(str(exc)) from None
    label = name or made.name
    params = {
        "cut": round(sample * 1_000_000),
        "since": since,
        "until": until,
        "name": label,
        "spec": made.spec.hash,
    }
    records = [_record(row) for row in store.con.execute(_SAMPLE, params).fetchall()]
    scores = asyncio.run(_score_all(made, records))
    columns = ScoreColumns()
    for record, score in zip(records, scores, strict=True):
        columns.append(record.id, label, made.spec.version, made.spec.hash, score)
    with store.transaction():
        store.insert("scores", columns.table(None))
    return OnlineScoreResult(
        scorer=label,
        spec=made.spec.to_dict(),
        sample_rate=sample,
        scored=len(records),
        missing=sum(s.value is None for s in scores),
    )

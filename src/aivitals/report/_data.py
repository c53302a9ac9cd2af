"""What a report page shows, gathered from the store.

Aggregates (score distributions) are computed in DuckDB; only failing
records are selected row by row, and at most :data:`MAX_TABLE_ROWS` of them.
Long texts are cut at :data:`MAX_CELL_CHARS` characters, and a table stops
early once its cells would take more than :data:`TABLE_BUDGET_CHARS`
characters of HTML, so a page stays small whatever the outputs hold (well
under 2 MB for a 10,000-case run). The rest is one ``vitals runs export``
away, and the page says how many rows it left out.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from aivitals.comparison import Comparison, Flip
from aivitals.evaluation import RunSummary, summarize_run
from aivitals.model import input_text
from aivitals.store import Store, get_run

__all__ = [
    "HISTOGRAM_BINS",
    "MAX_CELL_CHARS",
    "MAX_TABLE_ROWS",
    "TABLE_BUDGET_CHARS",
    "Cell",
    "ComparisonPage",
    "FailedScore",
    "FailureRow",
    "FlipRow",
    "Histogram",
    "Rows",
    "RunInfo",
    "RunPage",
    "comparison_page",
    "run_page",
]

#: At most this many rows in a table of failures or flips.
MAX_TABLE_ROWS = 500
#: Texts longer than this many characters are cut, with a note of how much.
MAX_CELL_CHARS = 1_000
#: A table stops before its escaped cell text passes this many characters.
TABLE_BUDGET_CHARS = 1_000_000
#: Bins of a score histogram.
HISTOGRAM_BINS = 20

T = TypeVar("T")


@dataclass(frozen=True)
class Cell:
    """A text shown in a table cell, maybe cut short.

    Attributes:
        text: The text as shown (untrusted: escaped when rendered).
        omitted: Characters cut from its end.
    """

    text: str
    omitted: int = 0

    @classmethod
    def of(cls, value: str | None, limit: int = MAX_CELL_CHARS) -> Cell | None:
        """A cell of at most ``limit`` characters; ``None`` stays ``None``."""
        if value is None:
            return None
        if len(value) <= limit:
            return cls(value)
        return cls(value[:limit], len(value) - limit)

    @property
    def cost(self) -> int:
        """Characters it takes once escaped for HTML (an upper bound)."""
        return len(html.escape(self.text))


@dataclass(frozen=True)
class Rows(Generic[T]):
    """The rows a table shows, and how many there were in all."""

    shown: tuple[T, ...]
    total: int

    @property
    def left_out(self) -> int:
        """Rows not shown."""
        return self.total - len(self.shown)


@dataclass(frozen=True)
class FailedScore:
    """One scorer's failing verdict on a record."""

    scorer: str
    value: float | None
    label: str | None
    explanation: Cell | None


@dataclass(frozen=True)
class FailureRow:
    """A record that failed a scorer or errored."""

    dataset: str | None
    case_id: str | None
    repeat: int | None
    input: Cell
    output: Cell | None
    expected: Cell | None
    tags: tuple[tuple[str, str], ...]
    error: Cell | None
    failed: tuple[FailedScore, ...]

    def cells(self) -> Iterator[Cell | None]:
        """Every text it shows, for the size budget."""
        yield from (self.input, self.output, self.expected, self.error)
        yield from (f.explanation for f in self.failed)


@dataclass(frozen=True)
class FlipRow:
    """A case whose verdict changed between base and candidate."""

    flip: Flip
    input: Cell
    expected: Cell | None
    base_output: Cell | None
    candidate_output: Cell | None
    explanation: Cell | None

    def cells(self) -> Iterator[Cell | None]:
        """Every text it shows, for the size budget."""
        yield from (self.input, self.expected, self.base_output, self.candidate_output)
        yield self.explanation


@dataclass(frozen=True)
class Histogram:
    """Counts of one scorer's values in equal bins over ``[lo, hi]``.

    Attributes:
        scorer: The scorer.
        lo: Smallest value seen (over every run counted).
        hi: Largest value seen; equal to ``lo`` when all values are.
        counts: Per run id, the count in each of the bins.
    """

    scorer: str
    lo: float
    hi: float
    counts: Mapping[str, tuple[int, ...]]


@dataclass(frozen=True)
class RunInfo:
    """Who and what a run was, for the page header."""

    run_id: str
    name: str
    status: str
    started_at: str
    ended_at: str
    target: tuple[tuple[str, str], ...]
    datasets: tuple[str, ...]
    scorers: tuple[str, ...]
    git_sha: str | None
    abort_reason: str | None
    tags: tuple[tuple[str, str], ...] = field(default=())


@dataclass(frozen=True)
class RunPage:
    """Everything the report of one run shows."""

    info: RunInfo
    summary: RunSummary
    histograms: tuple[Histogram, ...]
    failures: Rows[FailureRow]


@dataclass(frozen=True)
class ComparisonPage:
    """Everything the report of a comparison shows."""

    base: RunInfo
    candidate: RunInfo
    comparison: Comparison
    histograms: tuple[Histogram, ...]
    flips: Rows[FlipRow]


def _when(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    return "" if value is None else str(value)


def _scalars(mapping: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    # Only scalars: nested values (params, field maps) would crowd a header,
    # and the manifest itself already leaves credentials (headers) out.
    return tuple(
        (str(k), str(v)) for k, v in mapping.items() if isinstance(v, str | int | float | bool)
    )


def run_info(store: Store, run_ref: str) -> RunInfo:
    """The header facts of a run (id, suite, target, datasets, scorers, git)."""
    row = get_run(store, run_ref)
    manifest: Mapping[str, Any] = row.get("manifest") or {}
    datasets = tuple(
        f"{d.get('name')}@{d.get('version')} ({d.get('n_cases')} cases)"
        for d in manifest.get("datasets", [])
    )
    scorers = tuple(
        str(s.get("name"))
        + (f" (pass ≥ {s['threshold']})" if s.get("threshold") is not None else "")
        for s in manifest.get("scorers", [])
    )
    return RunInfo(
        run_id=str(row["run_id"]),
        name=str(row["name"]),
        status=str(row["status"]),
        started_at=_when(row.get("started_at")),
        ended_at=_when(row.get("ended_at")),
        target=_scalars(manifest.get("target", {})),
        datasets=datasets,
        scorers=scorers,
        git_sha=(manifest.get("git") or {}).get("sha"),
        abort_reason=manifest.get("abort_reason"),
        tags=_scalars(manifest.get("tags", {})),
    )


_HISTOGRAMS = """
WITH v AS (
    SELECT run_id, scorer, value FROM scores
    WHERE run_id IN (SELECT unnest($runs::VARCHAR[])) AND isfinite(value)
), bounds AS (
    SELECT scorer, min(value) AS lo, max(value) AS hi FROM v GROUP BY scorer
)
SELECT v.scorer, v.run_id, b.lo, b.hi,
       CASE WHEN b.hi = b.lo THEN 0
            ELSE least(CAST(floor((v.value - b.lo) / (b.hi - b.lo) * $bins) AS INTEGER), $bins - 1)
       END AS bin,
       count(*) AS n
FROM v JOIN bounds b USING (scorer)
GROUP BY ALL
"""


def histograms(
    store: Store, run_ids: Sequence[str], scorers: Iterable[str], bins: int = HISTOGRAM_BINS
) -> tuple[Histogram, ...]:
    """Distributions of each scorer's values, on bins shared by the runs.

    Scorers without a finite value (all missing) have no histogram.
    """
    rows = store.con.execute(_HISTOGRAMS, {"runs": list(run_ids), "bins": bins}).fetchall()
    bounds: dict[str, tuple[float, float]] = {}
    counts: dict[str, dict[str, list[int]]] = {}
    for scorer, run_id, lo, hi, index, n in rows:
        bounds[scorer] = (lo, hi)
        per_run = counts.setdefault(scorer, {r: [0] * bins for r in run_ids})
        per_run[run_id][index] = n
    return tuple(
        Histogram(name, *bounds[name], {r: tuple(c) for r, c in counts[name].items()})
        for name in scorers
        if name in counts
    )


_FAILURES = """
WITH failed AS (
    SELECT record_id,
           list(struct_pack(scorer, value, label, explanation) ORDER BY scorer) AS verdicts
    FROM scores WHERE run_id = $run AND passed = false
    GROUP BY record_id
)
SELECT r.dataset, r.case_id, r.repeat, r.input, r.output, r.expected, r.tags, r.error,
       f.verdicts
FROM records r LEFT JOIN failed f USING (record_id)
WHERE r.run_id = $run AND (f.record_id IS NOT NULL OR r.error IS NOT NULL)
ORDER BY r.dataset, r.case_id, r.repeat
LIMIT $limit
"""

_COUNT_FAILURES = """
SELECT count(*) FROM records r
WHERE r.run_id = $run AND (r.error IS NOT NULL OR EXISTS (
    SELECT 1 FROM scores s
    WHERE s.record_id = r.record_id AND s.run_id = $run AND s.passed = false))
"""


def _input(raw: str | None) -> str:
    if raw is None:
        return ""
    value = json.loads(raw)
    return input_text(value) if isinstance(value, str | list) else json.dumps(value)


def _expected(raw: str | None) -> str | None:
    answers = json.loads(raw) if raw else []
    return "\n".join(str(a) for a in answers) if answers else None


def _failure(row: tuple[Any, ...]) -> FailureRow:
    dataset, case_id, repeat, raw_input, output, expected, tags, error, verdicts = row
    failed = tuple(
        FailedScore(v["scorer"], v["value"], v["label"], Cell.of(v["explanation"]))
        for v in verdicts or ()
    )
    return FailureRow(
        dataset=dataset,
        case_id=case_id,
        repeat=repeat,
        input=Cell.of(_input(raw_input)) or Cell(""),
        output=Cell.of(output),
        expected=Cell.of(_expected(expected)),
        tags=tuple(sorted((tags or {}).items())),
        error=Cell.of(error),
        failed=failed,
    )


def _within_budget(rows: Iterable[T], cells: Callable[[T], Iterable[Cell | None]]) -> tuple[T, ...]:
    kept: list[T] = []
    spent = 0
    for row in rows:
        spent += sum(c.cost for c in cells(row) if c is not None)
        if spent > TABLE_BUDGET_CHARS:
            break
        kept.append(row)
    return tuple(kept)


def failures(store: Store, run_id: str, limit: int = MAX_TABLE_ROWS) -> Rows[FailureRow]:
    """Records that failed a scorer or errored, in case order, capped."""
    params = {"run": run_id}
    total_row = store.one(_COUNT_FAILURES, params)
    total = int(total_row[0]) if total_row else 0
    rows = store.con.execute(_FAILURES, {**params, "limit": limit}).fetchall()
    shown = _within_budget((_failure(r) for r in rows), FailureRow.cells)
    return Rows(shown, total)


def _flip_row(flip: Flip) -> FlipRow:
    return FlipRow(
        flip=flip,
        input=Cell.of(flip.input) or Cell(""),
        expected=Cell.of("\n".join(flip.expected) or None),
        base_output=Cell.of(flip.base_output),
        candidate_output=Cell.of(flip.candidate_output),
        explanation=Cell.of(flip.explanation),
    )


def flips(comparison: Comparison, limit: int = MAX_TABLE_ROWS) -> Rows[FlipRow]:
    """Flips, newly failing first, capped like failures."""
    ordered = sorted(comparison.flips, key=lambda f: f.direction != "newly_failing")
    shown = _within_budget((_flip_row(f) for f in ordered[:limit]), FlipRow.cells)
    return Rows(shown, len(comparison.flips))


def run_page(store: Store, run_ref: str) -> RunPage:
    """Gather the report of one run (id, unique prefix or ``latest``)."""
    info = run_info(store, run_ref)
    summary = summarize_run(store, info.run_id)
    names = [s.scorer for s in summary.scorers]
    return RunPage(
        info=info,
        summary=summary,
        histograms=histograms(store, [info.run_id], names),
        failures=failures(store, info.run_id),
    )


def comparison_page(store: Store, comparison: Comparison) -> ComparisonPage:
    """Gather the report of a comparison made by ``compare_runs``."""
    lineage = comparison.lineage
    names = list(dict.fromkeys(c.scorer for c in comparison.overall))
    return ComparisonPage(
        base=run_info(store, lineage.base_run),
        candidate=run_info(store, lineage.candidate_run),
        comparison=comparison,
        histograms=histograms(store, [lineage.base_run, lineage.candidate_run], names),
        flips=flips(comparison),
    )

"""Run a suite: datasets × repeats through the target, scored, stored whole.

Calls go out through a fixed pool of workers (``concurrency``), each call
under the retry policy and a per-attempt timeout. Responses are cached in the
store by request hash as they arrive, flushed every second, so Ctrl-C or a
crash loses nothing already paid for; the run itself (records, scores,
manifest) is written in one transaction at the end.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import secrets
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aivitals.errors import ConfigError, Problem, TargetError
from aivitals.evaluation._manifest import git_state, package_versions
from aivitals.evaluation._suite import Suite
from aivitals.evaluation._summary import RunSummary, summarize_run
from aivitals.io import load_dataset
from aivitals.model import Case, Dataset, Record, canonical_json, content_hash
from aivitals.scorers import Scorer, create_scorer
from aivitals.store import (
    CacheEntry,
    ScoreColumns,
    Store,
    get_dataset,
    lookup_cached,
    save_cached,
    save_dataset,
    save_run,
    update_run_summary,
)
from aivitals.targets import Target, TargetRequest, TargetResponse, build_target
from aivitals.targets._retry import RetryPolicy, with_timeout

__all__ = ["ProgressFn", "Run", "execute_suite", "new_run_id"]

ProgressFn = Callable[[int, int], None]
_MIN_CALLS_FOR_BUDGET = 20
_FLUSH_EVERY_S = 1.0
_FLUSH_EVERY_N = 2000


def new_run_id() -> str:
    """A sortable, unique run id: UTC timestamp plus random hex."""
    return f"{datetime.now(UTC):%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


@dataclass(frozen=True)
class Run:
    """A stored run: its id, status, manifest and summary.

    Attributes:
        id: The run id.
        name: The suite name.
        status: ``completed`` or ``aborted`` (error budget exceeded).
        manifest: What pins the run (datasets, target, scorers, code).
        summary: Per-scorer and per-slice estimates with intervals.
        store_path: The store the run is in.
    """

    id: str
    name: str
    status: str
    manifest: dict[str, Any]
    summary: RunSummary
    store_path: Path


@dataclass(frozen=True, slots=True)
class _Item:
    dataset: str
    case: Case
    repeat: int
    request: TargetRequest
    key: str


def resolve_datasets(suite: Suite, base_dir: Path, store: Store) -> list[Dataset]:
    """Load each dataset of the suite (file or stored) and store new versions."""
    datasets = []
    for spec in suite.datasets:
        if spec.path:
            path = Path(spec.path)
            dataset = load_dataset(
                path if path.is_absolute() else base_dir / path,
                name=spec.name,
                mapping=spec.mapping,
                fmt=spec.format,
            )
        else:
            dataset = get_dataset(store, spec.name or "")
        if spec.limit is not None and spec.limit < len(dataset.cases):
            dataset = Dataset.from_cases(dataset.name, dataset.cases[: spec.limit], dataset.source)
        save_dataset(store, dataset, spec.mapping.model_dump())
        datasets.append(dataset)
    return datasets


def build_scorers(suite: Suite) -> list[tuple[str, Scorer]]:
    """Create the suite's scorers, naming the entry of any that fails."""
    made, problems = [], []
    for index, entry in enumerate(suite.scorers):
        try:
            made.append(
                (entry.display_name, create_scorer(entry.scorer, entry.args, entry.threshold))
            )
        except (LookupError, TypeError, ValueError) as exc:
            problems.append(Problem(str(exc), field=f"scorers.{index}"))
    if problems:
        raise ConfigError(problems)
    return made


@dataclass
class _Execution:
    """The mutable state of one run while it executes."""

    store: Store
    run_id: str
    target: Target
    target_id: str
    scorers: list[tuple[str, Scorer, str, str]]  # name, scorer, version, spec hash
    policy: RetryPolicy
    timeout_s: float
    max_error_rate: float
    progress: ProgressFn | None
    total: int
    records: list[Record] = field(default_factory=list)
    scores: ScoreColumns = field(default_factory=ScoreColumns)
    pending: list[CacheEntry] = field(default_factory=list)
    last_flush: float = field(default_factory=time.monotonic)
    n_calls: int = 0
    n_errors: int = 0
    n_cache_hits: int = 0
    n_attempts: int = 0
    abort_reason: str | None = None

    def flush_cache(self, *, force: bool = False) -> None:
        due = time.monotonic() - self.last_flush >= _FLUSH_EVERY_S
        if self.pending and (force or due or len(self.pending) >= _FLUSH_EVERY_N):
            save_cached(self.store, self.pending)
            self.pending = []
            self.last_flush = time.monotonic()

    async def finish(
        self,
        item: _Item,
        response: TargetResponse | None,
        error: TargetError | None,
        latency_ms: float | None,
        cached: bool,
    ) -> None:
        case = item.case
        record = Record(
            id=f"{self.run_id}/{len(self.records)}",
            source=self.run_id,
            input=case.input,
            output=response.output if response else None,
            case_id=case.id,
            dataset=item.dataset,
            repeat=item.repeat,
            expected=case.expected,
            context=case.context,
            tags=case.tags,
            latency_ms=latency_ms,
            tokens_in=response.tokens_in if response else None,
            tokens_out=response.tokens_out if response else None,
            cost=response.cost if response else None,
            error=str(error) if error else None,
            error_kind=error.kind if error else None,
            cached=cached,
            system_version=response.model if response else None,
        )
        self.records.append(record)
        if error is None:
            for name, scorer, version, spec_hash in self.scorers:
                score = await scorer.judge(record)
                self.scores.append(record.id, name, version, spec_hash, score)
        if self.progress is not None:
            self.progress(len(self.records), self.total)

    async def call(self, item: _Item) -> None:
        started = time.perf_counter()
        try:
            response, attempts = await self.policy.run(
                lambda: with_timeout(self.target.call(item.request), self.timeout_s)
            )
        except TargetError as exc:
            self.n_calls += 1
            self.n_errors += 1
            measured = (time.perf_counter() - started) * 1000
            await self.finish(item, None, exc, measured, cached=False)
            self.check_budget()
            return
        self.n_calls += 1
        self.n_attempts += attempts
        measured = (time.perf_counter() - started) * 1000
        latency = response.latency_ms if response.latency_ms is not None else measured
        if self.target.cacheable:
            self.pending.append(
                (item.key, self.target_id, {**response.to_dict(), "latency_ms": latency})
            )
            self.flush_cache()
        await self.finish(item, response, None, latency, cached=False)

    def check_budget(self) -> None:
        if (
            self.n_calls >= _MIN_CALLS_FOR_BUDGET
            and self.n_errors / self.n_calls > self.max_error_rate
        ):
            self.abort_reason = (
                f"error budget exceeded: {self.n_errors} of {self.n_calls} calls failed "
                f"(more than {self.max_error_rate:.0%})"
            )

    async def worker(self, queue: Iterator[_Item]) -> None:
        for item in queue:
            if self.abort_reason is not None:
                return
            await self.call(item)


def _items(datasets: Sequence[Dataset], repeats: int, target: Target, identity: Any) -> list[_Item]:
    """Cases × repeats, each with its cache key.

    The key hashes (target identity, request payload, repeat index); the
    identity's canonical text is made once, not per case.
    """
    prefix = canonical_json(identity).encode("utf-8") + b"\x1f"
    items = []
    for dataset in datasets:
        for case in dataset.cases:
            for repeat in range(repeats):
                request = TargetRequest(
                    case.id, case.input, repeat, case.context, case.tags, case.metadata
                )
                payload = canonical_json(target.request_payload(request)).encode("utf-8")
                key = hashlib.sha256(prefix + payload + b"\x1f%d" % repeat).hexdigest()[:32]
                items.append(_Item(dataset.ref, case, repeat, request, key))
    return items


async def execute_suite(
    suite: Suite,
    store: Store,
    *,
    base_dir: Path = Path(),
    no_cache: bool = False,
    progress: ProgressFn | None = None,
) -> Run:
    """Run ``suite`` and store the run.

    Args:
        suite: The validated suite.
        store: The open store (the writer).
        base_dir: Directory the suite's relative paths are resolved against.
        no_cache: Call the target even where a cached response exists.
        progress: Called with (done, total) as records complete.

    Returns:
        The stored run with its summary.

    Raises:
        ConfigError: Bad target or scorer configuration.
        InputError: A dataset file with problems.
    """
    started_at = datetime.now(UTC)
    run_id = new_run_id()
    datasets = resolve_datasets(suite, base_dir, store)
    scorers = build_scorers(suite)
    target = build_target(suite.target, base_dir)
    identity = target.identity()
    target_id = content_hash(identity, length=16)
    items = _items(datasets, suite.repeats, target, identity)
    policy = RetryPolicy(
        max_attempts=suite.retry.max_attempts,
        base_delay_s=suite.retry.base_delay_s,
        max_delay_s=suite.retry.max_delay_s,
        rng=random.Random(suite.seed),
    )
    ex = _Execution(
        store,
        run_id,
        target,
        target_id,
        [(name, s, s.spec.version, s.spec.hash) for name, s in scorers],
        policy,
        suite.timeout_s,
        suite.max_error_rate,
        progress,
        total=len(items),
    )
    use_cache = target.cacheable and not no_cache
    cached = lookup_cached(store, [i.key for i in items]) if use_cache else {}
    try:
        for item in items:
            hit = cached.get(item.key)
            if hit is not None:
                ex.n_cache_hits += 1
                response = TargetResponse.from_dict(hit)
                await ex.finish(item, response, None, response.latency_ms, cached=True)
        todo = iter([i for i in items if i.key not in cached])
        async with target:
            workers = [ex.worker(todo) for _ in range(min(suite.concurrency, len(items)) or 1)]
            await asyncio.gather(*workers)
    finally:
        # Whatever happens (Ctrl-C included), keep the calls already paid for.
        ex.flush_cache(force=True)
    manifest = {
        "run_id": run_id,
        "suite": {
            "name": suite.name,
            "description": suite.description,
            "config_hash": suite.config_hash,
        },
        "datasets": [
            {"name": d.name, "version": d.version, "n_cases": len(d.cases), "source": d.source}
            for d in datasets
        ],
        "target": {**identity, "id": target_id},
        "scorers": [
            # "name" is what the scores are stored under; "scorer" what made them.
            {**s.spec.to_dict(), "scorer": s.spec.name, "name": name, "spec_hash": s.spec.hash}
            for name, s in scorers
        ],
        "config": {
            "repeats": suite.repeats,
            "concurrency": suite.concurrency,
            "timeout_s": suite.timeout_s,
            "retry": suite.retry.model_dump(),
            "max_error_rate": suite.max_error_rate,
            "no_cache": no_cache,
        },
        "tags": suite.tags,
        "seed": suite.seed,
        "git": git_state(base_dir),
        "packages": package_versions(),
        "started_at": started_at.isoformat(),
        "ended_at": datetime.now(UTC).isoformat(),
        "counts": {
            "records": len(ex.records),
            "planned": len(items),
            "calls": ex.n_calls,
            "attempts": ex.n_attempts,
            "errors": ex.n_errors,
            "cache_hits": ex.n_cache_hits,
        },
        "abort_reason": ex.abort_reason,
    }
    status = "aborted" if ex.abort_reason else "completed"
    row = {
        "run_id": run_id,
        "name": suite.name,
        "status": status,
        "started_at": started_at,
        "ended_at": datetime.now(UTC),
        "target_id": target_id,
        "datasets": manifest["datasets"],
        "manifest": manifest,
        "n_records": len(ex.records),
        "n_errors": ex.n_errors,
        "n_cache_hits": ex.n_cache_hits,
    }
    save_run(store, row, ex.records, ex.scores)
    summary = summarize_run(store, run_id)
    update_run_summary(store, run_id, summary.to_dict())
    return Run(run_id, suite.name, status, manifest, summary, store.path)

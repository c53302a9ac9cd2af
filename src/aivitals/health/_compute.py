"""``compute_health``: the health score per window and slice, explained."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from threadpoolctl import threadpool_limits

from aivitals.health._change import SliceSums, describe_change
from aivitals.health._config import TRUST, HealthConfig, default_health_config
from aivitals.health._data import pull
from aivitals.health._estimate import (
    Row,
    RowValues,
    names_needed,
    poisson_weights,
    row_values,
    rows_of,
)
from aivitals.health._fall import largest_fall
from aivitals.health._impact import IMPACT_METRICS, METHOD, estimate_impact
from aivitals.health._report import HealthReport, HealthWindow, TrustResult
from aivitals.health._score import Scored, group_scores, score_components
from aivitals.health._tree import tree_links
from aivitals.metrics import get_metric, parse_window
from aivitals.store import Store

__all__ = ["compute_health"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class _Computed:
    row: Row
    values: RowValues
    window: HealthWindow


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def _score_row(
    row: Row,
    values: RowValues,
    config: HealthConfig,
    dims: Sequence[str],
    *,
    seconds: int | None,
    alpha: float,
) -> HealthWindow:  # fmt: skip
    trust: Scored | None = None
    if config.trust is not None:
        trust = score_components(config.trust.components, values, alpha)
    main = score_components(config.components, values, alpha, trust=trust)
    return HealthWindow(
        window_start=None if seconds is None else _EPOCH + timedelta(seconds=row.window),
        slice={} if row.slice is None else dict(zip(dims, row.slice, strict=True)),
        score=main.score,
        ci_low=main.ci_low,
        ci_high=main.ci_high,
        n_sessions=values.n_sessions,
        band=config.bands.band(main.score),
        components=main.components,
        groups=group_scores(main.components),
        trust=None if trust is None else TrustResult(
            trust.score, trust.ci_low, trust.ci_high, trust.components
        ),
    )  # fmt: skip


def _slice_sums(
    config: HealthConfig, now: Sequence[_Computed], before: Sequence[_Computed]
) -> dict[str, tuple[SliceSums, tuple[float, float]]]:
    """Per ratio-of-sums component: numerators per slice now/before, total denominators."""
    out: dict[str, tuple[SliceSums, tuple[float, float]]] = {}
    overall_now, overall_before = now[0].values, before[0].values
    for c in config.components:
        if c.metric == TRUST or get_metric(c.metric).kind == "quantile":
            continue
        sums: dict[tuple[tuple[str, str | None], ...], tuple[float, float]] = {}
        for side, rows in ((0, now[1:]), (1, before[1:])):
            for r in rows:
                key = tuple(sorted(r.window.slice.items(), key=lambda kv: kv[0]))
                pair = list(sums.get(key, (0.0, 0.0)))
                pair[side] = r.values.num[c.metric]
                sums[key] = (pair[0], pair[1])
        totals = (overall_now.den[c.metric], overall_before.den[c.metric])
        out[c.metric] = (sums, totals)
    return out


def _with_change(config: HealthConfig, computed: list[_Computed], sliced: bool) -> list[_Computed]:
    by_window: dict[int, list[_Computed]] = {}
    for item in computed:
        by_window.setdefault(item.row.window, []).append(item)
    starts = sorted(by_window)
    out = []
    for item in computed:
        position = starts.index(item.row.window)
        if position == 0:
            out.append(item)
            continue
        before_rows = by_window[starts[position - 1]]
        previous = next((b for b in before_rows if b.row.slice == item.row.slice), None)
        w = item.window
        if previous is None or w.score is None or previous.window.score is None:
            out.append(item)
            continue
        slices = None
        if sliced and item.row.slice is None:
            slices = _slice_sums(config, by_window[item.row.window], before_rows)
        change = describe_change(
            w.components,
            previous.window.components,
            score_now=w.score,
            score_before=previous.window.score,
            previous_window_start=previous.window.window_start,
            slice_=w.slice,
            slices=slices,
        )
        out.append(replace(item, window=replace(w, change=change)))
    return out


def _baseline(config: HealthConfig, computed: list[_Computed], item: _Computed) -> _Computed | None:
    assert config.impact is not None
    same = [c for c in computed if c.row.slice == item.row.slice]
    earlier = [c for c in same if c.row.window < item.row.window]
    if config.impact.baseline == "previous":
        return earlier[-1] if earlier else None
    if config.impact.baseline == "first":
        return same[0] if same and same[0] is not item else None
    start = _utc(datetime.fromisoformat(config.impact.baseline))
    found = [c for c in same if c.window.window_start == start]
    return found[0] if found and found[0] is not item else None


def _with_impact(config: HealthConfig, computed: list[_Computed], alpha: float) -> list[_Computed]:
    if config.impact is None:
        return computed
    out = []
    for item in computed:
        base = _baseline(config, computed, item)
        if base is None:
            out.append(item)
            continue
        impact = estimate_impact(
            config.impact, item.values, base.values, base.window.window_start, alpha
        )
        out.append(replace(item, window=replace(item.window, impact=impact)))
    return out


def compute_health(
    store: Store,
    config: HealthConfig | None = None,
    *,
    window: str | None = "1d",
    by: Sequence[str] = (),
    since: datetime | None = None,
    until: datetime | None = None,
    alpha: float = 0.05,
    seed: int = 0,
) -> HealthReport:
    """The health score (0–100) per window and slice, with intervals and explanations.

    Component values equal ``compute_metrics``' for the same window and
    slice; the score's interval is a Poisson bootstrap over sessions (see
    docs/design/health.md). With ``by``, each window has an all-traffic row
    first and then one row per slice value.

    Args:
        store: An open store.
        config: The health configuration; default the shipped one
            (:func:`default_health_config`).
        window: Window length (``1h``, ``1d``) or ``all``/None.
        by: Slice attributes: ``model_version`` or tag keys.
        since: Only traffic at or after this (UTC if naive).
        until: Only traffic before this.
        alpha: One minus the confidence level.
        seed: Seed of the bootstrap weights.

    Raises:
        ValueError: A malformed window, slice or time range, or alpha outside (0, 1).
    """
    config = config or default_health_config()
    seconds = parse_window(window)
    dims = tuple(by)
    if len(set(dims)) != len(dims) or any(not d.strip() for d in dims):
        raise ValueError(f"by: slice names must be distinct and non-empty, got {list(dims)}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha}")
    start, end = _utc(since), _utc(until)
    if start is not None and end is not None and start >= end:
        raise ValueError(f"since ({since}) must be before until ({until})")
    trust_names = [c.metric for c in config.trust.components] if config.trust else []
    names = names_needed(
        [
            [c.metric for c in config.components],
            trust_names,
            [n for e in config.tree for n in (e.driver, e.outcome)],
            IMPACT_METRICS if config.impact else (),
        ]
    )
    pulled = pull(
        store, names, seconds=seconds, dims=dims, since=start, until=end,
        config=config.metrics, buckets=config.bootstrap.buckets,
    )  # fmt: skip
    weights = poisson_weights(config.bootstrap.replicates, config.bootstrap.buckets, seed)
    computed = []
    # Per-row products are small (replicates × buckets): BLAS threads only add
    # hand-off cost, measured at 10-70x slower on a 2-core machine.
    with threadpool_limits(limits=1):
        rows = [
            (row, row_values(row, pulled.metrics, weights))
            for row in rows_of(pulled, sliced=bool(dims))
        ]
    for row, values in rows:
        computed.append(
            _Computed(
                row, values, _score_row(row, values, config, dims, seconds=seconds, alpha=alpha)
            )
        )
    computed = _with_impact(config, _with_change(config, computed, bool(dims)), alpha)
    overall = [c for c in computed if c.row.slice is None]
    series: dict[str, list[float | None]] = {
        n: [c.values.value.get(n) for c in overall] for n in names
    }
    series[TRUST] = [c.window.trust.score if c.window.trust else None for c in overall]
    return HealthReport(
        name=config.name,
        window=window,
        by=dims,
        bands=config.bands.model_dump(),
        windows=tuple(c.window for c in computed),
        largest_fall=largest_fall([c.window for c in computed]),
        tree=tuple(tree_links(config.tree, series, alpha)),
        impact_config=({**config.impact.model_dump(), "method": METHOD} if config.impact else None),
        bootstrap={
            **config.bootstrap.model_dump(),
            "method": "Poisson bootstrap over session buckets, percentile interval",
            "seed": seed,
        },
    )

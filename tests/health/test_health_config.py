"""Health configuration: points mapping, bands, validation and the shipped default."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from aivitals.errors import ConfigError
from aivitals.health import Bands, Component, default_health_config, load_health_config, points


def pts(component: Component, value: float) -> float:
    return float(points(component, np.array([value]))[0])


@pytest.mark.parametrize(
    ("bad", "good", "value", "expected"),
    [
        (0.5, 0.9, 0.5, 0.0),
        (0.5, 0.9, 0.7, 50.0),
        (0.5, 0.9, 0.8, 75.0),
        (0.5, 0.9, 0.95, 100.0),  # past good: clipped
        (0.5, 0.9, 0.1, 0.0),  # past bad: clipped
        (8000, 2000, 5000, 50.0),  # lower is better
        (8000, 2000, 3500, 75.0),
        (8000, 2000, 9000, 0.0),
        (8000, 2000, 100, 100.0),
    ],
)
def test_linear_mapping_both_directions(bad, good, value, expected):
    assert pts(Component(metric="csat", bad=bad, good=good), value) == pytest.approx(expected)


@pytest.mark.parametrize(("bad", "good"), [(0.5, 0.9), (8000.0, 2000.0)])
def test_logistic_mapping_hits_the_bounds_and_is_monotone(bad, good):
    c = Component(metric="latency_p95", bad=bad, good=good, curve="logistic", steepness=8)
    assert pts(c, bad) == pytest.approx(0.0, abs=1e-9)
    assert pts(c, good) == pytest.approx(100.0)
    assert pts(c, (bad + good) / 2) == pytest.approx(50.0)
    xs = np.linspace(bad, good, 50)
    ys = points(c, xs)
    assert np.all(np.diff(ys) > 0)
    # S-shaped: flatter than linear near the bounds, steeper in the middle.
    assert pts(c, bad + 0.1 * (good - bad)) < 10.0
    # Reference: 100 * (expit(8 * (0.25 - 0.5)) - expit(-4)) / (expit(4) - expit(-4))
    assert pts(c, bad + 0.25 * (good - bad)) == pytest.approx(10.4994, abs=1e-4)


@pytest.mark.parametrize(
    ("score", "band"),
    [(95, "healthy"), (80, "healthy"), (79.9, "watch"), (60, "watch"), (10, "critical"),
     (None, "insufficient")],
)  # fmt: skip
def test_bands(score, band):
    assert Bands(healthy=80, watch=60).band(score) == band


def test_default_config_is_valid_and_complete():
    config = default_health_config()
    assert config.name == "customer-support-assistant"
    assert {c.group for c in config.components} == {"technical", "quality", "ux", "business"}
    assert config.trust is not None and config.impact is not None and config.tree


def test_errors_name_file_line_and_field(tmp_path: Path):
    path = tmp_path / "health.yaml"
    path.write_text(
        "name: x\n"
        "components:\n"
        "  - metric: csat\n"
        "    bad: 0.4\n"
        "    good: 0.9\n"
        "  - metric: no_such_metric\n"
        "    bad: 1\n"
        "    good: 2\n"
        "    weight: -1\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as info:
        load_health_config(path)
    problems = {p.field: p for p in info.value.problems}
    assert problems["components.1.metric"].line == 6
    assert problems["components.1.weight"].line == 9
    assert all(p.file == str(path) for p in problems.values())


@pytest.mark.parametrize(
    ("component", "message"),
    [
        ("{metric: csat, bad: 1, good: 1}", "bad and good must be finite and different"),
        ("{metric: trust, bad: 0, good: 100}", "no trust section"),
        ("{metric: csat, bad: 0, good: 1, group: vibes}", "group"),
    ],
)
def test_invalid_components_are_refused(tmp_path: Path, component: str, message: str):
    path = tmp_path / "h.yaml"
    path.write_text(f"components:\n  - {component}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_health_config(path)

"""The README's "Walkthrough: instrument an app", run for real.

A ``vitals serve`` subprocess takes what the two toy apps in
``examples/toy_app`` send (SDK over HTTP, OpenTelemetry over OTLP/HTTP);
``vitals metrics`` then reads it back. The commands quoted in the README are
checked against the CLI and the apps, so the two cannot drift apart.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from tests.serving import serve_process
from typer.testing import CliRunner

from aivitals.cli import app
from aivitals.simulate import LatencySpikeIncident, default_scenario
from aivitals.store import Store

ROOT = Path(__file__).resolve().parents[1]
TOY = ROOT / "examples" / "toy_app"
README = (ROOT / "README.md").read_text(encoding="utf-8")
ENV = {**os.environ, "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}


def walkthrough() -> str:
    """The walkthrough subsection of the README."""
    start = README.index("### Walkthrough: instrument an app")
    end = README.index("\n## ", start)
    return README[start:end]


def quoted_commands() -> list[list[str]]:
    """Every command line of the walkthrough's ``sh`` blocks, as words."""
    blocks = re.findall(r"```sh\n(.*?)```", walkthrough(), flags=re.S)
    lines = [line.split(" #")[0].strip() for block in blocks for line in block.splitlines()]
    return [shlex.split(line.rstrip("&")) for line in lines if line and not line.startswith("kill")]


def vitals(*args: str) -> list[str]:
    return [sys.executable, "-m", "aivitals", *args]


def serve(store: Path) -> Any:
    return serve_process(store, env=ENV)


def run_app(script: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(TOY / script), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=ENV,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def metrics(store: Path, *args: str) -> list[dict[str, Any]]:
    result = CliRunner().invoke(app, ["metrics", *args, "--json", "--store", str(store)])
    assert result.exit_code == 0, result.output
    values: list[dict[str, Any]] = json.loads(result.output)
    return values


def test_toy_apps_through_the_server_to_metrics(tmp_path: Path) -> None:
    pytest.importorskip("opentelemetry.sdk", reason="otel_app.py needs the OpenTelemetry SDK")
    store = tmp_path / "toy.duckdb"
    created = CliRunner().invoke(app, ["serve", "--store", str(store), "--create-key", "toy"])
    assert created.exit_code == 0, created.output
    key = created.output.strip().splitlines()[-1]

    with serve(store) as (proc, url):
        sdk_out = run_app("sdk_app.py", "--url", url, "--key", key, "--sessions", "240")
        otel_out = run_app("otel_app.py", "--url", url, "--key", key, "--sessions", "30")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0

    sent = re.search(r"sent (\d+) interactions and (\d+) events", sdk_out)
    assert sent, sdk_out
    interactions, events = int(sent.group(1)), int(sent.group(2))
    assert "rejected 0, dropped 0" in sdk_out
    assert "exported 30 spans and 30 evaluation events" in otel_out
    with Store(store) as opened:
        assert opened.one(
            "SELECT count(*) FROM records WHERE source = 'prod' AND session_id LIKE 'toy-%'"
        ) == (interactions,)
        assert opened.one("SELECT count(*) FROM events") == (events,)
        assert opened.one(
            "SELECT count(*) FROM records WHERE tags['service.name'] = 'toy-support-bot'"
        ) == (30,)
        assert opened.one("SELECT count(*) FROM scores WHERE scorer = 'resolved'") == (30,)

    by_segment = metrics(
        store,
        *("csat", "task_completion_rate", "escalation_rate", "latency_p95"),
        *("--window", "all", "--by", "segment"),
    )
    segments = {v["slice"]["segment"] for v in by_segment}
    assert {"free", "pro", "enterprise"} <= segments
    toy = [v for v in by_segment if v["slice"]["segment"] is not None]
    assert {v["metric"] for v in toy} == {
        "csat",
        "task_completion_rate",
        "escalation_rate",
        "latency_p95",
    }
    for value in toy:
        assert value["n"] > 0 and value["value"] is not None, value
        assert value["ci_low"] is not None and value["ci_high"] is not None, value
        assert value["ci_low"] <= value["value"] <= value["ci_high"], value
    sessions = {v["slice"]["segment"]: v["n"] for v in toy if v["metric"] == "task_completion_rate"}
    with Store(store) as opened:
        # OTLP spans carry their segment as aivitals.tag.segment, so both apps' sessions count.
        assert opened.one("SELECT count(*) FROM records WHERE tags['segment'] IS NULL") == (0,)
        stored = opened.query(
            "SELECT tags['segment'] AS segment, count(DISTINCT session_id) AS n "
            "FROM records GROUP BY ALL"
        )
    assert sessions == {row["segment"]: row["n"] for row in stored}
    assert sum(sessions.values()) == 240 + 30
    completion = {v["metric"]: v for v in toy if v["slice"]["segment"] == "free"}
    escalated = completion["escalation_rate"]["value"]
    # OTLP sessions carry no outcome events: neither completed nor escalated.
    assert completion["task_completion_rate"]["value"] + escalated <= 1

    (resolved,) = metrics(store, "pass_rate:resolved", "--window", "all")
    assert resolved["n"] == 30 and resolved["ci_low"] <= resolved["value"] <= resolved["ci_high"]


def test_the_sdk_app_writes_a_store_without_a_server(tmp_path: Path) -> None:
    store = tmp_path / "toy.duckdb"
    out = run_app("sdk_app.py", "--store", str(store), "--sessions", "9")
    assert "delivered" in out and "rejected 0, dropped 0" in out
    with Store(store) as opened:
        assert opened.one("SELECT count(DISTINCT session_id) FROM records") == (9,)


@pytest.mark.parametrize("words", quoted_commands(), ids=" ".join)
def test_readme_walkthrough_commands_exist(words: list[str], tmp_path: Path) -> None:
    if words[0] == "python":
        script = ROOT / words[1]
        assert script.parent == TOY and script.exists(), words
        wanted = [w for w in words[2:] if w.startswith("--")]
        usage = run_app(script.name, "--help")
    else:
        assert words[0] == "vitals", words
        if words[1] == "metrics":
            # Run it on an empty store: metric names, options and times must all parse.
            args = words[1:]
            args[args.index("--store") + 1] = str(tmp_path / "empty.duckdb")
            result = CliRunner().invoke(app, args)
            assert result.exit_code == 0, result.output
            return
        wanted = [w for w in words[2:] if w.startswith("--")]
        result = CliRunner().invoke(app, [words[1], "--help"], terminal_width=200)
        assert result.exit_code == 0, result.output
        usage = result.output
    for option in wanted:
        assert option in usage, f"{option} is not an option of {' '.join(words[:2])}"


def test_readme_incident_hours_are_the_simulated_spike() -> None:
    spike = next(i for i in default_scenario().incidents if i.id == "latency-spike")
    assert isinstance(spike, LatencySpikeIncident)
    start, end = spike.start, spike.end
    text = walkthrough()
    assert f"{start.day} March, {start:%H:%M}–{end:%H:%M}" in text.replace("\n", " ")
    since = re.search(r"--since (\S+) --until (\S+)", text)
    assert since, "the incident command lost its --since/--until"
    assert datetime.fromisoformat(since.group(1)) < start.replace(tzinfo=None)
    assert datetime.fromisoformat(since.group(2)) > end.replace(tzinfo=None)

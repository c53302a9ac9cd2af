"""Runs against a real OpenAI-compatible server on 127.0.0.1."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from aivitals import evaluate
from aivitals.store import Store
from aivitals.testing import FakeOpenAIServer


def write_suite(tmp_path: Path, base_url: str, n: int, **extra: object) -> Path:
    rows = [
        {
            "id": f"c{i}",
            "input": f"question {i}",
            "expected": f"answer: question {i}",
            "segment": "a" if i % 2 else "b",
        }
        for i in range(n)
    ]
    (tmp_path / "golden.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8"
    )
    suite = {
        "name": "http-suite",
        "dataset": {"path": "golden.jsonl", "mapping": {"tags": ["segment"]}},
        "target": {"type": "openai", "base_url": base_url, "model": "m", "api_key_env": "TEST_KEY"},
        "scorers": ["normalized_match", {"scorer": "latency_budget", "args": {"max_ms": 5000}}],
        "retry": {"max_attempts": 3, "base_delay_s": 0.05},
        **extra,
    }
    path = tmp_path / "suite.json.yaml"
    path.write_text(json.dumps(suite), encoding="utf-8")  # JSON is YAML
    return path


@pytest.fixture
def server() -> FakeOpenAIServer:
    with FakeOpenAIServer(api_key="sk-test-secret") as running:
        yield running


def test_run_with_retries_and_no_secret_in_the_store(
    tmp_path: Path, server: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_KEY", "sk-test-secret")
    server.script("429", "500")
    suite = write_suite(tmp_path, server.base_url, 20, concurrency=4)
    with Store(tmp_path / "s.duckdb") as store:
        run = evaluate(suite, store=store)
        assert run.summary.n_errors == 0
        assert run.manifest["counts"]["attempts"] == 22
        match = next(s for s in run.summary.scorers if s.scorer == "normalized_match")
        assert match.estimate.value == 1.0
        dump = json.dumps(store.query("SELECT manifest FROM runs")) + json.dumps(
            store.query("SELECT response FROM call_cache")
        )
    assert "sk-test-secret" not in dump
    assert b"sk-test-secret" not in (tmp_path / "s.duckdb").read_bytes()


def test_repeats_are_distinct_calls(
    tmp_path: Path, server: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_KEY", "sk-test-secret")
    suite = write_suite(tmp_path, server.base_url, 5, repeats=3)
    with Store(tmp_path / "s.duckdb") as store:
        run = evaluate(suite, store=store)
        assert run.summary.n_records == 15
        assert server.count() == 15
        evaluate(suite, store=store)
        assert server.count() == 15


def test_ctrl_c_then_resume_makes_no_repeated_calls(
    tmp_path: Path, server: FakeOpenAIServer
) -> None:
    server.latency_ms = 100
    n = 60
    suite = write_suite(tmp_path, server.base_url, n, concurrency=2)
    env = {**os.environ, "TEST_KEY": "sk-test-secret", "VITALS_STORE": str(tmp_path / "s.duckdb")}
    command = [sys.executable, "-m", "aivitals", "eval", "run", str(suite)]
    # A shell running the suite in the background leaves SIGINT ignored, and
    # children inherit that; Ctrl-C is what this test is about, so the child
    # puts Python's own handler back before running the command.
    interruptible = [
        sys.executable,
        "-c",
        "import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
        "sys.argv = ['vitals', *sys.argv[1:]]; runpy.run_module('aivitals', run_name='__main__')",
        *command[3:],
    ]
    first = subprocess.Popen(
        interruptible,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while server.count() < 12 and time.monotonic() < deadline:
        time.sleep(0.05)
    first.send_signal(signal.SIGINT)
    _, err = first.communicate(timeout=60)
    assert first.returncode == 130, err
    assert "run the same command again to resume" in err
    calls_before = server.count()
    assert 12 <= calls_before < n

    second = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert second.returncode == 0, second.stderr
    with Store(tmp_path / "s.duckdb") as store:
        (hits,) = store.one("SELECT n_cache_hits FROM runs")
        (runs,) = store.one("SELECT count(*) FROM runs")
    assert runs == 1  # the interrupted attempt left no half-written run
    new_calls = server.count() - calls_before
    assert hits + new_calls == n
    assert hits >= calls_before - 2  # at most the calls in flight at Ctrl-C are lost

"""``vitals demo`` end to end: the story a new user reads."""

import json
import os
import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aivitals.cli import app


def test_demo_evaluates_both_versions_and_names_the_voice_regression(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("VITALS_STORE", raising=False)
    result = CliRunner().invoke(app, ["demo", "--no-serve"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "lumen-support-v1 (completed)" in out
    assert "lumen-support-v2 (completed)" in out
    changed = out.split("Slices that changed significantly")[1].split("Release gate")[0]
    assert "voice" in changed
    gate = out.split("Release gate for v2")[1]
    assert "gate FAIL" in gate
    assert "FAIL         channel-non-inferior [channel=voice]" in gate
    assert (tmp_path / ".vitals" / "demo" / "gate.junit.xml").is_file()
    week = out.split("A week in production")[1]
    assert "lumen-v2" in week and "channel=voice" in week
    assert list((tmp_path / ".vitals").glob("sim-*.truth.json"))
    assert (tmp_path / ".vitals" / "vitals.duckdb").is_file()
    assert (tmp_path / ".vitals" / "demo" / "suite_v2.yaml").is_file()
    # The health view names the voice channel's drop, and the static report
    # shows the numbers `vitals health --json` prints.
    health = out.split("AI health by day")[1]
    assert "Largest fall: channel=voice" in health
    page = (tmp_path / ".vitals" / "demo" / "health.html").read_text(encoding="utf-8")
    shown = re.search(r'data-key="score" data-value="([^"]*)"', page)
    assert shown, "no score on the static health report"
    printed = CliRunner().invoke(app, ["health", "--by", "channel", "--json"])
    assert printed.exit_code == 0, printed.output
    windows = json.loads(printed.stdout)["windows"]
    overall = [w for w in windows if not w["slice"] and w["score"] is not None]
    assert float(shown.group(1)) == pytest.approx(overall[-1]["score"])
    # The suites the demo wrote are ordinary suites: a re-run hits the cache.
    again = CliRunner().invoke(app, ["eval", "run", ".vitals/demo/suite_v1.yaml", "--json"])
    assert again.exit_code == 0, again.output
    assert '"n_cache_hits": 600' in again.stdout


def test_demo_ends_serving_the_dashboard_on_the_simulated_week(tmp_path: Path) -> None:
    # As `make demo` runs it: the tour, then the dashboard until Ctrl-C.
    env = {k: v for k, v in os.environ.items() if k != "VITALS_STORE"}
    proc = subprocess.Popen(
        [sys.executable, "-c", "from aivitals.cli import main; main()", "demo", "--port", "0"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if "listening on" in line:
                break
        assert "listening on" in lines[-1], "".join(lines[-20:])
        url = lines[-1].split("listening on ")[1].split()[0]
        with urllib.request.urlopen(url + "/api/v1/overview?by=channel", timeout=120) as answer:
            overview = json.loads(answer.read())
        assert overview["largest_fall"]["slice"] == {"channel": "voice"}
        with urllib.request.urlopen(url + "/?by=channel", timeout=60) as page:
            assert page.status == 200 and "Largest fall: channel=voice" in page.read().decode()
        proc.send_signal(signal.SIGINT)
        assert proc.wait(60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)

import json
from pathlib import Path

from typer.testing import CliRunner

from aivitals import evaluate
from aivitals.cli import app
from aivitals.store import Store


def test_compare_command_json_and_markdown(bots: Path, tmp_path: Path, monkeypatch, suite) -> None:
    db = tmp_path / "cli.duckdb"
    with Store(db) as store:
        a = evaluate(suite(bots, "good"), store=store)
        b = evaluate(suite(bots, "worse_on_voice"), store=store)
    monkeypatch.setenv("VITALS_STORE", str(db))
    runner = CliRunner()
    done = runner.invoke(app, ["compare", a.id, b.id, "--json", "--md", str(tmp_path / "c.md")])
    assert done.exit_code == 0, done.output
    data = json.loads(done.stdout)
    regressed = {
        (c["scorer"], c["slice_value"]) for c in data["comparisons"] if c["verdict"] == "regressed"
    }
    assert ("exact_match", "voice") in regressed
    assert "channel=voice" in (tmp_path / "c.md").read_text(encoding="utf-8")
    table = runner.invoke(app, ["compare", a.id, b.id])
    assert "Slices that changed significantly" in table.stdout
    assert "voice" in table.stdout
    missing = runner.invoke(app, ["compare", a.id, "nope"])
    assert missing.exit_code == 2

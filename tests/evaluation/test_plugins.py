"""Third-party scorers register through the ``aivitals.scorers`` entry points."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path


def test_an_installed_plugin_scorer_is_found_by_name(tmp_path: Path) -> None:
    (tmp_path / "shouty.py").write_text(
        textwrap.dedent(
            """
            from aivitals import Score, scorer

            @scorer(name="shouting", version="2", register=False)
            def shouting(*, min_ratio: float = 0.5):
                async def score(record):
                    text = record.output or ""
                    letters = [c for c in text if c.isalpha()]
                    ratio = sum(c.isupper() for c in letters) / max(len(letters), 1)
                    return Score(value=ratio, passed=ratio >= min_ratio)
                return score
            """
        ),
        encoding="utf-8",
    )
    dist = tmp_path / "shouty-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: shouty\nVersion: 1.0\n", encoding="utf-8"
    )
    (dist / "entry_points.txt").write_text(
        "[aivitals.scorers]\nshouting = shouty:shouting\n", encoding="utf-8"
    )
    code = textwrap.dedent(
        """
        import asyncio, json
        from aivitals.model import Record
        from aivitals.scorers import create_scorer, registry
        s = create_scorer("shouting", {"min_ratio": 0.9})
        score = asyncio.run(s(Record(id="1", source="t", input="x", output="HELLO there")))
        out = {"names": registry.names(), "spec": s.spec.to_dict(), "passed": score.passed}
        print(json.dumps(out))
        """
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    result = json.loads(done.stdout)
    assert "shouting" in result["names"]
    assert result["spec"] == {
        "name": "shouting",
        "version": "2",
        "args": {"min_ratio": 0.9},
        "threshold": None,
    }
    assert result["passed"] is False

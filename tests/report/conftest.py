"""Runs with hostile text, a 10,000-case pair of runs, and a page parser.

Runs use the ``recorded`` target (outputs read from a JSONL file): fast, and
any output text can be planted. Session-scoped builders make each store once.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from aivitals import evaluate
from aivitals.comparison import compare_runs
from aivitals.report import MAX_TABLE_ROWS, render_comparison_report, render_run_report
from aivitals.store import Store

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"

#: Text that runs script if a page inserts it unescaped.
PAYLOADS = (
    "<script>window.__pwned=1</script>",
    '<img src=x onerror="window.__pwned=1">',
    '"><svg onload=window.__pwned=1>',
    "javascript:window.__pwned=1",
    '\'><iframe srcdoc="<script>parent.__pwned=1</script>"></iframe>',
    "</textarea></script><script>window.__pwned=1</script>",
    '<a href="javascript:window.__pwned=1">click</a>',
    "<style>body{background:url(https://evil.example/x.png)}</style>",
    "{{ 7*7 }}{% raw %}",
)

HOSTILE_SCORER = '<img src=x onerror="window.__pwned=1">'


def write_jsonl(path: Path, rows: Iterable[Mapping[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def recorded_suite(
    directory: Path, name: str, outputs: str, *, tags: list[str], scorers: list[Any]
) -> dict[str, Any]:
    return {
        "name": name,
        "dataset": {
            "path": str(directory / "golden.jsonl"),
            "mapping": {"input": "input", "expected": "expected", "tags": tags},
        },
        "target": {"type": "recorded", "path": str(directory / outputs)},
        "scorers": scorers,
        "max_error_rate": 1.0,
    }


@dataclass(frozen=True)
class Reports:
    """Two runs in a store file and the HTML reports written for them."""

    store_path: Path
    base_id: str
    cand_id: str
    run_html: Path
    comparison_html: Path


def _write_reports(directory: Path, store_path: Path, base_id: str, cand_id: str) -> Reports:
    with Store(store_path) as store:
        run_html = directory / "run.html"
        run_html.write_text(render_run_report(store, cand_id), encoding="utf-8")
        comparison = compare_runs(store, base_id, cand_id, max_flips=MAX_TABLE_ROWS)
        comparison_html = directory / "comparison.html"
        comparison_html.write_text(render_comparison_report(store, comparison), encoding="utf-8")
    return Reports(store_path, base_id, cand_id, run_html, comparison_html)


@pytest.fixture(scope="session")
def hostile_reports(tmp_path_factory: pytest.TempPathFactory) -> Reports:
    """Two runs whose inputs, outputs, expected answers, tags, case ids, suite
    name and a scorer name all carry script payloads; the candidate flips
    some verdicts and errors on one case."""
    directory = tmp_path_factory.mktemp("hostile")
    cases = []
    for i, payload in enumerate(PAYLOADS):
        cases.append(
            {
                "id": f"{payload}#{i}",
                "input": f"question {i}: {payload}",
                "expected": f"answer {payload}",
                "intent": payload,
                "lang": "en" if i % 2 else "<b>de</b>",
            }
        )
    cases.append(
        {
            "id": "chat",
            "input": [{"role": "user", "content": PAYLOADS[1]}],
            "expected": "fine",
            "intent": "chat",
        }
    )
    write_jsonl(directory / "golden.jsonl", cases)
    base = [
        {"id": c["id"], "output": c["expected"] if i % 3 else PAYLOADS[i % len(PAYLOADS)]}
        for i, c in enumerate(cases)
    ]
    cand = [
        {"id": c["id"], "output": PAYLOADS[-1 - i % len(PAYLOADS)] if i % 2 else c["expected"]}
        for i, c in enumerate(cases)
    ]
    write_jsonl(directory / "base.jsonl", base)
    write_jsonl(directory / "cand.jsonl", cand[:-1])  # no output for the last case: an error
    scorers = [
        {"scorer": "exact_match", "name": HOSTILE_SCORER},
        {"scorer": "squad_f1", "threshold": 0.9},
    ]
    store_path = directory / "vitals.duckdb"
    with Store(store_path) as store:
        ids = [
            evaluate(
                recorded_suite(directory, PAYLOADS[0], f, tags=["intent", "lang"], scorers=scorers),
                store=store,
            ).id
            for f in ("base.jsonl", "cand.jsonl")
        ]
    return _write_reports(directory, store_path, *ids)


BIG_N = 10_000


@pytest.fixture(scope="session")
def big_reports(tmp_path_factory: pytest.TempPathFactory) -> Reports:
    """Reports of a 10,000-case run and of its comparison with another."""
    directory = tmp_path_factory.mktemp("big")
    rng = random.Random(7)
    filler = "lorem ipsum dolor sit amet " * 4
    cases = [
        {
            "id": f"case-{i:05d}",
            "input": f"question {i}: {filler}",
            "expected": f"answer {i % 97}",
            "intent": f"intent-{i % 12}",
            "lang": rng.choice(["en", "de", "fr", "es"]),
        }
        for i in range(BIG_N)
    ]
    write_jsonl(directory / "golden.jsonl", cases)
    for name, ok in (("base.jsonl", 0.80), ("cand.jsonl", 0.83)):
        write_jsonl(
            directory / name,
            (
                {
                    "id": c["id"],
                    "output": c["expected"]
                    if rng.random() < ok
                    else f"I am not sure, but {filler}" * 3,
                }
                for c in cases
            ),
        )
    scorers = ["exact_match", {"scorer": "squad_f1", "threshold": 0.5}, "levenshtein_similarity"]
    store_path = directory / "vitals.duckdb"
    with Store(store_path) as store:
        ids = [
            evaluate(
                recorded_suite(directory, "big", f, tags=["intent", "lang"], scorers=scorers),
                store=store,
            ).id
            for f in ("base.jsonl", "cand.jsonl")
        ]
    return _write_reports(directory, store_path, *ids)


class Page(HTMLParser):
    """Tags, attributes, script bodies and table cells of an HTML page."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self.tables: dict[str, list[list[str]]] = {}
        self.classed_tables: list[tuple[str, list[list[str]]]] = []
        self._table: list[list[str]] | None = None
        self._cell: list[str] | None = None
        self._in_script = False
        self._in_body = False
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag == "script":
            self._in_script = True
            self.scripts.append("")
        elif tag == "table":
            self._table = []
            if attributes.get("id"):
                self.tables[str(attributes["id"])] = self._table
            self.classed_tables.append((attributes.get("class") or "", self._table))
        elif tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body and self._table is not None:
            self._table.append([])
        elif tag == "td" and self._in_body:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False
        elif tag == "tbody":
            self._in_body = False
        elif tag == "table":
            self._table = None
        elif tag == "td" and self._cell is not None and self._table is not None:
            self._table[-1].append(" ".join(" ".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data
        if self._cell is not None:
            self._cell.append(data)

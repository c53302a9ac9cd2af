"""The report of one run: headline, slices, distributions and failures."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.report.conftest import Page, recorded_suite, write_jsonl

from aivitals import evaluate
from aivitals.evaluation import summarize_run
from aivitals.report import MAX_CELL_CHARS, render_run_report
from aivitals.stats import Estimate
from aivitals.store import Store

ROWS = [
    ("r1", "how do I get a refund?", "Refunds within 30 days.", "refund", "en"),
    ("r2", "refund please", "Refunds within 30 days.", "refund", "de"),
    ("r3", "money back?", "Refunds within 30 days.", "refund", "en"),
    ("p1", "forgot password", "Use the reset link.", "password", "en"),
    ("p2", "reset my password", "Use the reset link.", "password", "de"),
    ("x1", "what is the weather", "Sunny.", "other", "en"),
]
OUTPUTS = {
    "r1": "Refunds within 30 days.",
    "r2": "Refunds within 30 days.",
    "r3": "No refunds, ever.",
    "p1": "Use the reset link.",
    "p2": "Use the reset link, then log in.",
    "x1": "I do not know. " + "x" * (MAX_CELL_CHARS + 234),
}


def pct(x: float | None) -> str:
    return "–" if x is None else f"{x:.1%}"


def num(x: float | None) -> str:
    return "–" if x is None else f"{x:.3g}"


def interval(est: Estimate, fmt: object) -> str:
    assert callable(fmt)
    if est.ci_low is None or est.ci_high is None:
        return est.reason or ""
    return f"[{fmt(est.ci_low)}, {fmt(est.ci_high)}]"


@pytest.fixture
def run_id(tmp_path: Path, store: Store) -> str:
    write_jsonl(
        tmp_path / "golden.jsonl",
        ({"id": i, "input": q, "expected": a, "intent": t, "lang": g} for i, q, a, t, g in ROWS),
    )
    write_jsonl(tmp_path / "out.jsonl", ({"id": k, "output": v} for k, v in OUTPUTS.items()))
    scorers = ["exact_match", {"scorer": "squad_f1", "threshold": 0.6}, "levenshtein_similarity"]
    suite = recorded_suite(tmp_path, "tiny", "out.jsonl", tags=["intent", "lang"], scorers=scorers)
    return evaluate(suite, store=store).id


def test_headline_numbers_are_the_summary_as_documented(store: Store, run_id: str) -> None:
    page = Page(render_run_report(store, run_id))
    summary = summarize_run(store, run_id)
    rows = {r[0]: r for r in page.tables["scorers"]}
    assert list(rows) == [s.scorer for s in summary.scorers]
    for s in summary.scorers:
        fmt = pct if s.metric == "pass_rate" else num
        expected = [
            s.scorer,
            s.metric.replace("_", " "),
            fmt(s.estimate.value),
            interval(s.estimate, fmt),
            str(s.estimate.n),
            str(s.missing),
            num(s.mean.value),
            interval(s.mean, num),
        ]
        assert rows[s.scorer] == expected
    exact = summary.scorers[0]
    assert (exact.estimate.value, exact.estimate.n) == (0.5, 6)
    assert rows["exact_match"][2:4] == ["50.0%", "[18.8%, 81.2%]"]


def test_every_figure_carries_its_full_precision(store: Store, run_id: str) -> None:
    page = Page(render_run_report(store, run_id))
    titles = [a["title"] for tag, a in page.tags if tag == "span" and a.get("title")]
    for s in summarize_run(store, run_id).scorers:
        est = s.estimate
        assert any(f"value {est.value!r}, n={est.n}, {est.method}" in str(t) for t in titles)


def test_slices_list_every_tag_value_with_its_interval(store: Store, run_id: str) -> None:
    page = Page(render_run_report(store, run_id))
    summary = summarize_run(store, run_id)
    shown = [row for cls, table in page.classed_tables if cls == "slices" for row in table]
    expected = []
    for sl in summary.slices:
        fmt = pct if sl.metric == "pass_rate" else num
        est = sl.estimate
        expected.append([sl.value, fmt(est.value), interval(est, fmt), str(est.n), ""])
    assert shown == expected
    svgs = [a for tag, a in page.tags if tag == "svg" and a.get("class") == "bar"]
    assert len(svgs) == len(summary.slices)


def test_distributions_have_one_histogram_per_scorer(store: Store, run_id: str) -> None:
    html = render_run_report(store, run_id)
    page = Page(html)
    hists = [a for tag, a in page.tags if tag == "svg" and a.get("class") == "hist"]
    assert [h["aria-label"] for h in hists] == [
        f"Distribution of {name}" for name in ("exact_match", "squad_f1", "levenshtein_similarity")
    ]


def test_failures_list_each_failing_record_with_why(store: Store, run_id: str) -> None:
    html = render_run_report(store, run_id)
    rows = Page(html).tables["failure-rows"]
    assert [r[0].split()[0] for r in rows] == ["p2", "r3", "x1"]
    assert "3 records failed at least one scorer or errored." in html
    r3 = next(r for r in rows if r[0].startswith("r3 "))
    assert "exact_match 0" in r3[1] and "squad_f1" in r3[1]
    assert r3[2:5] == ["money back?", "No refunds, ever.", "Refunds within 30 days."]
    assert r3[5] == "intent=refund lang=en"


def test_long_outputs_are_cut_with_a_note(store: Store, run_id: str) -> None:
    rows = Page(render_run_report(store, run_id)).tables["failure-rows"]
    x1 = next(r for r in rows if r[0].startswith("x1 "))
    assert x1[3].endswith(f"… {len(OUTPUTS['x1']) - MAX_CELL_CHARS} more characters")
    assert len(x1[3]) < MAX_CELL_CHARS + 40


def test_the_page_is_one_file_with_nothing_to_fetch(store: Store, run_id: str) -> None:
    page = Page(render_run_report(store, run_id))
    assert {"link", "img", "iframe", "object", "embed", "base"}.isdisjoint(t for t, _ in page.tags)
    for _, attrs in page.tags:
        for name in ("src", "href", "srcset", "action", "xlink:href"):
            assert name not in attrs
    csp = next(
        a["content"] for t, a in page.tags if a.get("http-equiv") == "Content-Security-Policy"
    )
    assert str(csp).startswith("default-src 'none'; script-src 'sha256-")
    assert len(page.scripts) == 1


def test_a_run_without_tags_or_failures_says_so(tmp_path: Path, store: Store) -> None:
    write_jsonl(tmp_path / "golden.jsonl", [{"id": "a", "input": "q", "expected": "yes"}])
    write_jsonl(tmp_path / "out.jsonl", [{"id": "a", "output": "yes"}])
    suite = recorded_suite(tmp_path, "clean", "out.jsonl", tags=[], scorers=["exact_match"])
    run = evaluate(suite, store=store)
    html = render_run_report(store, run.id)
    assert "This run's cases have no tags to slice by." in html
    assert "0 records failed at least one scorer or errored." in html
    assert "failure-rows" not in Page(html).tables

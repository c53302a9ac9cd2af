"""Model text with script payloads lands in the HTML only escaped."""

from __future__ import annotations

import re

import pytest
from markupsafe import escape
from tests.report.conftest import HOSTILE_SCORER, PAYLOADS, Page, Reports

DANGEROUS = [p for p in PAYLOADS if "<" in p or '"' in p]
#: Every element a report may contain: no img, iframe, a, link, object...
ALLOWED_TAGS = {
    "html", "head", "meta", "title", "style", "body", "header", "main", "footer", "section",
    "h1", "h2", "h3", "p", "div", "span", "strong", "code", "ul", "li", "dl", "dt", "dd",
    "table", "thead", "tbody", "tr", "th", "td", "details", "summary", "input", "figure",
    "figcaption", "svg", "g", "line", "circle", "rect", "text", "script",
}  # fmt: skip


@pytest.fixture(params=["run", "comparison"])
def report(request: pytest.FixtureRequest, hostile_reports: Reports) -> str:
    path = hostile_reports.run_html if request.param == "run" else hostile_reports.comparison_html
    return path.read_text(encoding="utf-8")


def test_payloads_appear_escaped_and_never_raw(report: str) -> None:
    for payload in DANGEROUS:
        assert payload not in report
        assert str(escape(payload)) in report


def test_a_hostile_scorer_name_is_escaped_in_tables_and_charts(hostile_reports: Reports) -> None:
    run = Page(hostile_reports.run_html.read_text(encoding="utf-8"))
    comparison = Page(hostile_reports.comparison_html.read_text(encoding="utf-8"))
    assert run.tables["scorers"][0][0] == HOSTILE_SCORER
    assert comparison.tables["overall"][0][0] == HOSTILE_SCORER
    labels = [a.get("aria-label") for page in (run, comparison) for t, a in page.tags if t == "svg"]
    assert f"Distribution of {HOSTILE_SCORER}" in labels
    assert f"Deltas of {HOSTILE_SCORER}" in labels


def test_the_page_has_only_our_elements_and_no_handlers(report: str) -> None:
    page = Page(report)
    assert {tag for tag, _ in page.tags} <= ALLOWED_TAGS
    for tag, attrs in page.tags:
        assert not [a for a in attrs if a.startswith("on")], (tag, attrs)
        for name in ("src", "href", "srcdoc", "xlink:href", "formaction", "style"):
            assert name not in attrs, (tag, attrs)
    assert len(page.scripts) == 1
    assert "__pwned" not in page.scripts[0]


def test_no_network_address_in_any_src_or_href(report: str) -> None:
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", report, re.I)


def test_the_hostile_page_still_shows_its_rows(hostile_reports: Reports) -> None:
    run = Page(hostile_reports.run_html.read_text(encoding="utf-8"))
    comparison = Page(hostile_reports.comparison_html.read_text(encoding="utf-8"))
    assert run.tables["failure-rows"]
    assert comparison.tables["flip-rows"]
    cells = " ".join(c for row in run.tables["failure-rows"] for c in row)
    assert PAYLOADS[1] in cells  # shown to the reader as text, exactly
    assert "error" in cells  # the candidate's case without an output

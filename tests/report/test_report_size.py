"""A 10,000-case run and its comparison make reports well under 2 MB."""

from __future__ import annotations

import pytest
from tests.report.conftest import BIG_N, Page, Reports

from aivitals.report import MAX_TABLE_ROWS

LIMIT = 2_000_000


@pytest.mark.parametrize("kind", ["run", "comparison"])
def test_reports_of_ten_thousand_cases_stay_under_2_mb(big_reports: Reports, kind: str) -> None:
    path = big_reports.run_html if kind == "run" else big_reports.comparison_html
    assert path.stat().st_size < LIMIT


def test_the_failure_table_is_capped_and_says_so(big_reports: Reports) -> None:
    html = big_reports.run_html.read_text(encoding="utf-8")
    page = Page(html)
    assert len(page.tables["failure-rows"]) == MAX_TABLE_ROWS
    assert f"Showing the first {MAX_TABLE_ROWS} of " in html
    records = page.tables["scorers"][0][4]
    assert records == f"{BIG_N:,}"


def test_the_comparison_has_a_forest_plot_per_scorer(big_reports: Reports) -> None:
    page = Page(big_reports.comparison_html.read_text(encoding="utf-8"))
    forests = [
        a["aria-label"] for tag, a in page.tags if tag == "svg" and a.get("class") == "forest"
    ]
    overall = [row[0] for row in page.tables["overall"]]
    assert sorted(overall) == ["exact_match", "levenshtein_similarity", "squad_f1"]
    assert forests == [f"Deltas of {name}" for name in overall]
    assert len(page.tables["flip-rows"]) == MAX_TABLE_ROWS

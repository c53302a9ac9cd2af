"""The dashboard in headless Chromium: clean loads, same numbers as the API, drill-down, keyboard.

Needs Debian's ``chromium`` and the ``playwright`` package (never a
downloaded browser); skips without them. Screenshots go to
``$VITALS_ARTIFACTS/vitals-web`` (default: the system's temp dir).
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.browser import BROWSER_TESTS, chromium, open_url
from tests.web.conftest import ARTIFACTS, HOSTILE_SESSION, Served
from typer.testing import CliRunner

from aivitals.cli import app

pytestmark = BROWSER_TESTS
PAGES = {
    "overview": "/?by=segment",
    "metrics": "/metrics?names=task_completion_rate,latency_p95&by=channel",
    "sessions": "/sessions",
    "session": "/sessions/" + urllib.parse.quote(HOSTILE_SESSION, safe=""),
    "runs": "/runs",
    "alerts": "/alerts",
}


@pytest.fixture(scope="module")
def browser(served: Served) -> Iterator[Any]:
    """One Chromium for the module, started after the server and its store."""
    print(f"screenshots in {ARTIFACTS}")
    with chromium() as launched:
        yield launched


open_page = open_url


def api(served: Served, path: str) -> Any:
    with urllib.request.urlopen(served.url + path, timeout=30) as response:
        return json.loads(response.read())


def values(page: Any, selector: str) -> list[float | None]:
    raw = page.eval_on_selector_all(selector, "els => els.map(e => e.dataset.value)")
    return [float(v) if v else None for v in raw]


@pytest.mark.parametrize("name", list(PAGES))
def test_page_loads_cleanly(browser: Any, served: Served, name: str) -> None:
    opened = open_page(browser, served.url + PAGES[name])
    page = opened.page
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert opened.errors == []
    assert all(r.startswith(served.url + "/") for r in opened.requests), opened.requests
    assert page.locator("h1").count() == 1
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"dashboard-{name}.png"), full_page=True)
    page.close()


def test_run_and_comparison_reports_load_cleanly(browser: Any, served: Served) -> None:
    for name, path in (
        ("run", f"/runs/{served.cand_run}"),
        ("compare", f"/runs/compare?base={served.base_run}&cand={served.cand_run}"),
    ):
        opened = open_page(browser, served.url + path)
        assert opened.errors == []
        assert opened.page.evaluate("typeof window.__pwned") == "undefined"
        opened.page.screenshot(path=str(ARTIFACTS / f"dashboard-{name}.png"), full_page=True)
        opened.page.close()


def test_numbers_shown_equal_the_api(browser: Any, served: Served) -> None:
    report = api(served, "/api/v1/overview?by=segment")
    latest = max((w for w in report["windows"] if not w["slice"]), key=lambda w: w["window_start"])
    page = open_page(browser, served.url + PAGES["overview"]).page
    assert values(page, ".card [data-key=score]") == [latest["score"]]
    assert page.locator(".card [data-key=score]").text_content() == f"{latest['score']:.1f}"
    page.close()
    query = PAGES["metrics"].removeprefix("/metrics")
    rows = api(served, "/api/v1/metrics" + query)
    page = open_page(browser, served.url + PAGES["metrics"]).page
    shown = values(page, "table.metric-rows td[data-key=value]")
    indexes = page.eval_on_selector_all(
        "table.metric-rows tr[data-index]", "els => els.map(e => +e.dataset.index)"
    )
    assert shown == [rows[i]["value"] for i in indexes]
    assert sorted(indexes) == list(range(len(rows)))
    page.close()


def test_drill_down_from_a_slice_to_a_session(browser: Any, served: Served) -> None:
    report = api(served, "/api/v1/overview?by=segment")
    latest = max((w for w in report["windows"] if not w["slice"]), key=lambda w: w["window_start"])
    worst = min(
        (
            w
            for w in report["windows"]
            if w["slice"] and w["window_start"] == latest["window_start"]
        ),
        key=lambda w: (w["score"] is None, w["score"] or 0.0),
    )
    page = open_page(browser, served.url + PAGES["overview"]).page
    page.locator("#worst-slices tbody tr").first.locator(
        "td"
    ).first.click()  # the row, not the link
    page.wait_for_url("**/sessions?**")
    assert "slice.segment=" + urllib.parse.quote_plus(worst["slice"]["segment"]) in page.url
    rows = page.locator("#session-rows tbody tr")
    assert rows.count() > 0
    rows.first.locator("a").click()
    page.wait_for_url("**/sessions/sim-**")
    assert page.locator("article.turn").count() >= 1
    assert page.locator("#h-events").is_visible()
    page.close()


def focus_until(page: Any, predicate: str, limit: int = 60) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(predicate):
            return
    raise AssertionError(f"never focused: {predicate}")


def test_keyboard_reaches_nav_and_drill_down_rows(browser: Any, served: Served) -> None:
    page = open_page(browser, served.url + PAGES["overview"]).page
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    focus_until(page, "document.activeElement.textContent === 'Metrics'")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # visible focus
    page.keyboard.press("Enter")
    page.wait_for_url("**/metrics")
    page.goto(served.url + PAGES["overview"])
    focus_until(page, "!!document.activeElement.closest('#worst-slices')")
    page.keyboard.press("Enter")
    page.wait_for_url("**/sessions?**")
    focus_until(page, "!!document.activeElement.closest('#session-rows')")
    page.keyboard.press("Enter")
    page.wait_for_url("**/sessions/**")
    assert page.locator("article.turn").count() >= 1
    page.close()


def test_health_html_file_loads_offline(browser: Any, served: Served, tmp_path: Path) -> None:
    out = tmp_path / "health.html"
    args = ["health", "--by", "segment", "--html", str(out), "--store", str(served.store_path)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    opened = open_page(browser, out.as_uri())
    page = opened.page
    assert opened.errors == []
    assert all(r.startswith("file://") for r in opened.requests), opened.requests
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("#worst-slices tbody tr").count() > 0
    styled = "getComputedStyle(document.querySelector('.band')).backgroundColor"
    assert page.evaluate(styled) != "rgba(0, 0, 0, 0)"  # the inlined stylesheet applies
    page.screenshot(path=str(ARTIFACTS / "health-file.png"), full_page=True)
    page.close()

"""Reports opened in headless Chromium: nothing executes, nothing is fetched.

Needs Debian's ``chromium`` and the ``playwright`` package (never a
downloaded browser); skips without them. Screenshots of every page go to
``artifacts/screenshots/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.browser import BROWSER_TESTS, Opened, chromium, open_url
from tests.report.conftest import ARTIFACTS, PAYLOADS, Reports

pytestmark = BROWSER_TESTS


@pytest.fixture(scope="module")
def browser(hostile_reports: Reports, big_reports: Reports) -> Iterator[Any]:
    """One Chromium for the module, started after the stores are built.

    The reports are requested first so that no run (``asyncio.run``) is made
    while Playwright's own event loop is alive.
    """
    with chromium() as launched:
        yield launched


def open_report(browser: Any, path: Path) -> Opened:
    return open_url(browser, path.as_uri())


def pwned(page: Any) -> str:
    return str(page.evaluate("typeof window.__pwned"))


def test_the_detector_sees_a_payload_that_runs(browser: Any) -> None:
    page = browser.new_page()
    page.set_content(f"<body>{PAYLOADS[1]}</body>")
    page.wait_for_function("window.__pwned === 1", timeout=5000)
    page.close()


@pytest.mark.parametrize("kind", ["run", "comparison"])
def test_hostile_report_runs_nothing_and_fetches_nothing(
    browser: Any, hostile_reports: Reports, kind: str
) -> None:
    path = hostile_reports.run_html if kind == "run" else hostile_reports.comparison_html
    opened = open_report(browser, path)
    page = opened.page
    assert pwned(page) == "undefined"
    search = page.locator("input[data-filter]")
    search.press_sequentially("pwned", delay=5)
    status = page.locator(f"#{search.get_attribute('data-status')}").text_content() or ""
    assert " of " in status and "rows match" in status
    if kind == "comparison":
        page.locator("details summary").first.click()  # open the table of all comparisons
    page.mouse.move(300, 300)
    page.wait_for_timeout(100)
    assert pwned(page) == "undefined"
    assert opened.errors == []
    assert opened.requests == [path.as_uri()]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"report-hostile-{kind}.png"), full_page=True)
    page.close()


@pytest.mark.parametrize("kind", ["run", "comparison"])
def test_big_report_loads_cleanly_and_search_filters(
    browser: Any, big_reports: Reports, kind: str
) -> None:
    path = big_reports.run_html if kind == "run" else big_reports.comparison_html
    opened = open_report(browser, path)
    page = opened.page
    table = "failure-rows" if kind == "run" else "flip-rows"
    rows = page.locator(f"#{table} tbody tr")
    total = rows.count()
    assert total > 0
    first_case = (rows.first.locator("td").first.text_content() or "").split()[0]
    page.locator("input[data-filter]").fill(first_case)
    visible = page.locator(f"#{table} tbody tr:not([hidden])").count()
    assert 0 < visible < total
    page.locator("input[data-filter]").fill("")
    assert page.locator(f"#{table} tbody tr:not([hidden])").count() == total
    assert opened.errors == []
    assert opened.requests == [path.as_uri()]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"report-10k-{kind}.png"))
    page.close()

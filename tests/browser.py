"""What the browser tests share: Debian's chromium driven by Playwright.

Never a browser download: the tests use ``chromium`` from PATH (``.ci/run``
installs Debian's) and skip, saying so, where it or Playwright is missing.
"""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium")
SKIP_REASON = "no chromium found (install Debian's chromium)"
MISSING = CHROMIUM is None or importlib.util.find_spec("playwright") is None
#: Mark a browser test module with this.
BROWSER_TESTS = [pytest.mark.browser, pytest.mark.skipif(MISSING, reason=SKIP_REASON)]
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@contextmanager
def chromium() -> Iterator[Any]:
    """One headless Chromium (a Playwright ``Browser``) for the block."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield launched
        finally:
            launched.close()


@dataclass
class Opened:
    """A page with what it logged and requested since it was opened."""

    page: Any
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


def open_url(browser: Any, url: str) -> Opened:
    """Open ``url`` in a new 1280×900 page, recording console errors and requests."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    opened = Opened(page)
    page.on("console", lambda m: opened.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: opened.errors.append(str(e)))
    page.on("request", lambda r: opened.requests.append(r.url))
    page.goto(url, wait_until="load")
    return opened

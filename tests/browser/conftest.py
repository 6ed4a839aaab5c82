"""A real browser for the public pages: headless Chromium from Debian's ``chromium`` package, driven by
Playwright for Python (Playwright's own browser download is not reachable here; ``make browser`` installs the
package). Without it these tests are skipped on a developer's machine but FAIL when ``CI=true``: a broken CI
image must never turn them into silent skips.

Every page is opened with the network cut off: a request for anything but a ``file://`` URL is aborted and
reported, so the site is proven self-contained (no CDN, nothing fetched at view time).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Route

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """One xdist worker should run all browser tests, sharing one Chromium and the sites built per module.

    Note: pytest-xdist 3.8 under pytest 9 ignores ``xdist_group`` (it renames ``item._nodeid``, which pytest 9
    no longer reads), so for now each worker may build its own sites; the tests do not depend on it.
    """
    for item in items:
        if Path(str(item.fspath)).parent == Path(__file__).parent:
            item.add_marker(pytest.mark.xdist_group("browser"))


def unavailable(reason: str) -> None:
    if os.environ.get("CI", "").strip().lower() in ("true", "1", "yes"):
        pytest.fail(f"{reason} (CI=true: browser tests must run, not skip)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        hint = "make browser" if shutil.which("make") else "apt-get install chromium"
        unavailable(f"{CHROMIUM} is missing: install Debian's chromium package ({hint})")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:  # pragma: no cover - the test extra installs it
        unavailable(f"Playwright for Python is not installed: {error}")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class Watched:
    """A page with what went wrong on it: script errors, console errors, attempts to reach the network."""

    page: Page
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        assert self.errors == [], self.errors
        assert self.requests == [], f"the site asked the network for {self.requests}"


@pytest.fixture
def open_page(browser: Browser) -> Iterator[Any]:
    """``open_page(viewport, javascript=True)`` → a Watched page; each is checked clean and closed afterwards."""
    opened: list[Watched] = []

    def make(viewport: dict[str, int] | None = None, *, javascript: bool = True) -> Watched:
        context = browser.new_context(viewport=viewport or DESKTOP, locale="vi-VN", java_script_enabled=javascript)
        page = context.new_page()
        watched = Watched(page)
        page.on("pageerror", lambda error: watched.errors.append(str(error)))
        page.on("console", lambda message: watched.errors.append(message.text) if message.type == "error" else None)

        def only_files(route: Route) -> None:
            if route.request.url.startswith("file://"):
                route.continue_()
            else:
                watched.requests.append(route.request.url)
                route.abort()

        page.route("**/*", only_files)
        opened.append(watched)
        return watched

    yield make
    try:
        for watched in opened:
            watched.assert_clean()
    finally:
        for watched in opened:
            watched.page.context.close()

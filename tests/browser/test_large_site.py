"""A site of 100,000 results stays usable: its first page renders in under a second, only one page of rows is
ever in the DOM, and paging, searching and filtering answer over all of them."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from onestop.publish import PublishSummary, publish_site
from sla.periods import parse_period
from tests.browser.sample_ledger import FAMILIES, GIVENS, MIDDLES, PERIOD, bulk_ledger, personal_data
from tests.helpers import NOW, sqlite_url

ROWS = 100_000
PAGE_SIZE = 50
FIRST_PAGE_BUDGET_S = 1.0
SLOW_MS = 20_000  # reading 100,000 records on a busy test machine: only the first page has a time budget


@dataclass(frozen=True)
class LargeSite:
    out: Path
    summary: PublishSummary
    secrets: set[str]


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> LargeSite:
    root = tmp_path_factory.mktemp("large")
    ledger = bulk_ledger(sqlite_url(root / "ledger.db"), rows=ROWS)
    summary = publish_site(ledger, period=parse_period(PERIOD), out_dir=root / "site", now=NOW)
    secrets = personal_data(ledger)
    ledger.engine.dispose()
    return LargeSite(root / "site", summary, secrets)


def status(first: str, last: str, total: str) -> str:
    return f"Hiển thị {first}–{last} trên tổng số {total} hồ sơ"


FIRST_ROW_PAINTED = """() => new Promise((resolve) => {
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) if (entry.identifier === "first-row") resolve(entry.renderTime);
  }).observe({ type: "element", buffered: true });
  setTimeout(() => resolve(null), 5000);
})"""


def first_page_times(open_page: Any, site: Path) -> tuple[float, float]:
    """(seconds from navigation to the first row visible, as Playwright sees it; seconds from navigation start
    to the first row painted, as the browser itself records it with the Element Timing API).

    The visitor arrives from the apology page, as from the site's menu: the browser's process for the site is
    up, so what is timed is the page, not the start of a renderer process."""
    page: Page = open_page().page
    page.goto((site / "apologies.html").as_uri())
    url = (site / "index.html").as_uri()
    started = time.perf_counter()
    page.goto(url, wait_until="commit")
    page.locator("#records tbody tr").first.wait_for(state="visible")
    visible = time.perf_counter() - started
    painted = page.evaluate(FIRST_ROW_PAINTED)
    assert painted is not None, "the first row was never painted"
    return visible, painted / 1000


def test_the_first_page_of_100000_results_renders_in_under_a_second(
    large: LargeSite, open_page: Any, tmp_path: Path
) -> None:
    """Measured from navigation to the first table row visible. The best of five fresh pages is kept, so that
    a busy test machine (other workers, other jobs) measures the site rather than the scheduler."""
    assert large.summary.results_published == ROWS
    url = (large.out / "index.html").as_uri()

    attempts = [first_page_times(open_page, large.out) for _ in range(5)]

    visible, painted = min(attempts)
    assert visible < FIRST_PAGE_BUDGET_S and painted < FIRST_PAGE_BUDGET_S, f"(visible, painted) s: {attempts}"
    page: Page = open_page().page
    page.goto(url)
    expect(page.locator("#records")).to_have_attribute("aria-busy", "false", timeout=SLOW_MS)  # records read
    expect(page.locator("#status")).to_have_text(status("1", "50", "100.000"))
    expect(page.locator(".pager")).to_be_visible()
    assert page.locator("#records tbody tr").count() == PAGE_SIZE
    assert page.locator("#records tr").count() == PAGE_SIZE + 1  # the header row and one page: nothing more
    assert page.locator("tr").count() < PAGE_SIZE + 30  # the totals tables are the only other rows
    page.screenshot(path=tmp_path / "index-100000.png")


def test_paging_through_100000_results(large: LargeSite, open_page: Any) -> None:
    page: Page = open_page().page
    page.goto((large.out / "index.html").as_uri())
    expect(page.locator("#records")).to_have_attribute("aria-busy", "false", timeout=SLOW_MS)

    page.get_by_role("button", name="Sau ›").click()
    expect(page.locator("#status")).to_have_text(status("51", "100", "100.000"))
    page.get_by_role("button", name="Trang cuối »").click()
    expect(page.locator("#status")).to_have_text(status("99.951", "100.000", "100.000"))
    expect(page.locator(".page-label")).to_have_text("Trang 2.000/2.000")
    assert page.get_by_role("button", name="Sau ›").is_disabled()
    page.get_by_role("button", name="« Trang đầu").click()
    expect(page.locator("#status")).to_have_text(status("1", "50", "100.000"))
    assert page.locator("#records tbody tr").count() == PAGE_SIZE


def test_searching_and_filtering_100000_results(large: LargeSite, open_page: Any, tmp_path: Path) -> None:
    nguyen = sum(1 for n in range(ROWS) if n % len(FAMILIES) == 0)  # the bulk ledger's names cycle families
    certification = sum(1 for n in range(ROWS) if n % 3 == 1)  # and procedures: every third is a certification
    page: Page = open_page().page
    page.goto((large.out / "index.html").as_uri())
    expect(page.locator("#records")).to_have_attribute("aria-busy", "false", timeout=SLOW_MS)

    page.fill("#search", "nguyen")
    expect(page.locator("#status")).to_have_text(status("1", "50", f"{nguyen:,}".replace(",", ".")), timeout=SLOW_MS)
    assert all(name.startswith("Nguyễn ") for name in page.locator("#records tbody td:nth-child(4)").all_inner_texts())

    page.fill("#search", "")
    page.select_option("#filter-field", label="Chứng thực")
    expect(page.locator("#status")).to_have_text(
        status("1", "50", f"{certification:,}".replace(",", ".")), timeout=SLOW_MS
    )
    assert set(page.locator("#records tbody td:nth-child(3)").all_inner_texts()) == {"Chứng thực"}
    assert page.locator("#records tbody tr").count() == PAGE_SIZE
    page.screenshot(path=tmp_path / "index-100000-filtered.png")


def test_the_large_site_holds_no_id_number_phone_or_full_name(large: LargeSite) -> None:
    """Every file, against every ID number and phone of the ledger (as digit runs) and every full name (any
    family name followed by a full middle name, or a middle name followed by a full given name)."""
    numbers = {s for s in large.secrets if s.isdigit()}
    assert len(numbers) == 2 * ROWS
    full_name = re.compile(
        rf"(?:{'|'.join(FAMILIES)})\s+(?:{'|'.join(MIDDLES)})\b|(?:{'|'.join(MIDDLES)})\s+(?:{'|'.join(GIVENS)})\b"
    )
    for path in (p for p in large.out.rglob("*") if p.is_file()):
        text = path.read_text(encoding="utf-8")
        assert numbers.isdisjoint(re.findall(r"\d+", text)), path.name
        assert full_name.search(text) is None, path.name
        assert "phố Bulk" not in text, path.name  # the addresses

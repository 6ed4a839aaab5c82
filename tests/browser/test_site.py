"""The public pages in a real browser: row counts against the ledger, accent-insensitive search, filters, the
apology register, privacy, accessibility and the phone layout (DOMAIN 8-9; Decree 13/2023/NĐ-CP).

A screenshot of each page is written to the test's temporary folder.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import col, select

from onestop.catalogue import field_labels
from onestop.db import session_scope
from onestop.i18n import t
from onestop.models import Apology, Dossier
from onestop.publish import PublishSummary, publish_site
from onestop.text import fold
from sla.periods import parse_period, period_bounds
from tests.browser.conftest import PHONE
from tests.browser.sample_ledger import (
    PERIOD,
    Sample,
    build_sample_ledger,
    completed_in_period,
    leaks,
    nfd,
    personal_data,
    spellings,
)
from tests.helpers import NOW, TZ, sqlite_url

OUTCOME_LABELS = {o: t(f"outcome.{o}", "vi") for o in ("early", "on_time", "late")}


@dataclass(frozen=True)
class Site:
    sample: Sample
    out: Path
    summary: PublishSummary

    def uri(self, name: str) -> str:
        return (self.out / name).as_uri()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    root = tmp_path_factory.mktemp("published")
    sample = build_sample_ledger(sqlite_url(root / "ledger.db"))
    summary = publish_site(sample.ledger, period=parse_period(PERIOD), out_dir=root / "site", now=NOW)
    return Site(sample, root / "site", summary)


def opened(open_page: Any, site: Site, name: str, viewport: dict[str, int] | None = None) -> Page:
    """A page whose script has read its records (the table is no longer busy)."""
    page: Page = open_page(viewport).page
    page.goto(site.uri(name))
    expect(page.locator("#records tbody tr").first).to_be_visible()
    expect(page.locator("#records")).to_have_attribute("aria-busy", "false")
    return page


def status_for(n: int, noun: str = "hồ sơ") -> str:
    return f"Hiển thị 1–{n} trên tổng số {n} {noun}"


def column(page: Page, n: int) -> list[str]:
    """The texts of the n-th column (1-based) of the records table; the first column is a row header."""
    cell = "th" if n == 1 else f"td:nth-child({n})"
    return page.locator(f"#records tbody {cell}").all_inner_texts()


def applicants(site: Site) -> dict[str, str]:
    with session_scope(site.sample.ledger.engine) as session:
        return dict(session.exec(select(Dossier.code, Dossier.applicant)).all())


def test_the_results_page_lists_every_dossier_completed_in_the_period(
    site: Site, open_page: Any, tmp_path: Path
) -> None:
    expected = completed_in_period(site.sample.ledger)

    page = opened(open_page, site, "index.html")

    assert page.locator("#records tbody tr").count() == len(expected) == site.summary.results_published
    assert set(column(page, 1)) == set(expected)
    expect(page.locator("#status")).to_have_text(status_for(len(expected)))
    by_outcome = Counter(outcome for _, outcome in expected.values())
    shown = dict(zip(page.locator("#totals-outcome tbody th").all_inner_texts(),
                     page.locator("#totals-outcome tbody td:nth-child(2)").all_inner_texts(), strict=True))  # fmt: skip
    assert shown == {OUTCOME_LABELS[o]: str(by_outcome[o]) for o in OUTCOME_LABELS}
    labels = field_labels("vi")
    by_field = Counter(labels[f] for f, _ in expected.values())
    shown = dict(zip(page.locator("#totals-field tbody th").all_inner_texts(),
                     page.locator("#totals-field tbody td:nth-child(5)").all_inner_texts(), strict=True))  # fmt: skip
    assert shown == {label: str(n) for label, n in by_field.items()}
    page.screenshot(path=tmp_path / "index.png", full_page=True)


@pytest.mark.parametrize("typed", ["nguyen", "NGUYEN", "Nguyễn", nfd("nguyễn"), "  nguyen  "])
def test_searching_ignores_accents_case_and_spacing(site: Site, open_page: Any, tmp_path: Path, typed: str) -> None:
    names = applicants(site)
    wanted = sorted(c for c in site.sample.published if fold(names[c]).startswith("nguyen"))
    page = opened(open_page, site, "index.html")

    page.fill("#search", typed)

    expect(page.locator("#status")).to_have_text(status_for(len(wanted)))
    assert sorted(column(page, 1)) == wanted and len(wanted) == 2
    assert all(name.startswith("Nguyễn ") for name in column(page, 4))
    page.screenshot(path=tmp_path / "index-search.png", full_page=True)


def test_searching_finds_a_procedure_typed_without_accents(site: Site, open_page: Any) -> None:
    page = opened(open_page, site, "index.html")

    page.fill("#search", "dang ky khai sinh")

    expect(page.locator("#status")).to_have_text(status_for(2))
    assert set(column(page, 2)) == {"Đăng ký khai sinh"}
    page.fill("#search", "khong co ai ten nay")
    expect(page.locator("#status")).to_have_text("Không có hồ sơ nào phù hợp.")
    assert page.locator("#records tbody tr").count() == 0


def test_the_field_and_outcome_filters_narrow_the_list(site: Site, open_page: Any, tmp_path: Path) -> None:
    expected = completed_in_period(site.sample.ledger)
    certification = sorted(c for c, (f, _) in expected.items() if f == "certification")
    page = opened(open_page, site, "index.html")

    page.select_option("#filter-field", label="Chứng thực")

    expect(page.locator("#status")).to_have_text(status_for(len(certification)))
    assert sorted(column(page, 1)) == certification and set(column(page, 3)) == {"Chứng thực"}
    page.screenshot(path=tmp_path / "index-filter.png", full_page=True)

    page.select_option("#filter-field", value="")
    page.select_option("#filter-outcome", label=OUTCOME_LABELS["late"])
    expect(page.locator("#status")).to_have_text(status_for(1))
    assert column(page, 1) == [site.sample.late_code] and column(page, 8) == ["Quá hạn"]

    page.select_option("#filter-outcome", value="")
    page.select_option("#filter-field", label="Hộ tịch")
    page.fill("#search", "nguyen")
    names = applicants(site)
    both = [c for c, (f, _) in expected.items() if f == "civil_status" and fold(names[c]).startswith("nguyen")]
    expect(page.locator("#status")).to_have_text(status_for(len(both)))
    assert column(page, 1) == both


def test_the_apology_register_lists_the_periods_apologies(site: Site, open_page: Any, tmp_path: Path) -> None:
    start_at, end_at = period_bounds(parse_period(PERIOD), TZ)
    with session_scope(site.sample.ledger.engine) as session:
        issued = session.exec(
            select(Apology.id).where(col(Apology.issued_at) >= start_at, col(Apology.issued_at) < end_at)
        ).all()

    page = opened(open_page, site, "apologies.html")

    assert page.locator("#records tbody tr").count() == len(issued) == site.summary.apologies_published == 1
    cells = [column(page, n)[0] for n in range(1, 9)]
    assert cells == [
        "1/2023",
        site.sample.late_code,
        "Cấp giấy xác nhận tình trạng hôn nhân",
        "Phạm M. Đ.",
        "09/03/2023 17:00",
        "14/03/2023 17:00",
        "Chờ xác minh; đã báo ông Phạm M. Đ. qua số ***, thư ***",
        "08/03/2023 09:00",
    ]
    page.fill("#search", "pham")
    expect(page.locator("#status")).to_have_text(status_for(1, "phiếu xin lỗi"))
    page.screenshot(path=tmp_path / "apologies.png", full_page=True)


def test_no_personal_data_of_the_ledger_is_in_any_file_or_on_any_page(site: Site, open_page: Any) -> None:
    secrets = personal_data(site.sample.ledger)
    assert len(secrets) >= 40  # ten people: name, ID number, phone and address each

    assert leaks(site.out, secrets) == []
    for name in ("index.html", "apologies.html"):
        page = opened(open_page, site, name)
        shown = page.locator("body").inner_text() + page.content()
        assert [s for s in secrets if any(v in shown for v in spellings(s))] == []


@pytest.mark.parametrize("name", ["index.html", "apologies.html"])
def test_the_first_page_is_drawn_without_any_script_as_the_script_draws_it(
    site: Site, open_page: Any, name: str
) -> None:
    """The first rows are in the HTML itself: they show at once, and without JavaScript; the script draws the
    same rows from the records (here: after a search that matches nothing, then an empty one)."""
    static: Page = open_page(javascript=False).page
    static.goto(site.uri(name))
    scripted = opened(open_page, site, name)

    scripted.fill("#search", "khong co ho so nao")
    expect(scripted.locator("#records tbody tr")).to_have_count(0)
    scripted.fill("#search", "")
    expect(scripted.locator("#records tbody tr")).to_have_count(static.locator("#records tbody tr").count())
    drawn = static.inner_html("#records tbody").replace(' elementtiming="first-row"', "")
    assert drawn == scripted.inner_html("#records tbody")
    assert static.inner_text("#status") == scripted.inner_text("#status")
    assert static.locator(".pager").is_hidden() and static.get_attribute("#records", "aria-busy") is None


CONTRAST = """(selectors) => {
  const channels = (c) => c.match(/[\\d.]+/g).map(Number);
  const linear = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  const luminance = ([r, g, b]) => 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
  const background = (el) => {
    for (; el; el = el.parentElement) {
      const c = channels(getComputedStyle(el).backgroundColor);
      if (c.length < 4 || c[3] > 0) return c;
    }
    return [255, 255, 255];
  };
  return selectors.map((selector) => {
    const el = document.querySelector(selector);
    if (!el) return [selector, null];
    const a = luminance(channels(getComputedStyle(el).color)), b = luminance(background(el));
    return [selector, (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)];
  });
}"""
TEXTS = ["body", ".site-header h1", ".site-header .period", ".site-header nav a", ".hint", "caption",
         "#status", "#records thead th", "#records tbody th", "#records tbody td", ".pager button",
         ".site-footer p"]  # fmt: skip
TAGS = [".tag-outcome-0", ".tag-outcome-1", ".tag-outcome-2"]


@pytest.mark.parametrize("name", ["index.html", "apologies.html"])
def test_the_pages_are_accessible(site: Site, open_page: Any, name: str) -> None:
    page = opened(open_page, site, name)

    assert page.get_attribute("html", "lang") == "vi"
    assert "width=device-width" in (page.get_attribute("meta[name=viewport]", "content") or "")
    assert page.locator("h1").count() == 1 and page.locator("#records caption").count() == 1
    assert page.locator("th:not([scope])").count() == 0  # every header says what it heads
    for control in page.locator("input, select").all():
        ident = control.get_attribute("id")
        assert ident and page.locator(f"label[for='{ident}']").count() == 1
    assert page.get_attribute("#status", "aria-live") == "polite"
    ratios = dict(page.evaluate(CONTRAST, TEXTS + (TAGS if name == "index.html" else [])))
    assert {s: r for s, r in ratios.items() if r is None or r < 4.5} == {}  # WCAG 2.1 AA, 1.4.3


@pytest.mark.parametrize("name", ["index.html", "apologies.html"])
def test_a_phone_gets_one_card_per_record_and_no_sideways_scrolling(
    site: Site, open_page: Any, tmp_path: Path, name: str
) -> None:
    page = opened(open_page, site, name, PHONE)

    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    first = page.locator("#records tbody tr").first
    assert first.evaluate("row => getComputedStyle(row).display") == "block"
    assert first.locator("td").first.evaluate("td => getComputedStyle(td, '::before').content") != "none"
    page.screenshot(path=tmp_path / f"{name.removesuffix('.html')}-phone.png", full_page=True)

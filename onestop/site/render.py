"""The public pages: the templates filled with a Publication, the records beside them, data.json.

Compute once, render per format (STYLE 9): ``onestop.publish`` selects the records; here they become two
HTML pages, each with its records in a script beside it (``index.data.js``, ``apologies.data.js``, read by
``assets/site.js``: no fetch, so the site works from ``file://`` and never needs the network), and one JSON
file for other portals. The first page of rows is drawn into the HTML itself. Records travel as compact
rows (procedures, fields and outcomes as indexes into lookup lists) so that 100,000 of them stay a few
megabytes. Accessibility (WCAG 2.1 AA): lang="vi", captions, ``<th scope>``, labelled controls, contrast of
at least 4.5:1 (``assets/site.css``).
"""

from __future__ import annotations

import datetime as dt
import html
import json
from collections import Counter
from importlib import resources
from string import Template
from typing import TYPE_CHECKING, Any

from onestop.catalogue import field_labels
from onestop.i18n import t

if TYPE_CHECKING:
    from onestop.publish import Publication, PublicResult

LANG = "vi"  # the public pages are in Vietnamese, whatever --lang the officer uses
PAGE_SIZE = 50
OUTCOMES = ("early", "on_time", "late")
ASSETS = ("assets/site.css", "assets/site.js")
RESULT_COLUMNS = ("code", "procedure", "field", "applicant", "received", "due", "completed", "outcome")
APOLOGY_COLUMNS = ("number", "code", "procedure", "applicant", "original_due", "new_due", "reason", "issued")
FIELD_COLUMN, OUTCOME_COLUMN = RESULT_COLUMNS.index("field"), RESULT_COLUMNS.index("outcome")
NOWRAP = frozenset({"code", "applicant", "received", "due", "completed", "original_due", "new_due", "issued"})
# What the status line says (filled in here for the first page, by assets/site.js afterwards): showing, none.
RESULT_TEXTS = ("Hiển thị {from}–{to} trên tổng số {total} hồ sơ", "Không có hồ sơ nào phù hợp.")
APOLOGY_TEXTS = (
    "Hiển thị {from}–{to} trên tổng số {total} phiếu xin lỗi",
    "Không có phiếu xin lỗi nào phù hợp.",
)


def render_site(pub: Publication) -> dict[str, str]:
    """Every file of the site, by its path relative to the site's folder."""
    site = resources.files("onestop.site")
    files = {name: site.joinpath(name).read_text(encoding="utf-8") for name in ASSETS}
    files["index.html"], files["index.data.js"] = render_index(pub)
    files["apologies.html"], files["apologies.data.js"] = render_apologies(pub)
    files["data.json"] = json.dumps(public_json(pub), ensure_ascii=False, separators=(",", ":"))
    return files


# --- index.html: results ------------------------------------------------------------------------------------
def render_index(pub: Publication) -> tuple[str, str]:
    """index.html and its records (index.data.js)."""
    fields = field_order(pub.results)
    labels = field_labels(LANG)
    procedures = Lookup()
    rows = [
        [
            r.code,
            procedures.index(r.procedure),
            fields.index(r.field),
            r.applicant,
            local(r.received_at, pub),
            local(r.appointment_at, pub),
            local(r.completed_at, pub),
            OUTCOMES.index(r.outcome),
        ]
        for r in pub.results
    ]
    payload = {
        "page_size": PAGE_SIZE,
        "cells": [None, "procedure", "field", None, None, None, None, "outcome"],
        "lookups": {
            "procedure": procedures.items,
            "field": [labels.get(f, f) for f in fields],
            "outcome": [t(f"outcome.{o}", LANG) for o in OUTCOMES],
        },
        "rows": rows,
    }
    field_options = "".join(option(i, labels.get(f, f)) for i, f in enumerate(fields))
    outcome_options = "".join(option(i, t(f"outcome.{o}", LANG)) for i, o in enumerate(OUTCOMES))
    page = fill(
        "index.html",
        pub,
        outcome_totals=outcome_totals(pub.results),
        field_totals=field_totals(pub.results, fields, labels),
        field_options=field_options,
        outcome_options=outcome_options,
        field_column=str(FIELD_COLUMN),
        outcome_column=str(OUTCOME_COLUMN),
        headers=headers(RESULT_COLUMNS),
        **first_page(payload, RESULT_COLUMNS, RESULT_TEXTS),
    )
    return page, data_script(payload)


def outcome_totals(results: tuple[PublicResult, ...]) -> str:
    """One row per classification (early, on time, late; Circular 01/2018 Art. 13), with its share."""
    counts = Counter(r.outcome for r in results)
    total = len(results)
    body = "".join(
        f'<tr><th scope="row">{esc(t(f"outcome.{o}", LANG))}</th><td class="num">{number(counts[o])}</td>'
        f'<td class="num">{share(counts[o], total)}</td></tr>'
        for o in OUTCOMES
    )
    return (
        '<table class="totals" id="totals-outcome"><caption>Số hồ sơ đã giải quyết theo kết quả</caption>'
        '<thead><tr><th scope="col">Kết quả</th><th scope="col">Số hồ sơ</th><th scope="col">Tỷ lệ</th></tr>'
        f"</thead><tbody>{body}</tbody>"
        f'<tfoot><tr><th scope="row">Tổng số</th><td class="num">{number(total)}</td>'
        f'<td class="num">{share(total, total)}</td></tr></tfoot></table>'
        '<p class="share">Tỷ lệ giải quyết trước hạn và đúng hạn: '
        f"<strong>{share(counts['early'] + counts['on_time'], total)}</strong></p>"
    )


def field_totals(results: tuple[PublicResult, ...], fields: list[str], labels: dict[str, str]) -> str:
    counts = Counter((r.field, r.outcome) for r in results)
    heads = "".join(f'<th scope="col">{esc(t(f"outcome.{o}", LANG))}</th>' for o in OUTCOMES)
    body = []
    for f in fields:
        cells = "".join(f'<td class="num">{number(counts[(f, o)])}</td>' for o in OUTCOMES)
        total = sum(counts[(f, o)] for o in OUTCOMES)
        body.append(f'<tr><th scope="row">{esc(labels.get(f, f))}</th>{cells}<td class="num">{number(total)}</td></tr>')
    foot = "".join(f'<td class="num">{number(sum(counts[(f, o)] for f in fields))}</td>' for o in OUTCOMES)
    return (
        '<table class="totals" id="totals-field"><caption>Số hồ sơ đã giải quyết theo lĩnh vực</caption>'
        f'<thead><tr><th scope="col">Lĩnh vực</th>{heads}<th scope="col">Tổng số</th></tr></thead>'
        f"<tbody>{''.join(body)}</tbody>"
        f'<tfoot><tr><th scope="row">Tổng số</th>{foot}<td class="num">{number(len(results))}</td></tr>'
        "</tfoot></table>"
    )


def field_order(results: tuple[PublicResult, ...]) -> list[str]:
    """The period's fields in the catalogue's order (data/fields.csv), unknown ones last."""
    present = {r.field for r in results}
    known = [f for f in field_labels(LANG) if f in present]
    return known + sorted(present - set(known))


# --- apologies.html -----------------------------------------------------------------------------------------
def render_apologies(pub: Publication) -> tuple[str, str]:
    """apologies.html and its records (apologies.data.js)."""
    procedures = Lookup()
    rows = [
        [
            f"{a.number}/{a.year}",
            a.code,
            procedures.index(a.procedure),
            a.applicant,
            local(a.original_due_at, pub),
            local(a.new_due_at, pub),
            a.reason,
            local(a.issued_at, pub),
        ]
        for a in pub.apologies
    ]
    payload = {
        "page_size": PAGE_SIZE,
        "cells": [None, None, "procedure", None, None, None, None, None],
        "lookups": {"procedure": procedures.items},
        "rows": rows,
    }
    page = fill(
        "apologies.html",
        pub,
        count=number(len(rows)),
        headers=headers(APOLOGY_COLUMNS),
        **first_page(payload, APOLOGY_COLUMNS, APOLOGY_TEXTS),
    )
    return page, data_script(payload)


# --- data.json: the same public records for other portals ---------------------------------------------------
def public_json(pub: Publication) -> dict[str, Any]:
    labels = field_labels(LANG)
    counts = Counter(r.outcome for r in pub.results)
    by_field = Counter((r.field, r.outcome) for r in pub.results)
    fields = field_order(pub.results)
    return {
        "office": {"code": pub.office_code, "name": pub.office_name},
        "period": {"label": pub.period.label, "start": pub.period.start.isoformat(),
                   "end": pub.period.end.isoformat()},
        "published_at": iso(pub.published_at, pub),
        "totals": {
            **{o: counts[o] for o in OUTCOMES},
            "total": len(pub.results),
            "by_field": [
                {"field": f, "label": labels.get(f, f), **{o: by_field[(f, o)] for o in OUTCOMES},
                 "total": sum(by_field[(f, o)] for o in OUTCOMES)}
                for f in fields
            ],
            "apologies": len(pub.apologies),
        },
        "results": [
            {"code": r.code, "procedure_code": r.procedure_code, "procedure": r.procedure, "field": r.field,
             "field_label": labels.get(r.field, r.field), "applicant": r.applicant,
             "received_at": iso(r.received_at, pub), "appointment_at": iso(r.appointment_at, pub),
             "completed_at": iso(r.completed_at, pub), "outcome": r.outcome}
            for r in pub.results
        ],
        "apologies": [
            {"number": a.number, "year": a.year, "code": a.code, "procedure": a.procedure,
             "applicant": a.applicant, "original_appointment_at": iso(a.original_due_at, pub),
             "new_appointment_at": iso(a.new_due_at, pub),
             "reason": a.reason, "issued_at": iso(a.issued_at, pub)}
            for a in pub.apologies
        ],
    }  # fmt: skip


# --- the first page, drawn here -----------------------------------------------------------------------------
def first_page(payload: dict[str, Any], columns: tuple[str, ...], texts: tuple[str, str]) -> dict[str, str]:
    """The first page of rows and its status line, as assets/site.js would draw them: visible as soon as the
    HTML is parsed (before the records' script is read) and without JavaScript at all."""
    rows = payload["rows"]
    shown = rows[:PAGE_SIZE]
    showing, none = texts
    status = showing.format_map({"from": number(1), "to": number(len(shown)), "total": number(len(rows))})
    return {
        "first_rows": "".join(row_html(row, payload, columns, first=n == 0) for n, row in enumerate(shown)),
        "status": esc(status if rows else none),
        "showing": esc(showing),
        "none": esc(none),
    }


def row_html(row: list[Any], payload: dict[str, Any], columns: tuple[str, ...], *, first: bool = False) -> str:
    """One row as the script draws it; the page's first row is named for the Element Timing API, so a test
    (or a curious office) can read when the browser painted it."""
    cells = []
    for i, value in enumerate(row):
        lookup = payload["cells"][i]
        text = "—" if value is None else payload["lookups"][lookup][value] if lookup else value
        content = f'<span class="tag tag-{lookup}-{value}">{esc(text)}</span>' if lookup == "outcome" else esc(text)
        attributes = ""
        if i == 0:  # the row's header: the dossier code, or the apology's number
            attributes += ' scope="row"' + (' elementtiming="first-row"' if first else "")
        if columns[i] in NOWRAP:
            attributes += ' class="nowrap"'
        attributes += f' data-label="{esc(t(f"label.{columns[i]}", LANG))}"'
        tag = "th" if i == 0 else "td"
        cells.append(f"<{tag}{attributes}>{content}</{tag}>")
    return f"<tr>{''.join(cells)}</tr>"


# --- helpers ------------------------------------------------------------------------------------------------
class Lookup:
    """Distinct values in order of first use, so that a row carries an index instead of a repeated name."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self._index: dict[str, int] = {}

    def index(self, value: str) -> int:
        if value not in self._index:
            self._index[value] = len(self.items)
            self.items.append(value)
        return self._index[value]


def fill(template: str, pub: Publication, **values: str) -> str:
    text = resources.files("onestop.site").joinpath(template).read_text(encoding="utf-8")
    period = pub.period
    common = {
        "office_name": esc(pub.office_name),
        "office_code": esc(pub.office_code),
        "period_label": esc(period.label),
        "period_text": esc(f"Kỳ {period.label}: từ ngày {period.start:%d/%m/%Y} đến ngày {period.end:%d/%m/%Y}"),
        "published": esc(local(pub.published_at, pub) or ""),
    }
    return Template(text).substitute(common, **values)


def headers(columns: tuple[str, ...]) -> str:
    """Column headers; a header's class is copied by the script onto the column's cells."""
    nowrap = ' class="nowrap"'
    return "".join(f'<th scope="col"{nowrap if c in NOWRAP else ""}>{esc(t(f"label.{c}", LANG))}</th>' for c in columns)


def option(value: int, label: str) -> str:
    return f'<option value="{value}">{esc(label)}</option>'


def data_script(payload: dict[str, Any]) -> str:
    """A page's records as a script beside it (``<script src>`` works from file://, where fetch does not).

    The JSON travels as one string literal given to JSON.parse, which browsers read faster than the same
    object written as code; the HTML stays small, so its first page of rows shows at once.
    """
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    literal = json.dumps(text, ensure_ascii=False).replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return f"window.ONESTOP_RECORDS = JSON.parse({literal});\n"


def local(at: dt.datetime | None, pub: Publication) -> str | None:
    """Office-local ``dd/mm/yyyy hh:mm``, cut from the ISO text (strftime is slow at 100,000 rows)."""
    if at is None:
        return None
    text = at.astimezone(pub.tz).isoformat()
    return f"{text[8:10]}/{text[5:7]}/{text[0:4]} {text[11:16]}"


def iso(at: dt.datetime | None, pub: Publication) -> str | None:
    return at.astimezone(pub.tz).isoformat() if at else None


def share(part: int, whole: int) -> str:
    """A percentage with one decimal and a decimal comma: 99,6%."""
    return f"{100 * part / whole:.1f}%".replace(".", ",") if whole else "—"


def number(n: int) -> str:
    """Vietnamese digit grouping: 1.157."""
    return f"{n:,}".replace(",", ".")


def esc(text: str) -> str:
    return html.escape(text, quote=True)

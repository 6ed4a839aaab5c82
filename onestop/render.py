"""Rendering period reports: computed once by ``onestop.reports``, laid out per layout, written per format.

Layouts: ``summary``; ``appendix-01b`` (the seed half-year report's Phụ lục 01b rows that the ledger can fill,
numbered and worded as there); ``bieu-06`` (Biểu 06/VPCP/KSTT, Circular 01/2020/TT-VPCP); ``tracking-book``
(Sổ theo dõi hồ sơ, Circular 01/2018/TT-VPCP Mẫu 06). Formats: the rows of a terminal table (``cli.py`` draws
them), CSV, Markdown (for pasting into Word), a JSON object, and an .xlsx laid out for printing. Nothing here
reads the database or draws on the terminal.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from onestop.book import BookEntry, TrackingBook
from onestop.catalogue import field_labels
from onestop.i18n import t
from onestop.lifecycle import CHANNELS
from onestop.reports import OUTCOMES, PeriodReport, Scope, Tally
from sla.periods import Period

LAYOUTS = ("summary", "appendix-01b", "bieu-06", "tracking-book")
BOOK_COLUMNS = (
    "stt",
    "code",
    "procedure",
    "applicant",
    "contact",
    "received",
    "appointment",
    "returned",
    "route",
)
FORMATS = ("table", "json", "csv", "xlsx", "md")

Value = str | int | None
Document = PeriodReport | TrackingBook
PAPERSIZE_A4 = "9"  # openpyxl / OOXML paper size code


@dataclass(frozen=True)
class Row:
    values: tuple[Value, ...]
    strong: bool = False  # headings and totals: bold


@dataclass
class Sheet:
    """A layout ready for any format: title lines, one or two header rows, body rows, print widths."""

    layout: str
    title: str
    subtitle: str
    header: list[list[str]]  # two rows: equal neighbours are merged in the xlsx, joined elsewhere
    rows: Iterable[Row]
    widths: list[int]
    numeric: list[bool] = field(default_factory=list)

    @property
    def columns(self) -> list[str]:
        if len(self.header) == 1:
            return self.header[0]
        top, bottom = self.header
        return [b if a == b else f"{a}: {b}" for a, b in zip(top, bottom, strict=True)]


def count_text(n: int, lang: str = "vi") -> str:
    """Vietnamese groups thousands with dots (1.157), English with commas (1,157)."""
    grouped = f"{n:,}"
    return grouped if lang == "en" else grouped.replace(",", ".")


def _day(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def _subtitle(period: Period, scope: Scope, lang: str) -> str:
    office = scope.name or t("report.all_offices", lang, n=scope.offices)
    start, end = _day(period.start), _day(period.end)
    return t("report.subtitle", lang, office=office, label=period.label, start=start, end=end)


def _sheet(doc: Document, layout: str, lang: str, header: list[list[str]], rows: Iterable[Row],
           widths: list[int], numeric: list[bool]) -> Sheet:  # fmt: skip
    title, subtitle = t(f"report.title.{layout}", lang), _subtitle(doc.period, doc.scope, lang)
    return Sheet(layout, title, subtitle, header, rows, widths, numeric)


# --- layouts ------------------------------------------------------------------------------------------------
def build_sheet(doc: Document, *, layout: str, lang: str, tz: dt.tzinfo) -> Sheet:
    if isinstance(doc, TrackingBook):
        return tracking_sheet(doc, lang=lang, tz=tz)
    builders = {"summary": summary_sheet, "appendix-01b": appendix_sheet, "bieu-06": bieu06_sheet}
    return builders[layout](doc, lang=lang)


def summary_sheet(report: PeriodReport, *, lang: str) -> Sheet:
    total, labels = report.total, field_labels(lang)
    outcomes, late = total.outcomes, late_by_field(report)

    def row(key: str, value: int, strong: bool = False) -> Row:
        return Row((t(key, lang) if strong else f"  {t(key, lang)}", value), strong)

    rows = [row("report.received", total.received_total, True)]
    rows += [row(f"channel.{c}", total.received[c]) for c in CHANNELS]
    rows += [row("report.carried_over", total.carried_over, True)]
    rows += [row("report.resolved", total.resolved_total, True)]
    rows += [row(f"outcome.{o}", outcomes[o]) for o in OUTCOMES]
    rows += [row("report.pending", total.pending_total, True)]
    rows += [row(f"report.{s}", total.pending[s]) for s in ("not_due", "overdue", "waiting")]
    rows += [row("report.not_late", sum(total.not_late(c) for c in CHANNELS), True)]
    rows += [row(f"channel.{c}", total.not_late(c)) for c in CHANNELS]
    rows += [row("report.late_by_field", outcomes["late"], True)]
    rows += [Row((f"  {labels.get(f, f)}", n)) for f, n in late.items()]
    rows += [row("report.withdrawn", total.withdrawn, True), row("report.apologies", report.apologies, True)]
    rows += [row("report.published", total.published, True)]
    header = [[t("report.col.indicator", lang), t("report.col.value", lang)]]
    return _sheet(report, "summary", lang, header, rows, [60, 14], [False, True])


def appendix_rows(report: PeriodReport) -> list[tuple[str, str, str, str | None, int | None]]:
    """(key, STT, indicator key, unit key, value) of Phụ lục 01b, section 3, as in the seed report."""
    total, cat = report.total, report.catalogue
    first = {c: "a01b.in_which" if i == 0 else "" for i, c in enumerate(CHANNELS)}  # "Trong đó"
    received = [(f"3.3.1.{c}", first[c], f"a01b.received.{c}", "a01b.unit.dossier", total.received[c])
                for c in CHANNELS]  # fmt: skip
    not_late = [(f"3.3.2.{c}", first[c], f"a01b.not_late.{c}", "a01b.unit.ditto", total.not_late(c))
                for c in CHANNELS]  # fmt: skip
    return [
        ("3", "3", "a01b.3", None, None),
        ("3.1", "3.1", "a01b.3.1", None, None),
        ("3.1.3", "3.1.3", "a01b.3.1.3", "a01b.unit.procedure", cat.total),
        ("3.2", "3.2", "a01b.3.2", None, None),
        ("3.2.1", "3.2.1", "a01b.3.2.1", "a01b.unit.procedure", cat.one_stop),
        ("3.2.3", "3.2.3", "a01b.3.2.3", "a01b.unit.procedure", cat.interlinked),
        ("3.3", "3.3", "a01b.3.3", None, None),
        ("3.3.1", "3.3.1", "a01b.3.3.1", "a01b.unit.dossier", total.received_total),
        *received,
        ("3.3.2", "3.3.2", "a01b.3.3.2", "a01b.unit.dossier", sum(total.not_late(c) for c in CHANNELS)),
        *not_late,
        ("3.4", "3.4", "a01b.3.4", None, None),
        ("3.4.2", "3.4.2", "a01b.3.4.2", "a01b.unit.resolved", total.published),
        ("3.5", "3.5", "a01b.3.5", None, report.apologies),  # the seed leaves its unit blank
    ]


def appendix_sheet(report: PeriodReport, *, lang: str) -> Sheet:
    def row(stt: str, label: str, unit: str | None, value: int | None) -> Row:
        number = t(stt, lang) if stt.startswith("a01b.") else stt  # "Trong đó" is a word, not a number
        return Row((number, t(label, lang), t(unit, lang) if unit else "", value, ""), strong=value is None)

    rows = [row(stt, label, unit, value) for _key, stt, label, unit, value in appendix_rows(report)]
    header = [[t(f"a01b.col.{c}", lang) for c in ("stt", "indicator", "unit", "value", "note")]]
    numeric = [False, False, False, True, False]
    return _sheet(report, "appendix-01b", lang, header, rows, [9, 62, 22, 12, 14], numeric)


def bieu06_columns(tally: Tally) -> dict[str, dict[str, int]]:
    """Biểu 06/VPCP/KSTT columns: received = carried over + new (online, at the desk or by post); pending =
    not due + overdue, a dossier waiting for its supplement being not due (its clock is stopped)."""
    outcomes = tally.outcomes
    online = tally.received["level3"] + tally.received["level4"]
    direct_postal = tally.received["direct"] + tally.received["postal"]
    not_due = tally.pending["not_due"] + tally.pending["waiting"]
    received = {"total": tally.carried_over + online + direct_postal, "online": online}
    received.update(direct_postal=direct_postal, carried_over=tally.carried_over)
    return {
        "received": received,
        "resolved": {"total": tally.resolved_total, **outcomes},
        "pending": {"total": tally.pending_total, "not_due": not_due, "overdue": tally.pending["overdue"]},
    }


def _flat(columns: dict[str, dict[str, int]]) -> tuple[int, ...]:
    return tuple(n for group in columns.values() for n in group.values())


def bieu06_fields(report: PeriodReport, lang: str) -> list[tuple[str, str]]:
    labels = field_labels(lang)
    order = [f for f in labels if f in report.by_field]
    order += sorted(f for f in report.by_field if f not in labels)
    return [(f, labels.get(f, f)) for f in order]


def bieu06_sheet(report: PeriodReport, *, lang: str) -> Sheet:
    rows = [
        Row((i, label, *_flat(bieu06_columns(report.by_field[f]))))
        for i, (f, label) in enumerate(bieu06_fields(report, lang), start=1)
    ]
    rows.append(Row(("", t("b06.sum", lang), *_flat(bieu06_columns(report.total))), strong=True))
    groups = (
        ("b06.received", ("total", "online", "direct_postal", "carried_over")),
        ("b06.resolved", ("total", "early", "on_time", "late")),
        ("b06.pending", ("total", "not_due", "overdue")),
    )
    top = [t("b06.col.stt", lang), t("b06.col.field", lang)]
    bottom = list(top)
    for group, keys in groups:
        top += [t(group, lang)] * len(keys)
        bottom += [t(f"b06.{k}", lang) for k in keys]
    return _sheet(report, "bieu-06", lang, [top, bottom], rows, [6, 30, *[11] * 11], [True, False, *[True] * 11])


def tracking_sheet(book: TrackingBook, *, lang: str, tz: dt.tzinfo) -> Sheet:
    def when(at: dt.datetime | None) -> str:
        return at.astimezone(tz).strftime("%d/%m/%Y %H:%M") if at else ""

    def rows() -> Iterator[Row]:
        for i, e in enumerate(book.entries, start=1):
            contact = ", ".join(x for x in (e.address, e.phone) if x)
            route = t(f"route.{e.return_via}", lang) if e.return_via else ""
            times = (when(e.received_at), when(e.appointment_at), when(e.returned_at))
            yield Row((i, e.code, e.procedure, e.applicant, contact, *times, route))

    header = [[t(f"book.col.{c}", lang) for c in BOOK_COLUMNS]]
    widths = [6, 24, 40, 24, 30, 17, 17, 17, 16]
    return _sheet(book, "tracking-book", lang, header, rows(), widths, [True, *[False] * 8])


# --- JSON ---------------------------------------------------------------------------------------------------
def late_by_field(report: PeriodReport) -> dict[str, int]:
    late = {f: tally.outcomes["late"] for f, tally in report.by_field.items()}
    return {f: n for f, n in late.items() if n}


def _head(period: Period, scope: Scope, layout: str) -> dict[str, Any]:
    return {
        "layout": layout,
        "period": {"label": period.label, "start": period.start.isoformat(), "end": period.end.isoformat()},
        "office": {"code": scope.code, "name": scope.name} if scope.name else None,
        "offices": scope.offices,
    }


def render_json(report: PeriodReport, *, layout: str = "summary", lang: str = "vi") -> dict[str, Any]:
    """The report as one JSON object; keys are English and stable (labels follow ``lang``)."""
    head = _head(report.period, report.scope, layout)
    if layout == "appendix-01b":
        sheet_rows = appendix_sheet(report, lang=lang).rows
        keys = [key for key, *_ in appendix_rows(report)]
        names = ("stt", "indicator", "unit", "value")
        rows = [{"key": k, **dict(zip(names, r.values, strict=False))} for k, r in zip(keys, sheet_rows, strict=True)]
        return {**head, "rows": rows}
    if layout == "bieu-06":
        fields = [
            {"field": f, "label": label, **bieu06_columns(report.by_field[f])}
            for f, label in bieu06_fields(report, lang)
        ]
        return {**head, "rows": fields, "total": bieu06_columns(report.total)}
    total = report.total
    return {
        **head,
        "received": {"total": total.received_total, "carried_over": total.carried_over, **total.received},
        "resolved": {"total": total.resolved_total, **total.outcomes},
        "pending": {"total": total.pending_total, **total.pending},
        "resolved_not_late_by_channel": {c: total.not_late(c) for c in CHANNELS},
        "resolved_by_channel": {c: dict(total.resolved[c]) for c in CHANNELS},
        "late_by_field": late_by_field(report),
        "withdrawn": total.withdrawn,
        "apologies": report.apologies,
        "results_published": total.published,
    }


def book_entry_json(entry: BookEntry, tz: dt.tzinfo) -> dict[str, Any]:
    def iso(at: dt.datetime | None) -> str | None:
        return at.astimezone(tz).isoformat() if at else None

    data = asdict(entry)
    return {k: iso(v) if isinstance(v, dt.datetime) else v for k, v in data.items()}


def json_chunks(doc: Document, *, layout: str, lang: str, tz: dt.tzinfo) -> Iterator[str]:
    """JSON text; the tracking book is written dossier by dossier as its rows stream from the database."""
    if not isinstance(doc, TrackingBook):
        yield json.dumps(render_json(doc, layout=layout, lang=lang), ensure_ascii=False, indent=2) + "\n"
        return
    head = json.dumps(_head(doc.period, doc.scope, layout), ensure_ascii=False, indent=2)
    yield head[:-2] + ',\n  "dossiers": ['
    for i, entry in enumerate(doc.entries):
        yield ("," if i else "") + "\n    " + json.dumps(book_entry_json(entry, tz), ensure_ascii=False)
    yield "\n  ]\n}\n"


# --- text formats -------------------------------------------------------------------------------------------
@dataclass
class TableView:
    title: str
    subtitle: str
    columns: list[str]
    numeric: list[bool]
    rows: Iterator[tuple[list[str], bool]]  # cells, strong


def _cell(value: Value, lang: str) -> str:
    if value is None:
        return ""
    return count_text(value, lang) if isinstance(value, int) else value


def render_table(sheet: Sheet, *, lang: str) -> TableView:
    """Cells as text; a two-row header names each group once, above its first column."""
    columns = sheet.header[0]
    if len(sheet.header) == 2:
        top, bottom = sheet.header
        columns = [
            b if a == b else (f"{a}\n{b}" if i == 0 or top[i - 1] != a else f"\n{b}")
            for i, (a, b) in enumerate(zip(top, bottom, strict=True))
        ]
    rows = (([_cell(v, lang) for v in row.values], row.strong) for row in sheet.rows)
    return TableView(sheet.title, sheet.subtitle, columns, sheet.numeric, rows)


def render_csv(sheet: Sheet) -> Iterator[str]:
    """One header line, then the rows; counts stay plain integers for spreadsheets."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for values in (sheet.columns, *([("" if v is None else v) for v in row.values] for row in sheet.rows)):
        writer.writerow(values)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def render_md(sheet: Sheet, *, lang: str) -> Iterator[str]:
    """A Markdown table (pastes into Word through any Markdown converter), counts grouped Vietnamese-style."""

    def line(cells: Iterable[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |\n"

    yield f"**{sheet.title}**\n\n{sheet.subtitle}\n\n"
    yield line(sheet.columns)
    yield line("---:" if n else "---" for n in (sheet.numeric or [False] * len(sheet.columns)))
    for row in sheet.rows:
        cells = [_cell(v, lang) for v in row.values]
        yield line(f"**{c}**" if row.strong and c else c for c in cells)


def text_chunks(doc: Document, *, layout: str, fmt: str, lang: str, tz: dt.tzinfo) -> Iterator[str]:
    if fmt == "json":
        return json_chunks(doc, layout=layout, lang=lang, tz=tz)
    sheet = build_sheet(doc, layout=layout, lang=lang, tz=tz)
    return render_csv(sheet) if fmt == "csv" else render_md(sheet, lang=lang)


# --- xlsx ---------------------------------------------------------------------------------------------------
def render_xlsx(sheet: Sheet, path: Path) -> None:
    """A workbook for printing: title and period, header rows (merged groups), thin borders, column widths,
    A4 landscape fitted to the page width, header rows repeated on every page. Written row by row."""
    from openpyxl import Workbook  # lazy: only xlsx output pays for openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    ws = book.create_sheet(sheet.layout[:31])
    n = len(sheet.widths)
    for i, width in enumerate(sheet.widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    first_header, last_header = 4, 3 + len(sheet.header)
    ws.print_title_rows = f"{first_header}:{last_header}"
    ws.freeze_panes = f"A{last_header + 1}"
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)

    def cell(value: Value, *, bold: bool = False, size: float = 11, align: str = "left", **style: Any) -> Any:
        c = WriteOnlyCell(ws, value=value)
        c.font = Font(bold=bold, size=size, italic=style.pop("italic", False))
        c.alignment = Alignment(horizontal=align, vertical="center", wrap_text=True)
        for name, setting in style.items():
            setattr(c, name, setting)
        return c

    ws.append([cell(sheet.title, bold=True, size=13, align="center")])
    ws.append([cell(sheet.subtitle, italic=True, align="center")])
    ws.append([])
    fill = PatternFill("solid", fgColor="DDDDDD")
    for header in sheet.header:
        ws.append([cell(h, bold=True, align="center", border=border, fill=fill) for h in header])
    for row in sheet.rows:
        counts = {
            "align": "right",
            "number_format": "#,##0",
        }  # Excel groups thousands per the reader's locale
        ws.append(
            [cell(v, bold=row.strong, border=border, **(counts if isinstance(v, int) else {})) for v in row.values]
        )
    for r in (1, 2):
        ws.merged_cells.add(f"A{r}:{get_column_letter(n)}{r}")
    for merge in _header_merges(sheet.header, first_row=first_header):
        ws.merged_cells.add(merge)
    book.save(path)


def _header_merges(header: list[list[str]], *, first_row: int) -> list[str]:
    """Ranges to merge: equal neighbours in the top header row, and columns whose two rows say the same."""
    from openpyxl.utils import get_column_letter as letter

    if len(header) < 2:
        return []
    top, bottom = header
    merges, start = [], 0
    for i in range(1, len(top) + 1):
        if i == len(top) or top[i] != top[start]:
            if top[start] == bottom[start]:
                merges.append(f"{letter(start + 1)}{first_row}:{letter(start + 1)}{first_row + 1}")
            elif i - start > 1:
                merges.append(f"{letter(start + 1)}{first_row}:{letter(i)}{first_row}")
            start = i
    return merges

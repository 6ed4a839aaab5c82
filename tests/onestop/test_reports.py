"""Period reports over a hand-built ledger whose every count is known, on SQLite and on PostgreSQL.

DOMAIN.md section 9: the period 2023-Q2 runs 2023-03-15 … 2023-06-14 (Decree 09/2019 Art. 12). Each dossier
below stands for one case of the counting rules; the expected figures are worked out by hand beside them.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import GeneratorType

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from onestop.book import book_of
from onestop.catalogue import read_catalogue
from onestop.context import Ledger
from onestop.db import session_scope
from onestop.errors import InputError, NotFoundError
from onestop.models import Apology, Dossier, Office
from onestop.render import (
    appendix_sheet,
    bieu06_sheet,
    build_sheet,
    count_text,
    render_csv,
    render_json,
    render_md,
    render_xlsx,
)
from onestop.reports import PeriodReport, choose_period, period_report, scope_of
from onestop.services import Applicant, get_dossier, receive_dossier
from onestop.setup import init_ledger
from tests.helpers import NOW, OFFICE_CODE, OFFICE_NAME, THREE_DAYS, TZ, act, at, receive
from tests.helpers import init_ledger_at as init_at

COPY = "2.000815"  # Chứng thực bản sao từ bản chính: same day, certification
OTHER_OFFICE = "000.22.15.H57"
Q2 = choose_period(label="2023-Q2", start=None, end=None)


@dataclass
class Built:
    ledger: Ledger
    codes: dict[str, str]


def build(ledger: Ledger) -> dict[str, str]:
    """The cases; a letter names each dossier. THREE_DAYS is civil status, COPY certification."""
    codes: dict[str, str] = {}

    def new(name: str, when: str, *, procedure: str = THREE_DAYS, channel: str = "direct", **details: str) -> str:
        codes[name] = receive(ledger, received_at=at(when), procedure=procedure, channel=channel, **details).code
        return codes[name]

    def do(name: str, action: str, when: str, **kw: str) -> None:
        act(ledger, codes[name], action, when=at(when), **kw)

    # Before the period: L completed before S (not counted); A and M carried over into it.
    new("L", "2023-03-01 09:00")
    do("L", "resolve", "2023-03-02 10:00")
    new("A", "2023-03-13 09:00")  # due Thu 03-16 17:00
    do("A", "resolve", "2023-03-16 10:00")  # on time, in the period
    new("M", "2023-03-14 10:00")  # due Fri 03-17 17:00, never resolved: overdue at the period's end
    # In the period.
    new("C", "2023-04-03 09:00", channel="postal")
    do("C", "withdraw", "2023-04-04 10:00")  # withdrawn: counted apart
    new("D", "2023-04-10 09:00", channel="level3")  # first due Thu 04-13 17:00
    do("D", "supplement", "2023-04-11 09:00")
    do("D", "resume", "2023-04-17 09:00")  # the clock restarts (Decree 61/2018 Art. 19.4): due Thu 04-20 17:00
    do("D", "resolve", "2023-04-20 10:00")  # on time; late against the first due
    new("F", "2023-05-08 09:00", address="Khu phố 1, thị trấn Bút Sơn", phone="0900000001")  # due Thu 05-11
    do("F", "resolve", "2023-05-09 10:00")  # early
    do("F", "return", "2023-05-10 09:00", return_via="postal")
    new("G", "2023-05-15 09:00", procedure=COPY, channel="level3")  # due the same day 17:00
    do("G", "resolve", "2023-05-15 16:00")  # on time
    new("H", "2023-05-16 09:00", procedure=COPY, channel="level3")
    do("H", "resolve", "2023-05-17 09:00")  # late
    new("J", "2023-06-01 09:00", channel="postal")
    do("J", "supplement", "2023-06-02 09:00")  # never answered: waiting
    new("E", "2023-06-05 09:00")  # due Thu 06-08 17:00
    do("E", "resolve", "2023-06-20 09:00")  # after the period: overdue at its end
    new("I", "2023-06-12 09:00", channel="level4")
    do("I", "supplement", "2023-06-13 09:00")
    do("I", "resume", "2023-06-19 09:00")  # after the period: it was waiting at its end
    do("I", "resolve", "2023-06-20 10:00")
    new("B", "2023-06-13 09:00", channel="level4")  # due Fri 06-16 17:00
    do("B", "resolve", "2023-06-16 09:00")  # in the next period: not due at this one's end
    new("N", "2023-06-14 23:30", procedure=COPY, channel="level4")  # the last local day; deemed received 06-15
    # After the period, by ten minutes of local time (16:10 UTC is still 06-14 in UTC).
    new("K", "2023-06-15 00:10", procedure=COPY, channel="level4")
    with session_scope(ledger.engine, write=True) as session:
        office = ledger.office(session)
        assert office.id is not None
        for name, published in (
            ("A", True),
            ("F", True),
            ("G", True),
            ("L", True),
            ("B", True),
            ("H", False),
        ):
            if published:
                row = get_dossier(session, codes[name])
                row.published_at = at("2023-06-20 08:00")
                session.add(row)
        for number, (name, issued) in enumerate(
            (("M", "2023-03-14 16:00"), ("H", "2023-05-16 16:00"), ("E", "2023-06-09 08:00")), start=1
        ):
            row = get_dossier(session, codes[name])
            assert row.id is not None
            session.add(
                Apology(office_id=office.id, dossier_id=row.id, year=2023, number=number, kind="overdue",
                        reason="Chậm xác minh", original_due_at=row.due_at or row.appointment_at,
                        issued_at=at(issued))
            )  # fmt: skip
    init_ledger(ledger, office_code=OTHER_OFFICE, office_name="UBND xã Đông Lĩnh")
    with session_scope(ledger.engine, write=True) as session:
        other = session.exec(select(Office).where(Office.code == OTHER_OFFICE)).one()
        p = receive_dossier(session, ledger, office=other, procedure_code=COPY, channel="direct",
                            applicant=Applicant("Lê Thị Cúc"), at=at("2023-05-22 09:00"),
                            now=NOW)  # fmt: skip
        codes["P"] = p.code
    act(ledger, codes["P"], "resolve", when=at("2023-05-22 10:00"))  # on time, in the other office
    return codes


@contextmanager
def module_ledger(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, name: str
) -> Iterator[Ledger]:
    """A ledger for a module's tests: a SQLite file, or a database of its own on the PostgreSQL test server."""
    if request.param == "sqlite":
        url, drop = f"sqlite:///{tmp_path_factory.mktemp(name) / 'ledger.db'}", None
    else:
        server = request.getfixturevalue("pg_server")
        drop = f"test_{name}_{uuid.uuid4().hex[:12]}"
        url = server.create_database(drop)
    ledger = init_at(url)
    try:
        yield ledger
    finally:
        ledger.engine.dispose()
        if drop:
            server.drop_database(drop)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    with module_ledger(request, tmp_path_factory, "reports") as ledger:
        yield Built(ledger, build(ledger))


def report_of(built: Built, *, office: str | None = OFFICE_CODE, period: str = "2023-Q2") -> PeriodReport:
    with session_scope(built.ledger.engine) as session:
        scope = scope_of(session, office)
        chosen = choose_period(label=period, start=None, end=None)
        return period_report(session, period=chosen, tz=built.ledger.deadlines.tz, scope=scope)


EXPECTED = {
    "layout": "summary",
    "period": {"label": "2023-Q2", "start": "2023-03-15", "end": "2023-06-14"},
    "office": {"code": OFFICE_CODE, "name": OFFICE_NAME},
    "offices": 1,
    # in the period: C, J postal; D, G, H level 3; B, I, N level 4; E, F direct. Carried over: A, M.
    "received": {"total": 10, "carried_over": 2, "direct": 2, "postal": 2, "level3": 3, "level4": 3},
    # F early; A, D, G on time; H late
    "resolved": {"total": 5, "early": 1, "on_time": 3, "late": 1},
    # B, N not due; E, M overdue; I (resumed after the end), J (never answered) waiting
    "pending": {"total": 6, "not_due": 2, "overdue": 2, "waiting": 2},
    "resolved_not_late_by_channel": {"direct": 2, "postal": 0, "level3": 2, "level4": 0},
    "resolved_by_channel": {
        "direct": {"early": 1, "on_time": 1, "late": 0},
        "postal": {"early": 0, "on_time": 0, "late": 0},
        "level3": {"early": 0, "on_time": 2, "late": 1},
        "level4": {"early": 0, "on_time": 0, "late": 0},
    },
    "late_by_field": {"certification": 1},
    "withdrawn": 1,  # C
    "apologies": 2,  # H and E; M's was issued before the period
    "results_published": 3,  # A, F, G; L and B were completed outside the period
}


def test_the_summary_json_gives_every_count_of_the_hand_built_quarter(built: Built) -> None:
    assert render_json(report_of(built)) == EXPECTED


def test_the_counts_balance_carried_over_plus_received_less_resolved_and_withdrawn_is_pending(
    built: Built,
) -> None:
    report = report_of(built)
    for tally in [report.total, *report.by_field.values()]:
        flow = tally.carried_over + tally.received_total - tally.resolved_total - tally.withdrawn
        assert flow == tally.pending_total


def test_every_office_is_counted_unless_one_is_named(built: Built) -> None:
    everything = render_json(report_of(built, office=None))
    assert everything["office"] is None and everything["offices"] == 2
    assert everything["received"] == {**EXPECTED["received"], "total": 11, "direct": 3}
    assert everything["resolved"] == {**EXPECTED["resolved"], "total": 6, "on_time": 4}
    other = render_json(report_of(built, office=OTHER_OFFICE))
    assert other["received"]["total"] == 1 and other["pending"]["total"] == 0 and other["apologies"] == 0


def test_an_unknown_office_code_is_a_not_found_error(built: Built) -> None:
    with pytest.raises(NotFoundError), session_scope(built.ledger.engine) as session:
        scope_of(session, "000.99.99.X00")


def test_the_previous_quarter_sees_the_carried_over_dossiers_as_received(built: Built) -> None:
    q1 = render_json(report_of(built, period="2023-Q1"))  # 2022-12-15 … 2023-03-14: L, A, M
    assert q1["received"] == {
        "total": 3,
        "carried_over": 0,
        "direct": 3,
        "postal": 0,
        "level3": 0,
        "level4": 0,
    }
    assert q1["resolved"] == {"total": 1, "early": 1, "on_time": 0, "late": 0}
    assert q1["pending"] == {"total": 2, "not_due": 2, "overdue": 0, "waiting": 0}
    assert q1["apologies"] == 1 and q1["results_published"] == 1


def test_appendix_01b_fills_the_seed_rows_numbered_and_worded_as_there(built: Built) -> None:
    catalogue = read_catalogue()
    linked = sum(p.interlinked for p in catalogue)
    rows = [r.values[:4] for r in appendix_sheet(report_of(built), lang="vi").rows]
    assert rows == [
        ("3", "Cải cách thủ tục hành chính", "", None),
        ("3.1", "Thống kê TTHC", "", None),
        ("3.1.3", "Tổng số TTHC đang áp dụng", "Thủ tục", len(catalogue)),
        ("3.2", "Thực hiện cơ chế một cửa, một cửa liên thông", "", None),
        (
            "3.2.1",
            "Số TTHC đưa vào thực hiện theo cơ chế một cửa tại cấp xã",
            "Thủ tục",
            len(catalogue) - linked,
        ),
        ("3.2.3", "Số TTHC liên thông giữa các cấp chính quyền", "Thủ tục", linked),
        ("3.3", "Kết quả giải quyết TTHC", "", None),
        ("3.3.1", "Số lượng hồ sơ đã tiếp nhận", "Số lượng hồ sơ", 10),
        ("Trong đó", "Tiếp nhận trực tiếp", "Số lượng hồ sơ", 2),
        ("", "Tiếp nhận qua BCCI", "Số lượng hồ sơ", 2),
        ("", "Tiếp nhận trực tuyến mức độ 3", "Số lượng hồ sơ", 3),
        ("", "Tiếp nhận trực tuyến mức độ 4", "Số lượng hồ sơ", 3),
        (
            "3.3.2",
            "Số lượng hồ sơ TTHC do UBND cấp xã tiếp nhận được giải quyết đúng hạn",
            "Số lượng hồ sơ",
            4,
        ),
        ("Trong đó", "Trả trực tiếp", "nt", 2),
        ("", "Trả qua BCCI", "nt", 0),
        ("", "Giải quyết trực tuyến mức độ 3", "nt", 2),
        ("", "Giải quyết trực tuyến mức độ 4", "nt", 0),
        ("3.4", "Công khai kết quả giải quyết", "", None),
        ("3.4.2", "Công khai kết quả giải quyết trên trang TTĐT của đơn vị", "Số hồ sơ đã giải quyết", 3),
        ("3.5", "Số thư/ trường hợp đã công khai xin lỗi", "", 2),
    ]
    english = [r.values[1] for r in appendix_sheet(report_of(built), lang="en").rows]
    assert english[7] == "Dossiers received"


def test_bieu_06_has_a_row_per_field_and_a_total_row(built: Built) -> None:
    rows = [r.values for r in bieu06_sheet(report_of(built), lang="vi").rows]
    # received: total, online, direct+postal, carried | resolved: total, early, on time, late | pending:
    # total, not due (waiting included), overdue
    assert rows == [
        (1, "Hộ tịch", 9, 3, 4, 2, 3, 1, 2, 0, 5, 3, 2),  # B D I online; C E F J; A M; B I J waiting/not due
        (2, "Chứng thực", 3, 3, 0, 0, 2, 0, 1, 1, 1, 1, 0),  # G H N online; G on time, H late; N not due
        ("", "Tổng cộng", 12, 6, 4, 2, 5, 1, 3, 1, 6, 4, 2),
    ]
    data = render_json(report_of(built), layout="bieu-06")
    assert data["total"] == {
        "received": {"total": 12, "online": 6, "direct_postal": 4, "carried_over": 2},
        "resolved": {"total": 5, "early": 1, "on_time": 3, "late": 1},
        "pending": {"total": 6, "not_due": 4, "overdue": 2},
    }
    assert [r["field"] for r in data["rows"]] == ["civil_status", "certification"]


def test_the_tracking_book_streams_the_dossiers_received_in_the_period_in_order(built: Built) -> None:
    with session_scope(built.ledger.engine) as session:
        scope = scope_of(session, OFFICE_CODE)
        book = book_of(session, period=Q2, tz=built.ledger.deadlines.tz, scope=scope)
        assert isinstance(book.entries, GeneratorType)  # rows come from the cursor, not a list
        entries = list(book.entries)
    codes = built.codes
    assert [e.code for e in entries] == [codes[n] for n in "CDFGHJEIBN"]
    f = entries[2]
    assert (f.address, f.phone, f.return_via) == ("Khu phố 1, thị trấn Bút Sơn", "0900000001", "postal")
    assert f.returned_at == at("2023-05-10 09:00") and f.appointment_at == at("2023-05-11 17:00")


def test_the_tracking_book_sheet_shows_local_times_and_the_return_route(built: Built) -> None:
    with session_scope(built.ledger.engine) as session:
        scope = scope_of(session, OFFICE_CODE)
        book = book_of(session, period=Q2, tz=TZ, scope=scope)
        rows = [r.values for r in build_sheet(book, layout="tracking-book", lang="vi", tz=TZ).rows]
    assert rows[2] == (3, built.codes["F"], "Cấp giấy xác nhận tình trạng hôn nhân", "Nguyễn Văn An",
                       "Khu phố 1, thị trấn Bút Sơn, 0900000001", "08/05/2023 09:00", "11/05/2023 17:00",
                       "10/05/2023 09:00", "Bưu chính công ích")  # fmt: skip
    assert rows[-1][5] == "14/06/2023 23:30"


@pytest.mark.parametrize("layout", ["summary", "appendix-01b", "bieu-06"])
def test_the_xlsx_opens_with_openpyxl_and_holds_the_same_numbers_as_the_json(
    built: Built, tmp_path: Path, layout: str
) -> None:
    report = report_of(built)
    path = tmp_path / f"{layout}.xlsx"
    render_xlsx(build_sheet(report, layout=layout, lang="vi", tz=TZ), path)
    ws = load_workbook(path).active
    assert ws is not None
    assert "Bút Sơn" in ws["A2"].value and "15/03/2023" in ws["A2"].value
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    assert ws["A4"].border.left.style == "thin"
    body = [[c.value for c in row] for row in ws.iter_rows(min_row=5 if layout != "bieu-06" else 6)]
    data = render_json(report, layout=layout)
    if layout == "summary":
        numbers = [row[1] for row in body]
        assert numbers == [
            10, 2, 2, 3, 3, 2, 5, 1, 3, 1, 6, 2, 2, 2, 4, 2, 0, 2, 0, 1, 1, 1, 2, 3
        ]  # fmt: skip
        assert numbers[0] == data["received"]["total"] and numbers[-1] == data["results_published"]
    elif layout == "appendix-01b":
        assert [row[3] for row in body] == [r["value"] for r in data["rows"]]
    else:
        assert "A4:A5" in {str(r) for r in ws.merged_cells.ranges}  # STT spans both header rows
        total = data["total"]
        flat = [n for group in ("received", "resolved", "pending") for n in total[group].values()]
        assert body[-1][2:] == flat


def test_csv_keeps_plain_integers_and_markdown_groups_thousands_vietnamese_style(built: Built) -> None:
    sheet = appendix_sheet(report_of(built), lang="vi")
    text = "".join(render_csv(sheet))
    assert text.splitlines()[0] == "STT,Chỉ tiêu thống kê,Đơn vị tính,Số liệu,Ghi chú"
    assert "3.3.1,Số lượng hồ sơ đã tiếp nhận,Số lượng hồ sơ,10," in text
    md = "".join(render_md(appendix_sheet(report_of(built), lang="vi"), lang="vi"))
    assert "| 3.3.1 | Số lượng hồ sơ đã tiếp nhận | Số lượng hồ sơ | 10 |  |" in md
    assert count_text(1157) == "1.157" and count_text(1157, "en") == "1,157" and count_text(5) == "5"


@pytest.mark.parametrize(
    ("label", "start", "end"),
    [("2023-Q5", None, None), ("2023-13", None, None), (None, dt.date(2023, 6, 1), dt.date(2023, 5, 1))],
)
def test_a_bad_period_is_an_input_error(label: str | None, start: dt.date | None, end: dt.date | None) -> None:
    with pytest.raises(InputError) as caught:
        choose_period(label=label, start=start, end=end)
    assert caught.value.key == "input.period"


@pytest.mark.parametrize(
    ("label", "start", "end"),
    [(None, None, None), ("2023-Q2", dt.date(2023, 1, 1), None), (None, dt.date(2023, 1, 1), None)],
)
def test_a_period_must_be_given_one_way_only(label: str | None, start: dt.date | None, end: dt.date | None) -> None:
    with pytest.raises(InputError) as caught:
        choose_period(label=label, start=start, end=end)
    assert caught.value.key == "input.period_choice"


def test_calendar_months_and_custom_ranges_are_offered() -> None:
    months = choose_period(label="2023-Q2", start=None, end=None, calendar_months=True)
    assert (months.start, months.end) == (dt.date(2023, 4, 1), dt.date(2023, 6, 30))
    custom = choose_period(label=None, start=dt.date(2023, 3, 15), end=dt.date(2023, 6, 14))
    assert (custom.start, custom.end) == (Q2.start, Q2.end)


def test_the_same_counts_come_from_a_custom_range_equal_to_the_quarter(built: Built) -> None:
    with session_scope(built.ledger.engine) as session:
        scope = scope_of(session, OFFICE_CODE)
        custom = choose_period(label=None, start=Q2.start, end=Q2.end)
        report = period_report(session, period=custom, tz=built.ledger.deadlines.tz, scope=scope)
    data = render_json(report)
    assert data["period"]["label"] == "2023-03-15..2023-06-14"
    assert {k: v for k, v in data.items() if k != "period"} == {k: v for k, v in EXPECTED.items() if k != "period"}


def test_a_fresh_ledger_reports_zeros(tmp_path: Path) -> None:
    ledger = init_at(f"sqlite:///{tmp_path / 'empty.db'}")
    with session_scope(ledger.engine) as session:
        report = period_report(session, period=Q2, tz=TZ, scope=scope_of(session))
    data = render_json(report)
    assert data["received"]["total"] == data["resolved"]["total"] == data["pending"]["total"] == 0
    assert data["late_by_field"] == {} and data["apologies"] == 0
    ledger.engine.dispose()


def test_the_ledger_fixture_is_not_read_through_python_objects(built: Built) -> None:
    """The counts come from SQL: the session holds no Dossier objects after a report."""
    with session_scope(built.ledger.engine) as session:
        period_report(session, period=Q2, tz=TZ, scope=scope_of(session, OFFICE_CODE))
        assert not [o for o in session.identity_map.values() if isinstance(o, Dossier)]


# --- carried over and pending, whatever the time a dossier took ----------------------------------------------------
def build_slow(ledger: Ledger) -> None:
    """Dossiers completed more than 30 days after receipt (a partial index of their own) beside a quick one."""
    cases = (  # received, resolved (3 working days each)
        ("2023-02-01 09:00", "2023-07-03 10:00"),  # S1: before the quarter, after it: carried over, overdue
        ("2023-03-01 09:00", "2023-04-20 10:00"),  # S4: carried over, resolved late in the quarter
        ("2023-06-01 09:00", "2023-07-20 09:00"),  # S2: received in the quarter, overdue at its end
        ("2023-06-12 09:00", "2023-06-20 09:00"),  # S3: received in the quarter, due 06-15: not due at its end
    )
    for received, resolved in cases:
        code = receive(ledger, received_at=at(received), procedure=THREE_DAYS).code
        act(ledger, code, "resolve", when=at(resolved))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def slow(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    with module_ledger(request, tmp_path_factory, "reports_slow") as ledger:
        build_slow(ledger)
        yield Built(ledger, {})


def test_dossiers_completed_long_after_receipt_are_carried_over_and_pending_like_the_others(slow: Built) -> None:
    q2 = render_json(report_of(slow))
    assert q2["received"] == {"total": 2, "carried_over": 2, "direct": 2, "postal": 0, "level3": 0, "level4": 0}
    assert q2["resolved"] == {"total": 1, "early": 0, "on_time": 0, "late": 1}
    assert q2["pending"] == {"total": 3, "not_due": 1, "overdue": 2, "waiting": 0}
    q3 = render_json(report_of(slow, period="2023-Q3"))
    assert q3["received"]["total"] == 0 and q3["received"]["carried_over"] == 3
    assert q3["resolved"] == {"total": 3, "early": 0, "on_time": 0, "late": 3}
    assert q3["pending"]["total"] == 0


@pytest.mark.parametrize("period", ["2023-Q1", "2023-Q2", "2023-Q3", "2023-05", "2023-06", "2023-H1", "2023"])
def test_carried_over_by_conservation_equals_the_dossiers_alive_at_the_start(built: Built, period: str) -> None:
    """The report derives carried over from the other counts (each dossier alive at the start or received in the
    period is resolved, withdrawn or pending at its end); here it is counted from its definition instead."""
    report = report_of(built, period=period)
    start = report.start_at
    with session_scope(built.ledger.engine) as session:
        office = session.exec(select(Office).where(Office.code == OFFICE_CODE)).one()
        rows = session.exec(select(Dossier).where(Dossier.office_id == office.id)).all()
        alive = [
            d
            for d in rows
            if d.received_at < start
            and (d.completed_at is None or d.completed_at >= start)
            and (d.withdrawn_at is None or d.withdrawn_at >= start)
        ]
    assert report.total.carried_over == len(alive)

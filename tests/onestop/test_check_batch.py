"""The daily check writes its apologies in bulk and reads its candidates from index ranges; the alerts classify
once per due instant. The results must stay those of one dossier at a time (DOMAIN 7-8), on SQLite and
PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import col, select

from onestop.alerts import AlertRow, Alerts, collect_alerts
from onestop.apologies import OVERDUE_REASON, extend_dossier, run_check
from onestop.context import Ledger
from onestop.db import session_scope
from onestop.integrity import verify_ledger
from onestop.models import Apology, Dossier, Event, Office, Procedure
from sla.classify import is_due_today, is_due_within, needs_apology, working_days_overdue
from tests.helpers import FIVE_DAYS, NOW, SAME_DAY, THREE_DAYS, act, at, init_ledger_at, receive, sqlite_url

OTHER_OFFICE = "000.22.15.H57"
WORKING_HOURS = "1.010041"  # Xác nhận thông tin về cư trú: 4 working hours


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger(request: pytest.FixtureRequest, tmp_path: Path) -> Ledger:
    if request.param == "sqlite":
        return init_ledger_at(sqlite_url(tmp_path / "ledger.db"))
    return init_ledger_at(request.getfixturevalue("pg_url"))


def receive_at_other_office(ledger: Ledger, *, received_at: dt.datetime, procedure: str) -> str:
    with session_scope(ledger.engine, write=True) as session:
        office = session.exec(select(Office).where(Office.code == OTHER_OFFICE)).first()
        if office is None:
            office = Office(code=OTHER_OFFICE, name="UBND xã Hợp Thanh")
            session.add(office)
    return receive(ledger, received_at=received_at, procedure=procedure, applicant="Trần Thị Bình", office=office).code


def check(ledger: Ledger, when: dt.datetime) -> tuple[list[str], list[str]]:
    with session_scope(ledger.engine, write=True) as session:
        result = run_check(session, ledger, as_of=when, now=NOW)
        return result.new_apologies, result.late_again


def numbers(ledger: Ledger) -> dict[str, tuple[str, int, int]]:
    """Dossier code → (office code, year, number) of its apology."""
    with session_scope(ledger.engine) as session:
        rows = session.exec(
            select(Dossier.code, Office.code, Apology.year, Apology.number)
            .join(Dossier, col(Dossier.id) == col(Apology.dossier_id))
            .join(Office, col(Office.id) == col(Apology.office_id))
        )
        return {code: (office, int(year), int(number)) for code, office, year, number in rows}


def test_apologies_written_together_are_numbered_per_office_and_year_in_dossier_order(ledger: Ledger) -> None:
    extended = receive(ledger, received_at=at("2023-03-06 09:00"), procedure=THREE_DAYS).code  # due Thu 09/03
    with session_scope(ledger.engine, write=True) as session:  # the officer's apology takes number 1 of 2023
        extend_dossier(
            session,
            ledger,
            code=extended,
            new_due_at=at("2023-03-13 17:00"),
            reason="Chờ xác minh",
            signer="Lê Hồng Sơn",
            at=at("2023-03-08 09:00"),
            now=NOW,
        )
    here = [receive(ledger, received_at=at(f"2023-03-0{d} 09:00"), procedure=SAME_DAY).code for d in (6, 7)]
    there = [receive_at_other_office(ledger, received_at=at(f"2023-03-0{d} 10:00"), procedure=SAME_DAY) for d in (6, 7)]

    written, again = check(ledger, at("2023-03-10 07:30"))

    assert written == [*here, *there] and again == []
    assert numbers(ledger) == {
        extended: ("000.22.15.H56", 2023, 1),
        here[0]: ("000.22.15.H56", 2023, 2),
        here[1]: ("000.22.15.H56", 2023, 3),
        there[0]: (OTHER_OFFICE, 2023, 1),
        there[1]: (OTHER_OFFICE, 2023, 2),
    }

    new_year = receive(ledger, received_at=at("2023-12-27 09:00"), procedure=SAME_DAY).code
    written, again = check(ledger, at("2024-01-02 07:30"))

    assert (written, again) == ([new_year], [extended])  # the new appointment passed too: late again
    assert numbers(ledger)[new_year] == ("000.22.15.H56", 2024, 1)
    assert check(ledger, at("2024-01-02 07:30")) == ([], [])


def test_each_apology_written_in_bulk_is_the_one_a_single_check_would_write(ledger: Ledger) -> None:
    code = receive(ledger, received_at=at("2023-03-06 09:00"), procedure=SAME_DAY).code  # due 06/03 17:00
    when = at("2023-03-08 07:30")

    check(ledger, when)

    with session_scope(ledger.engine) as session:
        dossier = session.exec(select(Dossier).where(Dossier.code == code)).one()
        apology = session.exec(select(Apology).where(Apology.dossier_id == dossier.id)).one()
        last = session.exec(select(Event).where(Event.dossier_id == dossier.id).order_by(col(Event.id).desc())).first()
    assert (apology.kind, apology.reason, apology.signer) == ("overdue", OVERDUE_REASON, ledger.settings.office.head)
    assert (apology.original_due_at, apology.issued_at, apology.new_due_at) == (dossier.due_at, when, None)
    assert last is not None
    assert (last.kind, last.occurred_at, last.recorded_at, last.note) == ("apologised", when, NOW, OVERDUE_REASON)
    assert dossier.last_event_at == when and dossier.status == "received" and dossier.is_open
    assert verify_ledger(ledger).ok


@pytest.mark.parametrize("ending", ["resolve", "reject"])
def test_a_dossier_completed_after_its_due_without_an_apology_gets_one_and_the_ledger_still_verifies(
    ledger: Ledger, ending: str
) -> None:
    late = receive(ledger, received_at=at("2023-03-06 09:00"), procedure=THREE_DAYS).code  # due Thu 09/03 17:00
    act(ledger, late, ending, when=at("2023-03-14 10:00"), note="Không đủ điều kiện")
    in_time = receive(ledger, received_at=at("2023-03-06 09:30"), procedure=THREE_DAYS).code
    act(ledger, in_time, ending, when=at("2023-03-08 10:00"), note="Không đủ điều kiện")
    overdue = receive(ledger, received_at=at("2023-03-07 09:00"), procedure=SAME_DAY).code

    written, _ = check(ledger, at("2023-03-15 08:00"))

    assert sorted(written) == sorted([late, overdue])
    assert check(ledger, at("2023-03-15 08:00")) == ([], [])
    report = verify_ledger(ledger)
    assert report.ok, report.problems


def reference_alerts(ledger: Ledger, as_of: dt.datetime, working_days: int) -> dict[str, list[AlertRow]]:
    """The alerts classified one dossier at a time with sla's functions, as they were before the memo."""
    engine = ledger.deadlines
    found: dict[str, list[AlertRow]] = {group: [] for group in Alerts.GROUPS}
    limit = engine.close_of(engine.calendar.add_working_days(engine.local(as_of).date(), max(working_days, 1)))
    with session_scope(ledger.engine) as session:
        rows = session.exec(
            select(Dossier, Procedure.name)
            .join(Procedure, col(Procedure.code) == col(Dossier.procedure_code))
            .where(col(Dossier.is_open).is_(True), col(Dossier.received_at) <= as_of)
        ).all()
    for d, name in sorted(rows, key=lambda r: (r[0].due_at is not None, r[0].due_at or as_of, r[0].code)):
        row = AlertRow(d.code, name, d.applicant, d.field, d.due_at, d.extended_due_at, 0, d.status)
        due = d.due_at
        if due is None:
            if d.status == "supplement_requested":
                found["waiting"].append(row)
            continue
        if due > limit:
            continue
        if as_of > due:
            found["overdue"].append(
                row._replace(overdue_working_days=working_days_overdue(engine, as_of=as_of, due_at=due))
            )
        elif is_due_today(engine, as_of=as_of, due_at=due):
            found["due_today"].append(row)
        elif is_due_within(engine, as_of=as_of, due_at=due, working_days=working_days):
            found["due_soon"].append(row)
        if needs_apology(engine, as_of=as_of, due_at=due, extended=d.extended_due_at is not None):
            found["apology_needed"].append(row)
    return found


def test_grouping_once_per_due_instant_gives_the_lists_of_classifying_each_dossier(ledger: Ledger) -> None:
    procedures = [SAME_DAY, THREE_DAYS, FIVE_DAYS, WORKING_HOURS]  # due at 17:00, or within the day
    codes = []
    for day in range(18, 32):  # around Tết 2023 (20/01-26/01 off): many receipts deemed on one morning
        for hour, procedure in zip((8, 10, 14, 16), procedures, strict=True):
            received = at(f"2023-01-{day} {hour:02d}:15")
            codes.append(receive(ledger, received_at=received, procedure=procedure, applicant=f"Lê Văn {day}").code)
    act(ledger, codes[3], "supplement", when=at("2023-01-27 09:00"), note="Thiếu giấy tờ")
    act(ledger, codes[7], "resolve", when=at("2023-01-27 09:00"))
    with session_scope(ledger.engine, write=True) as session:
        extend_dossier(
            session,
            ledger,
            code=codes[9],
            new_due_at=at("2023-02-10 17:00"),
            reason="Chờ xác minh",
            signer="Lê Hồng Sơn",
            at=at("2023-01-27 10:00"),
            now=NOW,
        )

    seen: set[str] = set()
    for moment in ("2023-01-27 07:30", "2023-01-30 12:00", "2023-02-01 17:00", "2023-02-03 16:59"):
        for working_days in (0, 2, 5):
            with session_scope(ledger.engine) as session:
                found = collect_alerts(
                    session, ledger.deadlines, as_of=at(moment), due_soon_working_days=working_days, office_id=None
                )
            expected = reference_alerts(ledger, at(moment), working_days)
            assert {g: getattr(found, g) for g in Alerts.GROUPS} == expected, (moment, working_days)
            seen |= {g for g in Alerts.GROUPS if expected[g]}
    assert seen == set(Alerts.GROUPS)


def plans_of_the_check(ledger: Ledger, when: dt.datetime) -> list[str]:
    statements: list[tuple[str, Any]] = []

    def remember(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FROM dossier" in statement:
            statements.append((statement, parameters))

    sa.event.listen(ledger.engine, "before_cursor_execute", remember)
    try:
        check(ledger, when)
    finally:
        sa.event.remove(ledger.engine, "before_cursor_execute", remember)
    with ledger.engine.connect() as conn:
        return [
            str(detail)
            for statement, parameters in statements
            for *_, detail in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
        ]


def test_the_checks_scans_read_their_index_ranges_not_every_open_or_completed_dossier(tmp_path: Path) -> None:
    ledger = init_ledger_at(sqlite_url(tmp_path / "ledger.db"))
    receive(ledger, received_at=at("2023-03-06 09:00"), procedure=SAME_DAY)

    plans = plans_of_the_check(ledger, at("2023-03-08 07:30"))

    assert any(
        "USING COVERING INDEX ix_dossier_open_extended (is_open=? AND extended_due_at=? AND due_at<?)" in p
        for p in plans
    )
    assert any("USING INDEX ix_dossier_open_extended (is_open=? AND extended_due_at<?)" in p for p in plans)
    assert any("USING COVERING INDEX ix_dossier_late_completed (outcome=? AND completed_at<?)" in p for p in plans)
    assert not [p for p in plans if p.startswith("SCAN dossier") or "(is_open=?)" in p], plans

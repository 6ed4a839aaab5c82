"""The morning alerts, the daily check and extensions, on SQLite and PostgreSQL (DOMAIN 7-8)."""

from __future__ import annotations

import datetime as dt
import multiprocessing
from pathlib import Path

import pytest
from sqlmodel import col, select

from onestop.alerts import Alerts, collect_alerts
from onestop.apologies import extend_dossier, run_check
from onestop.context import Ledger
from onestop.db import session_scope
from onestop.errors import InputError, TransitionError
from onestop.models import Apology, Dossier
from tests.helpers import NOW, SAME_DAY, THREE_DAYS, act, at, init_ledger_at, open_ledger, receive, sqlite_url


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger(request: pytest.FixtureRequest, tmp_path: Path) -> Ledger:
    if request.param == "sqlite":
        return init_ledger_at(sqlite_url(tmp_path / "ledger.db"))
    return init_ledger_at(request.getfixturevalue("pg_url"))


def alerts_at(ledger: Ledger, when: dt.datetime) -> Alerts:
    with session_scope(ledger.engine) as session:
        return collect_alerts(session, ledger.deadlines, as_of=when, due_soon_working_days=2, office_id=None)


def groups(alerts: Alerts) -> dict[str, set[str]]:
    return {g: {r.code for r in getattr(alerts, g)} for g in Alerts.GROUPS}


def check(ledger: Ledger, when: dt.datetime) -> list[str]:
    with session_scope(ledger.engine, write=True) as session:
        return run_check(session, ledger, as_of=when, now=NOW).new_apologies


def extend(ledger: Ledger, code: str, new_due: str, when: dt.datetime) -> Apology:
    with session_scope(ledger.engine, write=True) as session:
        return extend_dossier(
            session,
            ledger,
            code=code,
            new_due_at=at(new_due),
            reason="Chờ xác minh",
            signer="Lê Hồng Sơn",
            at=when,
            now=NOW,
        )


def apologies(ledger: Ledger) -> list[tuple[int, str]]:
    with session_scope(ledger.engine) as session:
        rows = session.exec(
            select(Apology.number, Dossier.code).join(Dossier, col(Dossier.id) == col(Apology.dossier_id))
        )
        return sorted((int(n), c) for n, c in rows)


def test_each_dossier_lands_in_exactly_the_right_alert_group(ledger: Ledger) -> None:
    overdue = receive(ledger, received_at=at("2023-03-06 09:00"), procedure=SAME_DAY).code  # due 06/03 17:00
    today = receive(ledger, received_at=at("2023-03-03 09:00"), procedure=THREE_DAYS).code  # due Wed 08/03
    soon = receive(ledger, received_at=at("2023-03-06 09:30"), procedure=THREE_DAYS).code  # due Thu 09/03
    later = receive(ledger, received_at=at("2023-03-07 09:00")).code  # 5 working days: due Tue 14/03
    waiting = receive(ledger, received_at=at("2023-03-06 10:00"), procedure=THREE_DAYS).code
    act(ledger, waiting, "supplement", when=at("2023-03-07 08:00"), note="Thiếu giấy tờ")
    done = receive(ledger, received_at=at("2023-03-06 10:30"), procedure=SAME_DAY).code
    act(ledger, done, "resolve", when=at("2023-03-06 11:00"))

    found = groups(alerts_at(ledger, at("2023-03-08 07:30")))

    assert found["overdue"] == {overdue}
    assert found["due_today"] == {today}
    assert found["due_soon"] == {soon}
    assert found["apology_needed"] == {overdue, today, soon}
    assert found["waiting"] == {waiting}
    assert later not in set().union(*found.values()) and done not in set().union(*found.values())


def test_overdue_is_counted_in_working_days(ledger: Ledger) -> None:
    receive(ledger, received_at=at("2023-04-27 09:00"), procedure=SAME_DAY)  # due Thu 27/04; 28/04 Fri works
    row = alerts_at(ledger, at("2023-05-04 07:30")).overdue[0]  # 29/04-03/05 off: 28/04 and 04/05 count
    assert row.overdue_working_days == 2


def test_an_extended_dossier_no_longer_needs_an_apology(ledger: Ledger) -> None:
    code = receive(ledger, received_at=at("2023-03-06 09:30"), procedure=THREE_DAYS).code  # due Thu 09/03
    extend(ledger, code, "2023-03-13 17:00", at("2023-03-08 09:00"))
    found = groups(alerts_at(ledger, at("2023-03-08 10:00")))
    assert code in found["due_soon"] and code not in found["apology_needed"]


def test_the_tet_week_does_not_count_and_the_apology_is_asked_the_day_before(ledger: Ledger) -> None:
    code = receive(ledger, received_at=at("2023-01-19 09:00"), procedure=THREE_DAYS).code  # due Tue 31/01
    assert ledger.deadlines.local(dossier_due(ledger, code)) == dt.datetime(2023, 1, 31, 17, 0)
    friday = groups(alerts_at(ledger, at("2023-01-27 07:30")))
    monday = groups(alerts_at(ledger, at("2023-01-30 07:30")))
    assert code in friday["due_soon"] and code not in friday["apology_needed"]
    assert code in monday["due_soon"] and code in monday["apology_needed"]


def test_a_swapped_working_saturday_is_a_due_day_and_an_overdue_day(ledger: Ledger) -> None:
    code = receive(ledger, received_at=at("2024-05-03 15:30"), procedure=SAME_DAY).code  # after 15:00 → Sat 04/05
    assert code in groups(alerts_at(ledger, at("2024-05-04 07:30")))["due_today"]
    monday = alerts_at(ledger, at("2024-05-06 07:30"))
    assert [(r.code, r.overdue_working_days) for r in monday.overdue] == [(code, 1)]


def dossier_due(ledger: Ledger, code: str) -> dt.datetime:
    with session_scope(ledger.engine) as session:
        found = session.exec(select(Dossier).where(Dossier.code == code)).one()
        assert found.due_at is not None
        return found.due_at


def test_check_twice_leaves_exactly_one_apology_per_overdue_dossier(ledger: Ledger) -> None:
    late = [receive(ledger, received_at=at(f"2023-03-0{d} 09:00"), procedure=SAME_DAY).code for d in (6, 7)]
    receive(ledger, received_at=at("2023-03-08 09:00"), procedure=SAME_DAY)  # due today: not yet overdue

    first = check(ledger, at("2023-03-08 07:30"))
    second = check(ledger, at("2023-03-08 07:30"))

    assert sorted(first) == sorted(late) and second == []
    assert apologies(ledger) == [(1, late[0]), (2, late[1])]


def test_late_again_is_flagged_once_and_not_reapologised(ledger: Ledger) -> None:
    code = receive(ledger, received_at=at("2023-03-06 09:30"), procedure=THREE_DAYS).code
    extend(ledger, code, "2023-03-10 17:00", at("2023-03-08 09:00"))
    with session_scope(ledger.engine, write=True) as session:
        result = run_check(session, ledger, as_of=at("2023-03-13 07:30"), now=NOW)
    with session_scope(ledger.engine, write=True) as session:
        again = run_check(session, ledger, as_of=at("2023-03-14 07:30"), now=NOW)
    assert result.late_again == [code] and result.new_apologies == []
    assert again.late_again == [] and len(apologies(ledger)) == 1


def test_a_second_extension_is_refused_and_changes_nothing(ledger: Ledger) -> None:
    code = receive(ledger, received_at=at("2023-03-06 09:30"), procedure=THREE_DAYS).code
    extend(ledger, code, "2023-03-13 17:00", at("2023-03-08 09:00"))
    with pytest.raises(TransitionError):
        extend(ledger, code, "2023-03-14 17:00", at("2023-03-08 10:00"))
    assert len(apologies(ledger)) == 1


@pytest.mark.parametrize(
    ("new_due", "reason"),
    [
        ("2023-03-09 17:00", "not later"),
        ("2023-03-11 10:00", "a Saturday"),
        ("2023-03-13 12:00", "lunch break"),
    ],
)
def test_a_new_appointment_must_be_later_and_in_office_hours(ledger: Ledger, new_due: str, reason: str) -> None:
    code = receive(ledger, received_at=at("2023-03-06 09:30"), procedure=THREE_DAYS).code  # due Thu 09/03 17:00
    with pytest.raises(InputError):
        extend(ledger, code, new_due, at("2023-03-08 09:00"))
    assert apologies(ledger) == [], reason


def _check_in_process(url: str, when: str, barrier: multiprocessing.synchronize.Barrier) -> None:  # type: ignore[name-defined]
    ledger = open_ledger(url)
    barrier.wait()
    with session_scope(ledger.engine, write=True) as session:
        run_check(session, ledger, as_of=at(when), now=NOW)


def test_two_checks_at_the_same_moment_leave_one_apology_each(ledger: Ledger) -> None:
    late = {
        receive(ledger, received_at=at(f"2023-03-0{d} 0{h}:00"), procedure=SAME_DAY).code
        for d in (6, 7)
        for h in (7, 8, 9)
    }
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2)
    workers = [ctx.Process(target=_check_in_process, args=(ledger.url, "2023-03-09 07:30", barrier)) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    assert [w.exitcode for w in workers] == [0, 0]
    found = apologies(ledger)
    assert sorted(code for _, code in found) == sorted(late)
    assert [n for n, _ in found] == list(range(1, len(late) + 1))


def test_a_dossier_completed_late_without_an_apology_gets_one_and_the_check_goes_on(ledger: Ledger) -> None:
    late = receive(ledger, received_at=at("2023-03-06 09:00"), procedure=THREE_DAYS).code  # due Thu 09/03
    act(ledger, late, "resolve", when=at("2023-03-14 10:00"))
    overdue = receive(ledger, received_at=at("2023-03-07 09:00"), procedure=SAME_DAY).code
    assert sorted(check(ledger, at("2023-03-15 08:00"))) == sorted([late, overdue])
    assert check(ledger, at("2023-03-15 08:00")) == []

"""Early / on time / late at their boundaries (Circular 01/2018 Art. 13, DOMAIN 7), the standing of open
dossiers, how many working days overdue, due-soon, and when an apology is needed (Decree 61/2018 Art.
19.9)."""

from __future__ import annotations

import datetime as dt

import pytest

from sla.classify import (
    Outcome,
    Standing,
    classify_completion,
    classify_open,
    is_due_today,
    is_due_within,
    needs_apology,
    working_days_overdue,
)
from sla.clock import Tick, run_clock
from sla.deadline import Rule, Unit
from tests.sla.support import at, vn_engine

DUE = "2023-03-13 17:00"  # Mon: received Mon 2023-03-06 09:00, 5 working days

COMPLETIONS = [
    ("2023-03-10 16:00", Outcome.EARLY, "the friday before"),
    ("2023-03-12 23:59", Outcome.EARLY, "late on the sunday before"),
    ("2023-03-13 00:00", Outcome.ON_TIME, "midnight of the due day"),
    ("2023-03-13 08:00", Outcome.ON_TIME, "the morning of the due day"),
    ("2023-03-13 17:00", Outcome.ON_TIME, "exactly the due instant"),
    ("2023-03-13 17:00:01", Outcome.LATE, "a second after the due instant"),
    ("2023-03-14 08:00", Outcome.LATE, "the next morning"),
]


@pytest.mark.parametrize(
    ("completed", "outcome"), [pytest.param(c, o, id=w.replace(" ", "_")) for c, o, w in COMPLETIONS]
)
def test_a_completed_dossier_is_early_on_time_or_late_by_its_due_instant_and_day(
    completed: str, outcome: Outcome
) -> None:
    assert classify_completion(vn_engine(), completed_at=at(completed), due_at=at(DUE)) is outcome


def test_the_due_day_is_the_office_local_day_whatever_the_zone_of_the_completion() -> None:
    monday_0030_local = dt.datetime(2023, 3, 12, 17, 30, tzinfo=dt.UTC)
    sunday_2330_local = dt.datetime(2023, 3, 12, 16, 30, tzinfo=dt.UTC)
    engine = vn_engine()
    assert classify_completion(engine, completed_at=monday_0030_local, due_at=at(DUE)) is Outcome.ON_TIME
    assert classify_completion(engine, completed_at=sunday_2330_local, due_at=at(DUE)) is Outcome.EARLY


@pytest.mark.parametrize(
    ("as_of", "standing"),
    [
        ("2023-03-13 16:59", Standing.NOT_DUE),
        (DUE, Standing.NOT_DUE),
        ("2023-03-13 17:00:01", Standing.OVERDUE),
    ],
)
def test_an_open_dossier_is_overdue_only_after_its_due_instant(as_of: str, standing: Standing) -> None:
    assert classify_open(as_of=at(as_of), due_at=at(DUE)) is standing


def test_a_dossier_waiting_for_a_supplement_is_neither_due_nor_overdue_but_waiting() -> None:
    clock = run_clock(
        vn_engine(),
        Rule(Unit.WORKING_DAYS, 5),
        [(Tick.RECEIVED, at("2023-03-06 09:00")), (Tick.SUPPLEMENT_REQUESTED, at("2023-03-08 10:00"))],
    )
    assert classify_open(as_of=at("2023-06-01 09:00"), due_at=clock.due_at) is Standing.WAITING


OVERDUE = [
    (DUE, DUE, 0, "at the due instant"),
    (DUE, "2023-03-13 17:30", 1, "the evening of the due day"),
    (DUE, "2023-03-14 09:00", 1, "the next working day"),
    (DUE, "2023-03-15 09:00", 2, "two working days on"),
    (DUE, "2023-03-20 09:00", 5, "a week on"),
    ("2023-04-28 17:00", "2023-04-29 10:00", 1, "a holiday after the due day"),
    ("2023-04-28 17:00", "2023-05-04 09:00", 1, "the first working day after 29/4-3/5"),
    ("2023-04-28 17:00", "2023-05-05 09:00", 2, "the second working day after 29/4-3/5"),
]


@pytest.mark.parametrize(
    ("due", "as_of", "days"), [pytest.param(d, a, n, id=w.replace(" ", "_")) for d, a, n, w in OVERDUE]
)
def test_an_overdue_dossier_is_late_by_the_working_days_begun_since_its_due_day(
    due: str, as_of: str, days: int
) -> None:
    assert working_days_overdue(vn_engine(), as_of=at(as_of), due_at=at(due)) == days


DUE_SOON = [
    ("2023-03-09 10:00", DUE, 2, True, "thursday, due monday, within 2"),
    ("2023-03-09 10:00", DUE, 1, False, "thursday, due monday, not within 1"),
    ("2023-03-10 10:00", DUE, 1, True, "friday, due monday, within 1"),
    ("2023-03-13 10:00", DUE, 0, True, "due today is within 0"),
    ("2023-03-14 10:00", DUE, 2, False, "overdue is not due soon"),
    ("2023-04-28 09:00", "2023-05-05 17:00", 2, True, "holidays do not count"),
    ("2023-04-28 09:00", "2023-05-08 17:00", 2, False, "three working days away"),
]


@pytest.mark.parametrize(
    ("as_of", "due", "n", "soon"),
    [pytest.param(a, d, n, s, id=w.replace(" ", "_")) for a, d, n, s, w in DUE_SOON],
)
def test_an_open_dossier_is_due_soon_when_due_within_the_next_n_working_days(
    as_of: str, due: str, n: int, soon: bool
) -> None:
    assert is_due_within(vn_engine(), as_of=at(as_of), due_at=at(due), working_days=n) is soon


def test_a_dossier_is_due_today_until_its_due_instant_on_its_due_day() -> None:
    engine = vn_engine()
    assert is_due_today(engine, as_of=at("2023-03-13 08:00"), due_at=at(DUE))
    assert not is_due_today(engine, as_of=at("2023-03-12 08:00"), due_at=at(DUE))
    assert not is_due_today(engine, as_of=at("2023-03-13 17:01"), due_at=at(DUE))


APOLOGY = [
    ("2023-03-09 10:00", DUE, False, False, "due in two working days: not yet"),
    ("2023-03-10 10:00", DUE, False, True, "due the next working day"),
    ("2023-03-13 10:00", DUE, False, True, "due today"),
    ("2023-03-14 10:00", DUE, False, True, "already overdue"),
    ("2023-03-14 10:00", DUE, True, False, "already extended once"),
    ("2023-03-13 10:00", DUE, True, False, "extended and due today"),
    ("2023-04-28 10:00", "2023-05-04 17:00", False, True, "next working day after 29/4-3/5"),
    ("2023-04-28 10:00", "2023-05-05 17:00", False, False, "two working days after 29/4-3/5"),
]


@pytest.mark.parametrize(
    ("as_of", "due", "extended", "needed"),
    [pytest.param(a, d, e, n, id=w.replace(" ", "_").replace(":", "")) for a, d, e, n, w in APOLOGY],
)
def test_an_apology_is_needed_no_later_than_one_working_day_before_the_deadline(
    as_of: str, due: str, extended: bool, needed: bool
) -> None:
    assert needs_apology(vn_engine(), as_of=at(as_of), due_at=at(due), extended=extended) is needed

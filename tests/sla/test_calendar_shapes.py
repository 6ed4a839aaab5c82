"""The same rules on calendars of other shapes: open round the clock, three segments a day, no public
holidays, the office's own days off and working days, a six-day week."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sla.deadline import Deadlines, Rule, Unit
from tests.sla.support import (
    at,
    no_holidays_engine,
    office_overrides_engine,
    on,
    round_the_clock_engine,
    six_day_week_engine,
    split_hours_engine,
)

SAME_DAY, WORKING_DAYS, WORKING_HOURS, CALENDAR_DAYS = (
    Unit.SAME_DAY,
    Unit.WORKING_DAYS,
    Unit.WORKING_HOURS,
    Unit.CALENDAR_DAYS,
)
Shape = Callable[[], Deadlines]
END_OF_DAY = "23:59:59.999999"  # the close of an office open until 24:00

DUE = [
    # 24/7: every day works, the receipt is its own deemed receipt, a day closes at midnight.
    (
        round_the_clock_engine,
        "2023-01-22 03:00",
        WORKING_DAYS,
        3,
        f"2023-01-25 {END_OF_DAY}",
        "24/7 over tết",
    ),
    (round_the_clock_engine, "2023-03-05 14:59", SAME_DAY, 0, f"2023-03-05 {END_OF_DAY}", "24/7 same day"),
    (
        round_the_clock_engine,
        "2023-03-05 15:01",
        SAME_DAY,
        0,
        f"2023-03-06 {END_OF_DAY}",
        "24/7 after cut-off",
    ),
    (
        round_the_clock_engine,
        "2023-03-06 10:00",
        WORKING_HOURS,
        20,
        "2023-03-07 06:00",
        "24/7 hours overnight",
    ),
    (round_the_clock_engine, "2023-03-06 00:00", WORKING_HOURS, 24, f"2023-03-06 {END_OF_DAY}", "24/7 a day"),
    (round_the_clock_engine, "2023-08-18 10:00", CALENDAR_DAYS, 15, f"2023-09-02 {END_OF_DAY}", "24/7 cal"),
    # Three segments: 07:00-09:00, 10:00-12:00, 14:00-18:00.
    (split_hours_engine, "2023-03-06 08:00", WORKING_HOURS, 3, "2023-03-06 12:00", "split ends at a segment"),
    (split_hours_engine, "2023-03-06 08:00", WORKING_HOURS, 3.5, "2023-03-06 14:30", "split over two gaps"),
    (split_hours_engine, "2023-03-06 07:00", WORKING_HOURS, 8, "2023-03-06 18:00", "split a full day"),
    (split_hours_engine, "2023-03-06 17:30", WORKING_HOURS, 1, "2023-03-07 07:30", "split overnight"),
    (split_hours_engine, "2023-04-28 10:00", WORKING_DAYS, 3, "2023-05-08 18:00", "split 29/4-3/5"),
    (split_hours_engine, "2023-03-06 14:20", SAME_DAY, 0, "2023-03-06 18:00", "split same day"),
    (split_hours_engine, "2023-03-06 15:40", SAME_DAY, 0, "2023-03-07 18:00", "split after cut-off"),
    (split_hours_engine, "2023-03-06 12:30", SAME_DAY, 0, "2023-03-06 18:00", "split in a gap"),
    (split_hours_engine, "2023-08-18 10:00", CALENDAR_DAYS, 15, "2023-09-05 18:00", "split calendar days"),
    # No public holidays: Tết and 30/4 are working days, no Saturday is.
    (no_holidays_engine, "2023-04-28 10:00", WORKING_DAYS, 3, "2023-05-03 17:00", "none 30/4 worked"),
    (no_holidays_engine, "2023-01-20 10:00", WORKING_DAYS, 1, "2023-01-23 17:00", "none tết worked"),
    (no_holidays_engine, "2024-05-04 09:00", SAME_DAY, 0, "2024-05-06 17:00", "none no swapped saturday"),
    (no_holidays_engine, "2023-08-18 10:00", CALENDAR_DAYS, 15, "2023-09-04 17:00", "none 2/9 a saturday"),
    (no_holidays_engine, "2023-04-28 15:00", WORKING_HOURS, 4, "2023-05-01 09:00", "none hours into 1/5"),
    # The office's own decisions: Tue 2023-03-07 off, Sat 2023-03-11 worked, Tue 2023-05-02 (in lieu) worked,
    # the swapped Saturday 2024-05-04 off.
    (office_overrides_engine, "2023-03-06 10:00", WORKING_DAYS, 1, "2023-03-08 17:00", "office day off"),
    (office_overrides_engine, "2023-03-06 10:00", WORKING_DAYS, 4, "2023-03-11 17:00", "office saturday"),
    (
        office_overrides_engine,
        "2023-03-11 09:00",
        SAME_DAY,
        0,
        "2023-03-11 17:00",
        "office saturday same day",
    ),
    (office_overrides_engine, "2023-04-28 10:00", WORKING_DAYS, 3, "2023-05-05 17:00", "office works 2/5"),
    (office_overrides_engine, "2024-04-26 10:00", WORKING_DAYS, 3, "2024-05-06 17:00", "office off 4/5/2024"),
    (office_overrides_engine, "2023-03-06 15:00", WORKING_HOURS, 4, "2023-03-08 09:00", "office hours skip"),
    (
        office_overrides_engine,
        "2023-03-06 10:00",
        CALENDAR_DAYS,
        1,
        "2023-03-08 17:00",
        "office calendar days",
    ),
    # Monday to Saturday.
    (six_day_week_engine, "2023-03-10 10:00", WORKING_DAYS, 1, "2023-03-11 17:00", "six days saturday"),
    (six_day_week_engine, "2023-04-28 10:00", WORKING_DAYS, 1, "2023-05-04 17:00", "six days 29/4-3/5"),
]


@pytest.mark.parametrize(
    ("shape", "received", "unit", "amount", "due"),
    [pytest.param(s, r, u, a, d, id=why.replace(" ", "_")) for s, r, u, a, d, why in DUE],
)
def test_each_unit_is_due_as_the_law_counts_it_on_a_calendar_of_another_shape(
    shape: Shape, received: str, unit: Unit, amount: float, due: str
) -> None:
    assert shape().due_at(Rule(unit, amount), at(received)) == at(due)


DEEMED = [
    (round_the_clock_engine, "2023-01-22 03:00", "2023-01-22 03:00", "24/7 any instant is itself"),
    (split_hours_engine, "2023-03-06 09:00", "2023-03-06 10:00", "split at a segment end, the next segment"),
    (split_hours_engine, "2023-03-06 12:30", "2023-03-06 14:00", "split in the second gap"),
    (split_hours_engine, "2023-03-06 18:00", "2023-03-07 07:00", "split at the close"),
    (no_holidays_engine, "2023-01-22 10:00", "2023-01-23 07:00", "none sunday of tết, monday"),
    (office_overrides_engine, "2023-03-06 18:00", "2023-03-08 07:00", "office night before its day off"),
    (office_overrides_engine, "2023-03-10 18:00", "2023-03-11 07:00", "office friday night, its saturday"),
]


@pytest.mark.parametrize(
    ("shape", "received", "deemed"),
    [pytest.param(s, r, d, id=why.replace(" ", "_")) for s, r, d, why in DEEMED],
)
def test_a_receipt_outside_office_hours_counts_from_the_next_opening_on_any_shape(
    shape: Shape, received: str, deemed: str
) -> None:
    assert shape().deemed_receipt(at(received)) == at(deemed)


def test_a_calendar_without_holidays_has_no_changes() -> None:
    assert no_holidays_engine().calendar.changes(2023) == []


def test_the_office_decisions_are_listed_among_the_changes_of_the_year() -> None:
    changes = {d.on: d.kind for d in office_overrides_engine().calendar.changes(2023)}
    assert changes[on("2023-03-07")] == "office_day_off"
    assert changes[on("2023-03-11")] == "office_working_day"
    assert changes[on("2023-05-02")] == "office_working_day"
    assert changes[on("2023-05-03")] == "in_lieu"


def test_an_office_open_round_the_clock_counts_every_day() -> None:
    calendar = round_the_clock_engine().calendar
    assert calendar.count_working_days(on("2023-01-01"), on("2023-12-31")) == 364
    assert round_the_clock_engine().day_seconds == 24 * 3600

"""Fixed-date tables of due times on the national calendar, 2019-2026 (default hours, cut-off 15:00).

Every expected date was worked out by hand from the government's yearly announcements (Tết, 30/4-1/5, 2/9 and
the swapped Saturdays), not read back from the engine.
"""

from __future__ import annotations

import datetime as dt

import pytest

from sla.calendar import CalendarRangeError
from sla.deadline import Rule, RuleError, Unit
from tests.sla.support import at, on, vn_engine

SAME_DAY, WORKING_DAYS, WORKING_HOURS, CALENDAR_DAYS = (
    Unit.SAME_DAY,
    Unit.WORKING_DAYS,
    Unit.WORKING_HOURS,
    Unit.CALENDAR_DAYS,
)

# DOMAIN.md section 6, the worked examples, exactly (the supplement example is in test_clock.py).
DOMAIN_EXAMPLES = [
    ("2023-04-28 10:00", WORKING_DAYS, 3, "2023-05-08 17:00", "fri before 29/4-3/5 off, 3 working days"),
    ("2023-03-06 14:20", SAME_DAY, 0, "2023-03-06 17:00", "same day before the cut-off"),
    ("2023-03-06 15:40", SAME_DAY, 0, "2023-03-07 17:00", "same day after the cut-off"),
    ("2024-05-04 09:00", SAME_DAY, 0, "2024-05-04 17:00", "same day on the swapped working saturday"),
    ("2023-03-05 21:00", WORKING_DAYS, 3, "2023-03-09 17:00", "online on sunday night, 3 working days"),
    ("2023-03-06 10:00", WORKING_HOURS, 4, "2023-03-06 16:00", "4 working hours across the lunch break"),
    (
        "2023-08-18 10:00",
        CALENDAR_DAYS,
        15,
        "2023-09-05 17:00",
        "15 calendar days ending on 2/9, 4/9 in lieu",
    ),
]

# Working days around each year's Tết, 30/4-1/5, 2/9 and swapped working Saturdays.
YEARLY = [
    # 2019: Tết 4-8/2; 31/12/2018 off for Sat 5/1 worked; Hùng Kings Sun 14/4 → Mon 15/4;
    # 29/4 off for Sat 4/5 worked; 2/9 Mon.
    ("2018-12-28 10:00", WORKING_DAYS, 1, "2019-01-02 17:00", "2019 new year: 31/12 swapped and 1/1 off"),
    ("2019-01-04 10:00", WORKING_DAYS, 1, "2019-01-05 17:00", "2019 saturday 5/1 is worked"),
    ("2019-01-31 09:00", WORKING_DAYS, 3, "2019-02-12 17:00", "2019 tết 4-8/2"),
    ("2019-02-01 10:00", WORKING_DAYS, 1, "2019-02-11 17:00", "2019 friday before tết"),
    ("2019-04-12 10:00", WORKING_DAYS, 1, "2019-04-16 17:00", "2019 hùng kings in lieu on monday 15/4"),
    ("2019-04-26 10:00", WORKING_DAYS, 3, "2019-05-04 17:00", "2019 29/4-1/5 off, saturday 4/5 worked"),
    ("2019-08-30 10:00", WORKING_DAYS, 1, "2019-09-03 17:00", "2019 national day monday 2/9"),
    # 2020: Tết 23-29/1; 30/4 Thu, 1/5 Fri; 2/9 Wed (one day before the 2019 Labour Code).
    ("2020-01-22 10:00", WORKING_DAYS, 1, "2020-01-30 17:00", "2020 tết 23-29/1"),
    ("2020-04-29 10:00", WORKING_DAYS, 1, "2020-05-04 17:00", "2020 30/4 thursday and 1/5 friday"),
    ("2020-09-01 10:00", WORKING_DAYS, 1, "2020-09-03 17:00", "2020 national day one day"),
    # 2021: Tết 10-16/2; 1/5 Sat → Mon 3/5; 2/9 Thu and 3/9 Fri.
    ("2021-02-09 16:00", SAME_DAY, 0, "2021-02-17 17:00", "2021 same day after the cut-off before tết"),
    ("2021-04-29 10:00", WORKING_DAYS, 1, "2021-05-04 17:00", "2021 labour day saturday, monday in lieu"),
    ("2021-09-01 10:00", WORKING_DAYS, 1, "2021-09-06 17:00", "2021 national day 2-3/9"),
    # 2022: 1/1 Sat → Mon 3/1; Tết 31/1-4/2; 30/4-1/5 on a weekend → 2-3/5; 2/9 Fri and 1/9 Thu.
    ("2021-12-31 10:00", WORKING_DAYS, 1, "2022-01-04 17:00", "2022 new year saturday, monday in lieu"),
    ("2022-01-28 10:00", WORKING_DAYS, 2, "2022-02-08 17:00", "2022 tết 31/1-4/2"),
    ("2022-04-29 10:00", WORKING_DAYS, 1, "2022-05-04 17:00", "2022 30/4-1/5 weekend, 2-3/5 in lieu"),
    ("2022-08-31 10:00", WORKING_DAYS, 1, "2022-09-05 17:00", "2022 national day 1-2/9"),
    # 2023: 1/1 Sun → Mon 2/1; Tết 20-26/1; 29/4-3/5; 1/9, 2/9 Sat → Mon 4/9.
    ("2022-12-30 10:00", WORKING_DAYS, 1, "2023-01-03 17:00", "2023 new year sunday, monday in lieu"),
    ("2023-01-19 10:00", WORKING_DAYS, 1, "2023-01-27 17:00", "2023 tết 20-26/1"),
    ("2023-08-31 10:00", WORKING_DAYS, 1, "2023-09-05 17:00", "2023 national day 1/9, 2/9 and 4/9 in lieu"),
    # 2024: Tết 8-14/2; 29/4 off for Sat 4/5 worked; 2/9 Mon and 3/9 Tue.
    ("2024-02-07 10:00", WORKING_DAYS, 1, "2024-02-15 17:00", "2024 tết 8-14/2"),
    ("2024-04-26 10:00", WORKING_DAYS, 1, "2024-05-02 17:00", "2024 29/4-1/5 off"),
    ("2024-04-26 10:00", WORKING_DAYS, 3, "2024-05-04 17:00", "2024 saturday 4/5 is the third working day"),
    ("2024-05-04 16:00", SAME_DAY, 0, "2024-05-06 17:00", "2024 same day after the cut-off on saturday 4/5"),
    ("2024-05-03 17:30", WORKING_DAYS, 1, "2024-05-06 17:00", "2024 friday evening counts from saturday 4/5"),
    ("2024-08-30 10:00", WORKING_DAYS, 1, "2024-09-04 17:00", "2024 national day 2-3/9"),
    # 2025: Tết 27-31/1; Hùng Kings Mon 7/4; 2/5 off for Sat 26/4 worked; 2/9 Tue and 1/9 Mon.
    ("2025-01-24 10:00", WORKING_DAYS, 1, "2025-02-03 17:00", "2025 tết 27-31/1"),
    ("2025-04-04 10:00", WORKING_DAYS, 1, "2025-04-08 17:00", "2025 hùng kings monday 7/4"),
    ("2025-04-25 10:00", WORKING_DAYS, 1, "2025-04-26 17:00", "2025 saturday 26/4 is worked"),
    ("2025-04-29 10:00", WORKING_DAYS, 1, "2025-05-05 17:00", "2025 30/4-2/5 off"),
    ("2025-08-29 10:00", WORKING_DAYS, 1, "2025-09-03 17:00", "2025 national day 1-2/9"),
    # 2026: Tết 16-20/2; Hùng Kings Sun 26/4 → Mon 27/4; 30/4 Thu, 1/5 Fri; 31/8 off for Sat 22/8 worked;
    # 2/9 Wed and 1/9 Tue.
    ("2026-02-13 10:00", WORKING_DAYS, 1, "2026-02-23 17:00", "2026 tết 16-20/2"),
    ("2026-04-24 10:00", WORKING_DAYS, 3, "2026-05-04 17:00", "2026 27/4 in lieu, 30/4-1/5 off"),
    ("2026-08-21 10:00", WORKING_DAYS, 1, "2026-08-22 17:00", "2026 saturday 22/8 is worked"),
    ("2026-08-28 10:00", WORKING_DAYS, 1, "2026-09-03 17:00", "2026 31/8-2/9 off"),
]

# The four units at their edges.
UNITS = [
    ("2023-03-06 10:00", WORKING_DAYS, 0, "2023-03-06 17:00", "0 working days is the receipt day's close"),
    ("2023-03-05 10:00", WORKING_DAYS, 0, "2023-03-06 17:00", "0 working days from sunday is monday"),
    ("2023-03-06 09:00", WORKING_DAYS, 5, "2023-03-13 17:00", "5 working days over a weekend"),
    ("2023-03-06 15:00", SAME_DAY, 0, "2023-03-06 17:00", "same day at exactly the cut-off"),
    ("2023-03-06 15:00:01", SAME_DAY, 0, "2023-03-07 17:00", "same day one second after the cut-off"),
    ("2023-03-06 12:00", SAME_DAY, 0, "2023-03-06 17:00", "same day in the lunch break counts from 13:30"),
    ("2023-03-06 17:00", SAME_DAY, 0, "2023-03-07 17:00", "same day at exactly the close"),
    ("2023-03-05 21:00", SAME_DAY, 0, "2023-03-06 17:00", "same day online on sunday night"),
    ("2023-03-10 16:00", SAME_DAY, 0, "2023-03-13 17:00", "same day after the cut-off on friday"),
    ("2023-03-06 07:00", WORKING_HOURS, 4.5, "2023-03-06 11:30", "ends exactly at the morning's end"),
    ("2023-03-06 13:30", WORKING_HOURS, 3.5, "2023-03-06 17:00", "ends exactly at the close"),
    ("2023-03-06 09:00", WORKING_HOURS, 8, "2023-03-07 09:00", "a full working day of hours"),
    ("2023-03-06 11:00", WORKING_HOURS, 0.5, "2023-03-06 11:30", "half an hour up to the lunch break"),
    ("2023-03-06 11:00", WORKING_HOURS, 1, "2023-03-06 14:00", "an hour across the lunch break"),
    ("2023-03-06 12:00", WORKING_HOURS, 1, "2023-03-06 14:30", "received in the lunch break"),
    ("2023-03-06 10:00", WORKING_HOURS, 0, "2023-03-06 10:00", "zero hours is the receipt itself"),
    ("2023-03-06 13:30", WORKING_HOURS, 0, "2023-03-06 13:30", "zero hours at an opening stays there"),
    ("2023-04-28 15:00", WORKING_HOURS, 4, "2023-05-04 09:00", "hours across 29/4-3/5"),
    ("2024-02-07 16:00", WORKING_HOURS, 2, "2024-02-15 08:00", "hours across tết 2024"),
    ("2024-05-03 15:00", WORKING_HOURS, 4, "2024-05-04 09:00", "hours into the swapped saturday"),
    ("2023-03-06 10:00", CALENDAR_DAYS, 0, "2023-03-06 17:00", "0 calendar days"),
    ("2023-03-06 10:00", CALENDAR_DAYS, 7, "2023-03-13 17:00", "a week of calendar days"),
    ("2023-03-06 10:00", CALENDAR_DAYS, 5, "2023-03-13 17:00", "last day saturday moves to monday"),
    ("2024-01-26 10:00", CALENDAR_DAYS, 14, "2024-02-15 17:00", "last day in tết moves past it"),
    ("2019-04-22 10:00", CALENDAR_DAYS, 5, "2019-05-02 17:00", "last day saturday 27/4 before 29/4-1/5"),
    ("2025-04-18 10:00", CALENDAR_DAYS, 8, "2025-04-26 17:00", "last day the swapped saturday stays"),
    ("2023-03-05 21:00", CALENDAR_DAYS, 1, "2023-03-07 17:00", "counted from the deemed receipt monday"),
]


def _case(row: tuple[str, Unit, float, str, str]) -> object:
    received, unit, amount, due, why = row
    return pytest.param(received, unit, amount, due, id=why.replace(" ", "_"))


@pytest.mark.parametrize(("received", "unit", "amount", "due"), [_case(r) for r in DOMAIN_EXAMPLES])
def test_every_worked_example_of_the_domain_is_due_as_written(
    received: str, unit: Unit, amount: float, due: str
) -> None:
    assert vn_engine().due_at(Rule(unit, amount), at(received)) == at(due)


@pytest.mark.parametrize(("received", "unit", "amount", "due"), [_case(r) for r in YEARLY])
def test_a_dossier_received_around_a_holiday_of_2019_to_2026_is_due_after_it(
    received: str, unit: Unit, amount: float, due: str
) -> None:
    assert vn_engine().due_at(Rule(unit, amount), at(received)) == at(due)


@pytest.mark.parametrize(("received", "unit", "amount", "due"), [_case(r) for r in UNITS])
def test_each_unit_is_due_as_the_law_counts_it(received: str, unit: Unit, amount: float, due: str) -> None:
    assert vn_engine().due_at(Rule(unit, amount), at(received)) == at(due)


DEEMED = [
    ("2023-03-06 21:00", "2023-03-07 07:00", "at night, the next morning"),
    ("2023-03-05 10:00", "2023-03-06 07:00", "on sunday, monday's opening"),
    ("2023-03-06 12:00", "2023-03-06 13:30", "in the lunch break, the afternoon's opening"),
    ("2023-03-06 11:30", "2023-03-06 13:30", "at exactly the morning's end, the afternoon's opening"),
    ("2023-03-06 17:00", "2023-03-07 07:00", "at exactly the close, the next opening"),
    ("2023-03-06 16:59:59", "2023-03-06 16:59:59", "a second before the close, itself"),
    ("2023-03-06 15:00", "2023-03-06 15:00", "at exactly the cut-off, itself"),
    ("2023-03-06 07:00", "2023-03-06 07:00", "at exactly the opening, itself"),
    ("2023-03-06 06:59", "2023-03-06 07:00", "just before the opening, the opening"),
    ("2023-04-28 20:00", "2023-05-04 07:00", "friday night before 29/4-3/5, after it"),
    ("2023-01-19 18:00", "2023-01-27 07:00", "the evening before tết 2023, after it"),
    ("2024-05-03 18:00", "2024-05-04 07:00", "friday night before the swapped saturday, that saturday"),
    ("2024-05-05 09:00", "2024-05-06 07:00", "the sunday after the swapped saturday, monday"),
]


@pytest.mark.parametrize(("received", "deemed"), [pytest.param(r, d, id=w.replace(" ", "_")) for r, d, w in DEEMED])
def test_a_dossier_received_outside_office_hours_counts_from_the_next_opening(received: str, deemed: str) -> None:
    assert vn_engine().deemed_receipt(at(received)) == at(deemed)


def test_an_instant_given_in_utc_is_read_in_the_office_time_zone() -> None:
    monday_0630_local = dt.datetime(2023, 3, 5, 23, 30, tzinfo=dt.UTC)
    engine = vn_engine()
    assert engine.deemed_receipt(monday_0630_local) == at("2023-03-06 07:00")
    assert engine.due_at(Rule(WORKING_DAYS, 3), monday_0630_local) == at("2023-03-09 17:00")
    assert engine.due_at(Rule(SAME_DAY), dt.datetime(2023, 3, 6, 8, 30, tzinfo=dt.UTC)) == at("2023-03-07 17:00")


def test_a_naive_instant_is_taken_as_office_local_time() -> None:
    assert vn_engine().due_at(Rule(WORKING_DAYS, 3), dt.datetime(2023, 3, 5, 21)) == at("2023-03-09 17:00")


def test_a_same_day_rule_may_carry_its_own_cut_off() -> None:
    rule = Rule(SAME_DAY, cutoff=dt.time(16, 0))
    assert vn_engine().due_at(rule, at("2023-03-06 15:40")) == at("2023-03-06 17:00")
    assert vn_engine().due_at(rule, at("2023-03-06 16:01")) == at("2023-03-07 17:00")


def test_due_times_are_shown_in_the_office_time_zone() -> None:
    due = vn_engine().due_at(Rule(WORKING_DAYS, 1), at("2023-03-06 10:00"))
    assert due.utcoffset() == dt.timedelta(hours=7)


def test_office_seconds_between_two_instants_skip_lunch_nights_and_days_off() -> None:
    engine = vn_engine()
    assert engine.office_seconds_between(at("2023-03-06 10:00"), at("2023-03-06 14:00")) == 2 * 3600
    assert engine.office_seconds_between(at("2023-03-10 16:00"), at("2023-03-13 08:00")) == 2 * 3600
    assert engine.office_seconds_between(at("2023-03-13 08:00"), at("2023-03-10 16:00")) == -2 * 3600
    assert engine.add_office_seconds(at("2023-03-10 16:00"), 2 * 3600) == at("2023-03-13 08:00")


@pytest.mark.parametrize(
    ("unit", "amount"), [(WORKING_DAYS, -1), (WORKING_DAYS, 1.5), (CALENDAR_DAYS, 2.5), (WORKING_HOURS, -0.5)]
)
def test_a_negative_or_fractional_day_count_is_refused(unit: Unit, amount: float) -> None:
    with pytest.raises(RuleError):
        Rule(unit, amount)


def test_a_receipt_outside_the_calendar_years_is_refused() -> None:
    with pytest.raises(CalendarRangeError):
        vn_engine().due_at(Rule(WORKING_DAYS, 1), at("2017-12-29 10:00"))
    with pytest.raises(CalendarRangeError):
        vn_engine().due_at(Rule(WORKING_DAYS, 10), at("2040-12-28 10:00"))
    with pytest.raises(CalendarRangeError):
        vn_engine().due_at(Rule(SAME_DAY), at("2041-01-02 10:00"))


SWAPS = [  # (Saturday worked, weekday off in exchange), per the government's yearly announcements
    ("2019-01-05", "2018-12-31"),
    ("2019-05-04", "2019-04-29"),
    ("2024-05-04", "2024-04-29"),
    ("2025-04-26", "2025-05-02"),
    ("2026-08-22", "2026-08-31"),
]


@pytest.mark.parametrize(("saturday", "weekday"), SWAPS)
def test_a_swapped_saturday_is_worked_and_its_weekday_is_off(saturday: str, weekday: str) -> None:
    calendar = vn_engine().calendar
    assert calendar.is_working_day(on(saturday)) and not calendar.is_working_day(on(weekday))


def test_the_only_swapped_saturdays_from_2018_to_2026_are_the_announced_ones() -> None:
    calendar = vn_engine().calendar
    swapped = [
        d.on.isoformat()
        for year in range(2018, 2027)
        for d in calendar.changes(year)
        if d.kind == "swapped_working_day"
    ]
    assert swapped == [saturday for saturday, _ in SWAPS]

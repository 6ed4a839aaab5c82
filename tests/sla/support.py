"""Shared helpers for the deadline engine's tests: instants written as office-local text, and engines."""

from __future__ import annotations

import datetime as dt
from functools import cache
from zoneinfo import ZoneInfo

from sla.calendar import CalendarSpec, WorkingCalendar
from sla.deadline import Deadlines
from sla.hours import OfficeHours

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def at(text: str) -> dt.datetime:
    """``"2023-03-06 09:00"`` (or with seconds) as an aware instant in the office's time zone."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=TZ)


def on(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


@cache
def vn_engine() -> Deadlines:
    """The default office: the national calendar, 07:00-11:30 and 13:30-17:00, cut-off 15:00."""
    return Deadlines(WorkingCalendar(CalendarSpec()))


@cache
def round_the_clock_engine() -> Deadlines:
    """Every day a working day, office open all day, no holidays: deadlines in plain elapsed time."""
    spec = CalendarSpec(
        holidays="none",
        working_weekdays=frozenset(range(7)),
        office_hours=OfficeHours.parse(["00:00-24:00"]),
    )
    return Deadlines(WorkingCalendar(spec))


@cache
def split_hours_engine() -> Deadlines:
    """Three segments a day (8 hours): 07:00-09:00, 10:00-12:00, 14:00-18:00; the national calendar."""
    spec = CalendarSpec(office_hours=OfficeHours.parse(["07:00-09:00", "10:00-12:00", "14:00-18:00"]))
    return Deadlines(WorkingCalendar(spec))


@cache
def no_holidays_engine() -> Deadlines:
    """Monday to Friday with no public holidays nor swapped Saturdays."""
    return Deadlines(WorkingCalendar(CalendarSpec(holidays="none")))


@cache
def office_overrides_engine() -> Deadlines:
    """The national calendar plus the office's own decisions: Tue 2023-03-07 and the swapped Saturday
    2024-05-04 off; Sat 2023-03-11 and the day off in lieu Tue 2023-05-02 worked."""
    spec = CalendarSpec(
        extra_days_off=frozenset({on("2023-03-07"), on("2024-05-04")}),
        extra_working_days=frozenset({on("2023-03-11"), on("2023-05-02")}),
    )
    return Deadlines(WorkingCalendar(spec))


@cache
def six_day_week_engine() -> Deadlines:
    """Monday to Saturday, national holidays."""
    return Deadlines(WorkingCalendar(CalendarSpec(working_weekdays=frozenset(range(6)))))

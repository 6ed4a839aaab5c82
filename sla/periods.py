"""Reporting periods.

Decree 09/2019/NĐ-CP Art. 12: the figures of a periodic report run from the 15th of the month before the
period to the 14th of its last month: month 2023-05 = 2023-04-15 … 2023-05-14; Q1 = 12-15 … 03-14;
H1 = 12-15 … 06-14; 9M = 12-15 … 09-14; year = 12-15 … 12-14. Calendar-month boundaries are offered beside
them.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

CUTOFF_DAY = 15  # Decree 09/2019 Art. 12: the period starts on the 15th of the month before


class PeriodError(ValueError):
    """A period label or range that cannot be read."""


@dataclass(frozen=True)
class Period:
    label: str
    start: dt.date  # inclusive, office-local
    end: dt.date  # inclusive, office-local

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise PeriodError(f"the period ends ({self.end}) before it starts ({self.start})")


_PATTERNS = {
    "month": re.compile(r"^(\d{4})-(\d{2})$"),
    "quarter": re.compile(r"^(\d{4})-Q([1-4])$", re.IGNORECASE),
    "half": re.compile(r"^(\d{4})-H([12])$", re.IGNORECASE),
    "nine": re.compile(r"^(\d{4})-9M$", re.IGNORECASE),
    "year": re.compile(r"^(\d{4})$"),
}


def parse_period(text: str, *, calendar_months: bool = False) -> Period:
    """``2023-05``, ``2023-Q2``, ``2023-H1``, ``2023-9M`` or ``2023`` → its dates."""
    label = text.strip()
    months = _month_span(label)
    if months is None:
        raise PeriodError(f"{text!r} is not a period (2023-05, 2023-Q2, 2023-H1, 2023-9M, 2023)")
    year, first, last = months
    if not 2000 <= year <= 2100:
        raise PeriodError(f"{text!r}: year out of range")
    if calendar_months:
        return Period(label.upper(), dt.date(year, first, 1), _last_day(year, last))
    start = _shift_month(year, first, -1)
    return Period(label.upper(), dt.date(start[0], start[1], CUTOFF_DAY), dt.date(year, last, CUTOFF_DAY - 1))


def custom_period(start: dt.date, end: dt.date) -> Period:
    return Period(f"{start.isoformat()}..{end.isoformat()}", start, end)


def _month_span(label: str) -> tuple[int, int, int] | None:
    if m := _PATTERNS["month"].match(label):
        month = int(m.group(2))
        if not 1 <= month <= 12:
            return None
        return int(m.group(1)), month, month
    if m := _PATTERNS["quarter"].match(label):
        q = int(m.group(2))
        return int(m.group(1)), 3 * q - 2, 3 * q
    if m := _PATTERNS["half"].match(label):
        h = int(m.group(2))
        return int(m.group(1)), 6 * h - 5, 6 * h
    if m := _PATTERNS["nine"].match(label):
        return int(m.group(1)), 1, 9
    if m := _PATTERNS["year"].match(label):
        return int(m.group(1)), 1, 12
    return None


def _shift_month(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def _last_day(year: int, month: int) -> dt.date:
    y, m = _shift_month(year, month, 1)
    return dt.date(y, m, 1) - dt.timedelta(days=1)


def period_bounds(period: Period, tz: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """The instants ``[start 00:00, (end + 1 day) 00:00)`` of a period in the office's time zone.

    Decree 09/2019 Art. 12 counts whole office-local days: the last day of a period ends at its midnight.
    """
    start_at = dt.datetime.combine(period.start, dt.time(0), tz)
    end_at = dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time(0), tz)
    return start_at, end_at


def reporting_month_start(instant: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    """The first instant of the reporting month holding ``instant`` (Decree 09/2019 Art. 12: the 15th, 00:00
    local time, to the next 15th): shifted back 14 days, a reporting month is a calendar month."""
    shifted = instant.astimezone(tz).replace(tzinfo=None) - dt.timedelta(days=CUTOFF_DAY - 1)
    first = shifted.replace(day=1, hour=0, minute=0, second=0, microsecond=0) + dt.timedelta(days=CUTOFF_DAY - 1)
    return first.replace(tzinfo=tz)


def whole_reporting_months(
    start_at: dt.datetime, end_at: dt.datetime, tz: dt.tzinfo
) -> tuple[dt.datetime, dt.datetime] | None:
    """The reporting months lying wholly in [start_at, end_at), as [first, last), or None when there is none.
    Every period of Art. 12 (in the office's time) is made of whole ones."""
    first = reporting_month_start(start_at, tz)
    if first < start_at:
        first = reporting_month_start(first + dt.timedelta(days=32), tz)
    last = reporting_month_start(end_at, tz)
    return (first, last) if first < last else None

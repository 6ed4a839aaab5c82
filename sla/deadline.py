"""Statutory due times: the deemed receipt instant and the four units of a processing time.

Legal sources, per rule below:
- Decree 61/2018/NĐ-CP (amended by Decree 107/2021; from 1 July 2025 Decree 118/2025/NĐ-CP) Art. 17-19:
  receipt at the one-stop desk, processing time counted in working days from receipt.
- Civil Code 2015 Art. 147: a period in days does not count its first day; Art. 148: it ends at the end of its
  last day, moved to the next working day when that day is a day off.
- Civil Status Law 2014 Art. 5.3 and Decree 23/2015/NĐ-CP Art. 7: "same day" procedures received after 15:00
  are due the next working day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

from sla.calendar import CalendarRangeError, WorkingCalendar


class Unit(StrEnum):
    SAME_DAY = "same_day"
    WORKING_DAYS = "working_days"
    WORKING_HOURS = "working_hours"
    CALENDAR_DAYS = "calendar_days"


_WORKING_DAYS = Unit.WORKING_DAYS  # bound once: the enum attribute lookup shows on the hot path


class RuleError(ValueError):
    """A processing-time rule that cannot be applied (negative amount, unknown unit)."""


@dataclass(frozen=True)
class Rule:
    """A procedure's statutory processing time."""

    unit: Unit
    amount: float = 0
    cutoff: dt.time | None = None  # same_day only; None uses the calendar's cut-off

    def __post_init__(self) -> None:
        if self.amount < 0:
            raise RuleError("a processing time cannot be negative")
        if self.unit in (Unit.WORKING_DAYS, Unit.CALENDAR_DAYS) and self.amount != int(self.amount):
            raise RuleError(f"{self.unit} takes a whole number")


class Deadlines:
    """The deadline engine for one office: its calendar and time zone, all arithmetic in local time."""

    def __init__(self, calendar: WorkingCalendar) -> None:
        self.calendar = calendar
        self.hours = calendar.hours
        self.tz = ZoneInfo(calendar.spec.timezone)
        self.day_seconds = self.hours.minutes_per_day * 60
        close = self.hours.close
        self._close = dt.time(23, 59, 59, 999999) if close == 24 * 60 else dt.time(close // 60, close % 60)
        # The close of every working day, by rank, built once: a working-days due time is then one index away.
        first, last = dt.date.fromordinal(calendar.epoch), dt.date.fromordinal(calendar.end)
        self._deemed_rank = calendar.deemed_rank
        self._closes = [self.close_of(day) for day in calendar.working_days_between(first, last)]

    # --- instants and local time -------------------------------------------------------------------------
    def local(self, at: dt.datetime) -> dt.datetime:
        """The office-local wall time of an instant (naive datetimes are taken as office-local)."""
        if at.tzinfo is None:
            return at
        return at.astimezone(self.tz).replace(tzinfo=None)

    def local_date(self, at: dt.datetime) -> dt.date:
        """The office-local calendar day of an instant (naive datetimes are taken as office-local)."""
        return at.date() if at.tzinfo is None else at.astimezone(self.tz).date()

    def aware(self, local: dt.datetime) -> dt.datetime:
        return local.replace(tzinfo=self.tz)

    def close_of(self, day: dt.date) -> dt.datetime:
        """The end of the day's last office-hour segment (Civil Code Art. 148: a day ends at its close)."""
        return dt.datetime.combine(day, self._close, self.tz)

    # --- deemed receipt -------------------------------------------------------------------------------------
    def deemed_receipt(self, at: dt.datetime) -> dt.datetime:
        """When a dossier received at ``at`` counts as received: ``at`` itself in office hours of a working
        day, else the next opening (Decree 61/2018 Art. 17; online filings at night or on a day off count from
        the next working session)."""
        return self.aware(self._deemed_local(self.local(at)))

    def _deemed_local(self, local: dt.datetime) -> dt.datetime:
        day = local.date()
        if self.calendar.is_working_day(day):
            minute = _minute_of(local)
            opening = self.hours.next_opening(minute)
            if opening == minute:
                return local
            if opening is not None:
                return dt.datetime.combine(day, _time_of(int(opening)))
        nxt = self.calendar.next_working_day(day, inclusive=False)
        return dt.datetime.combine(nxt, _time_of(self.hours.opening))

    # --- the four units -------------------------------------------------------------------------------------
    def due_at(self, rule: Rule, received_at: dt.datetime) -> dt.datetime:
        """The statutory due instant of a dossier received (or restarted from zero) at ``received_at``."""
        if rule.unit is _WORKING_DAYS:
            # Civil Code 2015 Art. 147: the deemed receipt day is not counted; due at the close of the n-th
            # working day after it. The hot path of every desk and report: one conversion, one index.
            local = received_at if received_at.tzinfo is None else received_at.astimezone(self.tz)
            k = self._deemed_rank(local) + int(rule.amount)
            if k < len(self._closes):
                return self._closes[k]
            raise CalendarRangeError(f"{rule.amount} working days after {local.date()} is outside the calendar")
        start = self._deemed_local(self.local(received_at))
        if rule.unit is Unit.SAME_DAY:
            return self._same_day(start, rule)
        if rule.unit is Unit.WORKING_HOURS:
            return self.add_office_seconds(self.aware(start), round(rule.amount * 3600))
        if rule.unit is Unit.CALENDAR_DAYS:
            return self._calendar_days(start.date(), int(rule.amount))
        raise RuleError(f"unknown unit {rule.unit!r}")

    def _same_day(self, start: dt.datetime, rule: Rule) -> dt.datetime:
        # Civil Status Law 2014 Art. 5.3; Decree 23/2015 Art. 7: deemed received after the cut-off (15:00)
        # → due at the close of the next working day; at or before it → at the close of the same day.
        cutoff = rule.cutoff or self.calendar.spec.same_day_cutoff
        if start.time() > cutoff:
            return self.close_of(self.calendar.add_working_days(start.date(), 1))
        return self.close_of(start.date())

    def _calendar_days(self, day: dt.date, n: int) -> dt.datetime:
        # Civil Code 2015 Art. 147-148: the first day is not counted; a last day that is a day off moves to
        # the next working day; the period ends at that day's close.
        last = day + dt.timedelta(days=n)
        return self.close_of(self.calendar.next_working_day(last))

    def is_segment_end(self, at: dt.datetime) -> bool:
        """Whether ``at`` is exactly the end of an office-hour segment of a working day (e.g. 17:00)."""
        local = self.local(at)
        if not self.calendar.is_working_day(local.date()):
            return False
        return any(_minute_of(local) == end for _, end in self.hours.segments)

    # --- office-hours time ----------------------------------------------------------------------------------
    def position(self, at: dt.datetime) -> int:
        """Office seconds from the calendar's first working day to ``at`` (time off adds nothing)."""
        local = self.local(at)
        day = local.date()
        before = self.calendar.working_days_before(day) * self.day_seconds
        if not self.calendar.is_working_day(day):
            return before
        return before + round(self.hours.worked_before(_minute_of(local)) * 60)

    def at_position(self, position: int) -> dt.datetime:
        """The instant at which ``position`` office seconds have passed; a position that falls on a segment's
        end (or a day's close) stays there rather than moving to the next opening."""
        k, rest = divmod(position, self.day_seconds)
        if rest == 0 and k > 0:
            k, rest = k - 1, self.day_seconds
        day = self.calendar.nth_working_day(k)
        minute = self.hours.minute_at(rest / 60) if rest else float(self.hours.opening)
        seconds = round(minute * 60)
        if seconds >= 24 * 3600:
            return self.aware(dt.datetime.combine(day, dt.time(23, 59, 59, 999999)))
        return self.aware(dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=seconds))

    def add_office_seconds(self, start: dt.datetime, seconds: int) -> dt.datetime:
        """``start`` plus ``seconds`` of office-hours time (lunch breaks and days off do not count)."""
        deemed = self.deemed_receipt(start)
        if seconds == 0:
            # The position of an opening is also that of the close before it: stay at the deemed receipt
            # rather than fall back to the previous close (or the end of the morning), before the receipt.
            return deemed
        return self.at_position(self.position(deemed) + seconds)

    def office_seconds_between(self, start: dt.datetime, end: dt.datetime) -> int:
        """Office-hours time from ``start`` to ``end`` (negative if ``end`` is earlier)."""
        return self.position(end) - self.position(start)


def _minute_of(local: dt.datetime) -> float:
    return local.hour * 60 + local.minute + local.second / 60 + local.microsecond / 60e6


def _time_of(minute: int) -> dt.time:
    return dt.time(minute // 60, minute % 60)

"""Office-hour segments of a working day, as minutes from midnight.

Decree 61/2018/NĐ-CP Art. 17 (receipt in office hours) and the office's own working-hours decision; the
default 07:00-11:30 and 13:30-17:00 is the common commune schedule (8 hours).
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from dataclasses import dataclass

MINUTES_PER_DAY = 24 * 60


class OfficeHoursError(ValueError):
    """Segments that are empty, reversed, overlapping or outside the day."""


@dataclass(frozen=True)
class OfficeHours:
    """Sorted, non-overlapping ``(start, end)`` minute pairs; the day's close is the last end."""

    segments: tuple[tuple[int, int], ...]

    def __post_init__(self) -> None:
        if not self.segments:
            raise OfficeHoursError("at least one office-hour segment is needed")
        previous_end = -1
        for start, end in self.segments:
            if not 0 <= start < end <= MINUTES_PER_DAY:
                raise OfficeHoursError(f"segment {_fmt(start)}-{_fmt(end)} is not a forward range within a day")
            if start < previous_end:
                raise OfficeHoursError(f"segment {_fmt(start)}-{_fmt(end)} overlaps the one before it")
            previous_end = end

    @classmethod
    def default(cls) -> OfficeHours:
        return cls(((7 * 60, 11 * 60 + 30), (13 * 60 + 30, 17 * 60)))

    @classmethod
    def parse(cls, texts: list[str] | tuple[str, ...]) -> OfficeHours:
        """Parse ``["07:00-11:30", "13:30-17:00"]``; ``24:00`` is allowed as an end."""
        segments = []
        for text in texts:
            start, sep, end = str(text).partition("-")
            if not sep:
                raise OfficeHoursError(f"{text!r} is not of the form HH:MM-HH:MM")
            segments.append((parse_minutes(start), parse_minutes(end, allow_midnight=True)))
        return cls(tuple(sorted(segments)))

    @property
    def minutes_per_day(self) -> int:
        return sum(end - start for start, end in self.segments)

    @property
    def opening(self) -> int:
        return self.segments[0][0]

    @property
    def close(self) -> int:
        return self.segments[-1][1]

    def worked_before(self, minute: float) -> float:
        """Office minutes of the day that lie before ``minute``."""
        total = 0.0
        for start, end in self.segments:
            if minute <= start:
                break
            total += min(minute, end) - start
        return total

    def next_opening(self, minute: float) -> float | None:
        """The minute at or after ``minute`` when the office is open, ``None`` if it is closed for the day.

        A segment is half-open: at its end the office is closed (the next segment's start is next).
        """
        for start, end in self.segments:
            if minute < end:
                return float(start) if minute < start else minute
        return None

    def is_open_at(self, minute: float) -> bool:
        return any(start <= minute < end for start, end in self.segments)

    def minute_at(self, worked: float) -> float:
        """The clock minute by which ``worked`` office minutes of the day have passed (0 < worked <= day).

        A deadline that lands exactly on a segment's end stays there (DOMAIN 6: it is not moved on).
        """
        ends = self._cumulative_ends()
        k = bisect_right(ends, worked - 1e-9)
        start, _ = self.segments[min(k, len(self.segments) - 1)]
        before = ends[k - 1] if k else 0
        return start + (worked - before)

    def _cumulative_ends(self) -> list[float]:
        total, out = 0.0, []
        for start, end in self.segments:
            total += end - start
            out.append(total)
        return out

    def describe(self) -> list[str]:
        return [f"{_fmt(s)}-{_fmt(e)}" for s, e in self.segments]


def parse_minutes(text: str, *, allow_midnight: bool = False) -> int:
    """``"07:30"`` → 450; rejects ``"25:00"`` and ``"7h"``."""
    hh, sep, mm = text.strip().partition(":")
    if not (sep and hh.isdigit() and mm.isdigit() and len(mm) == 2):
        raise OfficeHoursError(f"{text!r} is not a time HH:MM")
    hours, minutes = int(hh), int(mm)
    if (hours, minutes) == (24, 0) and allow_midnight:
        return MINUTES_PER_DAY
    if not (0 <= hours < 24 and 0 <= minutes < 60):
        raise OfficeHoursError(f"{text!r} is not a valid time of day")
    return hours * 60 + minutes


def parse_time(text: str) -> dt.time:
    minutes = parse_minutes(text)
    return dt.time(minutes // 60, minutes % 60)


def _fmt(minute: float) -> str:
    return f"{int(minute) // 60:02d}:{int(minute) % 60:02d}"

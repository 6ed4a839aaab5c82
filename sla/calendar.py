"""The office's working calendar, built once into an index so that every deadline is O(1).

Sources:
- Labour Code 2019, Art. 111-112: weekly rest, public holidays and days off in lieu; the government announces
  each year's Tết, National Day and swapped days (a weekday off paid back by working a Saturday).
- python-holidays' Vietnam calendar carries those holidays, the days off in lieu and (``weekend_workdays``)
  the swapped working Saturdays; the office adds its own extra days off and extra working days.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Any

from sla.hours import OfficeHours

FIRST_YEAR = 2018
LAST_YEAR = 2040


@dataclass(frozen=True)
class CalendarSpec:
    """What defines an office's calendar; the defaults are the national civil-service calendar."""

    holidays: str = "VN"  # "VN" or "none"
    working_weekdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})  # Monday = 0 (Labour Code 2019 Art. 111)
    office_hours: OfficeHours = field(default_factory=OfficeHours.default)
    same_day_cutoff: dt.time = dt.time(15, 0)  # Civil Status Law 2014 Art. 5.3; Decree 23/2015 Art. 7
    extra_days_off: frozenset[dt.date] = frozenset()
    extra_working_days: frozenset[dt.date] = frozenset()
    timezone: str = "Asia/Ho_Chi_Minh"
    first_year: int = FIRST_YEAR
    last_year: int = LAST_YEAR


@dataclass(frozen=True)
class DayOff:
    """A named change to the weekly pattern: a holiday, a day off in lieu, or a swapped working day."""

    on: dt.date
    # "holiday" | "in_lieu" | "swapped_working_day" | "office_day_off" | "office_working_day"; "in_lieu"
    # covers both a day off for a holiday on a weekend (nghỉ bù) and a weekday off paid back by a working
    # Saturday.
    kind: str
    name: str


class CalendarRangeError(ValueError):
    """A date outside the years the calendar was built for."""


class WorkingCalendar:
    """Working days as a sorted index: ``rank[d]`` counts the working days before day ``d``."""

    def __init__(self, spec: CalendarSpec, *, lang: str = "vi") -> None:
        self.spec = spec
        self.hours = spec.office_hours
        self.epoch = dt.date(spec.first_year, 1, 1).toordinal()
        self.end = dt.date(spec.last_year, 12, 31).toordinal()
        self._names = _named_days(spec, lang=lang)
        working = [self._is_working(dt.date.fromordinal(o)) for o in range(self.epoch, self.end + 1)]
        self._working = working
        self._close_minute = self.hours.close
        self._days: list[int] = [self.epoch + i for i, w in enumerate(working) if w]
        rank = [0] * (len(working) + 1)
        for i, w in enumerate(working):
            rank[i + 1] = rank[i] + w
        self._rank = rank

    def _is_working(self, day: dt.date) -> bool:
        name = self._names.get(day)
        if name is not None:
            return name.kind in ("swapped_working_day", "office_working_day")
        return day.weekday() in self.spec.working_weekdays

    def _index(self, day: dt.date) -> int:
        o = day.toordinal()
        if not self.epoch <= o <= self.end:
            raise CalendarRangeError(f"{day} is outside {self.spec.first_year}-{self.spec.last_year}")
        return o - self.epoch

    def is_working_day(self, day: dt.date) -> bool:
        return self._working[self._index(day)]

    def working_days_before(self, day: dt.date) -> int:
        """How many working days lie strictly before ``day`` (from the calendar's first day)."""
        return self._rank[self._index(day)]

    def nth_working_day(self, k: int) -> dt.date:
        """The working day of rank ``k`` (0-based)."""
        if not 0 <= k < len(self._days):
            raise CalendarRangeError(f"working day #{k} is outside the calendar")
        return dt.date.fromordinal(self._days[k])

    def add_working_days(self, day: dt.date, n: int) -> dt.date:
        """The ``n``-th working day after ``day``, ``day`` itself not counted (Civil Code 2015 Art. 147).

        ``n == 0`` gives ``day`` if it is a working day, else the next one.
        """
        if n < 0:
            raise ValueError("n must not be negative")
        i = self._index(day)
        if n == 0:
            return self.nth_working_day(self._rank[i])
        return self.nth_working_day(self._rank[i + 1] + n - 1)

    def next_working_day(self, day: dt.date, *, inclusive: bool = True) -> dt.date:
        """``day`` itself if it is a working day and ``inclusive``, else the next working day."""
        i = self._index(day)
        k = self._rank[i] if inclusive else self._rank[i + 1]
        return self.nth_working_day(k)

    def deemed_rank(self, local: dt.datetime) -> int:
        """The rank of the working day that a receipt at office-local ``local`` counts from: that day if
        it is a working day and the office has not closed yet, else the next working day (Decree 61/2018
        Art. 17)."""
        i = local.toordinal() - self.epoch
        if not 0 <= i < len(self._working):
            raise CalendarRangeError(f"{local.date()} is outside {self.spec.first_year}-{self.spec.last_year}")
        if self._working[i] and local.hour * 60 + local.minute < self._close_minute:
            return self._rank[i]
        return self._rank[i + 1]

    def count_working_days(self, start: dt.date, end: dt.date) -> int:
        """Working days in the half-open range (start, end]: how many working days ``end`` is after
        ``start``."""
        return self._rank[self._index(end) + 1] - self._rank[self._index(start) + 1]

    def working_days_between(self, start: dt.date, end: dt.date) -> list[dt.date]:
        lo = bisect_right(self._days, start.toordinal() - 1)
        hi = bisect_right(self._days, end.toordinal())
        return [dt.date.fromordinal(o) for o in self._days[lo:hi]]

    def changes(self, year: int) -> list[DayOff]:
        """The year's named departures from the weekly pattern, in date order."""
        return sorted((d for d in self._names.values() if d.on.year == year), key=lambda d: d.on)

    def name_of(self, day: dt.date) -> str | None:
        found = self._names.get(day)
        return found.name if found else None


def _named_days(spec: CalendarSpec, *, lang: str) -> dict[dt.date, DayOff]:
    names: dict[dt.date, DayOff] = {}
    if spec.holidays.upper() == "VN":
        names.update(_vn_days(spec.first_year, spec.last_year, lang=lang))
    labels = _OFFICE_LABELS[lang if lang in _OFFICE_LABELS else "vi"]
    for day in spec.extra_days_off:
        names[day] = DayOff(day, "office_day_off", labels[0])
    for day in spec.extra_working_days:
        names[day] = DayOff(day, "office_working_day", labels[1])
    return names


_OFFICE_LABELS = {
    "vi": ("Ngày nghỉ theo quyết định của cơ quan", "Ngày làm việc theo quyết định của cơ quan"),
    "en": ("Office day off", "Office extra working day"),
}
_SWAPPED_LABEL = {"vi": "Làm việc bù (hoán đổi ngày nghỉ)", "en": "Swapped working day (make-up Saturday)"}


def _vn_days(first: int, last: int, *, lang: str) -> dict[dt.date, DayOff]:
    import holidays  # imported here: building the calendar is the only place that needs it

    years = range(first, last + 1)
    shown: Any = holidays.country_holidays("VN", years=years, language="vi" if lang == "vi" else "en_US")
    # The kind is read from the English names whatever the language shown, so that it never depends on it:
    # "(observed)" marks a day off in lieu of a holiday on a weekend (Labour Code 2019 Art. 112.3),
    # "substituted" a weekday off paid back by a working Saturday (the government's yearly swap).
    english: Any = holidays.country_holidays("VN", years=years, language="en_US")
    days: dict[dt.date, DayOff] = {}
    for day, name in shown.items():
        kind = "in_lieu" if all(_is_in_lieu(part) for part in english[day].split("; ")) else "holiday"
        days[day] = DayOff(day, kind, name)
    for day in getattr(shown, "weekend_workdays", ()):
        if first <= day.year <= last:
            days[day] = DayOff(day, "swapped_working_day", _SWAPPED_LABEL.get(lang, _SWAPPED_LABEL["vi"]))
    return days


def _is_in_lieu(english_name: str) -> bool:
    name = english_name.lower()
    return "observed" in name or "substituted" in name

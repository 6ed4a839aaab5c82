"""What every command works with: the settings, the database, the office and its deadline engine."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from functools import cached_property

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from onestop.config import Settings
from onestop.errors import NotFoundError
from onestop.models import Office
from sla.calendar import CalendarSpec, WorkingCalendar
from sla.deadline import Deadlines, Rule, Unit
from sla.hours import parse_time


@dataclass
class Ledger:
    settings: Settings
    engine: Engine
    url: str
    lang: str = "vi"
    _office_id: int | None = field(default=None, repr=False)

    @cached_property
    def deadlines(self) -> Deadlines:
        return deadlines_for(self.settings.calendar, lang=self.lang)

    def office(self, session: Session, code: str | None = None) -> Office:
        """The office named by ``code``, else the configured one, else the ledger's only office."""
        wanted = code or (self.settings.office.code if self.settings.office_given else None)
        if wanted:
            office = session.exec(select(Office).where(Office.code == wanted)).first()
            if office is None:
                raise NotFoundError("notfound.office_code", code=wanted)
            return office
        office = session.exec(select(Office).order_by(Office.id)).first()  # type: ignore[arg-type]
        if office is None:
            raise NotFoundError("notfound.office")
        return office


_CACHE: dict[tuple[CalendarSpec, str], Deadlines] = {}


def deadlines_for(spec: CalendarSpec, *, lang: str = "vi") -> Deadlines:
    """One engine per calendar per process: building the index is the only costly step."""
    key = (spec, lang)
    if key not in _CACHE:
        _CACHE[key] = Deadlines(WorkingCalendar(spec, lang=lang))
    return _CACHE[key]


def rule_of(unit: str, amount: float, cutoff: str | None) -> Rule:
    return Rule(Unit(unit), amount, parse_time(cutoff) if cutoff else None)


def with_years(spec: CalendarSpec, *instants: dt.datetime) -> CalendarSpec:
    """The spec widened so that its index covers the given instants (and a margin for long deadlines)."""
    years = [i.year for i in instants]
    first = min([spec.first_year, *years])
    last = max([spec.last_year, *(y + 2 for y in years)])
    return replace(spec, first_year=first, last_year=last)

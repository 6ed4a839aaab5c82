"""What every command works with: the settings, the database, the office and its deadline engine."""

from __future__ import annotations

import datetime as dt
import os
import pickle
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

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
    """One engine per calendar per process, and a copy on disk between processes: building the index (and
    importing python-holidays) is the only costly step of a desk command."""
    key = (spec, lang)
    if key not in _CACHE:
        _CACHE[key] = _load_cached(spec, lang) or _build_and_store(spec, lang)
    return _CACHE[key]


def _cache_file(spec: CalendarSpec, lang: str) -> Path | None:
    """Keyed by the spec, the language and the code and holiday data that built it (their files' mtimes)."""
    import hashlib
    import importlib.util
    import sys

    found = importlib.util.find_spec("holidays")
    sources = [Path(found.origin)] if found and found.origin else []
    sources += [Path(__file__).parent.parent / "sla" / name for name in ("calendar.py", "deadline.py", "hours.py")]
    try:
        stamp = [f"{p}:{p.stat().st_mtime_ns}" for p in sources]
    except OSError:
        return None
    digest = hashlib.sha256(repr((spec, lang, stamp, sys.version_info[:2])).encode()).hexdigest()[:24]
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return base / "onestop" / f"calendar-{digest}.pickle"


def _load_cached(spec: CalendarSpec, lang: str) -> Deadlines | None:
    path = _cache_file(spec, lang)
    if path is None or not path.is_file():
        return None
    try:
        with path.open("rb") as handle:
            engine = pickle.load(handle)
    except Exception:  # a stale or damaged cache is rebuilt, never trusted
        return None
    return engine if isinstance(engine, Deadlines) and engine.calendar.spec == spec else None


def _build_and_store(spec: CalendarSpec, lang: str) -> Deadlines:
    engine = Deadlines(WorkingCalendar(spec, lang=lang))
    path = _cache_file(spec, lang)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(f".{os.getpid()}.tmp")
            with temporary.open("wb") as handle:
                pickle.dump(engine, handle, protocol=pickle.HIGHEST_PROTOCOL)
            temporary.replace(path)
        except OSError:
            pass  # a read-only home only costs the next command the build
    return engine


def rule_of(unit: str, amount: float, cutoff: str | None) -> Rule:
    return Rule(Unit(unit), amount, parse_time(cutoff) if cutoff else None)


def with_years(spec: CalendarSpec, *instants: dt.datetime) -> CalendarSpec:
    """The spec widened so that its index covers the given instants (and a margin for long deadlines)."""
    years = [i.year for i in instants]
    first = min([spec.first_year, *years])
    last = max([spec.last_year, *(y + 2 for y in years)])
    return replace(spec, first_year=first, last_year=last)

"""Early / on time / late for completed dossiers; not due / overdue / waiting for open ones.

Circular 01/2018/TT-VPCP Art. 13 (scoring): completed in less time than allowed = early (trước hạn), equal
= on time (đúng hạn), more = late (quá hạn). Completed on a calendar day before the due day counts as early;
on the due day up to the due instant, on time; after the due instant, late (DOMAIN 7).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sla.deadline import Deadlines


class Outcome(StrEnum):
    EARLY = "early"
    ON_TIME = "on_time"
    LATE = "late"


class Standing(StrEnum):
    NOT_DUE = "not_due"
    OVERDUE = "overdue"
    WAITING = "waiting"


def classify_completion(engine: Deadlines, *, completed_at: dt.datetime, due_at: dt.datetime) -> Outcome:
    """Circular 01/2018 Art. 13: late after the due instant, early on a day before the due day, else on
    time."""
    if completed_at > due_at:
        return Outcome.LATE
    if engine.local_date(completed_at) < engine.local_date(due_at):
        return Outcome.EARLY
    return Outcome.ON_TIME


def classify_open(*, as_of: dt.datetime, due_at: dt.datetime | None) -> Standing:
    """An open dossier at ``as_of``: overdue after its due instant; one with no running clock is waiting."""
    if due_at is None:
        return Standing.WAITING
    return Standing.OVERDUE if as_of > due_at else Standing.NOT_DUE


def working_days_overdue(engine: Deadlines, *, as_of: dt.datetime, due_at: dt.datetime) -> int:
    """How many working days have begun since the due day (1 on the first working day after it)."""
    if as_of <= due_at:
        return 0
    due_day, today = engine.local_date(due_at), engine.local_date(as_of)
    return max(1, engine.calendar.count_working_days(due_day, today))


def is_due_within(engine: Deadlines, *, as_of: dt.datetime, due_at: dt.datetime, working_days: int) -> bool:
    """Not yet overdue and due by the close of the ``working_days``-th working day after today."""
    if as_of > due_at:
        return False
    today = engine.local_date(as_of)
    horizon = engine.calendar.add_working_days(today, working_days)
    return engine.local_date(due_at) <= horizon


def is_due_today(engine: Deadlines, *, as_of: dt.datetime, due_at: dt.datetime) -> bool:
    return as_of <= due_at and engine.local_date(due_at) == engine.local_date(as_of)


def needs_apology(engine: Deadlines, *, as_of: dt.datetime, due_at: dt.datetime, extended: bool) -> bool:
    """Decree 61/2018 Art. 19.9: the apology with a new appointment is due no later than one day before the
    deadline, so an open, not yet extended dossier needs one when its due day is today or the next working
    day, or when it is already overdue."""
    if extended:
        return False
    return as_of > due_at or is_due_within(engine, as_of=as_of, due_at=due_at, working_days=1)

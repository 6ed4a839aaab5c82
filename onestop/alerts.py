"""The morning alerts: overdue, due today, due soon, apology needed, waiting (DOMAIN 7).

Two indexed queries fetch the rows: open dossiers due before the due-soon horizon, in due order, and those whose
clock is stopped for a supplement. They select only what a row shows (whole ORM objects cost more than the
queries). A province server lists ~100,000 open dossiers but only a thousand or so distinct due instants, so the
grouping, sla's classification, is computed once per due instant, and instants are read once per distinct value.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Any, NamedTuple

from sqlalchemy import type_coerce
from sqlalchemy.engine import Dialect
from sqlalchemy.types import NullType
from sqlmodel import Session, col, select

from onestop.lifecycle import Status
from onestop.models import Dossier, Instant, Procedure
from sla.classify import is_due_today, is_due_within, needs_apology, working_days_overdue
from sla.deadline import Deadlines


class AlertRow(NamedTuple):
    """One line of an alert list (immutable; a tuple because a province's list has ~150,000 of them)."""

    code: str
    procedure: str
    applicant: str
    field: str
    due_at: dt.datetime | None
    extended_due_at: dt.datetime | None
    overdue_working_days: int = 0
    status: str = ""


@dataclass
class Alerts:
    as_of: dt.datetime
    due_soon_working_days: int
    overdue: list[AlertRow] = field(default_factory=list)
    due_today: list[AlertRow] = field(default_factory=list)
    due_soon: list[AlertRow] = field(default_factory=list)
    apology_needed: list[AlertRow] = field(default_factory=list)
    waiting: list[AlertRow] = field(default_factory=list)

    GROUPS = ("overdue", "due_today", "due_soon", "apology_needed", "waiting")


def horizon(engine: Deadlines, as_of: dt.datetime, working_days: int) -> dt.datetime:
    """The close of the ``working_days``-th working day after ``as_of``'s day: nothing due later is alerted."""
    today = engine.local_date(as_of)
    return engine.close_of(engine.calendar.add_working_days(today, max(working_days, 1)))


class Standing(NamedTuple):
    """Where a due instant stands at ``as_of``: the same for every dossier due then."""

    group: str | None  # "overdue", "due_today", "due_soon" or None
    overdue_working_days: int
    apology_unless_extended: bool


def standing_of(engine: Deadlines, *, as_of: dt.datetime, due_at: dt.datetime, due_soon_working_days: int) -> Standing:
    """DOMAIN 7 by sla's rules: overdue (in working days), due today, due within N working days; and whether a
    dossier due then needs an apology if it has not been extended (Decree 61/2018 Art. 19.9)."""
    if as_of > due_at:
        days = working_days_overdue(engine, as_of=as_of, due_at=due_at)
        return Standing("overdue", days, needs_apology(engine, as_of=as_of, due_at=due_at, extended=False))
    group = None
    if is_due_today(engine, as_of=as_of, due_at=due_at):
        group = "due_today"
    elif is_due_within(engine, as_of=as_of, due_at=due_at, working_days=due_soon_working_days):
        group = "due_soon"
    return Standing(group, 0, needs_apology(engine, as_of=as_of, due_at=due_at, extended=False))


def collect_alerts(
    session: Session,
    engine: Deadlines,
    *,
    as_of: dt.datetime,
    due_soon_working_days: int,
    office_id: int | None,
) -> Alerts:
    with _gc_paused():
        return _collect(session, engine, as_of=as_of, due_soon_working_days=due_soon_working_days, office_id=office_id)


def _collect(
    session: Session, engine: Deadlines, *, as_of: dt.datetime, due_soon_working_days: int, office_id: int | None
) -> Alerts:
    alerts = Alerts(as_of=as_of, due_soon_working_days=due_soon_working_days)
    as_of = as_of.astimezone(dt.UTC)  # once: comparing instants of two zones converts at every comparison
    limit = horizon(engine, as_of, due_soon_working_days)
    conn = session.connection()  # Core rows: no ORM bookkeeping per row
    names = dict(conn.execute(select(col(Procedure.code), col(Procedure.name))).all())  # ~200 procedures
    instants = _Instants(conn.dialect)
    places = _Places(engine, alerts, instants, as_of=as_of)
    row = partial(tuple.__new__, AlertRow)  # AlertRow._make without its length check: ~150,000 rows
    overdue, apology_needed = alerts.overdue, alerts.apology_needed

    due = _open_query(as_of, office_id).where(col(Dossier.due_at) <= limit)
    for code, procedure, applicant, fld, due_raw, extended_raw, status in conn.execute(
        due.order_by(col(Dossier.due_at), col(Dossier.code))
    ).all():  # fetched at once: iterating the result fetches row by row
        due_at, group, days, apology = places[due_raw]
        extended_at = None if extended_raw is None else instants[extended_raw]
        shown = row((code, names[procedure], applicant, fld, due_at, extended_at, 0, status))
        if group is overdue:  # only the overdue list shows the working days overdue (the others keep 0)
            overdue.append(row((code, names[procedure], applicant, fld, due_at, extended_at, days, status)))
        elif group is not None:
            group.append(shown)
        if apology and extended_raw is None:
            apology_needed.append(shown)

    waiting = col(Dossier.status) == Status.SUPPLEMENT_REQUESTED.value
    stopped = _open_query(as_of, office_id).where(col(Dossier.due_at).is_(None), waiting)
    for code, procedure, applicant, fld, _, extended_raw, status in conn.execute(
        stopped.order_by(col(Dossier.code))
    ).all():
        alerts.waiting.append(row((code, names[procedure], applicant, fld, None, instants[extended_raw], 0, status)))
    return alerts


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while the rows are built: ~250,000 new objects that all survive would set off
    several full collections, each scanning every object of the process (a third of the time, measured), and
    nothing here makes reference cycles. Reference counting still frees what is dropped."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _open_query(as_of: dt.datetime, office_id: int | None) -> Any:
    d = Dossier
    query = select(
        col(d.code),
        col(d.procedure_code),
        col(d.applicant),
        col(d.field),
        type_coerce(col(d.due_at), NullType()),  # raw values, converted once per distinct value (_Instants)
        type_coerce(col(d.extended_due_at), NullType()),
        col(d.status),
    ).where(col(d.is_open).is_(True), col(d.received_at) <= as_of)
    if office_id is not None:
        query = query.where(d.office_id == office_id)
    return query


class _Instants(dict[Any, dt.datetime | None]):
    """Stored instant (SQLite text, PostgreSQL timestamptz) → aware UTC instant, through the column type once
    per distinct value."""

    def __init__(self, dialect: Dialect) -> None:
        super().__init__()
        self.dialect, self.type = dialect, Instant()

    def __missing__(self, raw: Any) -> dt.datetime | None:
        value = self[raw] = self.type.process_result_value(raw, self.dialect)
        return value


_Place = tuple[dt.datetime, list[AlertRow] | None, int, bool]  # due_at, its list, working days overdue, apology


class _Places(dict[Any, _Place]):
    """Stored due instant → where its dossiers go at ``as_of``: computed once per distinct due instant."""

    def __init__(self, engine: Deadlines, alerts: Alerts, instants: _Instants, *, as_of: dt.datetime) -> None:
        super().__init__()
        self.engine, self.alerts, self.instants, self.as_of = engine, alerts, instants, as_of

    def __missing__(self, raw: Any) -> _Place:
        due_at = self.instants[raw]
        assert due_at is not None
        standing = standing_of(
            self.engine, as_of=self.as_of, due_at=due_at, due_soon_working_days=self.alerts.due_soon_working_days
        )
        group = None if standing.group is None else getattr(self.alerts, standing.group)
        value = self[raw] = (due_at, group, standing.overdue_working_days, standing.apology_unless_extended)
        return value

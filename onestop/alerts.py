"""The morning alerts: overdue, due today, due soon, apology needed, waiting (DOMAIN 7).

One indexed query (open dossiers whose due instant is before the due-soon horizon, or whose clock is stopped for
a supplement) fetches every row any group needs; the grouping itself is sla's classification.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlmodel import Session, col, or_, select

from onestop.models import Dossier, Procedure
from sla.classify import is_due_today, is_due_within, needs_apology, working_days_overdue
from sla.deadline import Deadlines


@dataclass(frozen=True)
class AlertRow:
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
    today = engine.local(as_of).date()
    return engine.close_of(engine.calendar.add_working_days(today, max(working_days, 1)))


def collect_alerts(
    session: Session,
    engine: Deadlines,
    *,
    as_of: dt.datetime,
    due_soon_working_days: int,
    office_id: int | None,
) -> Alerts:
    limit = horizon(engine, as_of, due_soon_working_days)
    d = Dossier
    query = (
        select(  # only what a row shows: whole ORM objects cost more than the query itself
            col(d.code),
            col(d.applicant),
            col(d.field),
            col(d.due_at),
            col(d.extended_due_at),
            col(d.status),
            col(Procedure.name),
        )
        .join(Procedure, col(Procedure.code) == col(Dossier.procedure_code))
        .where(col(Dossier.is_open).is_(True), col(Dossier.received_at) <= as_of)
        .where(or_(col(Dossier.due_at) <= limit, col(Dossier.status) == "supplement_requested"))
        .order_by(col(Dossier.due_at), col(Dossier.code))
    )
    if office_id is not None:
        query = query.where(Dossier.office_id == office_id)
    alerts = Alerts(as_of=as_of, due_soon_working_days=due_soon_working_days)
    for code, applicant, fld, due_at, extended_due_at, status, name in session.execute(query):
        _place(engine, alerts, AlertRow(code, name, applicant, fld, due_at, extended_due_at, status=status))
    return alerts


def _place(engine: Deadlines, alerts: Alerts, row: AlertRow) -> None:
    if row.due_at is None:
        if row.status == "supplement_requested":
            alerts.waiting.append(row)
        return
    as_of, due = alerts.as_of, row.due_at
    if as_of > due:
        days = working_days_overdue(engine, as_of=as_of, due_at=due)
        alerts.overdue.append(AlertRow(**{**row.__dict__, "overdue_working_days": days}))
    elif is_due_today(engine, as_of=as_of, due_at=due):
        alerts.due_today.append(row)
    elif is_due_within(engine, as_of=as_of, due_at=due, working_days=alerts.due_soon_working_days):
        alerts.due_soon.append(row)
    if needs_apology(engine, as_of=as_of, due_at=due, extended=row.extended_due_at is not None):
        alerts.apology_needed.append(row)

"""Period reports (DOMAIN 9): what a reporting period counts, computed in SQL and returned as plain data.

- Decree 09/2019/NĐ-CP Art. 12: the period's days (``sla.periods``); its bounds are office-local midnights.
- Circular 01/2018/TT-VPCP Art. 13: early / on time / late, cached on the dossier (``outcome``) at completion.
- Circular 01/2020/TT-VPCP, Biểu 06/VPCP/KSTT: received, resolved and pending by field.

Grouped SQL aggregates, each over one covering index range (never loading dossiers into Python), give every
count by field and channel; apologies and the catalogue are two more small aggregates. Rendering lives in
``onestop.render``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col

from onestop.errors import InputError, NotFoundError
from onestop.lifecycle import CHANNELS
from onestop.models import Apology, Dossier, Event, Office, Procedure
from sla.periods import Period, PeriodError, custom_period, parse_period, period_bounds

OUTCOMES = ("early", "on_time", "late")
STANDINGS = ("not_due", "overdue", "waiting")
STREAM_BATCH = 1000  # tracking-book rows fetched per round trip


def choose_period(
    *, label: str | None, start: dt.date | None, end: dt.date | None, calendar_months: bool = False
) -> Period:
    """``--period P`` or ``--from D --to D`` (exactly one of the two); a bad period is an ``InputError``."""
    try:
        if label is not None and start is None and end is None:
            return parse_period(label, calendar_months=calendar_months)
        if label is None and start is not None and end is not None:
            return custom_period(start, end)
    except PeriodError as error:
        raise InputError("input.period", detail=str(error)) from error
    raise InputError("input.period_choice")


@dataclass(frozen=True)
class Scope:
    """The offices counted: one (``--office CODE``) or every office of the ledger (a province aggregates)."""

    office_id: int | None
    code: str | None
    name: str | None  # None when several offices are aggregated
    offices: int


def scope_of(session: Session, office_code: str | None = None) -> Scope:
    if office_code:
        office = session.scalars(select(Office).where(col(Office.code) == office_code.strip())).first()
        if office is None:
            raise NotFoundError("notfound.office_code", code=office_code)
        return Scope(office.id, office.code, office.name, 1)
    offices = list(session.scalars(select(Office).order_by(col(Office.id))))
    if not offices:
        raise NotFoundError("notfound.office")
    only = offices[0] if len(offices) == 1 else None
    return Scope(None, only.code if only else None, only.name if only else None, len(offices))


@dataclass
class Tally:
    """The counts of one field (or of all fields) over a period."""

    received: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CHANNELS, 0))  # in [S, E]
    carried_over: int = 0
    resolved: dict[str, dict[str, int]] = field(  # channel → outcome → count, completed in [S, E]
        default_factory=lambda: {c: dict.fromkeys(OUTCOMES, 0) for c in CHANNELS}
    )
    pending: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STANDINGS, 0))  # at the end of E
    withdrawn: int = 0
    published: int = 0

    @property
    def received_total(self) -> int:
        return sum(self.received.values())

    @property
    def outcomes(self) -> dict[str, int]:
        return {o: sum(by[o] for by in self.resolved.values()) for o in OUTCOMES}

    @property
    def resolved_total(self) -> int:
        return sum(self.outcomes.values())

    @property
    def pending_total(self) -> int:
        return sum(self.pending.values())

    def not_late(self, channel: str) -> int:
        return self.resolved[channel]["early"] + self.resolved[channel]["on_time"]

    def add(self, other: Tally) -> None:
        self.carried_over += other.carried_over
        self.withdrawn += other.withdrawn
        self.published += other.published
        for channel in CHANNELS:
            self.received[channel] += other.received[channel]
            for outcome in OUTCOMES:
                self.resolved[channel][outcome] += other.resolved[channel][outcome]
        for standing in STANDINGS:
            self.pending[standing] += other.pending[standing]


@dataclass(frozen=True)
class Catalogue:
    """Phụ lục 01b rows 3.1.3, 3.2.1 and 3.2.3: procedures in force, one-stop at the commune, inter-linked."""

    total: int
    one_stop: int
    interlinked: int


@dataclass
class PeriodReport:
    period: Period
    start_at: dt.datetime
    end_at: dt.datetime
    scope: Scope
    by_field: dict[str, Tally]
    apologies: int
    catalogue: Catalogue

    @property
    def total(self) -> Tally:
        tally = Tally()
        for one in self.by_field.values():
            tally.add(one)
        return tally


def period_report(session: Session, *, period: Period, tz: dt.tzinfo, scope: Scope) -> PeriodReport:
    start_at, end_at = period_bounds(period, tz)
    return PeriodReport(
        period=period,
        start_at=start_at,
        end_at=end_at,
        scope=scope,
        by_field=count_dossiers(session, start_at=start_at, end_at=end_at, office_id=scope.office_id),
        apologies=count_apologies(session, start_at=start_at, end_at=end_at, office_id=scope.office_id),
        catalogue=count_catalogue(session),
    )


def count_dossiers(
    session: Session, *, start_at: dt.datetime, end_at: dt.datetime, office_id: int | None
) -> dict[str, Tally]:
    """Every dossier count of DOMAIN 9 by field and channel, each from its own index range.

    - received in the period, by channel: a range of ``received_at`` (covering index);
    - resolved in the period, by channel and outcome, and how many of those were published: a range of
      ``completed_at`` (covering index);
    - withdrawn in the period: a range of ``withdrawn_at``;
    - carried over (alive at the start) and pending (alive at the end): a dossier alive at instant T was
      received before T and neither completed nor withdrawn before T, so it is completed at or after T or not
      at all: two small sets (a ``completed_at`` range from T, and ``completed_at IS NULL``) instead of every
      dossier ever received.

    Pending at the end (DOMAIN 7): waiting for a supplement is exact (``waiting_at``); otherwise overdue when
    the cached ``due_at`` is before the end, else not due. ``due_at`` is the current statutory due, so two
    cases are approximated: a dossier suspended now (clock paused, ``due_at`` NULL) counts as not due even if
    its suspension began after the end while it was overdue; and one whose suspension spanned the end is
    judged by the due time its resume gave.
    """
    d, by_field = Dossier, {}
    office = _office(col(d.office_id), office_id)

    def tally(fld: str) -> Tally:
        return by_field.setdefault(fld, Tally())

    in_period = (col(d.received_at) >= start_at, col(d.received_at) < end_at)
    for fld, channel, n in session.execute(
        select(col(d.field), col(d.channel), func.count()).where(*in_period, *office).group_by(d.field, d.channel)
    ):
        tally(fld).received[channel] += int(n)
    completed = (col(d.completed_at) >= start_at, col(d.completed_at) < end_at)
    published = func.sum(_flag(col(d.published_at).is_not(None)))
    for fld, channel, outcome, n, shown in session.execute(
        select(col(d.field), col(d.channel), col(d.outcome), func.count(), published)
        .where(*completed, *office)
        .group_by(d.field, d.channel, d.outcome)
    ):
        tally(fld).resolved[channel][outcome] += int(n)
        tally(fld).published += int(shown or 0)
    withdrawn = (col(d.withdrawn_at) >= start_at, col(d.withdrawn_at) < end_at)
    for fld, n in session.execute(select(col(d.field), func.count()).where(*withdrawn, *office).group_by(d.field)):
        tally(fld).withdrawn += int(n)
    for fld, n in _alive_at(session, start_at, [func.count()], office):
        tally(fld).carried_over += int(n)
    standing = [
        func.sum(_flag(waiting_at(end_at))),
        func.sum(case((waiting_at(end_at), 0), (col(d.due_at) < end_at, 1), else_=0)),
        func.count(),
    ]
    for fld, waits, overdue, pending in _alive_at(session, end_at, standing, office):
        tally(fld).pending["waiting"] += int(waits or 0)
        tally(fld).pending["overdue"] += int(overdue or 0)
        tally(fld).pending["not_due"] += int(pending) - int(waits or 0) - int(overdue or 0)
    return dict(sorted(by_field.items()))


def _alive_at(
    session: Session, at: dt.datetime, columns: list[Any], office: list[ColumnElement[bool]]
) -> Iterator[tuple[Any, ...]]:
    """Per field, ``columns`` over the dossiers received before ``at`` and neither completed nor withdrawn
    before it: those completed at or after ``at``, then those not completed at all."""
    d = Dossier
    alive = (col(d.received_at) < at, or_(col(d.withdrawn_at).is_(None), col(d.withdrawn_at) >= at), *office)
    for completion in (col(d.completed_at) >= at, col(d.completed_at).is_(None)):
        query = select(col(d.field), *columns).where(completion, *alive).group_by(d.field)
        yield from session.execute(query)


def waiting_at(end_at: dt.datetime) -> ColumnElement[bool]:
    """Was a dossier pending at ``end_at`` waiting for the applicant's supplement then (DOMAIN 6-7)?

    Still waiting now, since before ``end_at`` (``waiting_since``); or the clock restarted from zero at or
    after ``end_at`` (``counted_from``, Decree 61/2018 Art. 19.4) and the event log shows more supplement
    requests than complete supplements before ``end_at`` (they alternate). The log is read only for those
    few rows.
    """
    d = Dossier
    balance = (
        select(func.coalesce(func.sum(case((col(Event.kind) == "supplement_requested", 1), else_=-1)), 0))
        .where(
            col(Event.dossier_id) == col(d.id),
            col(Event.kind).in_(("supplement_requested", "supplement_received")),
            col(Event.occurred_at) < end_at,
        )
        .scalar_subquery()
    )
    return or_(
        and_(col(d.waiting_since).is_not(None), col(d.waiting_since) < end_at),
        and_(col(d.counted_from) >= end_at, balance > 0),
    )


def count_apologies(session: Session, *, start_at: dt.datetime, end_at: dt.datetime, office_id: int | None) -> int:
    """Phụ lục 01b row 3.5: apologies issued in the period (Decree 61/2018 Art. 19.9)."""
    query = (
        select(func.count())
        .select_from(Apology)
        .where(
            col(Apology.issued_at) >= start_at,
            col(Apology.issued_at) < end_at,
            *_office(col(Apology.office_id), office_id),
        )
    )
    return int(session.execute(query).scalar_one())


def count_catalogue(session: Session) -> Catalogue:
    interlinked = col(Procedure.interlinked)
    total, linked = session.execute(
        select(func.count(), func.coalesce(func.sum(_flag(interlinked)), 0)).select_from(Procedure)
    ).one()
    return Catalogue(total=int(total), one_stop=int(total) - int(linked), interlinked=int(linked))


@dataclass(frozen=True)
class BookEntry:
    """One line of the tracking book (Sổ theo dõi hồ sơ, Circular 01/2018 Mẫu 06)."""

    code: str
    procedure: str
    applicant: str
    address: str | None
    phone: str | None
    received_at: dt.datetime
    appointment_at: dt.datetime
    returned_at: dt.datetime | None
    return_via: str | None


@dataclass
class TrackingBook:
    period: Period
    start_at: dt.datetime
    end_at: dt.datetime
    scope: Scope
    entries: Iterator[BookEntry]


def book_of(session: Session, *, period: Period, tz: dt.tzinfo, scope: Scope) -> TrackingBook:
    """The tracking book of a period; its entries stream while the session stays open."""
    start_at, end_at = period_bounds(period, tz)
    entries = tracking_book(session, start_at=start_at, end_at=end_at, office_id=scope.office_id)
    return TrackingBook(period, start_at, end_at, scope, entries)


def tracking_book(
    session: Session, *, start_at: dt.datetime, end_at: dt.datetime, office_id: int | None
) -> Iterator[BookEntry]:
    """Dossiers received in the period in order of receipt, streamed in batches (never all in memory)."""
    d = Dossier
    query = (
        select(
            col(d.code),
            col(Procedure.name),
            col(d.applicant),
            col(d.address),
            col(d.phone),
            col(d.received_at),
            col(d.appointment_at),
            col(d.returned_at),
            col(d.return_via),
        )
        .join(Procedure, col(Procedure.code) == col(d.procedure_code))
        .where(col(d.received_at) >= start_at, col(d.received_at) < end_at, *_office(col(d.office_id), office_id))
        .order_by(col(d.received_at), col(d.id))
        .execution_options(yield_per=STREAM_BATCH)
    )
    for row in session.execute(query):
        yield BookEntry(*row)


def _flag(condition: ColumnElement[Any]) -> ColumnElement[int]:
    return case((condition, 1), else_=0)


def _office(column: ColumnElement[Any], office_id: int | None) -> list[ColumnElement[bool]]:
    return [] if office_id is None else [column == office_id]

"""Period reports (DOMAIN 9): what a reporting period counts, computed in SQL and returned as plain data.

- Decree 09/2019/NĐ-CP Art. 12: the period's days (``sla.periods``); its bounds are office-local midnights.
- Circular 01/2018/TT-VPCP Art. 13: early / on time / late, cached on the dossier (``outcome``) at completion.
- Circular 01/2020/TT-VPCP, Biểu 06/VPCP/KSTT: received, resolved and pending by field.

SQL counts over covering index ranges (never loading dossiers into Python) give every count by field and
channel (``count_dossiers``: migration 0004 made each one a range); on PostgreSQL the received, resolved,
published and withdrawn counts come from the tally the database keeps per reporting month (migration 0005,
``onestop.tally``). Apologies and the catalogue are two more small aggregates. Rendering lives in
``onestop.render``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import BigInteger, and_, case, func, literal, or_, select, text, union_all
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import CTE, CompoundSelect, ScalarSelect
from sqlmodel import Session, col

from onestop.errors import InputError, NotFoundError
from onestop.lifecycle import CHANNELS
from onestop.models import PARTIAL_WHERE, Apology, Dossier, Event, Office, Procedure
from onestop.tally import counts_in_period, office_filter, whole_months
from sla.periods import Period, PeriodError, custom_period, parse_period, period_bounds

OUTCOMES = ("early", "on_time", "late")
STANDINGS = ("not_due", "overdue", "waiting")


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
    """Every dossier count of DOMAIN 9 by field and channel, each a count of index ranges read in index order.

    - received in the period, by channel, and resolved in it, by channel and outcome (with how many of those
      were published): on SQLite, one range per channel, field (and outcome) of ``ix_dossier_channel_received``
      and ``ix_dossier_channel_completed`` (SQLite has no hash aggregate, and a GROUP BY over the period's range
      would sort every row of it); on PostgreSQL, or for one office of several, grouped from one range; on
      PostgreSQL, with withdrawals, from the tally's whole reporting months in the period (all of it for a period
      of Decree 09/2019 Art. 12) and the ranges of the partial months at its ends (``_in_period_tallied``);
    - withdrawn in the period: a range of ``withdrawn_at``;
    - pending at the end: alive then (received before it, neither completed nor withdrawn before it), so
      either not completed at all (``ix_dossier_not_completed``) or completed after the end (``_pending_at``);
    - carried over, by conservation: a dossier is completed or withdrawn at most once, never both, and never
      before its receipt (``lifecycle``; the services refuse an event before the previous one), so each one
      alive at the start or received in the period is, at the end, resolved, withdrawn or still pending:
      carried over = pending + resolved + withdrawn - received, by field.

    Pending at the end (DOMAIN 7): waiting for a supplement is exact (``waiting_at``); otherwise overdue when
    the cached ``due_at`` is before the end, else not due. ``due_at`` is the current statutory due, so two
    cases are approximated: a dossier suspended now (clock paused, ``due_at`` NULL) counts as not due even if
    its suspension began after the end while it was overdue; and one whose suspension spanned the end is
    judged by the due time its resume gave.
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        # JIT would compile each of these index scans (~0.1 s to 0.8 s each), for more than it could save; and a
        # statement the driver has prepared is planned for this period's bounds, not for any (a generic plan).
        session.execute(text("SET LOCAL jit = off"))
        session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    d = Dossier
    office = office_filter(col(d.office_id), office_id)
    months = whole_months(start_at, end_at) if dialect == "postgresql" else None
    if months is not None:
        by_field = _in_period_tallied(session, start_at=start_at, end_at=end_at, months=months, office_id=office_id)
    elif office_id is None and dialect == "sqlite":
        by_field = _in_period_by_ranges(session, start_at=start_at, end_at=end_at)
    else:
        by_field = _in_period_grouped(session, start_at=start_at, end_at=end_at, office=office)
    if not by_field:
        return {}
    if months is None:
        withdrawn = (col(d.withdrawn_at) >= start_at, col(d.withdrawn_at) < end_at)
        for fld, n in session.execute(select(col(d.field), func.count()).where(*withdrawn, *office).group_by(d.field)):
            by_field[fld].withdrawn += int(n)
    if dialect == "postgresql":
        # Its sets are small, estimated large (no statistics for a partial index's condition): parallel workers
        # would take longer to start than to read them.
        session.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
    for fld, pending, pair in session.execute(_pending_at(end_at, list(by_field), office, dialect)):
        overdue, waits = divmod(int(pair or 0), PAIR)
        standing = by_field[fld].pending
        standing["waiting"] += waits
        standing["overdue"] += overdue
        standing["not_due"] += int(pending) - waits - overdue
    for tally in by_field.values():
        tally.carried_over = tally.pending_total + tally.resolved_total + tally.withdrawn - tally.received_total
    return {fld: tally for fld, tally in sorted(by_field.items()) if _counts_any(tally)}


PAIR = 1 << 32  # two counts of one index range come back as one integer, a + PAIR * b (a scalar subquery's one value)


def _in_period_by_ranges(session: Session, *, start_at: dt.datetime, end_at: dt.datetime) -> dict[str, Tally]:
    """Per channel and field: received, then resolved (and published) by outcome, each the count of one range of
    an index led by channel and field (and outcome). SQLite has no hash aggregate: a GROUP BY over the period's
    range of ``received_at`` or ``completed_at`` sorts every row of it, three times as long as reading them."""
    d, groups = Dossier, _groups()
    channel_, field_ = groups.c.channel, groups.c.field

    def cell(counted: ColumnElement[Any], *where: ColumnElement[bool]) -> ScalarSelect[Any]:
        return select(counted).where(col(d.channel) == channel_, col(d.field) == field_, *where).scalar_subquery()

    received = cell(func.count(), col(d.received_at) >= start_at, col(d.received_at) < end_at)
    completed = (col(d.completed_at) >= start_at, col(d.completed_at) < end_at)
    resolved_and_published = func.count() + literal(PAIR, BigInteger) * func.count(col(d.published_at))
    resolved = [cell(resolved_and_published, col(d.outcome) == o, *completed) for o in OUTCOMES]
    by_field: dict[str, Tally] = {}
    for channel, fld, n, *pairs in session.execute(
        select(channel_, field_, received, *resolved).where(field_.is_not(None))
    ):
        tally = by_field.setdefault(fld, Tally())
        tally.received[channel] = int(n)
        for outcome, pair in zip(OUTCOMES, pairs, strict=True):
            published, tally.resolved[channel][outcome] = divmod(int(pair), PAIR)
            tally.published += published
    return by_field


def _in_period_grouped(
    session: Session, *, start_at: dt.datetime, end_at: dt.datetime, office: list[ColumnElement[bool]]
) -> dict[str, Tally]:
    """The same counts grouped from one covering range each: PostgreSQL hashes the groups as it reads; and one
    office of several reads only its own range of the indexes led by office (sorted, but only its rows, where
    the ranges by channel and field would read every office's)."""
    d, by_field = Dossier, _fields(session)
    in_period = (col(d.received_at) >= start_at, col(d.received_at) < end_at)
    for fld, channel, n in session.execute(
        select(col(d.field), col(d.channel), func.count()).where(*in_period, *office).group_by(d.field, d.channel)
    ):
        by_field[fld].received[channel] += int(n)
    completed = (col(d.completed_at) >= start_at, col(d.completed_at) < end_at)
    for fld, channel, outcome, n, shown in session.execute(
        select(col(d.field), col(d.channel), col(d.outcome), func.count(), func.count(col(d.published_at)))
        .where(*completed, *office)
        .group_by(d.field, d.channel, d.outcome)
    ):
        by_field[fld].resolved[channel][outcome] += int(n)
        by_field[fld].published += int(shown or 0)
    return by_field


def _in_period_tallied(
    session: Session,
    *,
    start_at: dt.datetime,
    end_at: dt.datetime,
    months: tuple[dt.datetime, dt.datetime],
    office_id: int | None,
) -> dict[str, Tally]:
    """The same counts, and the withdrawals, from the tally the database keeps (PostgreSQL, ``onestop.tally``):
    its rows of the period's whole UTC months, and the dossiers of the partial months at its two ends."""
    by_field = _fields(session)
    query = counts_in_period(start_at=start_at, end_at=end_at, months=months, office_id=office_id)
    for kind, fld, channel, outcome, n, shown in session.execute(query):
        counts = by_field.setdefault(fld, Tally())
        if kind == "received":
            counts.received[channel] += int(n)
        elif kind == "completed":
            counts.resolved[channel][outcome] += int(n)
            counts.published += int(shown)
        else:
            counts.withdrawn += int(n)
    return by_field


def _fields(session: Session) -> dict[str, Tally]:
    groups = _groups()
    fields = select(groups.c.field).where(groups.c.field.is_not(None)).distinct()
    return {fld: Tally() for fld in session.scalars(fields)}


def _groups() -> CTE:
    """Every channel and field pair of the ledger's dossiers, one seek each of ``ix_dossier_channel_received``
    (DISTINCT would read every entry of an index). The indexes are led by channel, not by field, so that a
    listing by field (``queries.list_dossiers``) keeps reading the newest receipts first."""
    d = Dossier
    channels = union_all(*(select(literal(c).label("channel")) for c in CHANNELS)).subquery("channels")
    first = select(func.min(col(d.field))).where(col(d.channel) == channels.c.channel).scalar_subquery()
    groups = select(channels.c.channel, first.label("field")).cte("groups", recursive=True)
    following = select(func.min(col(d.field))).where(col(d.channel) == groups.c.channel, col(d.field) > groups.c.field)
    return groups.union_all(select(groups.c.channel, following.scalar_subquery()).where(groups.c.field.is_not(None)))


SLOW_INDEX = "ix_dossier_completed_slowly"
SLOW_DAYS = 30  # as in SLOW_INDEX's condition (completed more than 30 days after receipt)


def _pending_at(
    end_at: dt.datetime, fields: list[str], office: list[ColumnElement[bool]], dialect: str
) -> CompoundSelect[Any]:
    """Per field, the dossiers alive at ``end_at`` (count, waiting, overdue), from three small sets.

    Those never completed: the partial index of the not completed ones. Those completed at or after ``end_at``
    but received before it: a range of completions from ``end_at`` would read every later completion (a year
    of them for last year's report); instead, those completed within 30 days of receipt were received in the
    30 days before ``end_at`` (a short range of receipts), and the others are in a small partial index.
    """
    d = Dossier
    waits = waiting_at(end_at)
    # waiting + PAIR * overdue: one CASE a row, the event log read only for the few that need it
    waiting_and_overdue = case((waits, 1), (col(d.due_at) < end_at, literal(PAIR, BigInteger)), else_=0)
    standing = (col(d.field), func.count(), func.sum(waiting_and_overdue))
    # ``field IN``: a leading equality for SQLite's planner, which would otherwise take ``completed_at IS NULL``
    # on ix_dossier_completed and read the table for every row.
    alive = (col(d.field).in_(fields), col(d.received_at) < end_at, *office)
    completed_after = (*alive, col(d.completed_at) >= end_at)
    slowly = _condition_of(SLOW_INDEX, dialect)
    never = select(*standing).where(
        *alive, col(d.completed_at).is_(None), or_(col(d.withdrawn_at).is_(None), col(d.withdrawn_at) >= end_at)
    )
    soon = select(*standing).where(
        *completed_after,
        col(d.channel).in_(CHANNELS),  # a range per channel and field of ix_dossier_channel_received
        col(d.received_at) >= end_at - dt.timedelta(days=SLOW_DAYS + 1),
        text(f"NOT ({slowly})"),
    )
    slow = select(*standing).where(*completed_after, text(slowly))
    return union_all(*(part.group_by(d.field) for part in (never, soon, slow)))


def _condition_of(index_name: str, dialect: str) -> str:
    """A partial index's condition, written the same in a query so that the planner may use the index."""
    return PARTIAL_WHERE[index_name][dialect]


def _counts_any(tally: Tally) -> bool:
    return any((tally.received_total, tally.resolved_total, tally.withdrawn, tally.carried_over, tally.pending_total))


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
            *office_filter(col(Apology.office_id), office_id),
        )
    )
    return int(session.execute(query).scalar_one())


def count_catalogue(session: Session) -> Catalogue:
    interlinked = col(Procedure.interlinked)
    total, linked = session.execute(
        select(func.count(), func.coalesce(func.sum(_flag(interlinked)), 0)).select_from(Procedure)
    ).one()
    return Catalogue(total=int(total), one_stop=int(total) - int(linked), interlinked=int(linked))


def _flag(condition: ColumnElement[Any]) -> ColumnElement[int]:
    return case((condition, 1), else_=0)

"""The tracking book (Sổ theo dõi hồ sơ, Circular 01/2018/TT-VPCP Mẫu 06; Mẫu 07 of Circular 03/2025): one line per
dossier received in a period, in order of receipt, streamed from the database in batches (never all in memory).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from sqlmodel import Session, col, select

from onestop.models import Dossier, Procedure
from onestop.reports import Scope
from onestop.tally import office_filter
from sla.periods import Period, period_bounds

STREAM_BATCH = 1000  # rows fetched per round trip


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
        .where(col(d.received_at) >= start_at, col(d.received_at) < end_at, *office_filter(col(d.office_id), office_id))
        .order_by(col(d.received_at), col(d.id))
        .execution_options(yield_per=STREAM_BATCH)
    )
    for row in session.execute(query):
        yield BookEntry(*row)

"""The report tally (PostgreSQL, migration 0005): dossiers received, completed and withdrawn per office, reporting
month, field and channel, kept up to date by a trigger on ``dossier``; what a period report reads instead of a
year of index entries, and what ``verify`` recounts.

A reporting month (Decree 09/2019/NĐ-CP Art. 12) runs from the 15th, 00:00 in Vietnam, to the next 15th. A
period's counts are the tally's whole months inside it plus, at each end, the part of a month that it covers
(none for a period of Art. 12; at most a month for calendar months and custom ranges), counted from the
dossiers' index ranges as before.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Table, and_, func, literal_column, or_, select, union_all
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import CompoundSelect, Select

from onestop.models import Dossier, Tally
from sla.periods import whole_reporting_months

TALLY: Table = Tally.__table__  # type: ignore[attr-defined]
DOSSIER: Table = Dossier.__table__  # type: ignore[attr-defined]
KEY = ("bucket", "office_id", "kind", "field", "channel", "outcome")
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")  # Vietnam: UTC+7 all year, no daylight saving


def bucket_of(instant: ColumnElement[Any]) -> ColumnElement[Any]:
    """An instant's tally row: the first instant of its reporting month (Decree 09/2019/NĐ-CP Art. 12: the 15th,
    local time, to the 14th), as the trigger of migration 0005 computes it."""
    local = func.timezone(_constant(ZONE.key), instant) - _FORTNIGHT
    return func.timezone(_constant(ZONE.key), func.date_trunc(_constant("month"), local) + _FORTNIGHT)


def whole_months(start_at: dt.datetime, end_at: dt.datetime) -> tuple[dt.datetime, dt.datetime] | None:
    """The tally's reporting months wholly in [start_at, end_at): its buckets are Vietnam's."""
    return whole_reporting_months(start_at, end_at, ZONE)


def counts_in_period(
    *, start_at: dt.datetime, end_at: dt.datetime, months: tuple[dt.datetime, dt.datetime], office_id: int | None
) -> Select[Any]:
    """(kind, field, channel, outcome, n, published) over [start_at, end_at): the tally's rows of ``months`` and,
    for the partial months at the two ends, the dossiers' covering index ranges of ``received_at``,
    ``completed_at`` and ``withdrawn_at`` (one range each: an OR of two would read the table), summed. ``outcome``
    is early / on time / late for a completion (Circular 01/2018/TT-VPCP Art. 13, cached at completion), ""
    otherwise; withdrawals are counted by field only (``ix_dossier_withdrawn`` has no channel)."""
    first, last = months
    t, d = TALLY.c, DOSSIER.c
    parts: list[Select[Any]] = [
        select(t.kind, t.field, t.channel, t.outcome, t.n, t.published).where(
            t.bucket >= first, t.bucket < last, *office_filter(t.office_id, office_id)
        )
    ]
    counted = {
        "received": (d.received_at, (d.field, d.channel), (_BLANK, func.count(), _NONE)),
        "completed": (d.completed_at, (d.field, d.channel, d.outcome), (func.count(), func.count(d.published_at))),
        "withdrawn": (d.withdrawn_at, (d.field,), (_BLANK, _BLANK, func.count(), _NONE)),
    }
    for kind, (at, grouped, counts) in counted.items():
        for lo, hi in ((start_at, first), (last, end_at)):
            if lo < hi:
                where = (at >= lo, at < hi, *office_filter(d.office_id, office_id))
                parts.append(select(_constant(kind), *grouped, *counts).where(*where).group_by(*grouped))
    rows = union_all(*parts).subquery("counted")
    kind_, field_, channel, outcome, n, shown = rows.c
    return select(kind_, field_, channel, outcome, func.sum(n), func.sum(shown)).group_by(
        kind_, field_, channel, outcome
    )


def _constant(text: str) -> ColumnElement[Any]:
    """Written into the statement, not bound: PostgreSQL must see the same expression in SELECT and GROUP BY."""
    return literal_column(f"'{text}'")


_BLANK = _constant("")
_NONE: ColumnElement[Any] = literal_column("0")
_FORTNIGHT: ColumnElement[Any] = literal_column("interval '14 days'")


def office_filter(column: ColumnElement[Any], office_id: int | None) -> list[ColumnElement[bool]]:
    """No condition for every office of the ledger (a province), else the one office."""
    return [] if office_id is None else [column == office_id]


def recount() -> CompoundSelect[Any]:
    """The tally as the dossiers give it (what migration 0005 filled it with): one GROUP BY per kind."""
    d = DOSSIER.c
    outcome = func.coalesce(d.outcome, _BLANK)
    parts = []
    for kind, at, by_outcome, published in (
        ("received", d.received_at, None, _NONE),
        ("completed", d.completed_at, outcome, func.count(d.published_at)),
        ("withdrawn", d.withdrawn_at, None, _NONE),
    ):
        bucket = bucket_of(at)
        grouped = [bucket, d.office_id, d.field, d.channel, *([by_outcome] if by_outcome is not None else [])]
        parts.append(
            select(
                bucket.label("bucket"),
                d.office_id,
                _constant(kind).label("kind"),
                d.field,
                d.channel,
                (by_outcome if by_outcome is not None else _BLANK).label("outcome"),
                func.count().label("n"),
                published.label("published"),
            )
            .where(at.is_not(None))
            .group_by(*grouped)
        )
    return union_all(*parts)


def differences(conn: Connection) -> list[tuple[Any, ...]]:
    """The keys whose tally row differs from the recount: (key..., kept n, kept published, n, published).
    A row the trigger brought down to zero equals no row."""
    counted = recount().subquery("counted")
    t = TALLY.c
    same_key = and_(*(t[name] == counted.c[name] for name in KEY))
    kept_n, kept_shown = func.coalesce(t.n, 0), func.coalesce(t.published, 0)
    n, shown = func.coalesce(counted.c.n, 0), func.coalesce(counted.c.published, 0)
    key = [func.coalesce(t[name], counted.c[name]) for name in KEY]
    query = (
        select(*key, kept_n, kept_shown, n, shown)
        .select_from(TALLY.join(counted, same_key, full=True))
        .where(or_(kept_n != n, kept_shown != shown))
        .order_by(*key)
    )
    return list(conn.execute(query).all())

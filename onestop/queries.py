"""Read-side queries for the desk: one dossier, a filtered list, the audit of late-recorded events."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func
from sqlmodel import Session, col, or_, select

from onestop.models import Dossier, Event, Procedure
from onestop.text import fold

LATE_RECORDING = dt.timedelta(hours=1)  # DOMAIN 5: the audit view lists events recorded over an hour late


def list_dossiers(
    session: Session,
    *,
    status: str | None = None,
    field: str | None = None,
    search: str | None = None,
    limit: int = 200,
) -> list[tuple[Dossier, str]]:
    """Dossiers with their procedure names, newest first; search by code, applicant or procedure, ignoring case
    and diacritics ("nguyen van an" finds "Nguyễn Văn An")."""
    query = select(Dossier, Procedure.name).join(Procedure, col(Procedure.code) == col(Dossier.procedure_code))
    if status:
        query = query.where(Dossier.status == status)
    if field:
        query = query.where(Dossier.field == field)
    if search:
        key = f"%{fold(search)}%"
        query = query.where(
            or_(
                col(Dossier.code).ilike(f"%{search.strip()}%"),
                col(Dossier.applicant_key).like(key),
                col(Procedure.name_key).like(key),
            )
        )
    query = query.order_by(col(Dossier.received_at).desc()).limit(limit)
    return [(d, name) for d, name in session.exec(query).all()]


def late_recorded_events(session: Session, *, limit: int = 1000) -> list[tuple[Event, str]]:
    """Events whose recording came more than an hour after the stated occurrence (possible back-dating).

    SQL keeps only events recorded after they occurred (the interval arithmetic differs between SQLite and
    PostgreSQL, so the hour is checked here, streaming)."""
    rows = session.exec(
        select(Event, Dossier.code)
        .join(Dossier, col(Dossier.id) == col(Event.dossier_id))
        .where(col(Event.recorded_at) > col(Event.occurred_at))
        .order_by(col(Event.id))
        .execution_options(yield_per=2000)
    )
    out: list[tuple[Event, str]] = []
    for event, code in rows:
        if event.recorded_at - event.occurred_at > LATE_RECORDING:
            out.append((event, code))
            if len(out) >= limit:
                break
    return out


def count_dossiers(session: Session) -> int:
    return int(session.exec(select(func.count()).select_from(Dossier)).one())

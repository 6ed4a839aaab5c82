"""Creating a ledger: the schema (Alembic), the office, the procedure catalogue."""

from __future__ import annotations

from sqlmodel import select

from onestop.catalogue import install_catalogue
from onestop.context import Ledger
from onestop.db import downgrade_to_base, is_initialised, session_scope, upgrade
from onestop.errors import InputError
from onestop.models import Office
from onestop.text import normalise


def init_ledger(ledger: Ledger, *, office_code: str | None, office_name: str | None) -> tuple[Office, int]:
    """Idempotent: upgrade the schema, add or rename the office, refresh the catalogue."""
    code = normalise(office_code or ledger.settings.office.code)
    name = normalise(office_name or ledger.settings.office.name)
    if not code or len(code) > 40 or any(c.isspace() for c in code):
        raise InputError("input.office_code", value=office_code or "")
    if not name:
        raise InputError("input.empty", name="--office-name")
    upgrade(ledger.engine)
    with session_scope(ledger.engine, write=True) as session:
        office = session.exec(select(Office).where(Office.code == code)).first()
        if office is None:
            office = Office(code=code, name=name, timezone=ledger.settings.office.timezone)
        elif office_name:
            office.name = name
        session.add(office)
        count = install_catalogue(session)
        session.flush()
    return office, count


def reset_ledger(ledger: Ledger, *, office_code: str, office_name: str) -> Office:
    """Start from an empty ledger: a SQLite file is removed, a PostgreSQL schema is migrated down and up again."""
    from onestop.db import sqlite_path

    path = sqlite_path(ledger.url)
    if path is not None:
        ledger.engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
    elif is_initialised(ledger.engine):
        downgrade_to_base(ledger.engine)
    office, _ = init_ledger(ledger, office_code=office_code, office_name=office_name)
    return office

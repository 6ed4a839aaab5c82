"""Creating a ledger: the schema (Alembic), the office, the procedure catalogue."""

from __future__ import annotations

from sqlmodel import select

from onestop.catalogue import install_catalogue
from onestop.context import Ledger
from onestop.db import session_scope, upgrade
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

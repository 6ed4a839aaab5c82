"""Writing many dossiers and events at once, for the importer: values converted once, one statement per table.

The ORM's bulk path converts every value through the column types (``Instant``) and builds a statement per call;
here the importer hands over rows already in the form the database stores (``stored_instant``): UTC text on
SQLite, exactly as ``models.Instant`` and SQLAlchemy's SQLite ``DateTime`` write it, aware instants on
PostgreSQL. SQLite takes them with one ``executemany`` per table; PostgreSQL with ``COPY``. New dossier ids are
taken before the insert (SQLite: after the highest, under the write lock the transaction holds; PostgreSQL: from
the table's sequence), so the events need no read-back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import exc, text
from sqlmodel import Session

from onestop.models import Dossier

# The dossier's columns in the table's order, without those an import never sets (an extension, the "late again"
# flag and publication come later, at the desk or from the daily check).
DOSSIER_COLUMNS = tuple(
    c.name
    for c in Dossier.__table__.columns  # type: ignore[attr-defined]
    if c.name not in ("extended_due_at", "late_again_at", "published_at")
)
EVENT_COLUMNS = ("dossier_id", "kind", "occurred_at", "recorded_at", "officer", "note", "due_at")

_RAISE_COUNTER = text(
    "INSERT INTO counter (office_id, scope, period, last) VALUES (:o, 'dossier', :p, :n) "
    "ON CONFLICT (office_id, scope, period) DO UPDATE SET last = "
    "CASE WHEN counter.last < excluded.last THEN excluded.last ELSE counter.last END"
)


def _sqlite_instant(at: dt.datetime) -> str:
    # models.Instant: UTC without its offset; SQLAlchemy's SQLite DateTime text: "YYYY-MM-DD HH:MM:SS.ffffff"
    # (the first 26 characters of the UTC instant's ISO form, before "+00:00").
    return at.astimezone(dt.UTC).isoformat(" ", "microseconds")[:26]


def _pg_instant(at: dt.datetime) -> dt.datetime:
    return at.astimezone(dt.UTC)


def is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


_MEMO = 50_000  # instants remembered per converter; then it starts afresh (memory stays flat)


def stored_instant(dialect: str) -> Callable[[dt.datetime | None], Any]:
    """How an aware instant is handed to a database of ``dialect`` (``None`` stays ``None``). Each instant is
    converted once while remembered: an import repeats them (a receipt is also the first event, a close of day
    many rows' due)."""
    convert = _sqlite_instant if dialect == "sqlite" else _pg_instant
    memo: dict[dt.datetime, Any] = {}  # aware instants hash by the instant, whatever their zone

    def stored(at: dt.datetime | None) -> Any:
        if at is None:
            return None
        found = memo.get(at)
        if found is None:
            if len(memo) >= _MEMO:
                memo.clear()
            found = memo[at] = convert(at)
        return found

    return stored


def stored_date(dialect: str) -> Callable[[dt.date], Any]:
    return dt.date.isoformat if dialect == "sqlite" else _same


def stored_flag(dialect: str) -> Callable[[bool], Any]:
    return int if dialect == "sqlite" else _same


def _same(value: Any) -> Any:
    return value


def raise_counters(session: Session, *, office_id: int, highest: dict[dt.date, int]) -> None:
    """Lift each day's dossier counter to at least the highest number given (one statement for all days)."""
    if highest:
        session.execute(
            _RAISE_COUNTER, [{"o": office_id, "p": day.isoformat(), "n": seq} for day, seq in highest.items()]
        )


def new_dossier_ids(session: Session, count: int) -> Sequence[int]:
    """Ids for ``count`` new dossiers, reserved for this transaction."""
    if is_sqlite(session):
        # BEGIN IMMEDIATE holds the write lock: nobody else inserts a dossier before this transaction ends.
        highest = session.execute(text("SELECT coalesce(max(id), 0) FROM dossier")).scalar_one()
        return range(int(highest) + 1, int(highest) + 1 + count)
    found = session.execute(
        text("SELECT nextval(pg_get_serial_sequence('dossier', 'id')) FROM generate_series(1, :n)"), {"n": count}
    )
    return [int(i) for i in found.scalars()]


def insert_rows(session: Session, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """Insert stored values: ``executemany`` on SQLite, ``COPY`` on PostgreSQL, in the session's transaction."""
    connection = session.connection()
    names = ", ".join(columns)
    if is_sqlite(session):
        placeholders = ", ".join("?" * len(columns))
        connection.exec_driver_sql(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", rows)
        return
    import psycopg

    statement = f"COPY {table} ({names}) FROM STDIN"
    driver = connection.connection.driver_connection
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
            for row in rows:
                copy.write_row(row)
    except psycopg.Error as error:  # as SQLAlchemy would wrap it, so that session_scope names a storage problem
        raise exc.DBAPIError.instance(statement, None, error, psycopg.Error) from error

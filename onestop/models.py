"""The ledger's tables. Instants are aware (UTC in the database, office-local on display).

The event log is the legal record; a dossier row caches what its events give (state, due time, outcome) so that
reports count with SQL over indexed columns. ``onestop verify`` recomputes the cache from the events.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, DateTime, Index, UniqueConstraint, text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

UTC = dt.UTC


class Instant(TypeDecorator[dt.datetime]):
    """An aware instant: stored as UTC (naive text on SQLite, timestamptz on PostgreSQL), read back aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored: give an aware instant")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = dt.datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Office(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, max_length=40)
    name: str = Field(max_length=200)
    timezone: str = Field(default="Asia/Ho_Chi_Minh", max_length=64)


class Procedure(SQLModel, table=True):
    code: str = Field(primary_key=True, max_length=40)
    name: str = Field(max_length=300)
    name_key: str = Field(max_length=300)  # accent-folded, for search
    field: str = Field(max_length=40)
    unit: str = Field(max_length=20)
    amount: float = 0
    cutoff: str | None = Field(default=None, max_length=5)
    interlinked: bool = False
    online_level: int = 0
    legal_basis: str = Field(default="", max_length=500)


# The partial indexes' conditions, per database, as the migrations write them (0003, 0004) and as a query must repeat
# them for the planner to use the index (onestop.reports). The models name only SQLite's: a ``postgresql_where``
# here would load SQLAlchemy's PostgreSQL dialect at every start (20 ms of each desk command on a SQLite ledger);
# PostgreSQL's indexes are built by the migrations alone.
PARTIAL_WHERE = {
    "ix_dossier_late_completed": {"sqlite": "outcome = 'late'", "postgresql": "outcome = 'late'"},
    "ix_dossier_not_completed": {"sqlite": "completed_at IS NULL", "postgresql": "completed_at IS NULL"},
    "ix_dossier_completed_slowly": {
        "sqlite": "julianday(completed_at) - julianday(received_at) > 30",
        "postgresql": "completed_at - received_at > interval '30 days'",
    },
}


class Dossier(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("office_id", "received_on", "seq", name="uq_dossier_daily_seq"),
        # Covering indexes for the report counts (migration 0002): by office, and across offices.
        Index(
            "ix_dossier_office_completed", "office_id", "completed_at", "outcome", "field", "channel", "published_at"
        ),
        Index("ix_dossier_office_received", "office_id", "received_at", "field", "channel"),
        Index("ix_dossier_completed", "completed_at", "outcome", "field", "channel", "published_at", "office_id"),
        Index("ix_dossier_received", "received_at", "field", "channel", "office_id"),
        Index("ix_dossier_withdrawn", "withdrawn_at", "field", "office_id"),
        Index("ix_dossier_open_due", "is_open", "due_at"),
        # The daily check's scans (migration 0003): apologies to write, late again; completed late (partial).
        Index("ix_dossier_open_extended", "is_open", "extended_due_at", "due_at"),
        Index(
            "ix_dossier_late_completed",
            "outcome",
            "completed_at",
            sqlite_where=text(PARTIAL_WHERE["ix_dossier_late_completed"]["sqlite"]),
        ),
        # The period report's ranges (migration 0004; onestop.reports reads the partial indexes' conditions).
        Index("ix_dossier_channel_received", "channel", "field", "received_at", "completed_at", "office_id"),
        Index(
            "ix_dossier_channel_completed", "channel", "field", "outcome", "completed_at", "published_at", "office_id"
        ),
        Index(
            "ix_dossier_not_completed",
            "field",
            "received_at",
            "withdrawn_at",
            "due_at",
            "waiting_since",
            "counted_from",
            "office_id",
            "completed_at",
            "id",
            sqlite_where=text(PARTIAL_WHERE["ix_dossier_not_completed"]["sqlite"]),
        ),
        Index(
            "ix_dossier_completed_slowly",
            "field",
            "completed_at",
            "received_at",
            sqlite_where=text(PARTIAL_WHERE["ix_dossier_completed_slowly"]["sqlite"]),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    office_id: int = Field(foreign_key="office.id")
    code: str = Field(unique=True, max_length=60)
    received_on: dt.date
    seq: int
    procedure_code: str = Field(foreign_key="procedure.code", max_length=40)
    field: str = Field(max_length=40)
    channel: str = Field(max_length=10)
    applicant: str = Field(max_length=200)
    applicant_key: str = Field(max_length=200)
    id_number: str | None = Field(default=None, max_length=20)
    phone: str | None = Field(default=None, max_length=20)
    address: str | None = Field(default=None, max_length=300)
    received_at: dt.datetime = Field(sa_type=Instant)
    counted_from: dt.datetime = Field(sa_type=Instant)
    appointment_at: dt.datetime = Field(sa_type=Instant)  # printed on the receipt slip
    due_at: dt.datetime | None = Field(default=None, sa_type=Instant)  # current statutory due; None if stopped
    extended_due_at: dt.datetime | None = Field(default=None, sa_type=Instant)  # new appointment (apology)
    status: str = Field(max_length=24)
    is_open: bool = True
    completed_at: dt.datetime | None = Field(default=None, sa_type=Instant)
    outcome: str | None = Field(default=None, max_length=10)
    withdrawn_at: dt.datetime | None = Field(default=None, sa_type=Instant)
    returned_at: dt.datetime | None = Field(default=None, sa_type=Instant)
    return_via: str | None = Field(default=None, max_length=10)
    waiting_since: dt.datetime | None = Field(default=None, sa_type=Instant)
    late_again_at: dt.datetime | None = Field(default=None, sa_type=Instant)
    published_at: dt.datetime | None = Field(default=None, sa_type=Instant)
    last_event_at: dt.datetime = Field(sa_type=Instant)


class Event(SQLModel, table=True):
    """Append-only: database triggers refuse UPDATE and DELETE (Decree 61/2018 Art. 5: an auditable record)."""

    __table_args__ = (Index("ix_event_dossier", "dossier_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    dossier_id: int = Field(foreign_key="dossier.id")
    kind: str = Field(max_length=32)
    occurred_at: dt.datetime = Field(sa_type=Instant)
    recorded_at: dt.datetime = Field(sa_type=Instant)
    officer: str = Field(default="", max_length=120)
    note: str = Field(default="", max_length=1000)
    # Resolved and rejected events: the due instant the completion was judged against (lifecycle.State.judged_due;
    # migration 0006), so that verify checks a closed dossier's outcome exactly whatever the calendar says today.
    due_at: dt.datetime | None = Field(default=None, sa_type=Instant)


class Apology(SQLModel, table=True):
    """Phiếu xin lỗi và hẹn lại ngày trả kết quả (Circular 01/2018 Mẫu 04; Circular 03/2025 Mẫu 04)."""

    __table_args__ = (UniqueConstraint("office_id", "year", "number", name="uq_apology_number"),)

    id: int | None = Field(default=None, primary_key=True)
    office_id: int = Field(foreign_key="office.id")
    dossier_id: int = Field(foreign_key="dossier.id", unique=True)  # one per dossier (Art. 19.9)
    year: int
    number: int
    kind: str = Field(max_length=12)  # "extension" (officer) | "overdue" (daily check)
    reason: str = Field(max_length=1000)
    original_due_at: dt.datetime = Field(sa_type=Instant)
    new_due_at: dt.datetime | None = Field(default=None, sa_type=Instant)
    issued_at: dt.datetime = Field(sa_type=Instant, index=True)
    signer: str = Field(default="", max_length=120)
    published_at: dt.datetime | None = Field(default=None, sa_type=Instant)


class Counter(SQLModel, table=True):
    """Sequences that must stay gapless under concurrency: dossier codes per day, apology numbers per year."""

    office_id: int = Field(foreign_key="office.id", primary_key=True)
    scope: str = Field(primary_key=True, max_length=12)
    period: str = Field(primary_key=True, max_length=12)
    last: int = 0


class Tally(SQLModel, table=True):
    """How many dossiers were received, completed (by outcome, with how many of those published) and withdrawn,
    per office, UTC month (``bucket``), field and channel: the period report's counts (DOMAIN 9) kept up to date by
    the database itself. PostgreSQL only: a trigger on ``dossier`` (migration 0005) moves a dossier's
    contributions whenever a counted column changes, COPY included. On SQLite the table exists but stays empty
    (the report counts index ranges there); ``verify`` compares it with a recount from the dossiers."""

    bucket: dt.datetime = Field(sa_type=Instant, primary_key=True)  # date_trunc('month', instant, 'UTC')
    office_id: int = Field(primary_key=True)
    kind: str = Field(primary_key=True, max_length=10)  # received | completed | withdrawn
    field: str = Field(primary_key=True, max_length=40)
    channel: str = Field(primary_key=True, max_length=10)
    outcome: str = Field(primary_key=True, max_length=10)  # early | on_time | late; "" when not a completion
    n: int = Field(default=0, sa_type=BigInteger)
    published: int = Field(default=0, sa_type=BigInteger)  # completions in a public listing

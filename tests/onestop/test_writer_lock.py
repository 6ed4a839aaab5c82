"""Desks writing at once: the SQLite writers' file lock, reads before the write lock, PostgreSQL's idle pings.

The write lock covers a transaction from its first statement (``BEGIN IMMEDIATE``), so the services read and
decide before it: a refused receipt or action never waits for another desk. Past the busy timeout a desk gets
the same clear "locked" error whichever lock it waited for, and nothing is written.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa

from onestop import db
from onestop.context import Ledger
from onestop.db import WriterLock, session_scope
from onestop.errors import NotFoundError, StorageError, TransitionError
from onestop.services import Applicant, receive_dossier
from tests.helpers import (
    NOW,
    OFFICE_CODE,
    act,
    at,
    copy_ledger,
    dossier,
    init_ledger_at,
    make_template,
    open_ledger,
    receive,
    snapshot,
)

MONDAY_9 = at("2023-03-06 09:00")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_template(tmp_path_factory.mktemp("template") / "ledger.db")


@pytest.fixture
def path(template: Path, tmp_path: Path) -> Path:
    copy_ledger(template, tmp_path / "ledger.db")
    return tmp_path / "ledger.db"


@pytest.fixture
def ledger(path: Path) -> Iterator[Ledger]:
    led = open_ledger(f"sqlite:///{path}")
    yield led
    led.engine.dispose()


@pytest.fixture
def short_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", 300)


def receive_at_desk(ledger: Ledger, procedure: str = "1.004884") -> str:
    return receive(ledger, received_at=MONDAY_9, procedure=procedure, applicant="Lý Thị Hoa").code


def test_a_receipt_returns_the_dossier_as_recorded(ledger: Ledger) -> None:
    with session_scope(ledger.engine) as session:
        office = ledger.office(session)
    with session_scope(ledger.engine, write=True) as session:
        got = receive_dossier(
            session,
            ledger,
            office=office,
            procedure_code="1.004884",
            channel="postal",
            applicant=Applicant(" Lý  Thị Hoa ", phone="0912 345 678"),
            at=MONDAY_9,
            now=NOW,
        )

    stored = dossier(ledger, got.code)
    assert got.code == f"{OFFICE_CODE}-230306-0001"
    assert got.model_dump() == stored.model_dump()


def test_two_desks_in_one_process_take_turns_on_the_writer_lock(ledger: Ledger) -> None:
    first_wrote, codes = threading.Event(), {}

    def second_desk() -> None:
        first_wrote.wait(timeout=30)
        codes["second"] = receive_at_desk(ledger)

    other = threading.Thread(target=second_desk)
    other.start()
    with session_scope(ledger.engine) as session:
        office = ledger.office(session)
    with session_scope(ledger.engine, write=True) as session:
        codes["first"] = receive_dossier(
            session, ledger, office=office, procedure_code="1.004884", channel="direct",
            applicant=Applicant("Đặng Văn Nam"), at=MONDAY_9, now=NOW,
        ).code  # fmt: skip
        first_wrote.set()
        other.join(timeout=0.3)
        assert other.is_alive(), "the second desk wrote while the first one's transaction was open"
    other.join(timeout=30)

    assert (codes["first"][-4:], codes["second"][-4:]) == ("0001", "0002")


def test_a_writer_lock_held_past_the_busy_timeout_is_the_clear_locked_error_and_nothing_is_written(
    ledger: Ledger, path: Path, short_timeout: None
) -> None:
    before = snapshot(ledger.engine)
    held = WriterLock(path.with_name(path.name + ".lock")).acquire(timeout=1)
    try:
        with pytest.raises(StorageError) as caught:
            receive_at_desk(ledger)
    finally:
        WriterLock.release(held)

    assert caught.value.key == "storage.locked"
    assert snapshot(ledger.engine) == before
    assert receive_at_desk(ledger)[-4:] == "0001", "the lock, once free, is taken again"


def test_bad_input_is_refused_at_once_while_another_program_holds_the_database(
    ledger: Ledger, path: Path, short_timeout: None
) -> None:
    """Another program (no file lock) holds SQLite's write lock: look-ups and refusals do not need it."""
    code = receive(ledger, received_at=MONDAY_9).code
    before = snapshot(ledger.engine)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(NotFoundError):
            receive_at_desk(ledger, procedure="9.999999")
        with pytest.raises(NotFoundError):
            act(ledger, "000.22.15.H56-230306-9999", "resolve", when=at("2023-03-07 09:00"))
        with pytest.raises(TransitionError):
            act(ledger, code, "return", when=at("2023-03-07 09:00"))
        with pytest.raises(StorageError) as caught:
            act(ledger, code, "resolve", when=at("2023-03-07 09:00"))
        assert caught.value.key == "storage.locked"
    finally:
        holder.execute("ROLLBACK")
        holder.close()

    assert snapshot(ledger.engine) == before


def test_a_lock_file_that_cannot_be_made_leaves_the_serialising_to_sqlite(tmp_path: Path) -> None:
    assert WriterLock(tmp_path / "missing" / "ledger.db.lock").acquire(timeout=0.1) is None


# --- PostgreSQL: no ping per transaction, a ping after idling ---------------------------------------------------
def drop_connections(url: str) -> None:
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )


def count_offices(ledger: Ledger) -> int:
    with session_scope(ledger.engine) as session:
        return int(session.connection().execute(sa.text("SELECT count(*) FROM office")).scalar_one())


def test_a_postgresql_connection_dropped_while_idle_is_replaced_before_use(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = init_ledger_at(pg_url)
    assert count_offices(ledger) == 1
    drop_connections(pg_url)
    monkeypatch.setattr(db, "IDLE_PING_S", 0.0)

    assert count_offices(ledger) == 1
    ledger.engine.dispose()


def test_a_postgresql_connection_dropped_in_steady_use_is_one_clear_error_then_the_desk_reconnects(
    pg_url: str,
) -> None:
    ledger = init_ledger_at(pg_url)
    assert count_offices(ledger) == 1
    drop_connections(pg_url)

    with pytest.raises(StorageError) as caught:
        count_offices(ledger)

    assert caught.value.key == "storage.open"
    assert count_offices(ledger) == 1
    ledger.engine.dispose()


def test_a_write_session_reads_apart_until_its_first_statement_then_on_its_own_connection(tmp_path: Path) -> None:
    """``reading`` on SQLite: before the session's transaction holds a connection (and so the write lock), reads go
    through a connection of their own; after its first statement, or with changes pending, through its own."""
    ledger = open_ledger(copy_ledger(make_template(tmp_path / "template.db"), tmp_path / "ledger.db"))
    try:
        with session_scope(ledger.engine, write=True) as session:
            assert not db.has_begun(session)
            with db.reading(session) as conn:
                assert conn.execute(sa.text("SELECT count(*) FROM office")).scalar_one() == 1
                apart = conn
            assert not db.has_begun(session)  # reading apart gave the session no connection: no write lock yet
            session.execute(sa.text("SELECT 1"))
            assert db.has_begun(session)
            with db.reading(session) as conn:
                assert conn is session.connection()
            assert apart is not session.connection()
        with session_scope(ledger.engine, write=True) as again:  # a new transaction starts afresh
            assert not db.has_begun(again)
    finally:
        ledger.engine.dispose()

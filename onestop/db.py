"""Opening the ledger: SQLite by default (WAL, foreign keys, busy timeout), PostgreSQL by URL; migrations.

A write transaction on SQLite starts with ``BEGIN IMMEDIATE`` so that two desks never both read a sequence and
then race to write it; PostgreSQL serialises the same writers on the counter row's lock.

On SQLite the writers first queue on an OS lock of a file beside the database (``<db>.lock``): the kernel wakes
the next one the moment the lock is released, where SQLite's busy handler would have it sleep 1..100 ms while the
database is free. SQLite's own lock still guards the data (against other programs, or where the file cannot be
made). Because the write lock covers a transaction from its first statement, services read what they need
before it (``reading``) and keep the locked part to the writes.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, exc, inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from onestop.errors import StorageError

# Revision ids are the migration files' names ("0001_initial.py" is "0001_initial"), numbered in order, so the
# start-up check knows them without importing Alembic.
KNOWN_REVISIONS = tuple(sorted(p.stem for p in (Path(__file__).parent / "migrations" / "versions").glob("[0-9]*.py")))
HEAD_REVISION = KNOWN_REVISIONS[-1]
BUSY_TIMEOUT_MS = 5000
IDLE_PING_S = 30.0  # a pooled PostgreSQL connection idle this long is checked before use (the server may be gone)


def default_db_path() -> Path:
    """A per-user location: %LOCALAPPDATA%\\onestop on Windows, $XDG_DATA_HOME/onestop elsewhere."""
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    else:
        base = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share"))
    return base / "onestop" / "onestop.db"


def resolve_url(url: str | None) -> str:
    """``--db`` / ``$ONESTOP_DB`` / the default SQLite file; a bare path is taken as a SQLite file."""
    chosen = url or os.environ.get("ONESTOP_DB")
    if not chosen:
        return f"sqlite:///{default_db_path()}"
    if "://" not in chosen:
        return f"sqlite:///{Path(chosen)}"
    if chosen.startswith("postgresql://"):
        return "postgresql+psycopg://" + chosen.removeprefix("postgresql://")
    return chosen


def sqlite_path(url: str) -> Path | None:
    if not url.startswith("sqlite:///"):
        return None
    raw = url.removeprefix("sqlite:///")
    return None if raw in ("", ":memory:") else Path(raw)


def open_engine(url: str, *, create_dir: bool = True) -> Engine:
    path = sqlite_path(url)
    if path is not None:
        if create_dir:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise StorageError("storage.open", url=url, detail=str(error)) from error
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        _tune_sqlite(engine, WriterLock(path.with_name(path.name + ".lock")))
        return engine
    try:
        # A row or table locked past the timeout is an error the desk sees, not an endless wait.
        options = {"options": f"-c lock_timeout={BUSY_TIMEOUT_MS}"} if url.startswith("postgresql") else {}
        engine = create_engine(url, connect_args=options)
    except (exc.ArgumentError, ImportError) as error:
        raise StorageError("storage.open", url=url, detail=str(error)) from error
    _ping_when_idle(engine)
    return engine


def _ping_when_idle(engine: Engine) -> None:
    """``pool_pre_ping`` costs a round trip per transaction; a connection in steady use is alive, so only one
    that sat idle in the pool is pinged. A dead one is replaced (the pool retries on ``DisconnectionError``); a
    server that goes away in the middle of a transaction is still one clear storage error (``storage_error``)."""

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["onestop_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("onestop_idle_since")
        if since is None or time.monotonic() - since < IDLE_PING_S:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
            dbapi_connection.rollback()
        except Exception as error:
            raise exc.DisconnectionError(str(error)) from error


def _tune_sqlite(engine: Engine, writers: WriterLock) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        with contextlib.suppress(Exception):  # a read-only file keeps its journal mode
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if not conn.get_execution_options().get("onestop_write", False):
            _begin(conn, "BEGIN")
            return
        held = writers.acquire(timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            _begin(conn, "BEGIN IMMEDIATE")
        except BaseException:
            WriterLock.release(held)
            raise
        conn.info["onestop_writer"] = held

    # The connection goes back to the pool right after its COMMIT or ROLLBACK: the next writer may start.
    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        WriterLock.release(record.info.pop("onestop_writer", None))

    @event.listens_for(engine, "invalidate")
    def _on_invalidate(_dbapi_connection: Any, record: Any, _error: Any) -> None:
        WriterLock.release(record.info.pop("onestop_writer", None))


def _begin(conn: Any, statement: str) -> None:
    """Straight to the driver (this runs inside the write lock, where each microsecond is every desk's); its
    errors wrapped as SQLAlchemy's, as ``exec_driver_sql`` would, for ``session_scope`` to name."""
    try:
        conn.connection.driver_connection.execute(statement)
    except sqlite3.Error as error:
        raise exc.DBAPIError.instance(statement, (), error, sqlite3.Error) from error


class WriterLock:
    """An exclusive OS lock on ``path`` (``fcntl.flock``; ``msvcrt.locking`` on Windows), one open file per
    holder so that connections in one process exclude each other too; the kernel drops it if the process dies.

    ``acquire`` gives the open file that holds the lock, or None where the file cannot be created (a read-only
    folder: SQLite's lock alone then serialises, and reports what is wrong); past ``timeout`` it raises the same
    "locked" error as SQLite's busy timeout. A waiter retries every ``POLL_S``: the lock is taken within half a
    millisecond of its release, where SQLite's busy handler sleeps up to 100 ms at a time (and lets a desk that
    is on the CPU take it again and again). A blocking ``flock`` has no timeout; waiting for it on a helper
    thread cost more than the polling, measured with eight desks on two cores.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def acquire(self, *, timeout: float) -> Any:
        try:
            held = open(self.path, "ab")  # noqa: SIM115  (kept open while the lock is held)
        except OSError:
            return None
        if _try_lock(held) or _wait_for_lock(held, timeout):
            return held
        held.close()
        raise StorageError("storage.locked")

    @staticmethod
    def release(held: Any) -> None:
        if held is not None:
            with contextlib.suppress(OSError):
                _unlock(held)
            held.close()


POLL_S = 0.0005


def _wait_for_lock(held: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(POLL_S)
        if _try_lock(held):
            return True
    return False


if sys.platform == "win32":  # pragma: no cover - exercised on the Windows desks
    import msvcrt

    def _try_lock(held: Any) -> bool:
        held.seek(0)
        try:
            msvcrt.locking(held.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(held: Any) -> None:
        held.seek(0)
        msvcrt.locking(held.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(held: Any) -> bool:
        try:
            fcntl.flock(held.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        return True

    def _unlock(held: Any) -> None:
        fcntl.flock(held.fileno(), fcntl.LOCK_UN)


@contextmanager
def session_scope(engine: Engine, *, write: bool = False) -> Iterator[Session]:
    """One unit of work: committed if the block ends normally, rolled back on any error."""
    bound = engine.execution_options(onestop_write=True) if write else engine
    try:
        with Session(bound, expire_on_commit=False) as session, session.begin():
            yield session
    except exc.OperationalError as error:
        raise storage_error(error, url=str(engine.url)) from error


@contextmanager
def reading(session: Session) -> Iterator[Connection]:
    """Where a service reads before it writes. On SQLite, a write session that has not yet run a statement reads
    on a short read transaction of its own (WAL: it waits for no one), so that its write lock, taken by its first
    statement, covers only the writes; otherwise (PostgreSQL locks rows, not the database; or the session has
    already begun and may hold rows of its own) the session's connection."""
    bind = session.get_bind()
    if isinstance(bind, Connection) or bind.dialect.name != "sqlite" or has_begun(session):
        session.flush()
        yield session.connection()
        return
    with bind.execution_options(onestop_write=False).connect() as conn:
        yield conn


def has_begun(session: Session) -> bool:
    """Whether the session's transaction holds a connection yet (or has changes waiting to be flushed)."""
    transaction = session.get_transaction()
    began = transaction is not None and session.info.get(_BEGUN) is transaction
    return began or bool(session.new or session.dirty or session.deleted)


_BEGUN = "onestop_connected_transaction"


@event.listens_for(Session, "after_begin")
def _on_session_begin(session: Session, transaction: Any, _connection: Connection) -> None:
    # SQLAlchemy's event for "this transaction now holds a connection": the root transaction is remembered.
    session.info[_BEGUN] = session.get_transaction()


def storage_error(error: BaseException, *, url: str) -> StorageError:
    from onestop.limits import file_size_error  # lazy: limits imports db

    limited = file_size_error(error, url=url)
    if limited is not None:
        return limited
    message = str(getattr(error, "orig", error)).lower()
    if "readonly" in message or "read-only" in message or "read only" in message:
        return StorageError("storage.readonly", detail=message)
    if "full" in message or "no space" in message:
        return StorageError("storage.full", detail=message)
    if "locked" in message or "busy" in message or "lock timeout" in message:
        return StorageError("storage.locked")
    return StorageError("storage.open", url=url, detail=message.splitlines()[0] if message else "")


# --- schema ---------------------------------------------------------------------------------------------------
def current_revision(engine: Engine) -> str | None:
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except exc.OperationalError as error:
        raise storage_error(error, url=str(engine.url)) from error


def is_initialised(engine: Engine) -> bool:
    return current_revision(engine) is not None


def migrate(engine: Engine, revision: str = "head") -> None:
    """Apply Alembic migrations up (or down) to ``revision``: an older database is upgraded, never rebuilt."""
    from alembic import command  # lazy: only init and upgrades pay for Alembic
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        if revision == "base":
            command.downgrade(config, "base")
            conn.exec_driver_sql("DROP TABLE IF EXISTS apscheduler_jobs")
        else:
            command.upgrade(config, revision)


def upgrade(engine: Engine) -> None:
    migrate(engine, "head")


def downgrade_to_base(engine: Engine) -> None:
    """Remove every table of the ledger (the demo's rebuild on PostgreSQL)."""
    migrate(engine, "base")


def ensure_current(engine: Engine) -> None:
    """Checked at start-up: upgrade an older schema; refuse a newer one."""
    revision = current_revision(engine)
    if revision is None or revision == HEAD_REVISION:
        return
    if revision not in KNOWN_REVISIONS:
        raise StorageError("storage.newer", revision=revision)
    upgrade(engine)

"""Opening the ledger: SQLite by default (WAL, foreign keys, busy timeout), PostgreSQL by URL; migrations.

A write transaction on SQLite starts with ``BEGIN IMMEDIATE`` so that two desks never both read a sequence and
then race to write it; PostgreSQL serialises the same writers on the counter row's lock.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, exc, inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from onestop.errors import StorageError

# Revision ids are the migration files' names ("0001_initial.py" is "0001_initial"), numbered in order, so the
# start-up check knows them without importing Alembic.
KNOWN_REVISIONS = tuple(sorted(p.stem for p in (Path(__file__).parent / "migrations" / "versions").glob("[0-9]*.py")))
HEAD_REVISION = KNOWN_REVISIONS[-1]
BUSY_TIMEOUT_MS = 5000


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
        _tune_sqlite(engine)
        return engine
    try:
        # A row or table locked past the timeout is an error the desk sees, not an endless wait.
        options = {"options": f"-c lock_timeout={BUSY_TIMEOUT_MS}"} if url.startswith("postgresql") else {}
        return create_engine(url, pool_pre_ping=True, connect_args=options)
    except (exc.ArgumentError, ImportError) as error:
        raise StorageError("storage.open", url=url, detail=str(error)) from error


def _tune_sqlite(engine: Engine) -> None:
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
        write = conn.get_execution_options().get("onestop_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


@contextmanager
def session_scope(engine: Engine, *, write: bool = False) -> Iterator[Session]:
    """One unit of work: committed if the block ends normally, rolled back on any error."""
    bound = engine.execution_options(onestop_write=True) if write else engine
    try:
        with Session(bound, expire_on_commit=False) as session, session.begin():
            yield session
    except exc.OperationalError as error:
        raise storage_error(error, url=str(engine.url)) from error


def storage_error(error: BaseException, *, url: str) -> StorageError:
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


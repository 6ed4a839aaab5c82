"""Schema changes go through Alembic: an older ledger is upgraded at start-up, never broken."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from onestop.catalogue import install_catalogue
from onestop.db import HEAD_REVISION, current_revision, ensure_current, open_engine, session_scope
from onestop.db import migrate as migrate_engine
from onestop.errors import StorageError
from onestop.models import Office
from tests.helpers import at, cli_json, open_ledger, receive, run_cli


def migrate(url: str, revision: str) -> None:
    migrate_engine(open_engine(url), revision)


def test_a_ledger_of_the_first_version_is_upgraded_at_start_and_keeps_its_dossiers(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    migrate(f"sqlite:///{db}", "0001_initial")
    ledger = open_ledger(f"sqlite:///{db}")
    with session_scope(ledger.engine, write=True) as session:  # what `init` of version 1 left behind
        session.add(Office(code="000.22.15.H56", name="UBND thị trấn Bút Sơn"))
        install_catalogue(session)
    code = receive(ledger, received_at=at("2023-03-06 09:00")).code
    assert current_revision(ledger.engine) == "0001_initial"

    shown = cli_json("show", code, db=db, home=tmp_path)  # any command checks the schema first

    assert shown["code"] == code
    assert current_revision(open_engine(f"sqlite:///{db}")) == HEAD_REVISION


def test_a_ledger_from_a_newer_version_is_refused_not_broken(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    migrate(f"sqlite:///{db}", "head")
    engine = open_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999_future'")
    with pytest.raises(StorageError):
        ensure_current(engine)
    result = run_cli("list", db=db, home=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr


def test_the_migrations_build_exactly_the_tables_of_the_models(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    migrate(url, "head")
    with open_engine(url).connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []

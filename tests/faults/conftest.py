"""Ledgers for the fault tests: a copy of one initialised SQLite file, or a new PostgreSQL 15 database."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import copy_ledger, init_ledger_at, make_template


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One initialised, checkpointed SQLite ledger (office and catalogue) per worker, copied per test."""
    return make_template(tmp_path_factory.mktemp("faults-template") / "ledger.db")


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def ledger_url(backend: str, template: Path, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """An initialised ledger at a URL: a copy of the template file, or a fresh PostgreSQL database."""
    if backend == "sqlite":
        return copy_ledger(template, tmp_path / "ledger.db")
    url = str(request.getfixturevalue("pg_url"))
    init_ledger_at(url).engine.dispose()
    return url

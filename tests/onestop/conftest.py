"""The ledger most service-level tests run against: a copy of an initialised SQLite file, and a fresh PostgreSQL
15 database (started by the tests; under CI it must run, never skip)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from onestop.context import Ledger
from tests.helpers import copy_ledger, init_ledger_at, make_template, open_ledger


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_template(tmp_path_factory.mktemp("template") / "ledger.db")


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger(request: pytest.FixtureRequest, template: Path, tmp_path: Path) -> Iterator[Ledger]:
    if request.param == "sqlite":
        led = open_ledger(copy_ledger(template, tmp_path / "ledger.db"))
    else:
        led = init_ledger_at(request.getfixturevalue("pg_url"))
    yield led
    led.engine.dispose()

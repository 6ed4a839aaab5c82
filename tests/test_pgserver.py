"""Self-test of the PostgreSQL test-server plugin (tests/pgserver.py)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

# Database names seen by test_each_test_gets_its_own_database, in run order.
_seen_databases: list[str] = []


def test_pg_url_is_a_working_postgres_15_database(pg_url: str) -> None:
    engine = sa.create_engine(pg_url)
    try:
        with engine.begin() as conn:
            version = conn.execute(sa.text("SELECT version()")).scalar_one()
            assert "PostgreSQL 15" in version

            conn.execute(sa.text("CREATE TABLE item (id serial PRIMARY KEY, name text NOT NULL)"))
            conn.execute(sa.text("INSERT INTO item (name) VALUES (:n)"), {"n": "widget"})

        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT id, name FROM item")).all()
            assert [tuple(r) for r in rows] == [(1, "widget")]
    finally:
        engine.dispose()


@pytest.mark.parametrize("run", [1, 2])
def test_each_test_gets_its_own_database(pg_url: str, run: int) -> None:
    """Each test must start from an empty database of its own.

    The emptiness check holds regardless of order or xdist distribution: had
    the two runs shared a database, the later one would see the earlier's
    table. The name comparison additionally applies when both runs executed
    in this process.
    """
    engine = sa.create_engine(pg_url)
    try:
        with engine.begin() as conn:
            name = conn.execute(sa.text("SELECT current_database()")).scalar_one()
            assert not sa.inspect(conn).has_table("marker"), "database is not fresh"
            conn.execute(sa.text("CREATE TABLE marker (run int)"))
    finally:
        engine.dispose()

    assert name not in _seen_databases, "database name reused by another test"
    _seen_databases.append(name)

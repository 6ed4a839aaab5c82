"""Shared helpers for the ledger and desk tests: ledgers at a URL, service shortcuts, snapshots, the CLI.

Services are called with a fixed ``NOW`` so that the 2023 dates of DOMAIN.md are in the past and nothing reads
the wall clock; the CLI is run as the real console script (``.venv/bin/onestop``) in a subprocess.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from onestop.config import Settings
from onestop.context import Ledger
from onestop.db import open_engine, session_scope
from onestop.models import Dossier, Event, Office
from onestop.services import Applicant, act_on_dossier, events_of, get_dossier, receive_dossier
from onestop.setup import init_ledger

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
OFFICE_CODE = "000.22.15.H56"
OFFICE_NAME = "UBND thị trấn Bút Sơn"
FIVE_DAYS = "1.004884"  # Đăng ký lại khai sinh: 5 working days
THREE_DAYS = "1.004873"  # Cấp giấy xác nhận tình trạng hôn nhân: 3 working days
SAME_DAY = "1.001193"  # Đăng ký khai sinh: same day, cut-off 15:00


def at(text: str) -> dt.datetime:
    """``"2023-03-06 09:00"`` as an aware instant in the office's time zone."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=TZ)


NOW = at("2024-06-03 10:00")  # the services' clock in these tests: every DOMAIN.md example is in its past


# --- ledgers ------------------------------------------------------------------------------------------------
def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def open_ledger(url: str) -> Ledger:
    return Ledger(Settings(), open_engine(url), url)


def init_ledger_at(url: str) -> Ledger:
    """A fresh ledger at ``url``: schema, the Bút Sơn office and the procedure catalogue."""
    ledger = open_ledger(url)
    init_ledger(ledger, office_code=OFFICE_CODE, office_name=OFFICE_NAME)
    return ledger


def checkpoint(path: Path) -> None:
    """Fold the WAL into the main file so that the file alone is the whole database."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def make_template(path: Path) -> Path:
    """An initialised SQLite ledger, checkpointed: copied per test instead of migrating again."""
    ledger = init_ledger_at(sqlite_url(path))
    ledger.engine.dispose()
    checkpoint(path)
    return path


def copy_ledger(template: Path, path: Path) -> str:
    shutil.copyfile(template, path)
    return sqlite_url(path)


# --- services in one transaction each -----------------------------------------------------------------------
def receive(
    ledger: Ledger,
    *,
    received_at: dt.datetime,
    procedure: str = FIVE_DAYS,
    channel: str = "direct",
    applicant: str = "Nguyễn Văn An",
    now: dt.datetime = NOW,
    office: Office | None = None,
    **details: str,
) -> Dossier:
    """A receipt as a desk makes it: the office read beforehand, the write session starting with the receipt."""
    if office is None:
        with session_scope(ledger.engine) as session:
            office = ledger.office(session)
    with session_scope(ledger.engine, write=True) as session:
        return receive_dossier(
            session,
            ledger,
            office=office,
            procedure_code=procedure,
            channel=channel,
            applicant=Applicant(applicant, **details),
            at=received_at,
            now=now,
        )


def act(
    ledger: Ledger,
    code: str,
    action: str,
    *,
    when: dt.datetime,
    now: dt.datetime = NOW,
    note: str = "",
    return_via: str | None = None,
) -> Dossier:
    with session_scope(ledger.engine, write=True) as session:
        return act_on_dossier(
            session, ledger, code=code, action=action, at=when, now=now, note=note, return_via=return_via
        )


def dossier(ledger: Ledger, code: str) -> Dossier:
    with session_scope(ledger.engine) as session:
        return get_dossier(session, code)


def events(ledger: Ledger, code: str) -> list[Event]:
    with session_scope(ledger.engine) as session:
        return events_of(session, get_dossier(session, code))


def snapshot(engine: sa.Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order: equal snapshots mean nothing was written."""
    with engine.connect() as conn:
        names = sorted(sa.inspect(conn).get_table_names())
        return {
            name: sorted((tuple(row) for row in conn.execute(sa.text(f'SELECT * FROM "{name}"'))), key=repr)
            for name in names
        }


# --- desks in other processes ---------------------------------------------------------------------------------
PER_DESK = 200
WORKER_TIMEOUT_S = 90


def receive_at_one_desk(url: str, desk: int, moment: str, start: Any, results: Any) -> None:
    """A desk in its own (spawned) process: ready everything, wait for the others at ``start``, then receive
    one dossier per transaction as fast as it can; put its codes, in the order it got them, on ``results``
    (or what stopped it)."""
    try:
        ledger = open_ledger(url)
        ledger.deadlines  # noqa: B018  (build the calendar before the start, not during the race)
        when = at(moment)
        codes: list[str] = []
        start.wait(timeout=WORKER_TIMEOUT_S)
        for n in range(PER_DESK):
            codes.append(receive(ledger, received_at=when, channel="direct", applicant=f"Người nộp {desk}-{n}").code)
        ledger.engine.dispose()
        results.put((desk, codes, None))
    except BaseException as error:  # report it: an exception in a child would otherwise be lost
        results.put((desk, [], f"{type(error).__name__}: {error}"))


# --- the command line ---------------------------------------------------------------------------------------
def onestop_script() -> str:
    """The console script of the interpreter running the tests (``.venv/bin/onestop``)."""
    beside = Path(sys.executable).with_name("onestop")
    return str(beside) if beside.exists() else shutil.which("onestop") or "onestop"


def cli_env(home: Path) -> dict[str, str]:
    """The environment of a desk PC with no configuration: no ONESTOP_* variables, a private data dir."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONESTOP_")}
    env["XDG_DATA_HOME"] = str(home / "xdg")
    return env


def run_cli(*args: str, db: str | Path | None, home: Path) -> subprocess.CompletedProcess[str]:
    """``onestop [--db DB] ARGS`` without a terminal (stdin is /dev/null), from ``home`` as working dir."""
    command = [onestop_script(), *(["--db", str(db)] if db is not None else []), *args]
    return subprocess.run(
        command,
        cwd=home,
        env=cli_env(home),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def invoke_cli(*args: str, db: str | Path | None, home: Path) -> subprocess.CompletedProcess[str]:
    """The same command in this process through Typer's runner: much faster than a new interpreter.

    An exception that escapes the command is raised here, so a traceback a user would see fails the test.
    """
    from typer.testing import CliRunner

    import cli

    command = [*(["--db", str(db)] if db is not None else []), *args]
    env: dict[str, str | None] = {k: None for k in os.environ if k.startswith("ONESTOP_")}
    env["XDG_DATA_HOME"] = str(home / "xdg")
    with contextlib.chdir(home):
        result = CliRunner().invoke(cli.app, command, env=env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return subprocess.CompletedProcess(command, result.exit_code, result.stdout, result.stderr)


def cli_json(*args: str, db: str | Path, home: Path) -> dict[str, Any]:
    """Run a command with ``--json`` (in process); it must succeed and print exactly one JSON object."""
    result = invoke_cli(*args, "--json", db=db, home=home)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert isinstance(data, dict)
    return data

"""A ledger that cannot be written: read-only, full, or locked by another process (issue 7, part 5).

Each fault is met at the desk (``receive``), in bulk (``import``) and by the daily job (``check``, with an
overdue dossier waiting for its apology): one clear line on stderr naming the storage problem, exit 1, no
traceback, and not one row half-written (a logical dump of the SQLite file before and after is the same).

Tests run as root in CI, where ``chmod`` stops nothing: there a read-only file is ``chattr +i``, a read-only or
full disk is a tiny tmpfs mounted for the test; as another user the mount variants are skipped (outside CI).
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import sqlite3
import stat
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from onestop.i18n import MESSAGES, t
from tests.faults.support import assert_one_clear_line, cli, finish, sqlite_dump, start_cli
from tests.helpers import (
    NOW,
    THREE_DAYS,
    at,
    checkpoint,
    copy_ledger,
    init_ledger_at,
    open_ledger,
    receive,
    snapshot,
    sqlite_url,
)

AS_OF = "2024-01-15 08:00"
BUSY_TIMEOUT_S = 5.0  # onestop.db.BUSY_TIMEOUT_MS: how long a desk waits for another writer
PATIENCE_S = 15.0  # start-up and slack on a loaded machine, beyond which a waiting desk counts as hung
FREE_ON_FULL_DISK = 40 * 1024  # room for SQLite's shared-memory index, none for the new pages
FILE_SIZE_LIMIT = 36 * 1024  # ulimit -f: room for the shared-memory index (32 KiB), not for a transaction
STORAGE_LINES = tuple(f"{t('error')}: {text.split('{')[0]}" for key, (text, _) in MESSAGES.items()
                      if key.startswith("storage."))  # fmt: skip


def is_root() -> bool:
    return os.geteuid() == 0


def need_root(what: str) -> None:
    if not is_root():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{what} needs root, which CI has")
        pytest.skip(f"{what} needs root")


def sh(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, check=False, timeout=30)


# --- the faults: each places the ledger and breaks it; ``mend`` undoes the fault (not the data) for the dump -----
@dataclass
class Broken:
    path: Path  # the ledger as the commands find it
    popen: dict[str, Any] = field(default_factory=dict)  # how the commands are started
    mend: Callable[[], object] = lambda: None


Fault = Callable[[Path], AbstractContextManager[Broken]]


@contextmanager
def read_only_file(ledger: Path) -> Iterator[Broken]:
    if is_root():
        flag = sh("chattr", "+i", str(ledger))
        if flag.returncode != 0:
            pytest.skip(f"chattr +i is not supported here: {flag.stderr.strip()}")
        try:
            yield Broken(ledger, mend=lambda: sh("chattr", "-i", str(ledger)))
        finally:
            sh("chattr", "-i", str(ledger))
        return
    ledger.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    ledger.parent.chmod(stat.S_IRUSR | stat.S_IXUSR)  # nor can a journal be created beside it
    try:
        yield Broken(ledger, mend=lambda: ledger.parent.chmod(stat.S_IRWXU))
    finally:
        ledger.parent.chmod(stat.S_IRWXU)
        ledger.chmod(stat.S_IRUSR | stat.S_IWUSR)


@contextmanager
def tmpfs(folder: Path, size: str) -> Iterator[Path]:
    need_root("mounting a tmpfs")
    folder.mkdir()
    mounted = sh("mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder))
    assert mounted.returncode == 0, mounted.stderr
    try:
        yield folder
    finally:
        assert sh("umount", "-l", str(folder)).returncode == 0


@contextmanager
def read_only_file_system(ledger: Path) -> Iterator[Broken]:
    with tmpfs(ledger.parent.parent / "ro", "4m") as folder:
        placed = Path(shutil.copy(ledger, folder / ledger.name))
        assert sh("mount", "-o", "remount,ro", str(folder)).returncode == 0
        yield Broken(placed, mend=lambda: sh("mount", "-o", "remount,rw", str(folder)))


@contextmanager
def full_file_system(ledger: Path) -> Iterator[Broken]:
    with tmpfs(ledger.parent.parent / "full", "4m") as folder:
        placed = Path(shutil.copy(ledger, folder / ledger.name))
        free = os.statvfs(folder)
        filler = folder / "filler"
        filler.write_bytes(b"\0" * (free.f_bavail * free.f_frsize - FREE_ON_FULL_DISK))
        yield Broken(placed, mend=lambda: filler.unlink(missing_ok=True))


def _limit_file_size() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # else the kernel kills the writer instead of failing the write
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_SIZE_LIMIT, FILE_SIZE_LIMIT))


@contextmanager
def file_size_limit(ledger: Path) -> Iterator[Broken]:
    yield Broken(ledger, popen={"preexec_fn": _limit_file_size})


@contextmanager
def locked(ledger: Path) -> Iterator[Broken]:
    """Another process holds the write lock for longer than the CLI's busy timeout (5 s)."""
    holder = sqlite3.connect(ledger, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        yield Broken(ledger, mend=lambda: holder.in_transaction and holder.execute("ROLLBACK"))
    finally:
        if holder.in_transaction:
            holder.execute("ROLLBACK")
        holder.close()


FAULTS: dict[str, Fault] = {
    "read-only file": read_only_file,
    "read-only file system": read_only_file_system,
    "full file system": full_file_system,
    "file size limit": file_size_limit,
    "locked past the busy timeout": locked,
}


# --- the test ----------------------------------------------------------------------------------------------------
@pytest.fixture
def ledger(template: Path, tmp_path: Path) -> Path:
    """A ledger with one dossier overdue by ``AS_OF`` (so that ``check`` has an apology to write)."""
    path = tmp_path / "ledger" / "ledger.db"
    path.parent.mkdir()
    desk = open_ledger(copy_ledger(template, path))
    receive(desk, received_at=at("2023-03-06 09:00"), procedure=THREE_DAYS, applicant="Phạm Minh Quân", now=NOW)
    desk.engine.dispose()
    checkpoint(path)
    return path


def state_of(url: str) -> dict[str, list[tuple[object, ...]]]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        return snapshot(engine)
    finally:
        engine.dispose()


def commands(home: Path) -> dict[str, tuple[str, ...]]:
    export = home / "three.csv"
    export.write_text("procedure,channel,applicant,received_at\n"
                      f"{THREE_DAYS},direct,Đỗ Thu Hà,2023-03-07 09:00\n"
                      f"{THREE_DAYS},postal,Vũ Hữu Long,2023-03-07 10:00\n"
                      f"{THREE_DAYS},level3,Bùi Thanh Tâm,2023-03-07 11:00\n", encoding="utf-8")  # fmt: skip
    return {
        "receive": ("receive", "--procedure", THREE_DAYS, "--channel", "direct", "--applicant", "Hoàng Xuân Mai",
                    "--at", "2023-03-07 09:00", "--json"),
        "import": ("import", str(export), "--json"),
        "check": ("check", "--at", AS_OF, "--json"),
    }  # fmt: skip


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_ledger_that_cannot_be_written_gives_one_clear_line_exit_1_and_nothing_half_written(
    fault: str, ledger: Path, tmp_path: Path
) -> None:
    todo = commands(tmp_path)
    before = sqlite_dump(ledger)
    with FAULTS[fault](ledger) as broken:
        db = sqlite_url(broken.path)
        if fault.startswith("locked"):  # each command waits for the busy timeout: let them wait together
            started = [start_cli(*args, db=db, home=tmp_path) for args in todo.values()]
            runs = {name: finish(process) for name, process in zip(todo, started, strict=True)}
        else:
            runs = {name: cli(*args, db=db, home=tmp_path, **broken.popen) for name, args in todo.items()}
        broken.mend()
        after = sqlite_dump(broken.path)

    for name, run in runs.items():
        line = assert_one_clear_line(run)
        assert line.startswith(STORAGE_LINES), f"{name}: {line}"
        assert run.stdout == "", f"{name} printed a result: {run.stdout}"
    assert after == before


def test_a_postgresql_ledger_locked_past_the_busy_timeout_gives_one_clear_line_and_nothing_half_written(
    pg_url: str, tmp_path: Path
) -> None:
    """Another session holds the dossier counter (a long import, a stuck transaction): the desk must not hang."""
    import psycopg

    desk = init_ledger_at(pg_url)
    receive(desk, received_at=at("2023-03-06 09:00"), procedure=THREE_DAYS, applicant="Phạm Minh Quân", now=NOW)
    desk.engine.dispose()
    todo = commands(tmp_path)
    before = state_of(pg_url)
    with psycopg.connect(pg_url.replace("postgresql+psycopg://", "postgresql://")) as holder:
        holder.execute("LOCK TABLE counter IN EXCLUSIVE MODE")  # held until the rollback below
        started = {name: start_cli(*args, db=pg_url, home=tmp_path) for name, args in todo.items()}
        runs, hung = {}, []
        for name, process in started.items():
            try:
                process.process.wait(timeout=max(0.1, process.at + BUSY_TIMEOUT_S + PATIENCE_S - time.monotonic()))
            except subprocess.TimeoutExpired:
                hung.append(name)
            runs[name] = finish(process, kill=name in hung)
        holder.rollback()

    assert not hung, f"{hung} still waited for the lock after {BUSY_TIMEOUT_S + PATIENCE_S:.0f} s"
    for name, run in runs.items():
        assert assert_one_clear_line(run) == f"{t('error')}: {t('storage.locked')}", name
    assert state_of(pg_url) == before

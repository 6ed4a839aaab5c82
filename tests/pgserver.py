"""Pytest plugin that runs a throwaway PostgreSQL 15 server for the test session.

Why: the application targets PostgreSQL, and SQLite-based tests would hide
dialect differences (types, constraints, locking).  Starting a real server per
test session keeps tests faithful while staying self-contained: no Docker, no
shared database, nothing left behind.

Fixtures:

* ``pg_server`` (session): a running server; ``.url(dbname)`` gives a
  SQLAlchemy URL and ``.create_database(name)`` creates a fresh database.
* ``pg_url`` (function): the SQLAlchemy URL of a new, uniquely named database
  that is dropped after the test.

Each pytest process (including every pytest-xdist worker) starts its own
server in its own temp dir on its own free port, so workers never interfere.

If PostgreSQL binaries are missing or the server cannot start, tests using
these fixtures are skipped locally but *fail* when ``CI=true``, so a broken CI
image can never silently turn the database tests into skips.

Register with ``pytest_plugins = ["tests.pgserver"]`` in ``tests/conftest.py``.
"""

from __future__ import annotations

import glob
import os
import pwd
import shlex
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

SUPERUSER = "postgres"
HOST = "127.0.0.1"
STARTUP_TIMEOUT_S = 30.0
START_ATTEMPTS = 3  # a freshly picked port can be grabbed by someone else
COMMAND_TIMEOUT_S = 90.0
SERVER_SETTINGS: dict[str, str] = {
    # Durability is irrelevant for throwaway test data; these make DDL fast.
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
}


class PgServerUnavailable(RuntimeError):
    """Raised (in CI) when no PostgreSQL server could be started."""


@dataclass(frozen=True)
class PgServer:
    """Connection facts of the running test server."""

    host: str
    port: int
    user: str = SUPERUSER

    def url(self, dbname: str) -> str:
        """SQLAlchemy URL for ``dbname`` using the psycopg 3 driver."""
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{dbname}"

    def connect(self, dbname: str = "postgres") -> psycopg.Connection:
        """Autocommit psycopg connection; CREATE/DROP DATABASE need autocommit."""
        return psycopg.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            dbname=dbname,
            autocommit=True,
            connect_timeout=5,
        )

    def create_database(self, name: str) -> str:
        """Create an empty database ``name`` and return its SQLAlchemy URL."""
        with self.connect() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop ``name``, terminating connections a test may have leaked."""
        with self.connect() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


# --------------------------------------------------------------------------
# Environment helpers
# --------------------------------------------------------------------------


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


def _unavailable(reason: str) -> None:
    """Fail loudly in CI (never skip there); skip with a reason elsewhere."""
    if _in_ci():
        raise PgServerUnavailable(f"PostgreSQL test server unavailable (CI=true): {reason}")
    pytest.skip(f"PostgreSQL test server unavailable: {reason}")


def _find_binary(name: str) -> str | None:
    """Locate a server binary: PATH first, then Debian's versioned layout."""
    found = shutil.which(name)
    if found:
        return found
    candidates = glob.glob(f"/usr/lib/postgresql/*/bin/{name}")
    # Prefer the highest major version when several are installed.
    candidates.sort(key=lambda p: _major_version(Path(p).parts[-3]), reverse=True)
    return candidates[0] if candidates else None


def _major_version(text: str) -> int:
    return int(text) if text.isdigit() else -1


def _running_as_root() -> bool:
    return os.geteuid() == 0


def _ensure_postgres_user() -> None:
    """PostgreSQL refuses to run as root, so root needs an unprivileged user."""
    try:
        pwd.getpwnam(SUPERUSER)
    except KeyError:
        _run(["useradd", "--system", "--no-create-home", SUPERUSER])


def _as_server_user(cmd: Sequence[str]) -> list[str]:
    """Wrap ``cmd`` so it runs as the ``postgres`` user when we are root."""
    if not _running_as_root():
        return list(cmd)
    if shutil.which("runuser"):
        return ["runuser", "-u", SUPERUSER, "--", *cmd]
    return ["su", SUPERUSER, "-s", "/bin/sh", "-c", shlex.join(cmd)]


def _run(cmd: Sequence[str], cwd: Path | None = None) -> None:
    """Run quietly; on failure raise with the captured output for diagnosis."""
    result = subprocess.run(
        list(cmd),
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_S,
        check=False,
    )
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip()
        raise RuntimeError(f"{shlex.join(cmd)} exited {result.returncode}: {output}")


def _free_port() -> int:
    """Ask the kernel for a currently unused port (tiny race, retried on start)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _world_traversable(path: Path) -> bool:
    """True if every ancestor lets other users (``postgres``) pass through."""
    return all(part.stat().st_mode & stat.S_IXOTH for part in [path, *path.parents])


def _make_base_dir() -> Path:
    """Unique temp dir per process (xdist-safe), owned by the server user."""
    parent: str | None = None
    if _running_as_root() and not _world_traversable(Path(tempfile.gettempdir())):
        parent = "/tmp"  # e.g. TMPDIR under /root, which postgres cannot enter
    base = Path(tempfile.mkdtemp(prefix="onestop-pg-", dir=parent))
    if _running_as_root():
        entry = pwd.getpwnam(SUPERUSER)
        os.chown(base, entry.pw_uid, entry.pw_gid)
    return base


# --------------------------------------------------------------------------
# Server lifecycle
# --------------------------------------------------------------------------


def _initdb(initdb: str, data_dir: Path, cwd: Path) -> None:
    _run(
        _as_server_user(
            [
                initdb,
                "-D",
                str(data_dir),
                "--auth=trust",
                "-U",
                SUPERUSER,
                "--encoding=UTF8",
                "--no-locale",  # C collation: deterministic and always available
                "--no-sync",  # throwaway cluster, skip the fsync pass
            ]
        ),
        cwd=cwd,
    )


def _server_options(port: int, socket_dir: Path) -> str:
    settings = {
        "listen_addresses": HOST,
        "port": str(port),
        "unix_socket_directories": str(socket_dir),
        **SERVER_SETTINGS,
    }
    # pg_ctl hands this string to /bin/sh, so quote each value.
    return " ".join(f"-c {shlex.quote(f'{k}={v}')}" for k, v in settings.items())


def _pg_ctl_start(pg_ctl: str, base: Path, port: int) -> None:
    _run(
        _as_server_user(
            [
                pg_ctl,
                "-D",
                str(base / "data"),
                "-l",
                str(base / "server.log"),
                "-o",
                _server_options(port, base),
                "-w",
                "-t",
                str(int(STARTUP_TIMEOUT_S)),
                "start",
            ]
        ),
        cwd=base,
    )


def _wait_until_ready(server: PgServer) -> None:
    """pg_ctl -w checks the socket; confirm real TCP logins work too."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while True:
        try:
            with server.connect() as conn:
                conn.execute("SELECT 1")
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _stop(pg_ctl: str, base: Path) -> None:
    """Immediate shutdown; fall back to signalling the postmaster we started."""
    data_dir = base / "data"
    if not (data_dir / "postmaster.pid").exists():
        return
    try:
        _run(
            _as_server_user([pg_ctl, "-D", str(data_dir), "-m", "immediate", "-w", "stop"]),
            cwd=base,
        )
    except (RuntimeError, subprocess.TimeoutExpired):
        _kill_postmaster(data_dir)


def _kill_postmaster(data_dir: Path) -> None:
    try:
        pid = int((data_dir / "postmaster.pid").read_text().splitlines()[0])
        os.kill(pid, signal.SIGQUIT)  # SIGQUIT == immediate shutdown
    except (OSError, ValueError, IndexError):
        pass


def _read_log(base: Path) -> str:
    try:
        return (base / "server.log").read_text(errors="replace")[-2000:]
    except OSError:
        return ""


def _start(initdb: str, pg_ctl: str, base: Path) -> PgServer:
    """initdb + start, retrying with a new port if the picked one was taken."""
    _initdb(initdb, base / "data", base)
    last_error: Exception | None = None
    for _ in range(START_ATTEMPTS):
        port = _free_port()
        try:
            _pg_ctl_start(pg_ctl, base, port)
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            last_error = exc
            _stop(pg_ctl, base)
            continue
        server = PgServer(host=HOST, port=port)
        _wait_until_ready(server)
        return server
    raise RuntimeError(f"{last_error}\nserver log tail:\n{_read_log(base)}")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """A PostgreSQL server private to this pytest process (or xdist worker)."""
    initdb, pg_ctl = _find_binary("initdb"), _find_binary("pg_ctl")
    if initdb is None or pg_ctl is None:
        _unavailable("initdb/pg_ctl not found on PATH or under /usr/lib/postgresql/*/bin")
    assert initdb is not None and pg_ctl is not None  # for type checkers

    base: Path | None = None
    try:
        if _running_as_root():
            _ensure_postgres_user()
        base = _make_base_dir()
        server = _start(initdb, pg_ctl, base)
    except (OSError, RuntimeError, subprocess.SubprocessError, psycopg.Error) as exc:
        if base is not None:
            _stop(pg_ctl, base)
            shutil.rmtree(base, ignore_errors=True)
        _unavailable(f"could not start server: {exc}")
        raise  # unreachable: _unavailable always raises

    try:
        yield server
    finally:
        _stop(pg_ctl, base)
        shutil.rmtree(base, ignore_errors=True)


def _unique_db_name() -> str:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return f"test_{worker}_{uuid.uuid4().hex[:12]}"


@pytest.fixture
def pg_url(pg_server: PgServer) -> Iterator[str]:
    """SQLAlchemy URL of a brand-new database, dropped after the test."""
    name = _unique_db_name()
    url = pg_server.create_database(name)
    try:
        yield url
    finally:
        pg_server.drop_database(name)

"""Shared plumbing of the benchmark scripts: paths, the machine, timing, child processes, a PostgreSQL server.

Not a library of the product: the scripts import it as ``benchmarks.common`` (they put the repository root on
``sys.path`` first, like ``bench_deadline.py``).
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DATA = ROOT / "benchmarks" / ".data"  # gitignored
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable
ONESTOP = str(ROOT / ".venv" / "bin" / "onestop")
OFFICE_CODE = "000.22.15.H56"
OFFICE_NAME = "UBND thị trấn Bút Sơn"


# --- the machine -------------------------------------------------------------------------------------------------
def machine() -> dict[str, str]:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": str(os.cpu_count()),
        "memory": memory,
        "cpu": cpu,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": pg_version() or "not found",
        "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def print_machine() -> None:
    info = machine()
    print("machine: " + ", ".join(f"{k}={v}" for k, v in info.items()))


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


# --- timing --------------------------------------------------------------------------------------------------
def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def ratio_line(name: str, ours: float, floor: float, goal: float | None, unit: str = "s") -> str:
    r = ours / floor if floor > 0 else float("inf")
    verdict = "" if goal is None else (" MET" if r <= goal else " MISSED")
    goal_text = "" if goal is None else f" (goal ≤ {goal:g}×{verdict})"
    return f"{name}: ours {ours:.3f} {unit}, floor {floor:.3f} {unit}, ratio {r:.2f}×{goal_text}"


@dataclass
class ChildRun:
    wall: float
    max_rss_mib: float
    returncode: int
    stdout: str
    stderr: str
    cpu: float = float("nan")  # user + system seconds: what machine load does not inflate


def run_child(cmd: Sequence[str], *, env: dict[str, str] | None = None) -> ChildRun:
    """Run a process: wall time and its own peak resident memory.

    The peak comes from GNU time (``%M``, the child's ru_maxrss): a child forked or vforked straight from this
    (large) Python process would count this process's pages in its own peak.
    """
    DATA.mkdir(parents=True, exist_ok=True)
    rss_path = DATA / f".child-{os.getpid()}.rss"
    wrapper = ["/usr/bin/time", "-f", "%M %U %S", "-o", str(rss_path)] if Path("/usr/bin/time").exists() else []
    start = time.perf_counter()
    proc = subprocess.run(
        [*wrapper, *cmd],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        errors="replace",
        check=False,
    )
    wall = time.perf_counter() - start
    peak = cpu = float("nan")
    if wrapper and rss_path.exists():
        last = rss_path.read_text().strip().splitlines()[-1:]
        fields = last[0].split() if last else []
        if len(fields) == 3:
            peak, cpu = int(fields[0]) / 1024, float(fields[1]) + float(fields[2])
        rss_path.unlink(missing_ok=True)
    return ChildRun(wall, peak, proc.returncode, proc.stdout, proc.stderr, cpu)


def bench_env(**extra: str) -> dict[str, str]:
    """The environment of a timed child: no user config, no ONESTOP_* leaking in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONESTOP_")}
    env.update(extra)
    return env


# --- ledgers -------------------------------------------------------------------------------------------------
def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def open_ledger(url: str, settings: Any = None) -> Any:
    """A ledger as the CLI opens it: an older schema is upgraded first (``db.ensure_current``)."""
    from onestop.config import Settings
    from onestop.context import Ledger
    from onestop.db import ensure_current, open_engine

    ledger = Ledger(settings or Settings(), open_engine(url), url)
    ensure_current(ledger.engine)
    return ledger


def remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", ".lock"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


def fresh_copy(source: Path, work: Path) -> Path:
    """``work`` as a new copy of the SQLite ledger ``source`` (whatever a run before left beside it removed), so that
    a measurement that writes, or upgrades the schema, never touches the generated original."""
    remove_sqlite(work)
    shutil.copyfile(source, work)
    return work


# --- PostgreSQL ------------------------------------------------------------------------------------------------
PG_SETTINGS = {
    # The test server's durability shortcuts (tests/pgserver.py), plus memory for a 24 GiB machine.
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
    "shared_buffers": "2GB",
    "work_mem": "64MB",
    "maintenance_work_mem": "1GB",
    "max_wal_size": "16GB",
    "checkpoint_timeout": "30min",
    "max_parallel_workers_per_gather": "2",
}


def pg_version() -> str | None:
    try:
        from tests.pgserver import _find_binary
    except Exception:  # pytest missing: no server either
        return None
    binary = _find_binary("postgres")
    if binary is None:
        return None
    try:
        return subprocess.run([binary, "--version"], capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return None


@dataclass
class PgCluster:
    host: str
    port: int
    base: Path

    def url(self, dbname: str) -> str:
        return f"postgresql+psycopg://postgres@{self.host}:{self.port}/{dbname}"

    def connect(self, dbname: str = "postgres") -> Any:
        import psycopg

        return psycopg.connect(host=self.host, port=self.port, user="postgres", dbname=dbname, autocommit=True)

    def create_database(self, name: str, *, replace: bool = False) -> str:
        from psycopg import sql

        with self.connect() as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
            if exists and replace:
                conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
                exists = None
            if not exists:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url(name)

    def has_database(self, name: str) -> bool:
        with self.connect() as conn:
            return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None


# Kept between scripts so that a big ledger is generated once; ONESTOP_BENCH_PG picks another server directory.
PG_BASE = Path(os.environ.get("ONESTOP_BENCH_PG", "/tmp/onestop-bench-pg"))


@contextmanager
def pg_cluster(base: Path = PG_BASE) -> Iterator[PgCluster]:
    """Start (initdb once) a PostgreSQL server in ``base`` the way tests/pgserver.py does; always stopped after."""
    from tests import pgserver as pg

    initdb, pg_ctl = pg._find_binary("initdb"), pg._find_binary("pg_ctl")
    if initdb is None or pg_ctl is None:
        raise SystemExit("PostgreSQL binaries not found (initdb / pg_ctl)")
    if pg._running_as_root():
        pg._ensure_postgres_user()
    base.mkdir(parents=True, exist_ok=True)
    if pg._running_as_root():
        import pwd

        entry = pwd.getpwnam(pg.SUPERUSER)
        os.chown(base, entry.pw_uid, entry.pw_gid)
    if not (base / "data" / "PG_VERSION").exists():
        shutil.rmtree(base / "data", ignore_errors=True)
        pg._initdb(initdb, base / "data", base)
    pg._stop(pg_ctl, base)  # a server left by a killed run
    port = pg._free_port()
    settings = {"listen_addresses": pg.HOST, "port": str(port), "unix_socket_directories": str(base), **PG_SETTINGS}
    import shlex

    options = " ".join(f"-c {shlex.quote(f'{k}={v}')}" for k, v in settings.items())
    pg._run(
        pg._as_server_user(
            [pg_ctl, "-D", str(base / "data"), "-l", str(base / "server.log"), "-o", options, "-w", "-t", "60", "start"]
        ),
        cwd=base,
    )
    cluster = PgCluster(pg.HOST, port, base)
    try:
        pg._wait_until_ready(pg.PgServer(host=pg.HOST, port=port))
        yield cluster
    finally:
        # A clean (fast) shutdown so that the data directory can be reused by the next script.
        try:
            pg._run(
                pg._as_server_user([pg_ctl, "-D", str(base / "data"), "-m", "fast", "-w", "-t", "300", "stop"]),
                cwd=base,
            )
        except Exception:
            pg._stop(pg_ctl, base)


# --- which statements the product runs, and their plans ----------------------------------------------------------
@dataclass
class Statement:
    sql: str
    params: Any
    calls: int = 0
    seconds: float = 0.0
    rows: int = 0


class QueryLog:
    """Times every statement an engine executes (SQLAlchemy cursor events), grouped by SQL text."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.statements: dict[str, Statement] = {}

    def __enter__(self) -> QueryLog:
        from sqlalchemy import event

        event.listen(self.engine, "before_cursor_execute", self._before)
        event.listen(self.engine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *exc: object) -> None:
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)

    def _before(self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        conn.info.setdefault("_bench_t0", []).append(time.perf_counter())

    def _after(self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        elapsed = time.perf_counter() - conn.info["_bench_t0"].pop()
        entry = self.statements.setdefault(statement, Statement(statement, parameters))
        entry.calls += 1
        entry.seconds += elapsed

    def top(self, n: int = 5) -> list[Statement]:
        return sorted(self.statements.values(), key=lambda s: -s.seconds)[:n]

    def report(self, n: int = 5, *, explain: bool = True) -> None:
        total = sum(s.seconds for s in self.statements.values())
        calls = sum(s.calls for s in self.statements.values())
        print(
            f"  statements: {len(self.statements)} distinct, {calls:,} executions, {total:.3f} s in the driver "
            "(execute only; fetching rows is outside)"
        )
        for s in self.top(n):
            print(f"  - {s.seconds:8.3f} s  {s.calls:6,}×  {' '.join(s.sql.split())[:160]}")
            if explain and s.sql.lstrip().upper().startswith("SELECT"):
                for line in explain_plan(self.engine, s.sql, s.params):
                    print(f"        plan: {line}")


def explain_plan(engine: Any, sql: str, params: Any) -> list[str]:
    """EXPLAIN QUERY PLAN (SQLite) or EXPLAIN ANALYZE (PostgreSQL) of one statement with its first parameters."""
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        if engine.dialect.name == "sqlite":
            cur.execute("EXPLAIN QUERY PLAN " + sql, params)
            depth: dict[int, int] = {0: -1}
            lines = []
            for node, parent, _unused, detail in cur.fetchall():
                depth[node] = depth.get(parent, -1) + 1
                lines.append("  " * depth[node] + detail)
            return lines
        cur.execute("EXPLAIN (ANALYZE, BUFFERS, TIMING OFF) " + sql, params)
        return [row[0] for row in cur.fetchall()]
    except Exception as error:  # an explain that fails must not hide the figures
        return [f"(explain failed: {error})"]
    finally:
        raw.rollback()
        raw.close()

"""What the fault tests share: synthetic exports, ledgers on both databases, a CLI that can be killed, counts.

Every name, date and number here is synthetic. The CLI runs as the real console script in its own process, so
that ``SIGKILL`` hits a real importer or daily check the way a power cut or ``kill -9`` would.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
import signal
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa

from tests.helpers import OFFICE_CODE, SAME_DAY, THREE_DAYS, cli_env, onestop_script

CLI_TIMEOUT_S = 180  # a whole 50,000-row import on a busy 2-core machine stays far below this
FIVE_DAYS = "1.004884"
COPY = "2.000815"  # chứng thực bản sao: same day
THIRTY_DAYS = "1.012812"  # calendar days
PROCEDURES = (THREE_DAYS, FIVE_DAYS, SAME_DAY, COPY, THIRTY_DAYS)
CHANNELS = ("direct", "postal", "level3", "level4")
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương")
MIDDLE = ("Văn", "Thị", "Đức", "Minh", "Ngọc", "Thu", "Quang", "Hữu", "Thanh", "Xuân")
GIVEN = ("An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hải", "Hương", "Khánh", "Lan", "Long", "Mai", "Nam", "Phúc",
         "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tú", "Vân", "Yến")  # fmt: skip
COLUMNS = ("code", "procedure", "channel", "applicant", "address", "received_at", "supplement_requested_at",
           "supplement_received_at", "resolved_at", "returned_at", "return_via", "rejected_at",
           "withdrawn_at")  # fmt: skip
PER_DAY = 200


# --- synthetic exports ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Export:
    path: Path
    rows: int
    events: int  # the events the rows give: one receipt plus one per timestamp
    codes: frozenset[str] = frozenset()


def synthetic_name(rng: random.Random) -> str:
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def _stamp(at: dt.datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M")


def _history(rng: random.Random, received: dt.datetime) -> dict[str, str]:
    """A plausible life after receipt: open, resolved, returned, via a supplement, withdrawn or rejected."""
    day = dt.timedelta(days=1)
    kind = rng.choices(("open", "resolved", "returned", "supplement", "waiting", "withdrawn", "rejected"),
                       weights=(20, 30, 25, 10, 5, 5, 5))[0]  # fmt: skip
    if kind == "open":
        return {}
    if kind == "waiting":
        return {"supplement_requested_at": _stamp(received + 2 * day)}
    if kind == "withdrawn":
        return {"withdrawn_at": _stamp(received + day)}
    if kind == "rejected":
        return {"rejected_at": _stamp(received + 3 * day)}
    steps: dict[str, str] = {}
    resolved = received + rng.randint(0, 9) * day + dt.timedelta(hours=1)
    if kind == "supplement":
        steps = {"supplement_requested_at": _stamp(received + day),
                 "supplement_received_at": _stamp(received + 3 * day)}  # fmt: skip
        resolved = received + (4 + rng.randint(0, 6)) * day
    steps["resolved_at"] = _stamp(resolved)
    if kind == "returned":
        steps["returned_at"] = _stamp(resolved + day)
        steps["return_via"] = rng.choice(("direct", "postal", "online"))
    return steps


def write_export(path: Path, *, rows: int, with_codes: bool, seed: int, first_day: dt.date) -> Export:
    """A provincial system's export: ``PER_DAY`` dossiers a day, every channel, procedure and ending.

    With codes, each row carries the code the office gave it (``{office}-{YYMMDD}-{NNNN}``, gapless per day),
    as the provincial system's export of this office does; without, the importer numbers the rows itself.
    """
    rng = random.Random(seed)
    events, codes = 0, set()
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS if with_codes else COLUMNS[1:])
        writer.writeheader()
        for n in range(rows):
            day = first_day + dt.timedelta(days=n // PER_DAY)
            received = dt.datetime.combine(day, dt.time(7, 30)) + dt.timedelta(minutes=2 * (n % PER_DAY))
            row = {"procedure": rng.choice(PROCEDURES), "channel": rng.choice(CHANNELS),
                   "applicant": synthetic_name(rng), "address": f"Tổ dân phố {rng.randint(1, 12)}, thị trấn Bút Sơn",
                   "received_at": _stamp(received), **_history(rng, received)}  # fmt: skip
            if with_codes:
                row["code"] = f"{OFFICE_CODE}-{day:%y%m%d}-{n % PER_DAY + 1:04d}"
                codes.add(row["code"])
            events += 1 + sum(1 for k, v in row.items() if k.endswith("_at") and k != "received_at" and v)
            writer.writerow(row)
    return Export(path, rows, events, frozenset(codes))


def write_overdue_export(path: Path, *, overdue: int, late: int, early: int, waiting: int) -> Export:
    """Dossiers for the daily check: ``overdue`` still open past due, ``late`` completed late (both need an
    apology), ``early`` completed in time and ``waiting`` for a supplement (neither does). Three working days
    each (1.004873), received from Monday 2023-03-06 on, so that 2024 finds every open one overdue."""
    start = dt.datetime(2023, 3, 6, 8, 0)
    rows: list[dict[str, str]] = []
    for n in range(overdue + late + early + waiting):
        received = start + dt.timedelta(days=n // 100, minutes=3 * (n % 100))
        row = {"procedure": THREE_DAYS, "channel": CHANNELS[n % 4], "applicant": f"Người nộp thử {n}",
               "received_at": _stamp(received)}  # fmt: skip
        if overdue <= n < overdue + late:
            row["resolved_at"] = _stamp(received + dt.timedelta(days=20))
        elif overdue + late <= n < overdue + late + early:
            row["resolved_at"] = _stamp(received + dt.timedelta(hours=2))
        elif n >= overdue + late + early:
            row["supplement_requested_at"] = _stamp(received + dt.timedelta(hours=3))
        rows.append(row)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=("procedure", "channel", "applicant", "received_at",
                                                    "supplement_requested_at", "resolved_at"))  # fmt: skip
        writer.writeheader()
        writer.writerows(rows)
    return Export(path, len(rows), len(rows) + late + early + waiting)


# --- the command line in its own process -------------------------------------------------------------------------
@dataclass
class Run:
    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    killed: bool = False

    def json(self) -> dict[str, Any]:
        data = json.loads(self.stdout)
        assert isinstance(data, dict)
        return data


@dataclass
class Started:
    """A CLI process; its output goes to files, so that a large output never blocks it on a full pipe."""

    process: subprocess.Popen[bytes]
    args: tuple[str, ...]
    at: float
    out: IO[bytes]
    err: IO[bytes]


def start_cli(*args: str, db: str, home: Path, **popen: Any) -> Started:
    out, err = tempfile.TemporaryFile(), tempfile.TemporaryFile()  # noqa: SIM115 (closed by finish)
    process = subprocess.Popen(
        [onestop_script(), "--db", db, *args], cwd=home, env=cli_env(home), stdin=subprocess.DEVNULL,
        stdout=out, stderr=err, **popen,
    )  # fmt: skip
    return Started(process, args, time.monotonic(), out, err)


def finish(started: Started, *, kill: bool = False) -> Run:
    """Wait for the process (after ``kill -9`` if asked) and collect what it printed."""
    if kill and started.process.poll() is None:
        started.process.send_signal(signal.SIGKILL)
    returncode = started.process.wait(timeout=CLI_TIMEOUT_S)
    seconds = time.monotonic() - started.at
    printed = []
    for handle in (started.out, started.err):
        handle.seek(0)
        printed.append(handle.read().decode("utf-8", errors="replace"))
        handle.close()
    return Run(started.args, returncode, printed[0], printed[1], seconds, returncode == -signal.SIGKILL)


def cli(*args: str, db: str, home: Path, **popen: Any) -> Run:
    return finish(start_cli(*args, db=db, home=home, **popen))


def cli_killed_after(delay: float, *args: str, db: str, home: Path) -> Run:
    """Start the command, and ``kill -9`` it after ``delay`` seconds unless it has finished by then."""
    started = start_cli(*args, db=db, home=home)
    try:
        started.process.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        return finish(started, kill=True)
    return finish(started)


def assert_verified(db: str, home: Path) -> dict[str, Any]:
    """``onestop verify --json``: exit 0 and ``ok: true``, else the problems it lists fail the test."""
    run = cli("verify", "--json", db=db, home=home)
    assert "Traceback" not in run.stderr, run.stderr
    assert run.returncode == 0, f"verify exited {run.returncode}: {run.stdout[-2000:]} {run.stderr[-2000:]}"
    report = run.json()
    assert report["ok"] is True, report["problems"][:20]
    return report


def assert_one_clear_line(run: Run, *, exit_code: int = 1) -> str:
    """A refused command: the given exit code, one line on stderr, no traceback."""
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert "Traceback" not in run.stderr + run.stdout, run.stderr
    assert run.returncode == exit_code, (run.returncode, run.stderr)
    assert len(lines) == 1, run.stderr
    return lines[0]


# --- databases -----------------------------------------------------------------------------------------------
@contextmanager
def connected(url: str) -> Iterator[sa.Connection]:
    """A plain autocommit connection (no onestop code in between), closed on exit."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


@dataclass(frozen=True)
class Counts:
    dossiers: int
    codes: int  # distinct
    natural_keys: int  # distinct (procedure, applicant, receipt instant)
    events: int
    apologies: int


def counts(url: str) -> Counts:
    with connected(url) as conn:
        dossiers, codes = conn.execute(sa.text("SELECT COUNT(*), COUNT(DISTINCT code) FROM dossier")).one()
        keys = conn.execute(sa.text(
            "SELECT COUNT(*) FROM (SELECT DISTINCT procedure_code, applicant_key, received_at FROM dossier) AS k"
        )).scalar_one()  # fmt: skip
        events = conn.execute(sa.text("SELECT COUNT(*) FROM event")).scalar_one()
        apologies = conn.execute(sa.text("SELECT COUNT(*) FROM apology")).scalar_one()
    return Counts(int(dossiers), int(codes), int(keys), int(events), int(apologies))


def codes_in(url: str) -> set[str]:
    with connected(url) as conn:
        return {str(c) for c in conn.execute(sa.text("SELECT code FROM dossier")).scalars()}


def sqlite_dump(path: Path) -> list[str]:
    """A logical dump (``iterdump``): equal dumps mean not one row or schema object changed."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()

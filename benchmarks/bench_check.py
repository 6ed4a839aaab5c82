"""The daily check (`run_check` + `collect_alerts`) against one indexed query of the same overdue rows (goal ≤ 3×).

    python benchmarks/generate.py --db benchmarks/.data/ledger-1m.db --n 1000000 --offices 10 --open 100000
    python benchmarks/bench_check.py [--ledger benchmarks/.data/ledger-1m.db] [--runs 3]

The generated ledger has had its daily check every working morning up to 31/12/2024 07:30; the check measured
here is the next one, 02/01/2025 07:30 (1 January is a holiday). It runs on a copy of the ledger, upgraded to the
current schema (not timed), so each run starts from the same state:
- first run of the morning: ``run_check`` writes the apologies of the dossiers that went overdue since the last
  check, then ``collect_alerts`` lists every group (all offices, as a district or province server would; and
  the first office alone, as ``onestop check`` on a commune's desk does);
- a second run the same morning: nothing left to write (idempotent), the reads alone;
- floor: one indexed SQL query (raw sqlite3) selecting the open overdue rows with the columns the alerts show
  (median of three, after one that warms the page cache).
Each figure is given in wall time and in CPU time of this process (SQLite runs in it): on a shared machine the
load inflates the first, not the second. Then the statements the check ran, slowest first, with their plans.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sqlite3
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import (
    DATA,
    QueryLog,
    fresh_copy,
    median,
    open_ledger,
    print_machine,
    ratio_line,
    remove_sqlite,
    sqlite_url,
)

AS_OF_LOCAL = dt.datetime(2025, 1, 2, 7, 30)
FLOOR_SQL = (
    "SELECT d.code, p.name, d.applicant, d.field, d.due_at, d.extended_due_at, d.status "
    "FROM dossier d JOIN procedure p ON p.code = d.procedure_code "
    "WHERE d.is_open = 1 AND d.due_at < ?"
)


def measured(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """Wall and CPU seconds (this process) of ``fn()``, and its value."""
    wall, cpu = time.perf_counter(), time.process_time()
    value = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, value


def floor(path: Path, as_of_text: str, office_id: int | None = None) -> dict[str, float]:
    conn = sqlite3.connect(path)
    sql, params = FLOOR_SQL, [as_of_text]
    if office_id is not None:
        sql, params = sql + " AND d.office_id = ?", [as_of_text, office_id]
    try:
        conn.execute(sql, params).fetchall()  # the copy is cold: read once so both sides find it in the page cache
        runs = [measured(lambda: conn.execute(sql, params).fetchall()) for _ in range(3)]
        return {"wall": median([r[0] for r in runs]), "cpu": median([r[1] for r in runs]), "rows": len(runs[0][2])}
    finally:
        conn.close()


def upgrade(path: Path) -> None:
    """The copy at the current schema, as the first command of the day would leave it (start-up upgrades it
    once), its WAL folded in: index builds leave ~200 MB of WAL that every later read would otherwise consult."""
    open_ledger(sqlite_url(path)).engine.dispose()
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def describe(ledger: Path, copy: Path) -> None:
    conn = sqlite3.connect(copy)
    try:
        total, open_ = conn.execute("SELECT count(*), sum(is_open) FROM dossier").fetchone()
    finally:
        conn.close()
    print(f"ledger {ledger.name}: {total:,} dossiers, {open_:,} open; check at {AS_OF_LOCAL:%d/%m/%Y %H:%M}")


def check_once(path: Path, *, office_only: bool, log: bool = False) -> dict[str, float]:
    from onestop.alerts import collect_alerts
    from onestop.apologies import run_check
    from onestop.db import session_scope

    ledger = open_ledger(sqlite_url(path))
    engine = ledger.deadlines
    as_of = AS_OF_LOCAL.replace(tzinfo=engine.tz)
    out: dict[str, float] = {}
    queries = QueryLog(ledger.engine)
    with queries:

        def write() -> Any:
            with session_scope(ledger.engine, write=True) as session:
                return run_check(session, ledger, as_of=as_of, now=as_of)

        out["run_check"], out["run_check_cpu"], result = measured(write)
        out["new_apologies"] = len(result.new_apologies)
        out["late_again"] = len(result.late_again)

        def alerts() -> Any:
            with session_scope(ledger.engine) as session:
                office_id = ledger.office(session).id if office_only else None
                return collect_alerts(
                    session,
                    engine,
                    as_of=as_of,
                    due_soon_working_days=ledger.settings.alerts.due_soon_working_days,
                    office_id=office_id,
                )

        out["alerts"], out["alerts_cpu"], found = measured(alerts)
    for group in found.GROUPS:
        out[group] = len(getattr(found, group))
    out["total"] = out["run_check"] + out["alerts"]
    out["total_cpu"] = out["run_check_cpu"] + out["alerts_cpu"]
    if log:
        queries.report(6)
    ledger.engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ledger", type=Path, default=DATA / "ledger-1m.db")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not args.ledger.exists():
        raise SystemExit(f"{args.ledger} not found: run generate.py first (see the docstring)")
    print_machine()
    from zoneinfo import ZoneInfo

    from benchmarks.generate import utc_text

    as_of_text = utc_text(AS_OF_LOCAL.replace(tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))) or ""
    work = args.ledger.with_name("check-run.db")
    firsts, agains, offices, floors, office_floors = [], [], [], [], []
    for run in range(args.runs):
        fresh_copy(args.ledger, work)
        upgrade(work)
        if run == 0:  # counted on the copy: the original is only ever read by the copy
            describe(args.ledger, work)
        fl, ofl = floor(work, as_of_text), floor(work, as_of_text, office_id=1)
        first = check_once(work, office_only=False, log=run == 0)
        again = check_once(work, office_only=False)
        office = check_once(work, office_only=True)
        for runs, value in ((floors, fl), (office_floors, ofl), (firsts, first), (agains, again), (offices, office)):
            runs.append(value)
        print(
            f"run {run + 1}: floor {fl['wall']:.3f} s, cpu {fl['cpu']:.3f} s ({fl['rows']:,.0f} rows; one office "
            f"{ofl['wall']:.3f} s, {ofl['rows']:,.0f} rows); first check {first['total']:.3f} s, cpu "
            f"{first['total_cpu']:.3f} s (run_check {first['run_check']:.3f} s writing {first['new_apologies']:.0f} "
            f"apologies and {first['late_again']:.0f} late-again flags, alerts {first['alerts']:.3f} s); same "
            f"morning again {again['total']:.3f} s, cpu {again['total_cpu']:.3f} s (run_check "
            f"{again['run_check']:.3f} s, alerts {again['alerts']:.3f} s); one office {office['total']:.3f} s "
            f"(alerts {office['alerts']:.3f} s)",
            flush=True,
        )
    remove_sqlite(work)
    work.with_name(work.name + ".lock").unlink(missing_ok=True)  # the writers' queue file beside a ledger
    groups = {g: firsts[0][g] for g in ("overdue", "due_today", "due_soon", "apology_needed", "waiting")}
    print("alerts (all offices): " + ", ".join(f"{g} {int(n):,}" for g, n in groups.items()))
    lines = (
        ("daily check, first run of the morning (run_check + alerts, all offices) vs floor", firsts, "total", 3.0),
        ("daily check, run again the same morning vs floor", agains, "total", 3.0),
        ("run_check alone, first run vs floor", firsts, "run_check", None),
        ("run_check alone, again vs floor", agains, "run_check", None),
        ("collect_alerts alone (all offices) vs floor", firsts, "alerts", None),
    )
    for unit, suffix, floor_key in (("wall", "", "wall"), ("cpu", "_cpu", "cpu")):
        print(f"{unit} time, medians of {args.runs}:")
        base = median([f[floor_key] for f in floors])
        for name, runs, key, goal in lines:
            print("  " + ratio_line(name, median([r[key + suffix] for r in runs]), base, goal))
        office_base = median([f[floor_key] for f in office_floors])
        office_total = median([r["total" + suffix] for r in offices])
        name = "one office's check again (as `onestop check` on a desk) vs the office's floor"
        print("  " + ratio_line(name, office_total, office_base, None))


if __name__ == "__main__":
    main()

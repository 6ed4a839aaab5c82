"""The daily check (`run_check` + `collect_alerts`) against one indexed query of the same overdue rows (goal ≤ 3×).

    python benchmarks/generate.py --db benchmarks/.data/ledger-1m.db --n 1000000 --offices 10 --open 100000
    python benchmarks/bench_check.py [--ledger benchmarks/.data/ledger-1m.db] [--runs 3]

The generated ledger has had its daily check every working morning up to 31/12/2024 07:30; the check measured
here is the next one, 02/01/2025 07:30 (1 January is a holiday). It runs on a copy of the ledger, so each run
starts from the same state:
- first run of the morning: ``run_check`` writes the apologies of the dossiers that went overdue since the last
  check, then ``collect_alerts`` lists every group (all offices, as a district or province server would; and
  the first office alone, as ``onestop check`` on a commune's desk does);
- a second run the same morning: nothing left to write (idempotent), the reads alone;
- floor: one indexed SQL query (raw sqlite3) selecting the open overdue rows with the columns the alerts show.
Then the statements the check ran, slowest first, with their query plans.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sqlite3
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import (
    DATA,
    QueryLog,
    median,
    open_ledger,
    print_machine,
    ratio_line,
    remove_sqlite,
    sqlite_url,
    timed,
)

AS_OF_LOCAL = dt.datetime(2025, 1, 2, 7, 30)
FLOOR_SQL = (
    "SELECT d.code, p.name, d.applicant, d.field, d.due_at, d.extended_due_at, d.status "
    "FROM dossier d JOIN procedure p ON p.code = d.procedure_code "
    "WHERE d.is_open = 1 AND d.due_at < ?"
)
# What the figures point at (see RESULTS.md): partial indexes for the check's two other scans.
SUGGESTED_INDEXES = (
    "CREATE INDEX ix_dossier_late_completed ON dossier (completed_at) WHERE outcome = 'late'",
    # Led by is_open so that SQLite (no ANALYZE statistics) prefers it to ix_dossier_open_due (is_open=?).
    "CREATE INDEX ix_dossier_open_extended ON dossier (is_open, extended_due_at) WHERE late_again_at IS NULL",
)


def floor(path: Path, as_of_text: str, office_id: int | None = None) -> tuple[float, int]:
    conn = sqlite3.connect(path)
    sql, params = FLOOR_SQL, [as_of_text]
    if office_id is not None:
        sql, params = sql + " AND d.office_id = ?", [as_of_text, office_id]
    try:
        seconds, rows = timed(lambda: conn.execute(sql, params).fetchall())
        return seconds, len(rows)
    finally:
        conn.close()


def alerts_by_columns(
    session: object, engine: object, *, as_of: dt.datetime, due_soon_working_days: int, office_id: int | None
) -> object:
    """A prototype of the suggested fix (not the product's code): ``collect_alerts`` selecting the seven
    columns the alert rows show instead of whole ``Dossier`` entities; the grouping is the product's own."""
    from sqlalchemy import select
    from sqlmodel import col, or_

    from onestop import alerts as product
    from onestop.models import Dossier, Procedure

    limit = product.horizon(engine, as_of, due_soon_working_days)  # type: ignore[arg-type]
    d = Dossier
    query = (
        select(
            col(d.code),
            col(Procedure.name),
            col(d.applicant),
            col(d.field),
            col(d.due_at),
            col(d.extended_due_at),
            col(d.status),
        )
        .join(Procedure, col(Procedure.code) == col(d.procedure_code))
        .where(col(d.is_open).is_(True), col(d.received_at) <= as_of)
        .where(or_(col(d.due_at) <= limit, col(d.status) == "supplement_requested"))
        .order_by(col(d.due_at), col(d.code))
    )
    if office_id is not None:
        query = query.where(d.office_id == office_id)
    found = product.Alerts(as_of=as_of, due_soon_working_days=due_soon_working_days)
    for code, name, applicant, fld, due_at, extended, status in session.execute(query):  # type: ignore[attr-defined]
        row = _Row(code, applicant, fld, due_at, extended, status)
        product._place(engine, found, row, name)  # type: ignore[arg-type]
    return found


class _Row:
    __slots__ = ("applicant", "code", "due_at", "extended_due_at", "field", "status")

    def __init__(self, code: str, applicant: str, fld: str, due_at: object, extended: object, status: str) -> None:
        self.code, self.applicant, self.field = code, applicant, fld
        self.due_at, self.extended_due_at, self.status = due_at, extended, status


def check_once(path: Path, *, office_only: bool, log: bool = False, prototype: bool = False) -> dict[str, float]:
    from onestop.alerts import collect_alerts
    from onestop.apologies import run_check
    from onestop.db import session_scope

    ledger = open_ledger(sqlite_url(path))
    engine = ledger.deadlines
    as_of = AS_OF_LOCAL.replace(tzinfo=engine.tz)
    out: dict[str, float] = {}
    queries = QueryLog(ledger.engine)
    with queries:

        def write() -> object:
            with session_scope(ledger.engine, write=True) as session:
                return run_check(session, ledger, as_of=as_of, now=as_of)

        out["run_check"], result = timed(write)
        out["new_apologies"] = len(result.new_apologies)  # type: ignore[attr-defined]
        out["late_again"] = len(result.late_again)  # type: ignore[attr-defined]

        def alerts() -> object:
            with session_scope(ledger.engine) as session:
                office_id = ledger.office(session).id if office_only else None
                collect = alerts_by_columns if prototype else collect_alerts
                return collect(
                    session,
                    engine,
                    as_of=as_of,  # type: ignore[operator]
                    due_soon_working_days=ledger.settings.alerts.due_soon_working_days,
                    office_id=office_id,
                )

        out["alerts"], found = timed(alerts)
    for group in found.GROUPS:  # type: ignore[attr-defined]
        out[group] = len(getattr(found, group))
    out["total"] = out["run_check"] + out["alerts"]
    if log:
        queries.report(6)
    ledger.engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ledger", type=Path, default=DATA / "ledger-1m.db")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--try-fixes", action="store_true", help="measure the suggested fixes too")
    args = parser.parse_args()
    if not args.ledger.exists():
        raise SystemExit(f"{args.ledger} not found: run generate.py first (see the docstring)")
    print_machine()
    source = sqlite3.connect(args.ledger)
    total, open_ = source.execute("SELECT count(*), sum(is_open) FROM dossier").fetchone()
    source.close()
    print(f"ledger {args.ledger.name}: {total:,} dossiers, {open_:,} open; check at {AS_OF_LOCAL:%d/%m/%Y %H:%M}")
    from zoneinfo import ZoneInfo

    from benchmarks.generate import utc_text

    as_of_text = utc_text(AS_OF_LOCAL.replace(tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))) or ""
    work = args.ledger.with_name("check-run.db")
    firsts, seconds, office_runs, floors, office_floors = [], [], [], [], []
    for run in range(args.runs):
        remove_sqlite(work)
        shutil.copyfile(args.ledger, work)
        floor(work, as_of_text)  # the copy is cold: read it once so both sides find it in the page cache
        f_seconds, f_rows = floor(work, as_of_text)
        o_seconds, o_rows = floor(work, as_of_text, office_id=1)
        floors.append(f_seconds)
        office_floors.append(o_seconds)
        first = check_once(work, office_only=False, log=run == 0)
        again = check_once(work, office_only=False)
        office = check_once(work, office_only=True)
        firsts.append(first)
        seconds.append(again)
        office_runs.append(office)
        print(
            f"run {run + 1}: floor {f_seconds:.3f} s ({f_rows:,} rows; one office {o_seconds:.3f} s, {o_rows:,} "
            f"rows); first check {first['total']:.3f} s (run_check {first['run_check']:.3f} s writing "
            f"{first['new_apologies']:.0f} apologies and {first['late_again']:.0f} late-again flags, alerts "
            f"{first['alerts']:.3f} s); same morning again {again['total']:.3f} s (run_check "
            f"{again['run_check']:.3f} s, alerts {again['alerts']:.3f} s); one office {office['total']:.3f} s "
            f"(alerts {office['alerts']:.3f} s)",
            flush=True,
        )
    groups = {g: firsts[0][g] for g in ("overdue", "due_today", "due_soon", "apology_needed", "waiting")}
    print("alerts (all offices): " + ", ".join(f"{g} {int(n):,}" for g, n in groups.items()))
    fl, ofl = median(floors), median(office_floors)
    print(
        ratio_line(
            "daily check, first run of the morning (run_check + alerts, all offices) vs floor",
            median([r["total"] for r in firsts]),
            fl,
            3.0,
        )
    )
    print(
        ratio_line("daily check, run again the same morning vs floor", median([r["total"] for r in seconds]), fl, 3.0)
    )
    print(ratio_line("run_check alone, first run vs floor", median([r["run_check"] for r in firsts]), fl, None))
    print(ratio_line("run_check alone, again vs floor", median([r["run_check"] for r in seconds]), fl, None))
    print(ratio_line("collect_alerts alone (all offices) vs floor", median([r["alerts"] for r in firsts]), fl, None))
    print(
        ratio_line(
            "one office's check again (as `onestop check` on a desk) vs the office's floor",
            median([r["total"] for r in office_runs]),
            ofl,
            None,
        )
    )
    if args.try_fixes:
        try_fixes(work, as_of_text, args.ledger)


def try_fixes(work: Path, as_of_text: str, ledger: Path) -> None:
    """The same measurements with the suggested fixes applied to a fresh copy (product code unchanged)."""
    print("\nwith the suggested fixes (partial indexes on the copy; alerts selecting columns, prototype):")
    remove_sqlite(work)
    shutil.copyfile(ledger, work)
    conn = sqlite3.connect(work)
    for sql in SUGGESTED_INDEXES:
        conn.execute(sql)
    conn.commit()
    conn.close()
    floor(work, as_of_text)
    f_seconds, _ = floor(work, as_of_text)
    first = check_once(work, office_only=False, log=True, prototype=True)
    again = check_once(work, office_only=False, prototype=True)
    print(
        f"  floor {f_seconds:.3f} s; first check {first['total']:.3f} s (run_check {first['run_check']:.3f} s, "
        f"alerts {first['alerts']:.3f} s, {first['overdue']:.0f} overdue); again {again['total']:.3f} s "
        f"(run_check {again['run_check']:.3f} s, alerts {again['alerts']:.3f} s)"
    )
    print(ratio_line("fixed: daily check, first run vs floor", first["total"], f_seconds, 3.0))
    print(ratio_line("fixed: daily check, again vs floor", again["total"], f_seconds, 3.0))
    remove_sqlite(work)


if __name__ == "__main__":
    main()

"""The yearly report against one hand-written SQL aggregate of the same early / on-time / late counts (goal ≤ 2×).

    python benchmarks/bench_report.py [--ledger benchmarks/.data/ledger-1m.db] [--work ...report-1m.db] [--runs 5]
    python benchmarks/bench_report.py --pg [--pg-db bench]      # the ledger generate.py --pg made

On SQLite the measured file is a copy of ``--ledger`` (``--work``, made once): opening a ledger upgrades its
schema, and the generated original stays as it was made, for the other benchmarks.

Ours: what ``onestop report --period 2023 --format json`` does after start-up: ``reports.period_report`` over
every office of the ledger (the default scope) and the JSON rendering (``render.text_chunks``). On PostgreSQL the
received / resolved / published / withdrawn counts come from the tally (migration 0005: the first open of a ledger
made before it counts every dossier once, outside the timed runs). Floor: one
``SELECT outcome, count(*) ... WHERE completed_at in the period GROUP BY outcome`` through the raw driver. Runs
alternate; medians compared; the two must give the same resolved counts. Then each statement the report ran,
timed again alone through the raw driver (rows fetched: SQLite does its work while rows are fetched), with its
plan (EXPLAIN QUERY PLAN on SQLite, EXPLAIN ANALYZE on PostgreSQL).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import (
    DATA,
    QueryLog,
    explain_plan,
    median,
    open_ledger,
    pg_cluster,
    print_machine,
    ratio_line,
    sqlite_url,
    timed,
)

PERIOD = "2023"
# Whether ANALYZE statistics change SQLite's plans (they did not for migration 0002's indexes, RESULTS.md).
TRY_SQLITE = ("ANALYZE",)
FLOOR_SQL = "SELECT outcome, count(*) FROM dossier WHERE completed_at >= {p} AND completed_at < {p} GROUP BY outcome"


def ours(ledger: Any) -> tuple[dict[str, int], int]:
    from onestop import render
    from onestop.db import session_scope
    from onestop.reports import choose_period, period_report, scope_of

    tz = ledger.deadlines.tz
    with session_scope(ledger.engine) as session:
        period = choose_period(label=PERIOD, start=None, end=None)
        doc = period_report(session, period=period, tz=tz, scope=scope_of(session))
        text = "".join(render.text_chunks(doc, layout="summary", fmt="json", lang="vi", tz=tz))
    return doc.total.outcomes, len(text)


def floor(ledger: Any) -> dict[str, int]:
    from sla.periods import parse_period, period_bounds

    start, end = period_bounds(parse_period(PERIOD), ledger.deadlines.tz)
    raw = ledger.engine.raw_connection()
    try:
        cur = raw.cursor()
        if ledger.engine.dialect.name == "sqlite":
            from benchmarks.generate import utc_text

            cur.execute(FLOOR_SQL.format(p="?"), (utc_text(start), utc_text(end)))
        else:
            cur.execute(FLOOR_SQL.format(p="%s"), (start, end))
        counts = {outcome: int(n) for outcome, n in cur.fetchall() if outcome}
    finally:
        raw.rollback()
        raw.close()
    return counts


def bench(url: str, runs: int) -> None:
    ledger = open_ledger(url)
    _ = ledger.deadlines  # the calendar is built at start-up, not part of the report
    raw = ledger.engine.raw_connection()
    cur = raw.cursor()
    cur.execute("SELECT count(*), count(DISTINCT office_id) FROM dossier")
    total, offices = cur.fetchone()
    cur.execute("SELECT count(*) FROM tally")  # kept by PostgreSQL's triggers (migration 0005); empty on SQLite
    kept = cur.fetchone()[0]
    raw.close()
    print(f"{ledger.engine.dialect.name}: {total:,} dossiers over {offices} offices; report --period {PERIOD}")
    print(f"  tally: {kept:,} rows")
    floor(ledger)  # warm the cache alike
    ours(ledger)
    mine, base = [], []
    for i in range(runs):
        order = ("floor", "ours") if i % 2 == 0 else ("ours", "floor")
        for name in order:
            if name == "floor":
                seconds, f_counts = timed(lambda: floor(ledger))
                base.append(seconds)
            else:
                seconds, (o_counts, size) = timed(lambda: ours(ledger))
                mine.append(seconds)
    o_counts = {k: v for k, v in o_counts.items() if v}
    print(
        f"  resolved in {PERIOD}: report {o_counts}, floor {f_counts} "
        f"({'same' if o_counts == f_counts else 'DIFFERENT'}); JSON {size:,} bytes"
    )
    print(f"  ours: median {median(mine):.3f} s (runs {', '.join(f'{s:.2f}' for s in mine)})")
    print(f"  floor: median {median(base):.3f} s (runs {', '.join(f'{s:.2f}' for s in base)})")
    print(
        ratio_line(
            f"report {PERIOD} ({ledger.engine.dialect.name}, {total:,} dossiers) vs SQL aggregate",
            median(mine),
            median(base),
            2.0,
        )
    )
    with QueryLog(ledger.engine) as log:
        ours(ledger)
    log.report(0)
    statement_costs(ledger.engine, log)
    ledger.engine.dispose()


def statement_costs(engine: Any, log: QueryLog) -> None:
    """Each statement again, alone, rows fetched, with its plan (``QueryLog`` times the execute call only)."""
    costs = []
    for statement in log.statements.values():
        if not statement.sql.lstrip().upper().startswith(("SELECT", "WITH")):
            continue
        raw = engine.raw_connection()
        try:
            cur = raw.cursor()
            if engine.dialect.name == "postgresql":
                cur.execute("SET jit = off")  # as the report's transaction does
            started = time.perf_counter()
            rows = cur.execute(statement.sql, statement.params).fetchall()
            seconds = time.perf_counter() - started
        finally:
            raw.rollback()
            raw.close()
        costs.append((seconds, len(rows), statement.sql))
    for seconds, rows, sql in sorted(costs, reverse=True):
        print(f"  - {seconds:8.3f} s  {rows:4} rows  {' '.join(sql.split())[:150]}")
        for line in explain_plan(engine, sql, log.statements[sql].params):
            if "Buffers:" not in line:
                print(f"        plan: {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ledger", type=Path, default=DATA / "ledger-1m.db")
    parser.add_argument("--work", type=Path, default=DATA / "report-1m.db", help="the copy measured (SQLite)")
    parser.add_argument("--pg", action="store_true")
    parser.add_argument("--pg-db", default="bench")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--try-analyze", action="store_true", help="SQLite: measure again after ANALYZE (copy)")
    args = parser.parse_args()
    print_machine()
    if args.pg:
        with pg_cluster() as cluster:
            if not cluster.has_database(args.pg_db):
                raise SystemExit(f"database {args.pg_db} not found: run generate.py --pg first")
            bench(cluster.url(args.pg_db), args.runs)
        return
    if not args.ledger.exists():
        raise SystemExit(f"{args.ledger} not found: run generate.py first")
    import shutil
    import sqlite3

    from benchmarks.common import fresh_copy, remove_sqlite

    if not args.work.exists():
        print(f"copying {args.ledger} to {args.work} (once)")
        shutil.copyfile(args.ledger, args.work)
    bench(sqlite_url(args.work), args.runs)
    if args.try_analyze:
        work = fresh_copy(args.work, args.work.with_name("report-analyze.db"))
        with sqlite3.connect(work) as conn:
            for sql in TRY_SQLITE:
                conn.execute(sql)
        print(f"\nafter {'; '.join(TRY_SQLITE)} (on a copy):")
        bench(sqlite_url(work), args.runs)
        remove_sqlite(work)


if __name__ == "__main__":
    main()

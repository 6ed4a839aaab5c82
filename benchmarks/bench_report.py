"""The yearly report against one hand-written SQL aggregate of the same early / on-time / late counts (goal ≤ 2×).

    python benchmarks/bench_report.py [--ledger benchmarks/.data/ledger-1m.db] [--runs 5]
    python benchmarks/bench_report.py --pg [--pg-db bench]      # the ledger generate.py --pg made

Ours: what ``onestop report --period 2023 --format json`` does after start-up: ``reports.period_report`` over
every office of the ledger (the default scope) and the JSON rendering (``render.text_chunks``). Floor: one
``SELECT outcome, count(*) ... WHERE completed_at in the period GROUP BY outcome`` through the raw driver. Runs
alternate; medians compared; the two must give the same resolved counts. Then the statements the report ran,
with their plans (EXPLAIN QUERY PLAN on SQLite, EXPLAIN ANALYZE on PostgreSQL).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import (
    DATA,
    QueryLog,
    median,
    open_ledger,
    pg_cluster,
    print_machine,
    ratio_line,
    sqlite_url,
    timed,
)

PERIOD = "2023"
# What the plans point at (see RESULTS.md): without ANALYZE statistics SQLite picks the wide ``received_at <``
# range (most of the table) for the "alive at the end" count instead of the narrow ``completed_at >=`` one.
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
    raw.close()
    print(f"{ledger.engine.dialect.name}: {total:,} dossiers over {offices} offices; report --period {PERIOD}")
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
    log.report(3)
    ledger.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ledger", type=Path, default=DATA / "ledger-1m.db")
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
    bench(sqlite_url(args.ledger), args.runs)
    if args.try_analyze:
        import shutil
        import sqlite3

        from benchmarks.common import remove_sqlite

        work = args.ledger.with_name("report-analyze.db")
        remove_sqlite(work)
        shutil.copyfile(args.ledger, work)
        with sqlite3.connect(work) as conn:
            for sql in TRY_SQLITE:
                conn.execute(sql)
        print(f"\nafter {'; '.join(TRY_SQLITE)} (on a copy):")
        bench(sqlite_url(work), args.runs)
        remove_sqlite(work)


if __name__ == "__main__":
    main()

"""Recomputing every open dossier's due time after a calendar change: dossiers per second, against a floor.

    python benchmarks/bench_recalc.py [--ledger benchmarks/.data/ledger-1m.db] [--day-off 2025-01-03]

The government announces a new day off (``--day-off``, default Friday 03/01/2025, the day after the ledger's
next check) after the dossiers were received. On a copy of the generated ledger, ``integrity.recalculate`` runs
with that day added to ``[calendar] extra_days_off``:
- ``--dry-run`` pass: every open dossier read with its events, replayed, compared;
- applied pass: the same, and each changed dossier updated with a ``recalculated`` event;
Floor: the same answer with the raw driver: one query streaming the open dossiers' events in order, the same
``lifecycle.derive`` per dossier, the changed due times compared in memory (no ORM, no writes).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sqlite3
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import DATA, QueryLog, fresh_copy, open_ledger, print_machine, remove_sqlite, sqlite_url, timed

NOW_LOCAL = dt.datetime(2025, 1, 2, 8, 0)


def changed_settings(day_off: dt.date) -> object:
    from onestop.config import Settings

    base = Settings()
    return replace(base, calendar=replace(base.calendar, extra_days_off=frozenset({day_off})))


def floor(path: Path, settings: object, *, where: str = "WHERE d.is_open = 1") -> tuple[float, int, int]:
    """Raw sqlite3 + the same engine over the dossiers ``where`` selects: (seconds, dossiers, due times changed)."""
    from onestop import lifecycle
    from onestop.context import deadlines_for, rule_of
    from onestop.models import Instant

    engine = deadlines_for(settings.calendar)  # type: ignore[attr-defined]
    to_instant = Instant().process_result_value

    def run() -> tuple[int, int]:
        conn = sqlite3.connect(path)
        rules = {
            code: rule_of(unit, amount, cutoff)
            for code, unit, amount, cutoff in conn.execute("SELECT code, unit, amount, cutoff FROM procedure")
        }
        rows = conn.execute(
            "SELECT d.id, d.procedure_code, d.due_at, e.kind, e.occurred_at, e.note FROM dossier d "
            f"JOIN event e ON e.dossier_id = d.id {where} ORDER BY d.id, e.id"
        )
        seen = changed = 0
        current, history, code, due = None, [], "", None
        for dossier_id, procedure, due_at, kind, occurred, note in rows:
            if dossier_id != current:
                if current is not None:
                    seen += 1
                    changed += lifecycle.derive(engine, rules[code], history).due_at != due
                current, history, code, due = dossier_id, [], procedure, to_instant(due_at, None)
            history.append((kind, to_instant(occurred, None), note))
        if current is not None:
            seen += 1
            changed += lifecycle.derive(engine, rules[code], history).due_at != due
        conn.close()
        return seen, changed

    seconds, (seen, changed) = timed(run)
    return seconds, seen, changed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ledger", type=Path, default=DATA / "ledger-1m.db")
    parser.add_argument("--day-off", type=dt.date.fromisoformat, default=dt.date(2025, 1, 3))
    args = parser.parse_args()
    if not args.ledger.exists():
        raise SystemExit(f"{args.ledger} not found: run generate.py first")
    print_machine()
    from onestop.integrity import recalculate

    work = fresh_copy(args.ledger, args.ledger.with_name("recalc-run.db"))
    settings = changed_settings(args.day_off)
    ledger = open_ledger(sqlite_url(work), settings)
    now = NOW_LOCAL.replace(tzinfo=ledger.deadlines.tz)
    open_count = sqlite3.connect(work).execute("SELECT count(*) FROM dossier WHERE is_open = 1").fetchone()[0]
    print(f"ledger {args.ledger.name}: {open_count:,} open dossiers; new day off {args.day_off}")
    f_seconds, f_seen, f_changed = floor(work, settings)
    print(
        f"  floor (raw read + derive): {f_seconds:.2f} s, {f_seen:,} open, {f_changed:,} would change, "
        f"{f_seen / f_seconds:,.0f} dossiers/s"
    )
    with QueryLog(ledger.engine) as log:
        d_seconds, dry = timed(lambda: recalculate(ledger, now=now, dry_run=True))
    print(
        f"  recalc --dry-run: {d_seconds:.2f} s, {len(dry):,} changed, {open_count / d_seconds:,.0f} dossiers/s, "
        f"ratio to floor {d_seconds / f_seconds:.2f}×"
    )
    log.report(3, explain=True)
    a_seconds, applied = timed(lambda: recalculate(ledger, now=now, dry_run=False))
    print(
        f"  recalc (applied): {a_seconds:.2f} s, {len(applied):,} changed and recorded, "
        f"{open_count / a_seconds:,.0f} dossiers/s, ratio to floor {a_seconds / f_seconds:.2f}×"
    )
    sample = applied[:3]
    for c in sample:
        print(f"    {c.code}: {c.old_due_at} -> {c.new_due_at}")
    again, second = timed(lambda: recalculate(ledger, now=now, dry_run=True))
    print(f"  recalc again: {len(second)} changes left ({again:.2f} s)")
    ledger.engine.dispose()
    remove_sqlite(work)


if __name__ == "__main__":
    main()

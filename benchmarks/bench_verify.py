"""`onestop verify` over a whole generated ledger: dossiers per second, against a floor.

    python benchmarks/bench_verify.py [--ledger benchmarks/.data/ledger-1m.db]

``integrity.verify_ledger`` (every dossier's cached columns against what its events give, the daily sequences,
the apologies) on a copy of the ledger. Floor: the raw driver streaming every dossier's events in order and the
same ``lifecycle.derive`` per dossier (bench_recalc's floor, over all dossiers rather than the open ones): the
least work that recomputes each dossier from its events.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_recalc import floor
from benchmarks.common import DATA, fresh_copy, open_ledger, print_machine, remove_sqlite, sqlite_url, timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ledger", type=Path, default=DATA / "ledger-1m.db")
    args = parser.parse_args()
    if not args.ledger.exists():
        raise SystemExit(f"{args.ledger} not found: run generate.py first")
    print_machine()
    from onestop.config import Settings
    from onestop.integrity import verify_ledger

    work = fresh_copy(args.ledger, args.ledger.with_name("verify-run.db"))
    ledger = open_ledger(sqlite_url(work))  # upgraded to the current schema here, before any timing
    f_seconds, f_seen, _ = floor(work, Settings(), where="")
    print(f"  floor (raw read + derive of every dossier): {f_seconds:.1f} s, {f_seen / f_seconds:,.0f} dossiers/s")
    seconds, result = timed(lambda: verify_ledger(ledger))
    print(
        f"  verify: {seconds:.1f} s, {result.dossiers:,} dossiers, {result.dossiers / seconds:,.0f} dossiers/s, "
        f"{len(result.problems)} problems; ratio to floor {seconds / f_seconds:.2f}×"
    )
    ledger.engine.dispose()
    remove_sqlite(work)


if __name__ == "__main__":
    main()

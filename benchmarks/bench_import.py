"""`onestop import` of a provincial CSV export against a bare bulk insert of the same rows (goal ≤ 5×).

    python benchmarks/bench_import.py [--rows 100000] [--big 1000000] [--pg]

For each size: the CSV is made by ``generate.py`` (cached in benchmarks/.data/), then, each in a fresh child
process, on a fresh database:
- ours: ``onestop --db X import FILE --json`` (engine per row, events, codes, idempotence checks; on Linux a
  forked child prepares the batches while the parent writes); with ``--one-process``, also the same command with
  both stages in one process, as where the platform does not fork;
- floor: ``csv.reader`` → ``executemany`` into a SQLite table with the CSV's 16 columns, 2,000 rows per
  transaction like the importer (PostgreSQL: ``COPY ... FROM STDIN (FORMAT csv)`` of the file);
with wall time, CPU time and the child's peak memory (GNU time). Memory is flat when the 1M peak ≈ the 100k peak.

A second floor on SQLite, ``--ledger-floor``, says how much of the time the ledger's own tables cost: the very rows
our import wrote (dossiers with their events, read back from its database) inserted by bare ``executemany`` into a
fresh ledger with the same schema (its indexes, foreign keys on, WAL), 2,000 dossiers per transaction; only the
inserts are timed (the child reports its own wall and CPU time for them).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import (
    DATA,
    OFFICE_CODE,
    OFFICE_NAME,
    ONESTOP,
    PYTHON,
    ChildRun,
    bench_env,
    pg_cluster,
    print_machine,
    ratio_line,
    remove_sqlite,
    run_child,
)
from benchmarks.generate import CSV_COLUMNS, write_csv

SQLITE_FLOOR = f"""
import csv, sqlite3, sys, itertools
conn = sqlite3.connect(sys.argv[2], isolation_level=None)
conn.execute("PRAGMA journal_mode = WAL"); conn.execute("PRAGMA synchronous = NORMAL")
cols = {CSV_COLUMNS!r}
conn.execute("CREATE TABLE rows (" + ", ".join(c + " TEXT" for c in cols) + ")")
sql = "INSERT INTO rows VALUES (" + ", ".join("?" * len(cols)) + ")"
with open(sys.argv[1], encoding="utf-8-sig", newline="") as f:
    reader = csv.reader(f); next(reader)
    while True:
        batch = list(itertools.islice(reader, 2000))
        if not batch: break
        conn.execute("BEGIN"); conn.executemany(sql, batch); conn.execute("COMMIT")
print(conn.execute("SELECT count(*) FROM rows").fetchone()[0])
"""

PG_FLOOR = f"""
import sys, psycopg
cols = {CSV_COLUMNS!r}
with psycopg.connect(sys.argv[2], autocommit=True) as conn:
    conn.execute("CREATE TABLE rows (" + ", ".join(c + " text" for c in cols) + ")")
    with conn.cursor() as cur, open(sys.argv[1], "rb") as f:
        with cur.copy("COPY rows FROM STDIN (FORMAT csv, HEADER true)") as copy:
            while chunk := f.read(1 << 20):
                copy.write(chunk)
    print(conn.execute("SELECT count(*) FROM rows").fetchone()[0])
"""


LEDGER_FLOOR = """
import json, sqlite3, sys, time
source = sqlite3.connect(sys.argv[1])
target = sqlite3.connect(sys.argv[2], isolation_level=None)
for pragma in ("journal_mode = WAL", "synchronous = NORMAL", "foreign_keys = ON"):
    target.execute("PRAGMA " + pragma)
def insert_sql(table):
    n = len(source.execute("SELECT * FROM " + table + " LIMIT 0").description)
    return "INSERT INTO " + table + " VALUES (" + ", ".join("?" * n) + ")"
dossier_sql, event_sql = insert_sql("dossier"), insert_sql("event")
wall = cpu = 0.0
last = 0
while True:
    dossiers = source.execute("SELECT * FROM dossier WHERE id > ? ORDER BY id LIMIT 2000", (last,)).fetchall()
    if not dossiers:
        break
    events = source.execute(
        "SELECT * FROM event WHERE dossier_id > ? AND dossier_id <= ? ORDER BY id", (last, dossiers[-1][0])
    ).fetchall()
    last = dossiers[-1][0]
    start, start_cpu = time.perf_counter(), time.process_time()
    target.execute("BEGIN IMMEDIATE")
    target.executemany(dossier_sql, dossiers)
    target.executemany(event_sql, events)
    target.execute("COMMIT")
    wall += time.perf_counter() - start
    cpu += time.process_time() - start_cpu
print(json.dumps({"wall": wall, "cpu": cpu, "dossiers": target.execute("SELECT count(*) FROM dossier").fetchone()[0]}))
"""


def csv_file(rows: int) -> Path:
    path = DATA / f"import-{rows}.csv"
    if not path.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        written = write_csv(path.with_suffix(".tmp"), n=rows)
        assert written == rows
        path.with_suffix(".tmp").rename(path)
    return path


def init_ledger(db: str) -> None:
    init = run_child([ONESTOP, "--db", db, "init", "--office-code", OFFICE_CODE, "--office-name", OFFICE_NAME],
                     env=bench_env())  # fmt: skip
    assert init.returncode == 0, init.stderr


# The same command with every batch prepared and written in one process, as on a platform that does not fork.
IN_ONE_PROCESS = "from onestop import importer; importer.PARALLEL_FROM_BYTES = 1 << 62; import cli; cli.main()"


def ours(db: str, csv: Path, *, one_process: bool = False) -> ChildRun:
    env = bench_env()
    init_ledger(db)
    command = [PYTHON, "-c", IN_ONE_PROCESS] if one_process else [ONESTOP]
    run = run_child([*command, "--db", db, "import", str(csv), "--json"], env=env)
    if run.returncode != 0:
        print(f"  import exited {run.returncode}: {run.stderr[-500:]}")
    else:
        result = json.loads(run.stdout)
        print(
            f"  import: imported {result['imported']:,}, skipped {result['skipped']:,}, "
            f"errors {len(result['errors']):,}"
        )
    return run


def show(label: str, rows: int, mine: ChildRun, floor: ChildRun, goal: float | None) -> None:
    for name, run in (("ours", mine), ("floor", floor)):
        print(
            f"  {name + ':':<6} {run.wall:.2f} s ({rows / run.wall:,.0f} rows/s), CPU {run.cpu:.2f} s, "
            f"peak RSS {run.max_rss_mib:.0f} MiB"
        )
    print(ratio_line(label, mine.wall, floor.wall, goal))
    print(ratio_line(label + ", CPU of the client process", mine.cpu, floor.cpu, goal))


def ledger_floor(rows: int, ours_db: Path, mine: ChildRun) -> None:
    """The rows our import wrote, inserted bare into a fresh ledger: what the ledger's schema alone costs."""
    fresh = DATA / f"import-ledger-floor-{rows}.db"
    remove_sqlite(fresh)
    init_ledger(str(fresh))
    run = run_child([PYTHON, "-c", LEDGER_FLOOR, str(ours_db), str(fresh)], env=bench_env())
    assert run.returncode == 0, run.stderr
    found = json.loads(run.stdout)
    assert found["dossiers"] == rows, found
    print(f"  ledger floor (the same dossiers and events, bare executemany into the ledger's schema): "
          f"{found['wall']:.2f} s, CPU {found['cpu']:.2f} s")  # fmt: skip
    print(ratio_line(f"import {rows:,} rows vs the ledger floor", mine.wall, found["wall"], None))
    print(ratio_line(f"import {rows:,} rows vs the ledger floor, CPU", mine.cpu, found["cpu"], None))
    remove_sqlite(fresh)


def sqlite_round(
    rows: int, goal: float | None, *, with_ledger_floor: bool = False, one_process: bool = False
) -> ChildRun:
    path = csv_file(rows)
    print(f"\nSQLite, {rows:,} rows ({path.stat().st_size / 1e6:.0f} MB CSV)")
    floor_db, ours_db = DATA / f"import-floor-{rows}.db", DATA / f"import-ours-{rows}.db"
    remove_sqlite(floor_db)
    remove_sqlite(ours_db)
    floor = run_child([PYTHON, "-c", SQLITE_FLOOR, str(path), str(floor_db)], env=bench_env())
    assert floor.returncode == 0 and int(floor.stdout) == rows, floor.stderr
    mine = ours(str(ours_db), path)
    show(f"import {rows:,} rows vs executemany (SQLite)", rows, mine, floor, goal)
    if one_process:
        alone = DATA / f"import-one-process-{rows}.db"
        remove_sqlite(alone)
        single = ours(str(alone), path, one_process=True)
        show(f"import {rows:,} rows in one process vs executemany (SQLite)", rows, single, floor, None)
        remove_sqlite(alone)
    remove_sqlite(floor_db)
    if with_ledger_floor and mine.returncode == 0:
        ledger_floor(rows, ours_db, mine)
    return mine


def pg_round(rows: int) -> None:
    path = csv_file(rows)
    print(f"\nPostgreSQL, {rows:,} rows")
    with pg_cluster() as cluster:
        floor_url = cluster.create_database(f"import_floor_{rows}", replace=True)
        ours_url = cluster.create_database(f"import_ours_{rows}", replace=True)
        floor = run_child([PYTHON, "-c", PG_FLOOR, str(path), floor_url.replace("+psycopg", "")], env=bench_env())
        assert floor.returncode == 0 and int(floor.stdout) == rows, floor.stderr
        mine = ours(ours_url, path)
        show(f"import {rows:,} rows vs COPY (PostgreSQL)", rows, mine, floor, None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--big", type=int, default=0, help="also this many rows (e.g. 1000000), SQLite")
    parser.add_argument("--pg", action="store_true", help="the big size (or --rows) on PostgreSQL too")
    parser.add_argument("--skip-small", action="store_true")
    parser.add_argument("--ledger-floor", action="store_true", help="also the bare insert into the ledger's schema")
    parser.add_argument("--one-process", action="store_true", help="also the import without its forked child")
    args = parser.parse_args()
    print_machine()
    small = (
        None
        if args.skip_small
        else sqlite_round(args.rows, 5.0, with_ledger_floor=args.ledger_floor, one_process=args.one_process)
    )
    if args.big:
        big = sqlite_round(args.big, None, with_ledger_floor=args.ledger_floor)
        if small is not None:
            print(
                f"memory: peak RSS {small.max_rss_mib:.0f} MiB at {args.rows:,} rows, "
                f"{big.max_rss_mib:.0f} MiB at {args.big:,} rows"
            )
    if args.pg:
        pg_round(args.big or args.rows)


if __name__ == "__main__":
    main()

"""Eight desks receiving at once for 30 s: throughput, p50/p99 latency, errors (must be 0), gapless codes.

    python benchmarks/bench_desks.py [--desks 8] [--seconds 30] [--sqlite] [--pg]

Each desk is a process calling ``services.receive_dossier`` in its own write transaction per dossier (as the
``receive`` command does, without the process start-up), all in the same office and so on the same daily counter
row: the worst case for contention. Afterwards ``integrity.verify_ledger`` must pass (every code unique, every
daily sequence gapless, every cached state equal to its events).

Floor: the same desks, the same seconds, each transaction one bare ``INSERT`` of a row through the raw driver
(``BEGIN IMMEDIATE`` on SQLite): what the database alone allows for serialised single-row write transactions.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing as mp
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import (
    DATA,
    OFFICE_CODE,
    OFFICE_NAME,
    open_ledger,
    pg_cluster,
    print_machine,
    remove_sqlite,
    sqlite_url,
)

PROCEDURES = ("2.000815", "1.001193", "1.004873", "2.000884", "1.004194", "2.001035")
CHANNELS = ("direct", "direct", "level3", "level4", "postal")


def desk(url: str, seconds: float, start_at: float, seed: int, queue: Any) -> None:
    from onestop.db import session_scope
    from onestop.services import Applicant, receive_dossier

    rng = random.Random(seed)
    ledger = open_ledger(url)
    tz = ledger.deadlines.tz  # built before the clock starts
    with session_scope(ledger.engine) as session:
        office = ledger.office(session)
    latencies: list[float] = []
    errors: list[str] = []
    while time.time() < start_at:
        time.sleep(0.001)
    stop = start_at + seconds
    while time.time() < stop:
        t0 = time.perf_counter()
        try:
            with session_scope(ledger.engine, write=True) as session:
                now = dt.datetime.now(tz)
                receive_dossier(
                    session,
                    ledger,
                    office=office,
                    procedure_code=rng.choice(PROCEDURES),
                    channel=rng.choice(CHANNELS),
                    applicant=Applicant(f"Trần Thị Bình {seed}"),
                    at=now,
                    now=now,
                    officer=f"desk {seed}",
                )
            latencies.append(time.perf_counter() - t0)
        except Exception as error:  # counted, not hidden
            errors.append(f"{type(error).__name__}: {str(error).splitlines()[0][:120]}")
    ledger.engine.dispose()
    queue.put((latencies, errors))


def bare_desk(url: str, seconds: float, start_at: float, seed: int, queue: Any) -> None:
    latencies: list[float] = []
    errors: list[str] = []
    if url.startswith("sqlite"):
        import sqlite3

        conn: Any = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None, timeout=5)
        conn.execute("PRAGMA synchronous = NORMAL")
        begin, insert = "BEGIN IMMEDIATE", "INSERT INTO bare (desk, at) VALUES (?, ?)"
    else:
        import psycopg

        conn = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)
        begin, insert = "BEGIN", "INSERT INTO bare (desk, at) VALUES (%s, %s)"
    while time.time() < start_at:
        time.sleep(0.001)
    stop = start_at + seconds
    while time.time() < stop:
        t0 = time.perf_counter()
        try:
            conn.execute(begin)
            conn.execute(insert, (seed, time.time()))
            conn.execute("COMMIT")
            latencies.append(time.perf_counter() - t0)
        except Exception as error:
            errors.append(f"{type(error).__name__}: {error}")
    conn.close()
    queue.put((latencies, errors))


def run_desks(target: Any, url: str, desks: int, seconds: float) -> tuple[list[float], list[str]]:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    start_at = time.time() + 8.0  # every desk has imported and built its calendar by then
    procs = [ctx.Process(target=target, args=(url, seconds, start_at, i + 1, queue)) for i in range(desks)]
    for p in procs:
        p.start()
    latencies: list[float] = []
    errors: list[str] = []
    for _ in procs:
        lat, err = queue.get()
        latencies += lat
        errors += err
    for p in procs:
        p.join()
    return latencies, errors


def describe(label: str, latencies: list[float], errors: list[str], seconds: float) -> float:
    ordered = sorted(latencies)
    p50 = statistics.median(ordered) if ordered else float("nan")
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] if ordered else float("nan")
    rate = len(ordered) / seconds
    print(
        f"  {label}: {len(ordered):,} in {seconds:.0f} s = {rate:,.1f}/s; latency p50 {p50 * 1000:.1f} ms, "
        f"p99 {p99 * 1000:.1f} ms, max {ordered[-1] * 1000 if ordered else 0:.1f} ms; errors {len(errors)}"
    )
    for e in sorted(set(errors))[:5]:
        print(f"    error: {e} (×{errors.count(e)})")
    return rate


def verify(url: str) -> None:
    from onestop.integrity import verify_ledger

    ledger = open_ledger(url)
    result = verify_ledger(ledger)
    raw = ledger.engine.raw_connection()
    cur = raw.cursor()
    cur.execute("SELECT count(*), count(DISTINCT code) FROM dossier")
    count, distinct = cur.fetchone()
    cur.execute("SELECT received_on, count(*), min(seq), max(seq) FROM dossier GROUP BY office_id, received_on")
    days = cur.fetchall()
    raw.close()
    gapless = all(lo == 1 and hi == n for _, n, lo, hi in days)
    print(
        f"  verify: {'ok' if result.ok else 'FAILED'} over {result.dossiers:,} dossiers, {len(result.problems)} "
        f"problems; codes {count:,}, distinct {distinct:,}; daily sequences "
        f"{'gapless' if gapless else 'WITH GAPS'} ({', '.join(f'{d}: 1..{hi}' for d, _, _, hi in days)})"
    )
    for p in result.problems[:5]:
        print(f"    {p}")
    ledger.engine.dispose()


def prepare(url: str) -> None:
    from onestop.setup import init_ledger

    ledger = open_ledger(url)
    init_ledger(ledger, office_code=OFFICE_CODE, office_name=OFFICE_NAME)
    raw = ledger.engine.raw_connection()
    cur = raw.cursor()
    kind = "INTEGER PRIMARY KEY" if url.startswith("sqlite") else "serial PRIMARY KEY"
    cur.execute(f"CREATE TABLE bare (id {kind}, desk integer, at double precision)")
    raw.commit()
    raw.close()
    ledger.engine.dispose()


def bench(url: str, desks: int, seconds: float, name: str) -> None:
    print(f"\n{name}: {desks} desks × {seconds:.0f} s, one office")
    prepare(url)
    solo_seconds = min(seconds, 10.0)
    lat, err = run_desks(desk, url, 1, solo_seconds)
    solo = describe("one desk alone (no contention)", lat, err, solo_seconds)
    lat, err = run_desks(desk, url, desks, seconds)
    ours = describe(f"{desks} desks, receive_dossier", lat, err, seconds)
    print(f"  {desks} desks together receive {ours / solo:.2f}× what one desk alone does")
    lat, err = run_desks(bare_desk, url, desks, seconds)
    floor = describe("floor (bare INSERT per transaction)", lat, err, seconds)
    print(f"{name} desks: throughput {ours:,.1f}/s vs floor {floor:,.1f}/s, ratio (floor/ours) {floor / ours:.2f}×")
    verify(url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--desks", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--pg", action="store_true")
    args = parser.parse_args()
    both = not (args.sqlite or args.pg)
    print_machine()
    if args.sqlite or both:
        path = DATA / "desks.db"
        DATA.mkdir(parents=True, exist_ok=True)
        remove_sqlite(path)
        bench(sqlite_url(path), args.desks, args.seconds, "SQLite")
    if args.pg or both:
        with pg_cluster() as cluster:
            bench(cluster.create_database("desks", replace=True), args.desks, args.seconds, "PostgreSQL")


if __name__ == "__main__":
    main()

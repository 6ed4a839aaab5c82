"""``kill -9`` of a 50,000-row ``onestop import`` at random moments, on SQLite and PostgreSQL (issue 7, part 5).

The importer writes one transaction per batch of 2,000 rows, so a kill may lose the batch in flight but never
leave half a dossier, a dossier without its events, a code used twice or a gap in a day's numbering. After every
kill ``onestop verify`` must pass; re-running the import must then finish the job: exactly 50,000 dossiers, none
twice.

A moment is drawn (seeded) as a point of the import's own progress rather than a guess in seconds, so that the
kills fall inside the import on a fast machine and on a loaded CI runner alike: "after the b-th batch this run
commits, plus a random fraction of the time a batch takes" (watched by counting the ledger's dossiers from a
second connection), or, for b = 0, a random fraction of the time to the first commit (start-up, reading the
rows already imported, the first batch). Each run starts from what the previous kill left, so the kills also
cover restarts; over ``kills`` runs they advance through the whole file.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from onestop.batches import preparing_children
from tests.faults.support import (
    Export,
    Run,
    assert_verified,
    cli,
    codes_in,
    connected,
    counts,
    finish,
    start_cli,
    write_export,
)

ROWS = 50_000
BATCH = 2_000  # onestop.importer.BATCH: one transaction each
FIRST_DAY = dt.date(2022, 1, 4)
SQLITE_KILLS = 10  # per variant (with codes, without): 20 moments on SQLite
POSTGRES_KILLS = 5
POLL_S = 0.05


@dataclass
class Timing:
    """What the runs so far showed: seconds from start to the first commit, and between two commits."""

    first_commit: float = 2.0
    batch: float = 0.5


@dataclass(frozen=True)
class Moment:
    batches: int  # commits to wait for in this run
    fraction: float  # then this fraction of a batch's time (of the time to the first commit when batches = 0)
    killed: bool
    dossiers_after: int
    seconds: float  # how long the run lasted, and the verify after it
    verify_seconds: float


def run_until_moment(args: tuple[str, ...], *, db: str, home: Path, count: Callable[[], int], batches: int,
                     fraction: float, timing: Timing) -> Run:  # fmt: skip
    """Run the command; ``kill -9`` it at the moment, unless it finishes first. Learns ``timing`` on the way."""
    base = count()
    started = start_cli(*args, db=db, home=home)
    commits: list[float] = []
    aim = started.at + fraction * timing.first_commit if batches == 0 else None
    while started.process.poll() is None:
        now, done = time.monotonic(), (count() - base) // BATCH
        commits += [now] * (done - len(commits))
        if aim is None and len(commits) >= batches:
            aim = now + fraction * timing.batch
        if aim is not None and now >= aim:
            break
        time.sleep(POLL_S)
    if commits:
        timing.first_commit = commits[0] - started.at
    if len(commits) > 1:
        timing.batch = (commits[-1] - commits[0]) / (len(commits) - 1)
    return finish(started, kill=True)


def assert_none_twice(url: str) -> int:
    found = counts(url)
    assert found.dossiers == found.codes == found.natural_keys, found
    return found.dossiers


def kill_repeatedly(exports: list[Export], *, kills: int, url: str, home: Path, rng: random.Random) -> list[Moment]:
    """Import, ``kill -9`` at a random moment, verify; again until ``kills`` runs were really killed."""
    most = max(1, 2 * ROWS // BATCH // kills)  # on average the kills advance through the file in ``kills`` runs
    timing, moments = Timing(), list[Moment]()
    with connected(url) as conn:

        def count() -> int:
            return int(conn.execute(sa.text("SELECT COUNT(*) FROM dossier")).scalar_one())

        while sum(m.killed for m in moments) < kills:
            assert len(moments) < 3 * kills, moments
            export = exports[len(moments) % len(exports)]
            left = -(-(ROWS - count()) // BATCH)  # wait for at most all but the last batch still to write
            batches, fraction = rng.randint(0, min(most, max(left - 1, 0))), rng.random()
            run = run_until_moment(("import", str(export.path), "--json"), db=url, home=home, count=count,
                                   batches=batches, fraction=fraction, timing=timing)  # fmt: skip
            if not run.killed:  # the rest of the file fitted before the moment: the run must have succeeded
                assert run.returncode == 0 and run.json()["errors"] == [], run.stderr
            verified = time.monotonic()
            assert_verified(url, home)
            moments.append(Moment(batches, round(fraction, 2), run.killed, assert_none_twice(url),
                                  round(run.seconds, 1), round(time.monotonic() - verified, 1)))  # fmt: skip
    return moments


def assert_complete(export: Export, url: str, home: Path) -> None:
    run = cli("import", str(export.path), "--json", db=url, home=home)
    assert run.returncode == 0, run.stderr
    result = run.json()
    assert result["errors"] == []
    assert result["imported"] + result["skipped"] == ROWS
    found = counts(url)
    assert (found.dossiers, found.codes, found.natural_keys, found.events) == (ROWS, ROWS, ROWS, export.events)
    if export.codes:
        assert codes_in(url) == export.codes
    assert_verified(url, home)


@pytest.mark.parametrize(
    ("backend", "variants", "kills", "seed"),
    [
        pytest.param("sqlite", ("codes",), SQLITE_KILLS, 101, id="sqlite-with-codes"),
        pytest.param("sqlite", ("no codes",), SQLITE_KILLS, 202, id="sqlite-without-codes"),
        pytest.param("postgresql", ("codes", "no codes"), POSTGRES_KILLS, 303, id="postgresql-both"),
    ],
    indirect=["backend"],
)
def test_an_import_killed_at_random_moments_always_verifies_and_completes_with_every_dossier_once(
    ledger_url: str, tmp_path: Path, variants: tuple[str, ...], kills: int, seed: int
) -> None:
    # The same seed gives the same rows: on PostgreSQL the runs alternate between the export with the office's
    # codes and the same rows without codes (numbered by the importer, which gives them the same codes).
    exports = [
        write_export(tmp_path / f"{v.replace(' ', '-')}.csv", rows=ROWS, with_codes=v == "codes", seed=seed,
                     first_day=FIRST_DAY)
        for v in variants
    ]  # fmt: skip

    moments = kill_repeatedly(exports, kills=kills, url=ledger_url, home=tmp_path, rng=random.Random(seed))

    print(moments)
    assert any(m.killed and 0 < m.dossiers_after < ROWS for m in moments), moments  # some kill was mid-import
    for export in exports:  # each export in full: the last run imports the rest, the other finds all in
        assert_complete(export, ledger_url, tmp_path)


def running_children_of(pid: int) -> list[int]:
    """The processes ``pid`` started that have not ended (a zombie has ended), from /proc."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state, parent = stat.read_text().rsplit(")", 1)[1].split()[:2]
        except (OSError, IndexError):
            continue
        if int(parent) == pid and state != "Z":
            found.append(int(stat.parent.name))
    return found


def still_running(pids: list[int]) -> list[int]:
    running = []
    for pid in pids:
        try:
            if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
                running.append(pid)
        except OSError:
            pass  # gone
    return running


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
def test_after_a_kill_9_the_imports_children_end_at_once_and_hold_no_lock_for_the_next_import(
    ledger_url: str, tmp_path: Path
) -> None:
    """A long file is prepared by forked children. Killed with their parent, they must end by themselves (the next
    send fails) and must not keep the parent's database connection open: on PostgreSQL that would keep the killed
    transaction, and the counter rows it locked, alive, and the next import would fail as "locked"."""
    export = write_export(tmp_path / "export.csv", rows=ROWS, with_codes=True, seed=404, first_day=FIRST_DAY)
    started = start_cli("import", str(export.path), "--json", db=ledger_url, home=tmp_path)
    with connected(ledger_url) as conn:
        while started.process.poll() is None and not conn.execute(sa.text("SELECT COUNT(*) FROM dossier")).scalar():
            time.sleep(POLL_S)
    children = running_children_of(started.process.pid)
    assert finish(started, kill=True).killed
    assert len(children) == preparing_children(), "the long file was not prepared by children"
    deadline = time.monotonic() + 10
    while still_running(children) and time.monotonic() < deadline:
        time.sleep(POLL_S)
    assert still_running(children) == []
    assert_complete(export, ledger_url, tmp_path)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
def test_ctrl_c_during_a_long_import_ends_it_and_its_children_quietly_and_the_ledger_verifies(
    ledger_url: str, tmp_path: Path
) -> None:
    """Ctrl-C reaches the whole foreground process group: the children ignore it, the parent stops them."""
    export = write_export(tmp_path / "export.csv", rows=ROWS, with_codes=True, seed=505, first_day=FIRST_DAY)
    started = start_cli("import", str(export.path), "--json", db=ledger_url, home=tmp_path, start_new_session=True)
    with connected(ledger_url) as conn:
        while started.process.poll() is None and not conn.execute(sa.text("SELECT COUNT(*) FROM dossier")).scalar():
            time.sleep(POLL_S)
    children = running_children_of(started.process.pid)
    os.killpg(started.process.pid, signal.SIGINT)
    run = finish(started)
    assert (run.returncode, run.stdout) == (130, ""), run.stderr
    assert "Traceback" not in run.stderr, run.stderr
    assert len(children) == preparing_children()
    assert still_running(children) == []
    assert_verified(ledger_url, tmp_path)
    assert_complete(export, ledger_url, tmp_path)

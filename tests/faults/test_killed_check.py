"""The daily ``onestop check`` killed mid-run, and two checks at once, on SQLite and PostgreSQL (issue 7, part 5).

Every overdue dossier, and every dossier completed late, gets exactly one apology (Decree 61/2018/NĐ-CP Art. 19.9),
numbered per office and year without gaps. The check writes them all in one transaction: a ``kill -9`` leaves
all or none, and the next check apologises once for each dossier, whatever moment the kill hit. Two checks
started together must not apologise twice for any dossier either.
"""

from __future__ import annotations

import random
from collections import defaultdict
from pathlib import Path

import sqlalchemy as sa

from onestop.i18n import t
from tests.faults.support import (
    assert_one_clear_line,
    assert_verified,
    cli,
    cli_killed_after,
    connected,
    counts,
    finish,
    start_cli,
    write_overdue_export,
)

AS_OF = "2024-01-15 08:00"  # every 2023 dossier still open is overdue by then; the apologies are numbered in 2024
OVERDUE = {"sqlite": 3_000, "postgresql": 1_500}  # a check on PostgreSQL takes about twice as long per dossier


def ledger_with_overdue(url: str, home: Path, *, overdue: int, late: int, early: int, waiting: int) -> set[str]:
    """Import the dossiers (fast, in bulk) and return the codes of those that need an apology."""
    export = write_overdue_export(home / "overdue.csv", overdue=overdue, late=late, early=early, waiting=waiting)
    run = cli("import", str(export.path), "--json", db=url, home=home)
    assert run.returncode == 0 and run.json()["imported"] == export.rows, run.stderr
    with connected(url) as conn:
        rows = conn.execute(sa.text("SELECT code, applicant FROM dossier")).all()
    return {code for code, applicant in rows if int(applicant.rsplit(" ", 1)[1]) < overdue + late}


def assert_one_apology_each(url: str, needing: set[str]) -> None:
    with connected(url) as conn:
        rows = conn.execute(sa.text(
            "SELECT d.code, a.year, a.number FROM apology a JOIN dossier d ON d.id = a.dossier_id"
        )).all()  # fmt: skip
    apologised = [code for code, _, _ in rows]
    assert len(apologised) == len(set(apologised)), "a dossier apologised for twice"
    assert set(apologised) == needing
    by_year: dict[int, list[int]] = defaultdict(list)
    for _, year, number in rows:
        by_year[int(year)].append(int(number))
    for year, numbers in by_year.items():
        assert sorted(numbers) == list(range(1, len(numbers) + 1)), f"apology numbers of {year} have gaps"


def test_a_check_killed_mid_run_leaves_all_or_nothing_and_the_rerun_apologises_once_for_each_overdue_dossier(
    backend: str, ledger_url: str, tmp_path: Path
) -> None:
    overdue = OVERDUE[backend]
    needing = ledger_with_overdue(ledger_url, tmp_path, overdue=overdue, late=0, early=overdue // 10, waiting=200)
    rng, delay, kills, moments, written = random.Random(404), 0.0, 0, [], 0

    # Kill after a random, growing delay (start-up, the overdue query, the apologies, the commit, the alerts),
    # verify, and check again, until a check runs to its end: that one is the re-run that must apologise once each.
    while True:
        delay = (delay or 0.2) * rng.uniform(1.2, 1.5)  # small steps: the batched check runs in about a second
        run, before = cli_killed_after(delay, "check", "--at", AS_OF, "--json", db=ledger_url, home=tmp_path), written
        assert_verified(ledger_url, tmp_path)
        written = counts(ledger_url).apologies
        moments.append((round(delay, 1), run.killed, written))
        assert written in (0, len(needing)), f"{written} of {len(needing)} apologies: a half-written check"
        if not run.killed:
            break
        kills += 1
    again = cli("check", "--at", AS_OF, "--json", db=ledger_url, home=tmp_path)

    assert kills >= 2, f"the check ended before the second kill: {moments}"
    assert run.returncode == 0, run.stderr
    assert set(run.json()["new_apologies"]) == (needing if before == 0 else set())  # none if a kill came too late
    assert again.returncode == 0 and again.json()["new_apologies"] == [], again.stderr
    assert_one_apology_each(ledger_url, needing)
    assert_verified(ledger_url, tmp_path)


def test_two_checks_started_at_the_same_moment_apologise_once_for_each_overdue_dossier(
    backend: str, ledger_url: str, tmp_path: Path
) -> None:
    needing = ledger_with_overdue(ledger_url, tmp_path, overdue=300, late=0, early=50, waiting=20)
    args = ("check", "--at", AS_OF, "--json")

    processes = [start_cli(*args, db=ledger_url, home=tmp_path) for _ in range(2)]
    runs = [finish(p) for p in processes]

    succeeded = [r for r in runs if r.returncode == 0]
    for run in runs:
        if run.returncode != 0:  # SQLite: a writer that waited longer than the busy timeout may give up, cleanly
            assert backend == "sqlite", run.stderr
            assert assert_one_clear_line(run) == f"{t('error')}: {t('storage.locked')}"
    assert succeeded, [r.stderr for r in runs]
    issued = [code for r in succeeded for code in r.json()["new_apologies"]]
    assert sorted(issued) == sorted(needing)  # together the two runs apologised once for each dossier
    assert_one_apology_each(ledger_url, needing)
    assert_verified(ledger_url, tmp_path)


def test_a_dossier_completed_late_gets_its_apology_from_the_daily_check(ledger_url: str, tmp_path: Path) -> None:
    """Decree 61/2018 Art. 19.9: a dossier resolved after its due time is apologised for too, and the check
    goes on for the others (the daily job's batch work carries on; STYLE.md habit 4)."""
    needing = ledger_with_overdue(ledger_url, tmp_path, overdue=2, late=2, early=1, waiting=1)

    run = cli("check", "--at", AS_OF, "--json", db=ledger_url, home=tmp_path)

    assert run.returncode == 0, run.stderr
    assert sorted(run.json()["new_apologies"]) == sorted(needing)
    assert_one_apology_each(ledger_url, needing)
    assert_verified(ledger_url, tmp_path)

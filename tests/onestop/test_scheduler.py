"""The scheduler runs the daily check on working days only, keeps its job in the ledger, and makes up a missed run."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from onestop.scheduler import JOB_ID, build_scheduler, fire_times, run_pending_once
from sla.calendar import CalendarSpec
from tests.helpers import TZ, init_ledger_at, sqlite_url


def record(path: str) -> None:
    """The job under test: appends a line per run (the job store references it by name)."""
    with open(path, "a", encoding="utf-8") as handle:
        handle.write("run\n")


def runs(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines()) if path.exists() else 0


def test_fire_times_over_a_month_are_exactly_the_working_days_at_the_set_time() -> None:
    times = fire_times(
        CalendarSpec(),
        "07:30",
        start=dt.datetime(2024, 4, 15, tzinfo=TZ),
        end=dt.datetime(2024, 5, 11, tzinfo=TZ),
    )
    # 18/04 Hùng Kings; 29/04 in lieu of Saturday 04/05, which is worked; 30/04 and 01/05 holidays.
    days = [15, 16, 17, 19, 22, 23, 24, 25, 26]
    expected = [dt.datetime(2024, 4, d, 7, 30, tzinfo=TZ) for d in days]
    expected += [dt.datetime(2024, 5, d, 7, 30, tzinfo=TZ) for d in (2, 3, 4, 6, 7, 8, 9, 10)]
    assert times == expected


def test_a_run_at_the_exact_fire_time_is_not_repeated() -> None:
    start = dt.datetime(2024, 5, 3, 7, 30, tzinfo=TZ)
    times = fire_times(CalendarSpec(), "07:30", start=start, end=dt.datetime(2024, 5, 7, tzinfo=TZ))
    assert times == [
        start,
        dt.datetime(2024, 5, 4, 7, 30, tzinfo=TZ),
        dt.datetime(2024, 5, 6, 7, 30, tzinfo=TZ),
    ]


def test_a_run_missed_while_the_machine_was_off_is_made_up_once_at_start(tmp_path: Path) -> None:
    ledger = init_ledger_at(sqlite_url(tmp_path / "ledger.db"))
    calls = tmp_path / "calls.txt"
    spec, args = CalendarSpec(extra_working_days=frozenset()), (str(calls),)
    first = build_scheduler(url=ledger.url, spec=spec, time="07:30", job=record, args=args)
    three_days_ago = dt.datetime.now(TZ) - dt.timedelta(days=3)
    first.modify_job(JOB_ID, next_run_time=three_days_ago)  # as if the PC had been off since then
    first.shutdown(wait=False)

    again = build_scheduler(url=ledger.url, spec=spec, time="07:30", job=record, args=args)
    assert again.get_job(JOB_ID).next_run_time <= dt.datetime.now(TZ)  # the stored job kept its missed run
    again.resume()
    deadline = time.monotonic() + 10
    while runs(calls) == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1.0)
    next_run = again.get_job(JOB_ID).next_run_time
    again.shutdown(wait=True)

    assert runs(calls) == 1  # three missed mornings coalesce into one run
    assert next_run > dt.datetime.now(TZ)


def test_once_runs_what_is_due_then_stores_the_next_time(tmp_path: Path) -> None:
    ledger = init_ledger_at(sqlite_url(tmp_path / "ledger.db"))
    calls = tmp_path / "calls.txt"
    scheduler = build_scheduler(url=ledger.url, spec=CalendarSpec(), time="07:30", job=record, args=(str(calls),))
    now = dt.datetime.now(TZ)
    scheduler.modify_job(JOB_ID, next_run_time=now - dt.timedelta(hours=1))
    assert run_pending_once(scheduler, now=now) is True
    assert run_pending_once(scheduler, now=now) is False
    assert scheduler.get_job(JOB_ID).next_run_time > now
    scheduler.shutdown(wait=False)
    assert runs(calls) == 1

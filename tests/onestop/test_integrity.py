"""``verify`` and ``recalc`` against a real SQLite file and a real PostgreSQL 15 database.

verify: every cached state equals what the events give, the daily sequences are gapless (Circular 01/2018
Art. 19; DOMAIN 10). recalc: a day off announced after receipt moves the open dossiers' due times (Labour Code 2019
Art. 112), with one ``recalculated`` event each; completed dossiers keep theirs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import replace

import pytest
import sqlalchemy as sa

from onestop import integrity
from onestop.config import Settings
from onestop.context import Ledger
from onestop.db import open_engine
from onestop.integrity import recalculate, verify_ledger
from tests.helpers import (
    FIVE_DAYS,
    NOW,
    act,
    at,
    dossier,
    events,
    receive,
    snapshot,
)

DAY_OFF = dt.date(2023, 3, 10)  # Friday: inside the five working days of a Monday receipt


@pytest.fixture(autouse=True)
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches of two, so that a handful of dossiers crosses several batch boundaries."""
    monkeypatch.setattr(integrity, "BATCH", 2)


def with_day_off(ledger: Ledger, day: dt.date) -> Ledger:
    base = Settings()
    settings = replace(base, calendar=replace(base.calendar, extra_days_off=frozenset({day})))
    return Ledger(settings, open_engine(ledger.url), ledger.url)


def sample(ledger: Ledger) -> list[str]:
    """Seven dossiers: open, waiting for a supplement, resolved, returned, withdrawn, two on one day."""
    codes = [receive(ledger, received_at=at(f"2023-03-06 {h:02}:00")).code for h in (8, 9)]
    codes += [receive(ledger, received_at=at(f"2023-03-07 {h:02}:00")).code for h in (8, 9, 10, 11, 14)]
    act(ledger, codes[1], "supplement", when=at("2023-03-07 10:00"), note="thiếu bản sao")
    act(ledger, codes[2], "resolve", when=at("2023-03-08 10:00"))
    act(ledger, codes[3], "resolve", when=at("2023-03-08 11:00"))
    act(ledger, codes[3], "return", when=at("2023-03-09 11:00"), return_via="postal")
    act(ledger, codes[4], "withdraw", when=at("2023-03-08 15:00"))
    return codes


def execute(ledger: Ledger, statement: str, **params: object) -> None:
    with ledger.engine.begin() as conn:
        conn.execute(sa.text(statement), params)


def found(ledger: Ledger) -> set[tuple[str, str]]:
    return {(p.code, p.issue) for p in verify_ledger(ledger).problems}


# --- verify -----------------------------------------------------------------------------------------------------
def test_a_ledger_written_by_the_services_verifies_with_every_dossier_counted(ledger: Ledger) -> None:
    sample(ledger)

    result = verify_ledger(ledger)

    assert (result.ok, result.dossiers, result.problems) == (True, 7, [])


def test_verify_finds_each_cached_column_that_differs_from_what_the_events_give(ledger: Ledger) -> None:
    codes = sample(ledger)
    execute(ledger, "UPDATE dossier SET status = 'resolved' WHERE code = :c", c=codes[0])
    execute(ledger, "UPDATE dossier SET due_at = received_at WHERE code = :c", c=codes[5])
    execute(ledger, "UPDATE dossier SET outcome = 'late' WHERE code = :c", c=codes[2])
    execute(ledger, "UPDATE dossier SET completed_at = NULL WHERE code = :c", c=codes[3])
    execute(ledger, "UPDATE dossier SET withdrawn_at = NULL, is_open = :t WHERE code = :c", c=codes[4], t=True)

    assert found(ledger) == {
        (codes[0], "status"),
        (codes[5], "due_at"),
        (codes[2], "outcome"),
        (codes[3], "completed_at"),
        (codes[4], "withdrawn_at"),
        (codes[4], "is_open"),
    }


def test_verify_finds_histories_without_a_receipt_or_that_the_rules_refuse(ledger: Ledger) -> None:
    codes = sample(ledger)
    kept = dossier(ledger, codes[6])
    # A dossier row with no event at all, and an event the lifecycle cannot follow (a return before a result).
    execute(
        ledger,
        "INSERT INTO dossier (office_id, code, received_on, seq, procedure_code, field, channel, applicant, "
        "applicant_key, received_at, counted_from, appointment_at, due_at, status, is_open, last_event_at) "
        "SELECT office_id, 'NO-EVENTS', received_on, 99, procedure_code, field, channel, applicant, applicant_key, "
        "received_at, counted_from, appointment_at, due_at, status, is_open, last_event_at FROM dossier "
        "WHERE code = :c",
        c=codes[6],
    )
    execute(
        ledger,
        "INSERT INTO event (dossier_id, kind, occurred_at, recorded_at, officer, note) "
        "SELECT id, 'returned', last_event_at, last_event_at, '', 'direct' FROM dossier WHERE code = :c",
        c=kept.code,
    )

    problems = {(p.code, p.issue): p.detail for p in verify_ledger(ledger).problems}

    assert problems[("NO-EVENTS", "history")] == "does not start with its receipt"
    assert (kept.code, "history") in problems
    assert any(issue == "sequence" for _, issue in problems), "seq 99 leaves a gap in its day"


def test_verify_finds_a_gap_in_a_daily_sequence(ledger: Ledger) -> None:
    codes = sample(ledger)
    execute(ledger, "UPDATE dossier SET seq = 7 WHERE code = :c", c=codes[6])

    problems = [p for p in verify_ledger(ledger).problems if p.issue == "sequence"]

    assert len(problems) == 1
    assert problems[0].detail == "5 dossiers numbered 1..7"


# --- recalc -----------------------------------------------------------------------------------------------------
def test_a_new_day_off_moves_the_open_dossiers_due_times_with_one_event_each(ledger: Ledger) -> None:
    codes = sample(ledger)
    before = {code: dossier(ledger, code).due_at for code in codes}
    changed = with_day_off(ledger, DAY_OFF)

    dry = recalculate(changed, now=NOW, dry_run=True)
    applied = recalculate(changed, now=NOW, dry_run=False)

    moved = {c.code for c in applied}
    # Open and counting: the Monday receipts' and the Tuesday one still open. Waiting, completed: untouched.
    assert moved == {codes[0], codes[5], codes[6]}
    assert [(c.code, c.old_due_at, c.new_due_at) for c in dry] == [
        (c.code, c.old_due_at, c.new_due_at) for c in applied
    ]
    for change in applied:
        assert change.old_due_at == before[change.code]
        assert change.new_due_at == change.old_due_at + dt.timedelta(days=1)  # one working day more
        assert dossier(ledger, change.code).due_at == change.new_due_at
        assert [e.kind for e in events(ledger, change.code)][-1] == "recalculated"
    assert recalculate(changed, now=NOW, dry_run=True) == []
    result = verify_ledger(changed)
    # The resolved, returned and withdrawn ones keep the due time they closed with: not a finding.
    assert (result.ok, result.earlier_calendar) == (True, 3)
    changed.engine.dispose()


def test_a_closed_dossier_whose_outcome_disagrees_with_its_own_due_time_is_still_found_after_a_calendar_change(
    ledger: Ledger,
) -> None:
    codes = sample(ledger)
    execute(ledger, "UPDATE dossier SET outcome = 'late' WHERE code = :c", c=codes[2])  # resolved early in fact
    changed = with_day_off(ledger, DAY_OFF)
    recalculate(changed, now=NOW, dry_run=False)

    result = verify_ledger(changed)

    # Its completion event records the due it was judged against: the cached due is right, the outcome is not.
    assert {(p.code, p.issue) for p in result.problems} == {(codes[2], "outcome")}
    assert result.earlier_calendar == 3  # the three closed ones were judged under the calendar of their day
    changed.engine.dispose()


def test_a_closed_dossiers_due_and_outcome_changed_together_are_found_by_the_due_its_completion_recorded(
    ledger: Ledger,
) -> None:
    """The cache made to agree with itself (a later due, "on time") is not a calendar change: the append-only
    completion event says what the completion was judged against, on the calendar of the day."""
    code = receive(ledger, received_at=at("2023-03-06 08:00")).code  # due Monday 13th 17:00
    act(ledger, code, "resolve", when=at("2023-03-14 10:00"))
    assert dossier(ledger, code).outcome == "late"
    later = dossier(ledger, code).due_at + dt.timedelta(days=1)
    execute(ledger, "UPDATE dossier SET due_at = :d, outcome = 'on_time' WHERE code = :c", d=later, c=code)

    result = verify_ledger(with_day_off(ledger, DAY_OFF))  # even with a day off that would make it on time

    assert {(p.code, p.issue) for p in result.problems} == {(code, "due_at"), (code, "outcome")}


def test_a_dry_run_writes_nothing(ledger: Ledger) -> None:
    sample(ledger)
    changed = with_day_off(ledger, DAY_OFF)
    before = snapshot(ledger.engine)

    assert len(recalculate(changed, now=NOW, dry_run=True)) == 3

    assert snapshot(ledger.engine) == before
    changed.engine.dispose()


def test_a_dossier_a_desk_acts_on_while_recalc_reads_is_decided_again_on_what_was_recorded(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Recalc reads outside the write lock; a desk resolving a dossier in between must not be overwritten."""
    codes = sample(ledger)
    changed = with_day_off(ledger, DAY_OFF)
    read = integrity._drifts

    def read_then_a_desk_acts(*args: object, **kwargs: object) -> Iterator[object]:
        drifts = list(read(*args, **kwargs))  # type: ignore[arg-type]
        act(ledger, codes[0], "resolve", when=at("2023-03-09 10:00"))
        act(ledger, codes[5], "supplement", when=at("2023-03-09 10:00"), note="thiếu ảnh")
        yield from drifts

    monkeypatch.setattr(integrity, "_drifts", read_then_a_desk_acts)

    applied = recalculate(changed, now=NOW, dry_run=False)

    assert [c.code for c in applied] == [codes[6]]
    assert [e.kind for e in events(ledger, codes[0])] == ["received", "resolved"]
    assert [e.kind for e in events(ledger, codes[5])] == ["received", "supplement_requested"]
    assert verify_ledger(changed).ok
    changed.engine.dispose()


def test_a_ledger_with_nothing_open_recalculates_nothing_and_takes_no_write_lock(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = receive(ledger, received_at=at("2023-03-06 09:00"), procedure=FIVE_DAYS).code
    act(ledger, code, "withdraw", when=at("2023-03-07 09:00"))
    changed = with_day_off(ledger, DAY_OFF)
    monkeypatch.setattr(integrity, "_record", lambda *a, **k: pytest.fail("nothing to write"))

    assert recalculate(changed, now=NOW, dry_run=False) == []
    changed.engine.dispose()


def test_the_return_after_a_calendar_change_keeps_the_classification_the_dossier_was_completed_with(
    ledger: Ledger,
) -> None:
    """Resolved late under the calendar of its day; a day off announced afterwards would make it on time. Returning
    the result must not classify it again: a period already reported keeps its counts."""
    code = receive(ledger, received_at=at("2023-03-06 08:00")).code  # five working days: due Mon 13th 17:00
    act(ledger, code, "resolve", when=at("2023-03-14 10:00"))
    completed = dossier(ledger, code)
    assert completed.outcome == "late"
    changed = with_day_off(ledger, DAY_OFF)  # Friday 10th off: the due would now be Tuesday 14th 17:00

    act(changed, code, "return", when=at("2023-03-15 10:00"))

    returned = dossier(changed, code)
    assert (returned.status, returned.outcome, returned.due_at) == ("returned", "late", completed.due_at)
    result = verify_ledger(changed)
    assert (result.ok, result.earlier_calendar) == (True, 1)
    changed.engine.dispose()

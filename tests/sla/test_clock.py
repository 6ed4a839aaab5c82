"""The clock over a dossier's history: supplements restart it from zero (Decree 61/2018 Art. 19.4),
suspensions pause it and keep the office time that was left, impossible histories are refused."""

from __future__ import annotations

import pytest

from sla.clock import Clock, ClockError, ClockState, Tick, run_clock
from sla.deadline import Rule, Unit
from tests.sla.support import at, vn_engine

FIVE_DAYS = Rule(Unit.WORKING_DAYS, 5)


def replay(*history: tuple[Tick, str], rule: Rule = FIVE_DAYS) -> Clock:
    return run_clock(vn_engine(), rule, [(tick, at(when)) for tick, when in history])


def test_a_dossier_just_received_is_due_per_its_rule_from_its_deemed_receipt() -> None:
    clock = replay((Tick.RECEIVED, "2023-03-05 21:00"))
    assert clock.state is ClockState.RUNNING
    assert clock.counted_from == at("2023-03-06 07:00")
    assert clock.due_at == at("2023-03-13 17:00")


def test_the_domain_supplement_example_restarts_the_clock_from_zero() -> None:
    received = (Tick.RECEIVED, "2023-03-06 09:00")
    asked = (Tick.SUPPLEMENT_REQUESTED, "2023-03-08 10:00")
    complete = (Tick.SUPPLEMENT_RECEIVED, "2023-03-14 09:00")
    assert replay(received).due_at == at("2023-03-13 17:00")
    waiting = replay(received, asked)
    assert (waiting.state, waiting.due_at, waiting.last_due_at) == (
        ClockState.WAITING,
        None,
        at("2023-03-13 17:00"),
    )
    restarted = replay(received, asked, complete)
    assert restarted.state is ClockState.RUNNING
    assert restarted.counted_from == at("2023-03-14 09:00")
    assert restarted.due_at == at("2023-03-21 17:00")


def test_a_supplement_received_long_after_the_first_due_time_still_gets_the_full_time() -> None:
    clock = replay(
        (Tick.RECEIVED, "2023-03-06 09:00"),
        (Tick.SUPPLEMENT_REQUESTED, "2023-03-08 10:00"),
        (Tick.SUPPLEMENT_RECEIVED, "2023-04-27 20:00"),  # deemed Fri 28/4 07:00, then 29/4-3/5 off
    )
    assert clock.due_at == at("2023-05-10 17:00")  # Thu 4/5 is the first of five


def test_a_suspension_pauses_the_clock_and_keeps_the_office_time_left() -> None:
    received = (Tick.RECEIVED, "2023-03-06 09:00")  # due Mon 13/3 17:00
    paused = replay(received, (Tick.SUSPENDED, "2023-03-08 09:00"))
    # Wed 09:00-17:00 is 6 office hours (lunch excluded), then Thu, Fri and Mon: 30 hours left.
    assert (paused.state, paused.due_at, paused.remaining_seconds) == (ClockState.PAUSED, None, 30 * 3600)
    resumed = replay(received, (Tick.SUSPENDED, "2023-03-08 09:00"), (Tick.RESUMED, "2023-03-13 09:00"))
    assert resumed.state is ClockState.RUNNING
    assert resumed.due_at == at("2023-03-16 17:00")  # Mon 6 h + Tue, Wed, Thu 8 h each
    assert resumed.counted_from == at("2023-03-06 09:00")


def test_time_left_at_a_pause_is_counted_across_the_april_holidays_on_resume() -> None:
    clock = replay(
        (Tick.RECEIVED, "2023-04-24 10:00"),  # due Thu 4/5 17:00
        (Tick.SUSPENDED, "2023-04-28 07:00"),  # 16 office hours left: Fri 28/4 and Thu 4/5
        (Tick.RESUMED, "2023-05-08 07:00"),
    )
    assert clock.due_at == at("2023-05-09 17:00")


def test_a_clock_paused_after_its_due_time_resumes_already_overdue() -> None:
    clock = replay(
        (Tick.RECEIVED, "2023-03-06 09:00"),
        (Tick.SUSPENDED, "2023-03-14 09:00"),
        (Tick.RESUMED, "2023-03-20 09:00"),
    )
    assert (clock.remaining_seconds, clock.due_at) == (None, at("2023-03-13 17:00"))


def test_a_supplement_asked_during_a_pause_keeps_the_last_due_time() -> None:
    clock = replay(
        (Tick.RECEIVED, "2023-03-06 09:00"),
        (Tick.SUSPENDED, "2023-03-08 09:00"),
        (Tick.SUPPLEMENT_REQUESTED, "2023-03-09 09:00"),
    )
    assert (clock.state, clock.last_due_at) == (ClockState.WAITING, at("2023-03-13 17:00"))


def test_a_paused_same_day_dossier_resumes_with_the_rest_of_its_day() -> None:
    clock = replay(
        (Tick.RECEIVED, "2023-03-06 14:00"),  # due Mon 17:00
        (Tick.SUSPENDED, "2023-03-06 16:00"),  # one hour left
        (Tick.RESUMED, "2023-03-07 11:00"),
        rule=Rule(Unit.SAME_DAY),
    )
    assert clock.due_at == at("2023-03-07 14:00")


BAD_HISTORIES = [
    ([(Tick.RECEIVED, "2023-03-06 09:00"), (Tick.RESUMED, "2023-03-07 09:00")], "resume without a pause"),
    (
        [
            (Tick.RECEIVED, "2023-03-06 09:00"),
            (Tick.SUPPLEMENT_REQUESTED, "2023-03-07 09:00"),
            (Tick.RESUMED, "2023-03-08 09:00"),
        ],
        "resume while waiting for a supplement",
    ),
    (
        [(Tick.RECEIVED, "2023-03-06 09:00"), (Tick.SUPPLEMENT_RECEIVED, "2023-03-07 09:00")],
        "supplement received but never asked",
    ),
    (
        [
            (Tick.RECEIVED, "2023-03-06 09:00"),
            (Tick.SUPPLEMENT_REQUESTED, "2023-03-07 09:00"),
            (Tick.SUSPENDED, "2023-03-08 09:00"),
        ],
        "pause while waiting for a supplement",
    ),
    (
        [
            (Tick.RECEIVED, "2023-03-06 09:00"),
            (Tick.SUSPENDED, "2023-03-07 09:00"),
            (Tick.SUSPENDED, "2023-03-08 09:00"),
        ],
        "pause twice",
    ),
    ([(Tick.SUSPENDED, "2023-03-06 09:00")], "a history that does not start with its receipt"),
    ([], "an empty history"),
]


@pytest.mark.parametrize("history", [pytest.param(h, id=why.replace(" ", "_")) for h, why in BAD_HISTORIES])
def test_a_history_the_clock_cannot_follow_is_refused(history: list[tuple[Tick, str]]) -> None:
    with pytest.raises(ClockError):
        replay(*history)


def test_a_clock_error_is_a_value_error_for_callers_that_catch_broadly() -> None:
    assert issubclass(ClockError, ValueError)

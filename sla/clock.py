"""The processing clock over a dossier's history: when is it due now?

- Decree 61/2018/NĐ-CP Art. 19.4 (kept by Decree 118/2025): after a supplement request the time is counted
  again from zero once the complete dossier is received.
- Suspension (waiting for a financial obligation, a public posting period, ...): the clock pauses and on
  resume the office-hours time that was left is added from the resume instant (DOMAIN 6).
- Extension with apology (Decree 61/2018 Art. 19.9) sets a new appointment but does not move the statutory
  due.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from enum import StrEnum
from typing import NamedTuple

from sla.deadline import Deadlines, Rule


class Tick(StrEnum):
    """The events that move the clock; every other event of the ledger leaves it alone."""

    RECEIVED = "received"
    SUPPLEMENT_REQUESTED = "supplement_requested"
    SUPPLEMENT_RECEIVED = "supplement_received"
    SUSPENDED = "suspended"
    RESUMED = "resumed"


class ClockState(StrEnum):
    RUNNING = "running"
    WAITING = "waiting"  # for the applicant's supplement: neither pending-overdue nor late
    PAUSED = "paused"


class Clock(NamedTuple):
    """Where the clock stands. ``due_at`` is ``None`` while waiting or paused. (A named tuple: the importer and
    verify build millions.)"""

    state: ClockState
    counted_from: dt.datetime
    due_at: dt.datetime | None
    remaining_seconds: int | None = None  # office-hours time left when paused
    last_due_at: dt.datetime | None = None  # the due time before the clock stopped


class ClockError(ValueError):
    """A history the clock cannot follow (resume without a pause, events before receipt)."""


def start_clock(engine: Deadlines, rule: Rule, received_at: dt.datetime) -> Clock:
    """The clock of a dossier just received: due per its rule from the deemed receipt."""
    return Clock(ClockState.RUNNING, engine.deemed_receipt(received_at), engine.due_at(rule, received_at))


def advance(engine: Deadlines, rule: Rule, clock: Clock, tick: Tick, at: dt.datetime) -> Clock:
    """The clock after one event at instant ``at``."""
    if tick is Tick.SUPPLEMENT_REQUESTED:
        # Decree 61/2018 Art. 19.4: the clock stops until the complete dossier arrives.
        return Clock(ClockState.WAITING, clock.counted_from, None, None, clock.due_at or clock.last_due_at)
    if tick is Tick.SUPPLEMENT_RECEIVED:
        if clock.state is not ClockState.WAITING:
            raise ClockError("a supplement was received but none was requested")
        return start_clock(engine, rule, at)  # from zero (Art. 19.4)
    if tick is Tick.SUSPENDED:
        if clock.state is not ClockState.RUNNING or clock.due_at is None:
            raise ClockError("only a running clock can be paused")
        left = max(0, engine.office_seconds_between(at, clock.due_at))
        return Clock(ClockState.PAUSED, clock.counted_from, None, left, clock.due_at)
    if tick is Tick.RESUMED:
        return _resume(engine, clock, at)
    if tick is Tick.RECEIVED:
        return start_clock(engine, rule, at)
    raise ClockError(f"unknown tick {tick!r}")


def _resume(engine: Deadlines, clock: Clock, at: dt.datetime) -> Clock:
    if clock.state is ClockState.PAUSED and clock.remaining_seconds is not None:
        if clock.remaining_seconds == 0 and clock.last_due_at is not None:
            return clock._replace(state=ClockState.RUNNING, due_at=clock.last_due_at, remaining_seconds=None)
        due = engine.add_office_seconds(at, clock.remaining_seconds)
        return Clock(ClockState.RUNNING, clock.counted_from, due, None, clock.last_due_at)
    raise ClockError("the clock is not paused")


def run_clock(engine: Deadlines, rule: Rule, history: Iterable[tuple[Tick, dt.datetime]]) -> Clock:
    """Replay a history of ``(tick, at)`` pairs in order; the first must be ``RECEIVED``."""
    clock: Clock | None = None
    for tick, at in history:
        if clock is None:
            if tick is not Tick.RECEIVED:
                raise ClockError("a history starts with its receipt")
            clock = start_clock(engine, rule, at)
        else:
            clock = advance(engine, rule, clock, tick, at)
    if clock is None:
        raise ClockError("an empty history has no clock")
    return clock

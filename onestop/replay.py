"""One exported history lived through the lifecycle in a single pass, for the importer (issue 3).

``lifecycle.apply_action`` builds a new ``State`` two or three times per action (``dataclasses.replace``); an
import of 100,000 rows lives some 250,000 actions, so here the same rules are followed on plain attributes and
the cached columns are read off once at the end. Which action is allowed where, and what it leads to, comes from
lifecycle's own tables (``STEPS``, ``RESUME``); every due time and outcome from ``sla`` (``start_clock``,
``advance``, ``classify_completion``). ``tests/onestop/test_import_replay.py`` checks that the result is what
``lifecycle.derive`` gives for the same events, which is also what ``onestop verify`` compares with.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from onestop.errors import InputError, TransitionError
from onestop.lifecycle import OPEN, RESUME, STEPS, Status
from sla.calendar import CalendarRangeError
from sla.classify import classify_completion
from sla.clock import Clock, ClockState, advance, start_clock
from sla.deadline import Deadlines, Rule

_PROCESSING = Status.PROCESSING
# The actions a history can hold besides its receipt and resume; the rest (extend, apologise, ...) are the desk's.
ACTIONS = frozenset({"supplement", "suspend", "transfer", "transfer_back", "resolve", "return", "reject", "withdraw"})


class Replay:
    """The state of one dossier while its exported steps are applied in order."""

    __slots__ = (
        "clock",
        "completed_at",
        "engine",
        "last_event_at",
        "outcome",
        "received_at",
        "return_via",
        "returned_at",
        "rule",
        "status",
        "waiting_since",
        "withdrawn_at",
    )

    def __init__(self, engine: Deadlines, rule: Rule, received_at: dt.datetime) -> None:
        self.engine, self.rule = engine, rule
        self.status = Status.RECEIVED
        try:
            self.clock: Clock = start_clock(engine, rule, received_at)
        except CalendarRangeError as error:
            raise _out_of_range(engine, received_at) from error
        self.received_at = self.last_event_at = received_at
        self.completed_at: dt.datetime | None = None
        self.outcome: str | None = None
        self.withdrawn_at: dt.datetime | None = None
        self.returned_at: dt.datetime | None = None
        self.return_via: str | None = None
        self.waiting_since: dt.datetime | None = None

    def apply(self, action: str, at: dt.datetime, *, return_via: str | None = None) -> str:
        """Apply ``action`` at ``at`` (as ``lifecycle.apply_action`` does); the event kind to append."""
        try:
            return self._apply(action, at, return_via)
        except CalendarRangeError as error:
            raise _out_of_range(self.engine, at) from error

    def _apply(self, action: str, at: dt.datetime, return_via: str | None) -> str:
        status = self.status
        if action == "resume":
            if status not in RESUME:
                raise TransitionError("transition.refused", action="resume", status=status.value)
            kind, tick = RESUME[status]
            # Decree 61/2018 Art. 19.4: a complete supplement restarts the clock from zero (sla.clock.advance).
            self.clock = advance(self.engine, self.rule, self.clock, tick, at)
            self.status, self.waiting_since, self.last_event_at = _PROCESSING, None, at
            return kind
        if action not in ACTIONS:
            raise ValueError(f"{action!r} is not an action an export records")
        step = STEPS[action]
        if status not in step.allowed:
            raise TransitionError("transition.refused", action=action, status=status.value)
        if step.tick is not None:
            self.clock = advance(self.engine, self.rule, self.clock, step.tick, at)
        if step.to is not None:
            self.status = step.to
        self.last_event_at = at
        if action == "supplement":
            self.waiting_since = at
        elif action in ("resolve", "reject"):
            self.completed_at, self.outcome = at, self._outcome(at)
        elif action == "return":
            self.returned_at, self.return_via = at, return_via or "direct"
        elif action == "withdraw":
            self.withdrawn_at = at
        return step.kind

    def _outcome(self, at: dt.datetime) -> str:
        # As lifecycle._outcome: a clock stopped for a supplement or a suspension cannot make the dossier late
        # (DOMAIN 6-7); the due time it had when it stopped is the one to compare with (Circular 01/2018 Art. 13).
        clock = self.clock
        due = clock.due_at or clock.last_due_at
        if due is None:
            return "on_time"
        if clock.state is ClockState.WAITING:
            due = max(due, at)
        return classify_completion(self.engine, completed_at=at, due_at=due).value

    @property
    def due_by_clock(self) -> dt.datetime | None:
        """The statutory due time, or the one before the clock stopped: what the receipt slip would show."""
        return self.clock.due_at or self.clock.last_due_at

    def cached_columns(self) -> dict[str, Any]:
        """The dossier's cached columns, as ``services.store_state`` writes them from a ``State``."""
        return {
            "status": self.status.value,
            "is_open": self.status in OPEN,
            "counted_from": self.clock.counted_from,
            "due_at": self.clock.due_at,
            "completed_at": self.completed_at,
            "outcome": self.outcome,
            "withdrawn_at": self.withdrawn_at,
            "returned_at": self.returned_at,
            "return_via": self.return_via,
            "waiting_since": self.waiting_since,
            "last_event_at": self.last_event_at,
        }


def _out_of_range(engine: Deadlines, at: dt.datetime) -> InputError:
    """As lifecycle's: a date the office calendar does not cover is the user's input error, not a crash."""
    spec = engine.calendar.spec
    return InputError("input.out_of_range", value=engine.local(at).date(), first=spec.first_year, last=spec.last_year)

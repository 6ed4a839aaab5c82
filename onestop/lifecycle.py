"""The dossier lifecycle (DOMAIN 5): which action is allowed in which state, and what a history gives.

Pure: no database. The services persist what ``apply_action`` returns; ``derive`` replays a whole history so that
the cached columns of a dossier can always be recomputed from its events (``onestop verify``).

received ──► processing ──► resolved ──► returned; supplement (clock restarts, Decree 61/2018 Art. 19.4);
suspension (clock pauses); transfer (inter-linked, Art. 18); rejected after appraisal; withdrawn.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, NamedTuple

from onestop.errors import InputError, TransitionError
from sla.calendar import CalendarRangeError
from sla.classify import Outcome, classify_completion
from sla.clock import Clock, ClockState, Tick, advance, start_clock
from sla.deadline import Deadlines, Rule


class Status(StrEnum):
    RECEIVED = "received"
    PROCESSING = "processing"
    SUPPLEMENT_REQUESTED = "supplement_requested"
    SUSPENDED = "suspended"
    TRANSFERRED = "transferred"
    RESOLVED = "resolved"
    RETURNED = "returned"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


OPEN = frozenset(
    {Status.RECEIVED, Status.PROCESSING, Status.SUPPLEMENT_REQUESTED, Status.SUSPENDED, Status.TRANSFERRED}
)
WORKING = frozenset({Status.RECEIVED, Status.PROCESSING})
CHANNELS = ("direct", "postal", "level3", "level4")
RETURN_ROUTES = ("direct", "postal", "online")

# National portal status codes for export (DOMAIN 5).
PORTAL_STATUS = {
    Status.RECEIVED: 2,
    Status.PROCESSING: 4,
    Status.SUPPLEMENT_REQUESTED: 5,
    Status.SUSPENDED: 6,
    Status.TRANSFERRED: 4,
    Status.RESOLVED: 9,
    Status.RETURNED: 10,
    Status.REJECTED: 8,
    Status.WITHDRAWN: 7,
}


@dataclass(frozen=True)
class Step:
    """What an action does: the event kind it appends, where it may start, where it leads, how the clock moves."""

    kind: str
    allowed: frozenset[Status]
    to: Status | None
    tick: Tick | None = None


STEPS: dict[str, Step] = {
    "supplement": Step("supplement_requested", WORKING, Status.SUPPLEMENT_REQUESTED, Tick.SUPPLEMENT_REQUESTED),
    "suspend": Step("suspended", WORKING, Status.SUSPENDED, Tick.SUSPENDED),
    "transfer": Step("transferred", WORKING, Status.TRANSFERRED),
    "transfer_back": Step("transfer_returned", frozenset({Status.TRANSFERRED}), Status.PROCESSING),
    "resolve": Step("resolved", WORKING | {Status.TRANSFERRED}, Status.RESOLVED),
    "return": Step("returned", frozenset({Status.RESOLVED}), Status.RETURNED),
    "reject": Step("rejected", OPEN, Status.REJECTED),
    "withdraw": Step("withdrawn", OPEN, Status.WITHDRAWN),
    # The apology and the daily check annotate a dossier without changing its state.
    "extend": Step("extended", OPEN, None),
    # The daily check also apologises for a dossier that was completed late without one (DOMAIN 8).
    "apologise": Step("apologised", frozenset(Status), None),
    "late_again": Step("late_again", OPEN, None),
    "recalculate": Step("recalculated", OPEN, None),
}
# Resume depends on why the clock stopped: a complete supplement restarts it, a resume after suspension continues.
RESUME = {
    Status.SUPPLEMENT_REQUESTED: ("supplement_received", Tick.SUPPLEMENT_RECEIVED),
    Status.SUSPENDED: ("resumed", Tick.RESUMED),
}
KIND_TO_ACTION = {step.kind: name for name, step in STEPS.items()}
KIND_TO_ACTION.update({"supplement_received": "resume", "resumed": "resume"})
COMPLETING = frozenset({"resolve", "reject"})  # the actions that classify a dossier (DOMAIN 7)


class State(NamedTuple):
    """What a history gives; mirrored by the cached columns of the dossier row. A named tuple: immutable, and an
    action's new state is one ``_replace`` (a quarter of a dataclass ``replace``; verify replays millions)."""

    status: Status
    clock: Clock
    received_at: dt.datetime
    last_event_at: dt.datetime
    completed_at: dt.datetime | None = None
    outcome: Outcome | None = None
    withdrawn_at: dt.datetime | None = None
    returned_at: dt.datetime | None = None
    return_via: str | None = None
    waiting_since: dt.datetime | None = None
    extended_due_at: dt.datetime | None = None
    apologised: bool = False
    late_again_at: dt.datetime | None = None
    judged_due: dt.datetime | None = None  # the due a completion was classified against (its event records it)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    @property
    def due_at(self) -> dt.datetime | None:
        return self.clock.due_at


def receive(engine: Deadlines, rule: Rule, at: dt.datetime) -> State:
    try:
        return State(Status.RECEIVED, start_clock(engine, rule, at), at, at)
    except CalendarRangeError as error:
        raise out_of_range(engine, at) from error


def out_of_range(engine: Deadlines, at: dt.datetime) -> InputError:
    """A date the office calendar does not cover is the user's input error, not a crash."""
    spec = engine.calendar.spec
    return InputError("input.out_of_range", value=engine.local_date(at), first=spec.first_year, last=spec.last_year)


def apply_action(
    engine: Deadlines,
    rule: Rule,
    state: State,
    action: str,
    at: dt.datetime,
    *,
    return_via: str | None = None,
    new_due_at: dt.datetime | None = None,
) -> tuple[State, str]:
    """The state after ``action`` at ``at``, and the event kind to append; refused with ``TransitionError``."""
    try:
        return _apply(engine, rule, state, action, at, return_via=return_via, new_due_at=new_due_at)
    except CalendarRangeError as error:
        raise out_of_range(engine, at) from error


def _apply(
    engine: Deadlines,
    rule: Rule,
    state: State,
    action: str,
    at: dt.datetime,
    *,
    return_via: str | None,
    new_due_at: dt.datetime | None,
) -> tuple[State, str]:
    if action == "resume":
        if state.status not in RESUME:
            raise TransitionError("transition.refused", action="resume", status=state.status.value)
        kind, tick = RESUME[state.status]
        clock = advance(engine, rule, state.clock, tick, at)
        return state._replace(status=Status.PROCESSING, clock=clock, waiting_since=None, last_event_at=at), kind
    step = STEPS.get(action)
    if step is None:
        raise TransitionError("transition.refused", action=action, status=state.status.value)
    if state.status not in step.allowed:
        raise TransitionError("transition.refused", action=action, status=state.status.value)
    # One new State per action.
    changes: dict[str, Any] = {"last_event_at": at}
    if step.tick is not None:
        changes["clock"] = advance(engine, rule, state.clock, step.tick, at)
    if step.to is not None:
        changes["status"] = step.to
    changes.update(_effects(engine, state, action, at, return_via=return_via, new_due_at=new_due_at))
    return state._replace(**changes), step.kind


def _effects(
    engine: Deadlines,
    state: State,
    action: str,
    at: dt.datetime,
    *,
    return_via: str | None,
    new_due_at: dt.datetime | None,
) -> dict[str, Any]:
    """What ``action`` records besides the status and the clock (which no action here both ticks and reads)."""
    if action == "supplement":
        return {"waiting_since": at}
    if action in COMPLETING:
        due = _judged_due(state, at)
        outcome = Outcome.ON_TIME if due is None else classify_completion(engine, completed_at=at, due_at=due)
        return {"completed_at": at, "outcome": outcome, "judged_due": due}
    if action == "return":
        return {"returned_at": at, "return_via": return_via or "direct"}
    if action == "withdraw":
        return {"withdrawn_at": at}
    if action == "extend":
        if state.extended_due_at is not None:
            raise TransitionError("transition.second_extension")
        return {"extended_due_at": new_due_at, "apologised": True}
    if action == "apologise":
        return {"apologised": True}
    if action == "late_again":
        return {"late_again_at": at}
    return {}


def _judged_due(state: State, at: dt.datetime) -> dt.datetime | None:
    """The due instant a completion at ``at`` is classified against (the completion event records it, so that a
    calendar changed later cannot change what the completion was judged by). A clock stopped for a supplement
    cannot make the dossier late (DOMAIN 6-7): the due it had when it stopped, or the completion itself if later."""
    due = state.clock.due_at or state.clock.last_due_at
    if due is not None and state.clock.state is ClockState.WAITING:
        return max(due, at)
    return due


def derive(
    engine: Deadlines,
    rule: Rule,
    history: Iterable[tuple[str, dt.datetime, str]],
) -> State:
    """Replay ``(kind, occurred_at, note)`` events in order; ``note`` carries the return route and new due."""
    state: State | None = None
    for kind, at, note in history:
        if state is None:
            state = receive(engine, rule, at)
            continue
        action = KIND_TO_ACTION.get(kind)
        if action is None:
            continue
        via = note if kind == "returned" and note in RETURN_ROUTES else None
        new_due = _new_due_from(note) if kind == "extended" else None
        state, _ = apply_action(engine, rule, state, action, at, return_via=via, new_due_at=new_due)
    if state is None:
        raise TransitionError("transition.refused", action="derive", status="empty")
    return state


def _new_due_from(note: str) -> dt.datetime | None:
    # The extension event's note starts with the new appointment in ISO 8601 (see services.extend_dossier).
    head = note.split(" ", 1)[0]
    try:
        return dt.datetime.fromisoformat(head)
    except ValueError:
        return None

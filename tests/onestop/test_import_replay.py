"""The importer's one-pass replay gives what the lifecycle gives, step by step (hypothesis).

``onestop.replay.Replay`` follows the lifecycle's rules without building a ``State`` per action; here any
history an export can hold (the importer's steps in any order, refused ones included) is lived both ways, and
the event kinds, the cached columns and the errors must be the same.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from hypothesis import given, settings
from hypothesis import strategies as st

from onestop import lifecycle
from onestop.errors import OnestopError
from onestop.importer import STEPS
from onestop.replay import Replay
from onestop.services import state_values
from sla.deadline import Deadlines, Rule, Unit
from tests.sla.support import TZ, office_overrides_engine, split_hours_engine, vn_engine

ACTIONS = tuple(action for _, action in STEPS)
engines: st.SearchStrategy[Callable[[], Deadlines]] = st.sampled_from(
    [vn_engine, split_hours_engine, office_overrides_engine]
)
rules = st.one_of(
    st.just(Rule(Unit.SAME_DAY)),
    st.builds(Rule, st.just(Unit.WORKING_DAYS), st.integers(0, 30)),
    st.builds(Rule, st.just(Unit.CALENDAR_DAYS), st.integers(0, 30)),
    st.builds(Rule, st.just(Unit.WORKING_HOURS), st.integers(0, 160).map(lambda q: q / 4)),
)
receipts = st.datetimes(min_value=dt.datetime(2019, 1, 1), max_value=dt.datetime(2026, 6, 30), timezones=st.just(TZ))
gaps = st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=20))
steps = st.lists(st.tuples(st.sampled_from(ACTIONS), gaps, st.sampled_from((None, "direct", "postal"))), max_size=6)


# The cached columns an export can set (the desk's annotations, extension and late again, are never in one).
EXPORTED_COLUMNS = ("status", "is_open", "counted_from", "due_at", "completed_at", "outcome", "withdrawn_at",
                    "returned_at", "return_via", "waiting_since")  # fmt: skip


def cached(state: lifecycle.State) -> dict[str, object]:
    """What the desk stores from ``state`` (``services.state_values``), for those columns."""
    stored = state_values(state)
    return {name: stored[name] for name in EXPORTED_COLUMNS} | {"last_event_at": state.last_event_at}


def error_of(action: Callable[[], object]) -> tuple[str, dict[str, object]] | object:
    try:
        return action()
    except OnestopError as error:
        return (error.key, error.params)


@settings(max_examples=300, deadline=None)
@given(make=engines, rule=rules, received_at=receipts, history=steps)
def test_the_importers_replay_gives_the_lifecycles_states_kinds_and_errors(
    make: Callable[[], Deadlines],
    rule: Rule,
    received_at: dt.datetime,
    history: list[tuple[str, dt.timedelta, str | None]],
) -> None:
    engine = make()
    state = lifecycle.receive(engine, rule, received_at)
    replay = Replay(engine, rule, received_at)
    at = received_at
    for action, gap, via in history:
        at += gap
        expected = error_of(lambda: lifecycle.apply_action(engine, rule, state, action, at, return_via=via))  # noqa: B023
        got = error_of(lambda: replay.apply(action, at, return_via=via))  # noqa: B023
        if isinstance(expected, tuple) and isinstance(expected[0], lifecycle.State):
            state, kind = expected
            assert got == kind
        else:
            assert got == expected
            break
        assert replay.cached_columns() == cached(state)
        assert replay.due_by_clock == (state.clock.due_at or state.clock.last_due_at)
    assert replay.cached_columns() == cached(state)


def test_a_history_outside_the_calendar_is_the_same_input_error_both_ways() -> None:
    engine, rule = vn_engine(), Rule(Unit.WORKING_DAYS, 5)
    first = engine.calendar.spec.first_year
    before = dt.datetime(first - 1, 12, 30, 9, 0, tzinfo=TZ)
    assert error_of(lambda: Replay(engine, rule, before)) == error_of(lambda: lifecycle.receive(engine, rule, before))

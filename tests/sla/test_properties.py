"""Invariants of the engine over random instants, rules and calendar shapes (hypothesis)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from hypothesis import given, settings
from hypothesis import strategies as st

from sla.clock import ClockState, Tick, run_clock
from sla.deadline import Deadlines, Rule, Unit
from tests.sla.support import (
    TZ,
    office_overrides_engine,
    round_the_clock_engine,
    split_hours_engine,
    vn_engine,
)

FAST = settings(max_examples=200, deadline=None)

engines: st.SearchStrategy[Callable[[], Deadlines]] = st.sampled_from(
    [vn_engine, split_hours_engine, round_the_clock_engine, office_overrides_engine]
)
instants = st.datetimes(
    min_value=dt.datetime(2019, 1, 1),
    max_value=dt.datetime(2026, 12, 31, 23, 59, 59),
    timezones=st.sampled_from([TZ, dt.UTC]),
)
days = st.dates(min_value=dt.date(2019, 1, 1), max_value=dt.date(2026, 12, 31))
working_days_counts = st.integers(min_value=0, max_value=15)
rules = st.one_of(
    st.just(Rule(Unit.SAME_DAY)),
    st.builds(Rule, st.just(Unit.WORKING_DAYS), st.integers(0, 30)),
    st.builds(Rule, st.just(Unit.CALENDAR_DAYS), st.integers(0, 30)),
    st.builds(Rule, st.just(Unit.WORKING_HOURS), st.integers(0, 160).map(lambda q: q / 4)),
    st.builds(Rule, st.just(Unit.WORKING_HOURS), st.floats(0, 40, allow_nan=False)),
)
pauses = st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=30))


def _minute(local: dt.datetime) -> float:
    return local.hour * 60 + local.minute + local.second / 60 + local.microsecond / 60e6


def is_open_at(engine: Deadlines, instant: dt.datetime) -> bool:
    local = engine.local(instant)
    minute = _minute(local)
    in_hours = any(start <= minute < end for start, end in engine.hours.segments)
    return engine.calendar.is_working_day(local.date()) and in_hours


def is_open_or_at_a_segment_end(engine: Deadlines, instant: dt.datetime) -> bool:
    local = engine.local(instant)
    minute = _minute(local)
    in_hours = any(start <= minute <= end for start, end in engine.hours.segments)
    return engine.calendar.is_working_day(local.date()) and in_hours


@FAST
@given(shape=engines, rule=rules, received_at=instants)
def test_a_due_instant_lies_in_office_hours_of_a_working_day_and_never_before_the_receipt(
    shape: Callable[[], Deadlines], rule: Rule, received_at: dt.datetime
) -> None:
    engine = shape()
    due = engine.due_at(rule, received_at)
    assert is_open_or_at_a_segment_end(engine, due)
    assert due >= engine.deemed_receipt(received_at) >= received_at


@FAST
@given(shape=engines, first=instants, second=instants, n=working_days_counts, m=working_days_counts)
def test_a_working_days_due_time_grows_with_the_count_and_with_the_receipt_instant(
    shape: Callable[[], Deadlines], first: dt.datetime, second: dt.datetime, n: int, m: int
) -> None:
    engine = shape()
    early, late = sorted((first, second))
    fewer, more = sorted((n, m))
    assert engine.due_at(Rule(Unit.WORKING_DAYS, fewer), early) <= engine.due_at(Rule(Unit.WORKING_DAYS, more), late)
    assert engine.due_at(Rule(Unit.WORKING_DAYS, n), first) < engine.due_at(Rule(Unit.WORKING_DAYS, n + 1), first)


@FAST
@given(shape=engines, received_at=instants, n=working_days_counts)
def test_a_working_days_due_time_is_the_close_of_the_nth_working_day_after_the_deemed_receipt(
    shape: Callable[[], Deadlines], received_at: dt.datetime, n: int
) -> None:
    engine = shape()
    start_day = engine.local(engine.deemed_receipt(received_at)).date()
    expected = engine.close_of(engine.calendar.add_working_days(start_day, n))
    assert engine.due_at(Rule(Unit.WORKING_DAYS, n), received_at) == expected


@FAST
@given(shape=engines, rule=rules, received_at=instants, wait=pauses)
def test_pausing_for_no_time_changes_nothing(
    shape: Callable[[], Deadlines], rule: Rule, received_at: dt.datetime, wait: dt.timedelta
) -> None:
    engine = shape()
    paused_at = received_at + wait
    plain = run_clock(engine, rule, [(Tick.RECEIVED, received_at)])
    blinked = run_clock(
        engine,
        rule,
        [(Tick.RECEIVED, received_at), (Tick.SUSPENDED, paused_at), (Tick.RESUMED, paused_at)],
    )
    assert (blinked.state, blinked.due_at) == (ClockState.RUNNING, plain.due_at)


@FAST
@given(shape=engines, day=days, n=st.integers(min_value=0, max_value=400))
def test_adding_then_counting_working_days_round_trips(shape: Callable[[], Deadlines], day: dt.date, n: int) -> None:
    calendar = shape().calendar
    later = calendar.add_working_days(day, n)
    assert calendar.is_working_day(later)
    assert calendar.count_working_days(day, later) == (n if n else int(not calendar.is_working_day(day)))
    assert calendar.add_working_days(day, calendar.count_working_days(day, later)) == later


@FAST
@given(shape=engines, day=days, span=st.integers(min_value=1, max_value=400))
def test_counting_then_adding_working_days_round_trips_to_the_last_working_day(
    shape: Callable[[], Deadlines], day: dt.date, span: int
) -> None:
    calendar = shape().calendar
    end = day + dt.timedelta(days=span)
    count = calendar.count_working_days(day, end)
    assert count == len(calendar.working_days_between(day + dt.timedelta(days=1), end))
    if count:
        last = calendar.add_working_days(day, count)
        assert last <= end and calendar.count_working_days(last, end) == 0


@FAST
@given(shape=engines, received_at=instants)
def test_a_deemed_receipt_is_the_first_open_instant_at_or_after_the_receipt(
    shape: Callable[[], Deadlines], received_at: dt.datetime
) -> None:
    engine = shape()
    deemed = engine.deemed_receipt(received_at)
    assert deemed >= received_at
    assert is_open_at(engine, deemed)
    assert engine.office_seconds_between(received_at, deemed) == 0
    assert engine.deemed_receipt(deemed) == deemed
    if is_open_at(engine, received_at):
        assert deemed == received_at


@FAST
@given(shape=engines, received_at=instants, quarters=st.integers(min_value=0, max_value=160))
def test_a_working_hours_due_time_is_exactly_that_much_office_time_after_the_deemed_receipt(
    shape: Callable[[], Deadlines], received_at: dt.datetime, quarters: int
) -> None:
    engine = shape()
    due = engine.due_at(Rule(Unit.WORKING_HOURS, quarters / 4), received_at)
    assert engine.office_seconds_between(engine.deemed_receipt(received_at), due) == quarters * 900

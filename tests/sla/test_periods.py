"""Reporting periods (Decree 09/2019/NĐ-CP Art. 12): from the 15th of the month before to the 14th."""

from __future__ import annotations

import datetime as dt
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from sla.periods import (
    Period,
    PeriodError,
    custom_period,
    parse_period,
    period_bounds,
    reporting_month_start,
    whole_reporting_months,
)
from tests.sla.support import on

PERIODS = [
    ("2023-05", "2023-05", "2023-04-15", "2023-05-14"),
    ("2023-01", "2023-01", "2022-12-15", "2023-01-14"),
    ("2023-12", "2023-12", "2023-11-15", "2023-12-14"),
    ("2023-Q1", "2023-Q1", "2022-12-15", "2023-03-14"),
    ("2023-Q2", "2023-Q2", "2023-03-15", "2023-06-14"),
    ("2023-Q3", "2023-Q3", "2023-06-15", "2023-09-14"),
    ("2023-Q4", "2023-Q4", "2023-09-15", "2023-12-14"),
    ("2023-q2", "2023-Q2", "2023-03-15", "2023-06-14"),
    ("2023-H1", "2023-H1", "2022-12-15", "2023-06-14"),
    ("2023-H2", "2023-H2", "2023-06-15", "2023-12-14"),
    ("2023-9M", "2023-9M", "2022-12-15", "2023-09-14"),
    ("2023", "2023", "2022-12-15", "2023-12-14"),
    (" 2023-h1 ", "2023-H1", "2022-12-15", "2023-06-14"),
]


@pytest.mark.parametrize(("text", "label", "start", "end"), PERIODS)
def test_a_report_period_runs_from_the_15th_of_the_month_before_to_the_14th(
    text: str, label: str, start: str, end: str
) -> None:
    assert parse_period(text) == Period(label, on(start), on(end))


CALENDAR_MONTHS = [
    ("2023-05", "2023-05-01", "2023-05-31"),
    ("2023-02", "2023-02-01", "2023-02-28"),
    ("2024-02", "2024-02-01", "2024-02-29"),
    ("2023-Q1", "2023-01-01", "2023-03-31"),
    ("2023-Q4", "2023-10-01", "2023-12-31"),
    ("2023-H1", "2023-01-01", "2023-06-30"),
    ("2023-H2", "2023-07-01", "2023-12-31"),
    ("2023-9M", "2023-01-01", "2023-09-30"),
    ("2023", "2023-01-01", "2023-12-31"),
]


@pytest.mark.parametrize(("text", "start", "end"), CALENDAR_MONTHS)
def test_a_period_on_calendar_months_runs_from_the_first_to_the_last_day(text: str, start: str, end: str) -> None:
    period = parse_period(text, calendar_months=True)
    assert (period.start, period.end) == (on(start), on(end))


@pytest.mark.parametrize(
    "text",
    ["2023-13", "2023-00", "2023-Q5", "2023-Q0", "2023-H3", "2023-10M", "abc", "", "23-05", "1999", "2101"],
)
def test_a_label_that_is_not_a_period_is_refused(text: str) -> None:
    with pytest.raises(PeriodError):
        parse_period(text)


def test_a_custom_range_is_labelled_by_its_dates() -> None:
    period = custom_period(on("2023-01-01"), on("2023-01-31"))
    assert (period.label, period.start, period.end) == (
        "2023-01-01..2023-01-31",
        on("2023-01-01"),
        on("2023-01-31"),
    )


def test_a_range_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(PeriodError):
        custom_period(on("2023-02-01"), on("2023-01-31"))


def test_consecutive_months_tile_the_year_without_gap_or_overlap() -> None:
    months = [parse_period(f"2023-{m:02d}") for m in range(1, 13)]
    for before, after in pairwise(months):
        assert after.start - before.end == dt.timedelta(days=1)
    assert (months[0].start, months[-1].end) == (parse_period("2023").start, parse_period("2023").end)


VN = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.mark.parametrize(
    ("local", "month_start"),
    [
        ("2023-05-14 23:59", "2023-04-15 00:00"),
        ("2023-05-15 00:00", "2023-05-15 00:00"),
        ("2023-01-10 08:00", "2022-12-15 00:00"),
        ("2024-03-01 12:00", "2024-02-15 00:00"),
    ],
)
def test_a_reporting_month_runs_from_the_15th_to_the_14th_local_time(local: str, month_start: str) -> None:
    instant = dt.datetime.fromisoformat(local).replace(tzinfo=VN).astimezone(dt.UTC)
    assert reporting_month_start(instant, VN) == dt.datetime.fromisoformat(month_start).replace(tzinfo=VN)


def test_a_period_of_decree_09_is_whole_reporting_months_and_a_calendar_month_holds_none() -> None:
    year = period_bounds(parse_period("2023"), VN)
    assert whole_reporting_months(*year, VN) == year
    march = period_bounds(parse_period("2023-03", calendar_months=True), VN)
    assert whole_reporting_months(*march, VN) is None
    first_half = period_bounds(parse_period("2023-H1", calendar_months=True), VN)  # 1 Jan .. 30 Jun
    assert whole_reporting_months(*first_half, VN) == (
        dt.datetime(2023, 1, 15, tzinfo=VN),
        dt.datetime(2023, 6, 15, tzinfo=VN),
    )

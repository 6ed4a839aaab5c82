"""Snapshots of reference years: every departure from the Monday-Friday week in 2023 and 2024.

A change in python-holidays (or in how the calendar reads it) shows up here as a diff to review against the
official announcements. The snapshot files were generated, then checked by hand, day by day:

- 2023: Tết Dương lịch Sun 1/1 → Mon 2/1 in lieu; Tết Quý Mão Fri 20/1 – Thu 26/1 (the Ministry of
  Labour's announcement for the public sector: 7 days off, no swap); Hùng Kings Sat 29/4, 30/4 Sun and 1/5
  Mon → Tue 2/5 and Wed 3/5 in lieu; National Day Fri 1/9, Sat 2/9 → Mon 4/9 in lieu. No swapped Saturday.
  (python-holidays names 25/1 and 26/1 "Mùng bốn/năm Tết" and counts them as holidays rather than in lieu
  of 21-22/1: the same days off.)
- 2024: Tết Dương lịch Mon 1/1; Tết Giáp Thìn Thu 8/2 – Wed 14/2; Hùng Kings Thu 18/4; Mon 29/4 off and
  Sat 4/5 worked in exchange (Official Dispatch 2450/VPCP-KGVX of 2024); 30/4 Tue, 1/5 Wed; National Day
  Mon 2/9 and Tue 3/9.

Regenerate with ``SLA_UPDATE_SNAPSHOTS=1 pytest tests/sla/test_calendar_snapshots.py``, then review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from sla.calendar import CalendarSpec, WorkingCalendar
from tests.sla.support import vn_engine

SNAPSHOTS = Path(__file__).parent / "snapshots"


def _changes(calendar: WorkingCalendar, year: int) -> list[list[str]]:
    return [[d.on.isoformat(), d.on.strftime("%a"), d.kind] for d in calendar.changes(year)]


@pytest.mark.parametrize("year", [2023, 2024])
def test_the_changes_of_a_reference_year_match_its_reviewed_snapshot(year: int) -> None:
    path = SNAPSHOTS / f"calendar_{year}.json"
    current = _changes(vn_engine().calendar, year)
    if os.environ.get("SLA_UPDATE_SNAPSHOTS") == "1":
        rows = ",\n".join(" " + json.dumps(row, ensure_ascii=False) for row in current)
        path.write_text(f"[\n{rows}\n]\n", encoding="utf-8")
    assert current == json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("year", [2019, 2023, 2024, 2026])
def test_the_kind_of_a_change_does_not_depend_on_the_language_of_its_name(year: int) -> None:
    english = WorkingCalendar(CalendarSpec(), lang="en")
    assert _changes(english, year) == _changes(vn_engine().calendar, year)


def test_a_weekday_off_swapped_for_a_saturday_is_a_day_off_in_lieu() -> None:
    calendar = vn_engine().calendar
    kinds = {d.on.isoformat(): d.kind for d in calendar.changes(2024)}
    assert (kinds["2024-04-29"], kinds["2024-05-04"]) == ("in_lieu", "swapped_working_day")
    assert calendar.name_of(calendar.changes(2024)[0].on) == "Tết Dương lịch"

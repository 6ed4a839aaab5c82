"""``onestop deadline`` and ``onestop calendar``, and the configuration file, through the real command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import run_cli

# DOMAIN.md section 6, worked examples (default hours, VN calendar).
WORKED = [
    ("2023-04-28 10:00", ["--working-days", "3"], "2023-04-28T10:00:00+07:00", "2023-05-08T17:00:00+07:00"),
    ("2023-03-06 14:20", ["--same-day"], "2023-03-06T14:20:00+07:00", "2023-03-06T17:00:00+07:00"),
    ("2023-03-06 15:40", ["--same-day"], "2023-03-06T15:40:00+07:00", "2023-03-07T17:00:00+07:00"),
    ("2024-05-04 09:00", ["--same-day"], "2024-05-04T09:00:00+07:00", "2024-05-04T17:00:00+07:00"),
    ("2023-03-05 21:00", ["--working-days", "3"], "2023-03-06T07:00:00+07:00", "2023-03-09T17:00:00+07:00"),
    ("2023-03-06 10:00", ["--working-hours", "4"], "2023-03-06T10:00:00+07:00", "2023-03-06T16:00:00+07:00"),
    ("2023-08-18 10:00", ["--calendar-days", "15"], "2023-08-18T10:00:00+07:00", "2023-09-05T17:00:00+07:00"),
    ("2023-03-06 09:00", ["--working-days", "5"], "2023-03-06T09:00:00+07:00", "2023-03-13T17:00:00+07:00"),
    ("2023-03-14 09:00", ["--working-days", "5"], "2023-03-14T09:00:00+07:00", "2023-03-21T17:00:00+07:00"),
]


@pytest.mark.parametrize(("received", "unit", "counted", "due"), WORKED)
def test_every_worked_example_comes_out_of_deadline_json_exactly(
    tmp_path: Path, received: str, unit: list[str], counted: str, due: str
) -> None:
    result = run_cli("deadline", "--received-at", received, *unit, "--json", db=None, home=tmp_path)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["counted_from"], data["due_at"]) == (counted, due)
    assert data["received_at"].startswith(received.replace(" ", "T"))


@pytest.mark.parametrize(
    "args",
    [
        ["--received-at", "tomorrow-ish", "--same-day"],
        ["--received-at", "2023-03-06 10:00", "--working-days", "-1"],
        ["--received-at", "2023-03-06 10:00"],
        ["--received-at", "2023-03-06 10:00", "--same-day", "--working-days", "2"],
        ["--received-at", "1899-03-06 10:00", "--same-day"],
    ],
    ids=["unparseable", "negative", "no unit", "two units", "outside the calendar"],
)
def test_bad_deadline_input_is_one_line_and_a_nonzero_exit(tmp_path: Path, args: list[str]) -> None:
    result = run_cli("deadline", *args, db=None, home=tmp_path)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ('[calendar]\nworking_weekdays = ["mon", "funday"]\n', "calendar.working_weekdays"),
        ('[calendar]\nsame_day_cutoff = "25:00"\n', "calendar.same_day_cutoff"),
        ('[calendar]\noffice_hours = ["07:00-12:00", "11:00-17:00"]\n', "calendar.office_hours"),
        ('[calendar]\nholiday = "VN"\n', "calendar.holiday"),
        ('[office]\ntimezone = "Mars/Olympus"\n', "office.timezone"),
    ],
)
def test_a_bad_configuration_value_is_one_line_naming_the_key(tmp_path: Path, toml: str, key: str) -> None:
    config = tmp_path / "onestop.toml"
    config.write_text(toml, encoding="utf-8")
    result = run_cli(
        "--config", str(config), "deadline", "--received-at", "2023-03-06 10:00", "--same-day", db=None, home=tmp_path
    )
    assert result.returncode == 1
    assert key in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_the_configuration_changes_the_deadline(tmp_path: Path) -> None:
    (tmp_path / "onestop.toml").write_text(
        '[calendar]\noffice_hours = ["08:00-12:00", "13:00-16:00"]\nextra_days_off = ["2023-03-07"]\n',
        encoding="utf-8",
    )  # found as ./onestop.toml in the working directory
    result = run_cli(
        "deadline", "--received-at", "2023-03-06 10:00", "--working-days", "1", "--json", db=None, home=tmp_path
    )
    assert json.loads(result.stdout)["due_at"] == "2023-03-08T16:00:00+07:00"


def test_the_calendar_lists_days_off_and_the_swapped_saturday_in_both_languages(tmp_path: Path) -> None:
    result = run_cli("calendar", "2024", "--json", db=None, home=tmp_path)
    days = {d["date"]: d for d in json.loads(result.stdout)["days"]}
    assert days["2024-05-04"]["kind"] == "swapped_working_day" and days["2024-05-04"]["working"] is True
    assert days["2024-04-29"]["working"] is False and days["2024-02-12"]["working"] is False
    english = run_cli("--lang", "en", "calendar", "2024", db=None, home=tmp_path)
    vietnamese = run_cli("calendar", "2024", db=None, home=tmp_path)
    assert "Swapped working day" in english.stdout and "Làm việc bù" in vietnamese.stdout

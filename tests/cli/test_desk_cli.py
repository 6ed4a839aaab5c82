"""The desk through its entry point, on SQLite and on PostgreSQL: Typer's runner for speed, and the real
``onestop`` console script in a subprocess where the process itself matters (the slip, ``info``, no ledger).

What a person does from the README: init a ledger, receive dossiers by each channel, walk one through
supplement, resolve and return, and read its history with the right due times (DOMAIN.md sections 4-6).
"""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from pathlib import Path

import pytest

from tests.helpers import FIVE_DAYS, OFFICE_CODE, OFFICE_NAME, cli_json, invoke_cli, run_cli

RECEIPT_KEYS = {"code", "procedure", "channel", "received_at", "due_at", "status"}


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An initialised ledger, made by ``onestop init``."""
    chosen = str(tmp_path / "ledger.db") if request.param == "sqlite" else request.getfixturevalue("pg_url")
    init = cli_json("init", "--office-code", OFFICE_CODE, "--office-name", OFFICE_NAME, db=chosen, home=tmp_path)
    assert init["office"] == {"code": OFFICE_CODE, "name": OFFICE_NAME}
    assert init["procedures"] >= 25
    return chosen


def receive(db: str, home: Path, *extra: str, applicant: str = "Nguyễn Văn An") -> dict[str, object]:
    return cli_json(
        "receive", "--procedure", FIVE_DAYS, "--applicant", applicant, "--at", "2023-03-06 09:00", *extra,
        db=db, home=home,
    )  # fmt: skip


@pytest.mark.parametrize("channel", ["direct", "postal", "level3", "level4"])
def test_receive_by_each_channel_prints_one_json_object_with_the_slip_fields(
    db: str, tmp_path: Path, channel: str
) -> None:
    slip = receive(db, tmp_path, "--channel", channel)

    assert slip.keys() >= RECEIPT_KEYS
    assert slip["code"] == f"{OFFICE_CODE}-230306-0001"
    assert (slip["procedure"], slip["channel"], slip["status"]) == (FIVE_DAYS, channel, "received")
    assert slip["received_at"] == "2023-03-06T09:00:00+07:00"
    assert slip["due_at"] == "2023-03-13T17:00:00+07:00"


def test_a_persons_tour_from_receipt_to_return_shows_the_right_due_times_and_history(db: str, tmp_path: Path) -> None:
    code = str(receive(db, tmp_path, "--channel", "direct", "--officer", "Lê Thị Mai")["code"])

    def step(*args: str) -> dict[str, object]:
        return cli_json(*args, "--officer", "Lê Thị Mai", db=db, home=tmp_path)

    asked = step("supplement", code, "--reason", "Thiếu bản sao CCCD", "--at", "2023-03-08 10:00")
    assert (asked["status"], asked["due_at"]) == ("supplement_requested", None)
    resumed = step("resume", code, "--at", "2023-03-14 09:00")
    assert (resumed["status"], resumed["due_at"]) == ("processing", "2023-03-21T17:00:00+07:00")  # from zero
    resolved = step("resolve", code, "--at", "2023-03-20 10:00")
    assert (resolved["status"], resolved["outcome"]) == ("resolved", "early")
    returned = step("return", code, "--via", "postal", "--at", "2023-03-21 08:00")
    assert (returned["status"], returned["return_via"]) == ("returned", "postal")

    shown = cli_json("show", code, db=db, home=tmp_path)
    assert shown["due_at"] == "2023-03-21T17:00:00+07:00"
    assert shown["counted_from"] == "2023-03-14T09:00:00+07:00"
    history = shown["events"]
    assert isinstance(history, list)
    assert [e["kind"] for e in history] == [
        "received", "supplement_requested", "supplement_received", "resolved", "returned",
    ]  # fmt: skip
    assert [e["occurred_at"] for e in history] == [
        "2023-03-06T09:00:00+07:00", "2023-03-08T10:00:00+07:00", "2023-03-14T09:00:00+07:00",
        "2023-03-20T10:00:00+07:00", "2023-03-21T08:00:00+07:00",
    ]  # fmt: skip
    recorded = [dt.datetime.fromisoformat(e["recorded_at"]) for e in history]
    assert recorded == sorted(recorded)
    assert all(r.tzinfo is not None for r in recorded)
    assert {e["officer"] for e in history} == {"Lê Thị Mai"}


def test_show_for_people_prints_the_slip_the_due_time_and_the_history(db: str, tmp_path: Path) -> None:
    code = str(receive(db, tmp_path, "--channel", "postal")["code"])
    assert invoke_cli("resolve", code, "--at", "2023-03-09 10:00", db=db, home=tmp_path).returncode == 0

    shown = invoke_cli("show", code, db=db, home=tmp_path)

    assert shown.returncode == 0, shown.stderr
    assert code in shown.stdout
    assert "13/03/2023 17:00" in shown.stdout
    assert "09/03/2023 10:00" in shown.stdout
    assert shown.stderr == ""


def test_the_receipt_slip_for_people_shows_the_code_and_the_appointment(db: str, tmp_path: Path) -> None:
    result = run_cli(
        "receive", "--procedure", FIVE_DAYS, "--channel", "direct", "--applicant", "Nguyễn Văn An",
        "--at", "2023-03-06 09:00", db=db, home=tmp_path,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert f"{OFFICE_CODE}-230306-0001" in result.stdout
    assert "Nguyễn Văn An" in result.stdout
    assert "13/03/2023 17:00" in result.stdout


def test_list_finds_an_applicant_whatever_the_case_and_diacritics(db: str, tmp_path: Path) -> None:
    receive(db, tmp_path, "--channel", "direct", applicant="Nguyễn Văn An")
    receive(db, tmp_path, "--channel", "direct", applicant="Trần Thị Bình")

    for query in ("nguyen van an", unicodedata.normalize("NFD", "NGUYỄN VĂN AN")):
        found = cli_json("list", "--search", query, db=db, home=tmp_path)
        assert found["count"] == 1
        assert [d["applicant"] for d in found["dossiers"]] == ["Nguyễn Văn An"]  # type: ignore[attr-defined]


def test_procedures_search_khai_sinh_lists_the_birth_registrations(db: str, tmp_path: Path) -> None:
    found = cli_json("procedures", "--search", "khai sinh", db=db, home=tmp_path)["procedures"]

    assert isinstance(found, list)
    codes = {p["code"] for p in found}
    assert "1.001193" in codes  # Đăng ký khai sinh
    assert FIVE_DAYS in codes  # Đăng ký lại khai sinh
    assert all("khai sinh" in p["name"].lower() for p in found)
    assert {"code", "name", "field", "unit", "amount", "legal_basis"} <= found[0].keys()


def test_info_prints_the_database_path(tmp_path: Path) -> None:
    path = tmp_path / "sổ" / "ledger.db"

    result = run_cli("info", db=path, home=tmp_path)

    assert result.returncode == 0, result.stderr
    assert str(path) in result.stdout
    assert not path.exists(), "info must not create a ledger"


def test_info_without_db_prints_the_per_user_default_location(tmp_path: Path) -> None:
    result = run_cli("info", "--json", db=None, home=tmp_path)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["sqlite_file"] == str(tmp_path / "xdg" / "onestop" / "onestop.db")


def test_info_of_an_initialised_ledger_shows_its_schema_revision(db: str, tmp_path: Path) -> None:
    info = cli_json("info", db=db, home=tmp_path)

    assert info["schema_revision"]
    assert info["db"] == (db if "://" in db else f"sqlite:///{db}")


@pytest.mark.parametrize("missing", ["--procedure", "--channel", "--applicant"])
def test_receive_without_a_terminal_and_a_missing_option_is_a_usage_error(
    db: str, tmp_path: Path, missing: str
) -> None:
    given = {"--procedure": FIVE_DAYS, "--channel": "direct", "--applicant": "Nguyễn Văn An"}
    del given[missing]
    args = [part for pair in given.items() for part in pair]

    result = invoke_cli("receive", *args, "--at", "2023-03-06 09:00", db=db, home=tmp_path)

    assert result.returncode == 2
    assert missing in result.stderr
    assert "Traceback" not in result.stderr
    assert cli_json("list", db=db, home=tmp_path)["count"] == 0


def test_init_twice_keeps_the_ledger_and_its_dossiers(db: str, tmp_path: Path) -> None:
    receive(db, tmp_path, "--channel", "direct")

    again = cli_json("init", "--office-code", OFFICE_CODE, db=db, home=tmp_path)

    assert again["office"]["name"] == OFFICE_NAME  # type: ignore[index]
    assert cli_json("list", db=db, home=tmp_path)["count"] == 1


def test_a_command_before_init_says_to_run_init(tmp_path: Path) -> None:
    result = run_cli("list", db=tmp_path / "empty.db", home=tmp_path)

    assert result.returncode == 1
    assert "init" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "spelling",
    [
        "2023-03-08 10:00",
        "2023-03-08T10:00+07:00",
        "2023-03-08 03:00Z",
        "08/03/2023 10:00",  # day first, as written in Vietnam
        "2023/03/08 10:00",  # year first: never read as 3 August
        "2023-3-8 10:00",
    ],
)
def test_the_at_option_reads_each_accepted_spelling_as_the_same_instant(tmp_path: Path, spelling: str) -> None:
    db = str(tmp_path / "ledger.db")
    cli_json("init", "--office-code", OFFICE_CODE, "--office-name", OFFICE_NAME, db=db, home=tmp_path)

    slip = cli_json(
        "receive", "--procedure", FIVE_DAYS, "--channel", "direct", "--applicant", "An", "--at", spelling,
        db=db, home=tmp_path,
    )  # fmt: skip

    assert slip["received_at"] == "2023-03-08T10:00:00+07:00"

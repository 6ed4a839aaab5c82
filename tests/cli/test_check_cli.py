"""``onestop check`` through its entry point: the daily job's JSON, and dossiers completed late without an apology
(RESULTS.md, section 3: such a dossier once made every later check fail with an unfilled error message)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import OFFICE_CODE, OFFICE_NAME, SAME_DAY, THREE_DAYS, cli_json, invoke_cli

CHECK_KEYS = {"as_of", "overdue", "due_today", "due_soon", "apology_needed", "waiting", "new_apologies", "late_again"}
ROW_KEYS = {"code", "procedure", "applicant", "field", "due_at", "extended_due_at", "overdue_working_days", "status"}


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "ledger.db"
    cli_json("init", "--office-code", OFFICE_CODE, "--office-name", OFFICE_NAME, db=path, home=tmp_path)
    return path


def receive(db: Path, home: Path, procedure: str, when: str) -> str:
    slip = cli_json(
        "receive", "--procedure", procedure, "--channel", "direct", "--applicant", "Nguyễn Văn An", "--at", when,
        db=db, home=home,
    )  # fmt: skip
    return str(slip["code"])


@pytest.mark.parametrize("ending", [("resolve",), ("reject", "--reason", "Không đủ điều kiện")])
def test_a_dossier_completed_late_without_an_apology_gets_one_and_the_check_succeeds(
    db: Path, tmp_path: Path, ending: tuple[str, ...]
) -> None:
    late = receive(db, tmp_path, THREE_DAYS, "2023-03-06 09:00")  # due Thu 09/03 17:00
    cli_json(ending[0], late, *ending[1:], "--at", "2023-03-14 10:00", db=db, home=tmp_path)
    overdue = receive(db, tmp_path, SAME_DAY, "2023-03-14 09:00")  # due 14/03 17:00

    found = cli_json("check", "--at", "2023-03-15 08:00", db=db, home=tmp_path)

    assert found.keys() == CHECK_KEYS
    assert sorted(found["new_apologies"]) == sorted([late, overdue]) and found["late_again"] == []
    assert [row["code"] for row in found["overdue"]] == [overdue]  # the completed one is no alert
    assert found["overdue"][0].keys() == ROW_KEYS and found["overdue"][0]["overdue_working_days"] == 1
    assert cli_json("check", "--at", "2023-03-15 08:00", db=db, home=tmp_path)["new_apologies"] == []
    assert cli_json("verify", db=db, home=tmp_path)["ok"] is True
    letter = invoke_cli("apology", late, db=db, home=tmp_path)
    assert letter.returncode == 0 and late in letter.stdout, letter.stderr

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


def test_the_slip_and_the_extension_letter_are_written_as_docx_that_open_with_their_facts(
    db: Path, tmp_path: Path
) -> None:
    from docx import Document

    code = receive(db, tmp_path, THREE_DAYS, "2023-03-06 09:00")  # due Thu 09/03/2023 17:00
    extended = cli_json(
        "extend", code, "--new-due", "2023-03-14 17:00", "--reason", "Chờ xác minh", "--signer", "Lê Hồng Sơn",
        "--at", "2023-03-08 09:00", db=db, home=tmp_path,
    )  # fmt: skip
    assert extended["code"] == code

    for command, name in (("slip", "slip.docx"), ("apology", "letter.docx")):
        run = invoke_cli(command, code, "--format", "docx", "--out", str(tmp_path / name), db=db, home=tmp_path)
        assert run.returncode == 0, run.stderr
    slip = "\n".join(p.text for p in Document(str(tmp_path / "slip.docx")).paragraphs)
    letter_doc = Document(str(tmp_path / "letter.docx"))
    letter = "\n".join(
        [p.text for p in letter_doc.paragraphs]
        + [p.text for table in letter_doc.tables for cell in table._cells for p in cell.paragraphs]
    )
    assert code in slip and "09/03/2023" in slip
    assert code in letter and "09/03/2023" in letter and "14/03/2023" in letter and "Chờ xác minh" in letter
    # The place name before the date, taken from "UBND thị trấn Bút Sơn" (Decree 30/2020/NĐ-CP, Appendix I).
    assert "Bút Sơn, ngày" in letter and "trấn Bút Sơn, ngày" not in letter

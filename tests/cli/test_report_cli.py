"""``onestop report`` through its entry point (Typer's runner, and once the real console script).

DOMAIN.md section 9: a small ledger on SQLite and on PostgreSQL, reported for 2023-Q2 (2023-03-15 … 06-14) in
every layout and format; bad input is one line on stderr and exit 1.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner, Result

from cli import app
from tests.helpers import OFFICE_NAME, THREE_DAYS, act, at, init_ledger_at, receive, run_cli

COPY = "2.000815"  # same day, certification


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A ledger with one dossier early, one late, one pending overdue at the end of 2023-Q2."""
    for name in ("ONESTOP_DB", "ONESTOP_CONFIG", "ONESTOP_LANG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'ledger.db'}" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    ledger = init_ledger_at(url)
    early = receive(ledger, received_at=at("2023-05-08 09:00"), procedure=THREE_DAYS, phone="0900000002")
    act(ledger, early.code, "resolve", when=at("2023-05-09 10:00"))
    late = receive(ledger, received_at=at("2023-05-16 09:00"), procedure=COPY, channel="level3")
    act(ledger, late.code, "resolve", when=at("2023-05-17 09:00"))
    receive(ledger, received_at=at("2023-06-05 09:00"), procedure=THREE_DAYS, channel="postal")
    ledger.engine.dispose()
    return url


def invoke(db: str, *args: str) -> Result:
    return CliRunner().invoke(app, ["--db", db, *args])


def assert_one_line_error(result: Result, *, contains: str) -> None:
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and contains in lines[0]
    assert "Traceback" not in result.output and result.stdout == ""


def test_the_summary_json_parses_and_counts_the_quarter(db: str) -> None:
    result = invoke(db, "report", "--period", "2023-Q2", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["period"] == {"label": "2023-Q2", "start": "2023-03-15", "end": "2023-06-14"}
    assert data["received"] == {
        "total": 3,
        "carried_over": 0,
        "direct": 1,
        "postal": 1,
        "level3": 1,
        "level4": 0,
    }
    assert data["resolved"] == {"total": 2, "early": 1, "on_time": 0, "late": 1}
    assert data["pending"] == {"total": 1, "not_due": 0, "overdue": 1, "waiting": 0}
    assert data["resolved_not_late_by_channel"] == {"direct": 1, "postal": 0, "level3": 0, "level4": 0}
    assert data["late_by_field"] == {"certification": 1}
    assert (data["withdrawn"], data["apologies"], data["results_published"]) == (0, 0, 0)


def test_a_bad_period_is_one_line_on_stderr_and_exit_1(db: str) -> None:
    assert_one_line_error(invoke(db, "report", "--period", "2023-Q5"), contains="2023-Q5")


@pytest.mark.parametrize(
    ("args", "contains"),
    [
        (["--period", "2023-Q2", "--from", "2023-01-01"], "--period"),
        ([], "--period"),
        (["--from", "2023-02-30", "--to", "2023-03-01"], "2023-02-30"),
        (["--from", "2023-06-01", "--to", "2023-05-01"], "2023-05-01"),
        (["--period", "2023-Q2", "--format", "pdf"], "pdf"),
        (["--period", "2023-Q2", "--layout", "bieu-07"], "bieu-07"),
        (["--period", "2023-Q2", "--format", "xlsx"], "--out"),
        (["--period", "2023-Q2", "--office", "000.99.99.X00"], "000.99.99.X00"),
    ],
)
def test_bad_report_arguments_are_one_line_errors(db: str, args: list[str], contains: str) -> None:
    assert_one_line_error(invoke(db, "report", *args), contains=contains)


def test_the_xlsx_is_written_where_asked_and_holds_the_appendix(db: str, tmp_path: Path) -> None:
    out = tmp_path / "phu-luc-01b.xlsx"
    result = invoke(db, "report", "--period", "2023-Q2", "--layout", "appendix-01b", "--format", "xlsx",
                    "--out", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert str(out) in result.stderr
    ws = load_workbook(out).active
    assert ws is not None
    values = {row[0]: row[3] for row in ws.iter_rows(min_row=5, values_only=True) if row[0]}
    assert values["3.3.1"] == 3 and values["3.3.2"] == 1 and values["3.5"] == 0


def test_csv_and_markdown_go_to_stdout_and_csv_files_carry_a_bom_for_excel(db: str, tmp_path: Path) -> None:
    result = invoke(db, "report", "--period", "2023-Q2", "--layout", "bieu-06", "--format", "csv")
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0][:3] == ["STT", "Lĩnh vực giải quyết", "Số hồ sơ nhận giải quyết: Tổng số"]
    assert rows[-1][1:3] == ["Tổng cộng", "3"]
    md = invoke(db, "report", "--period", "2023-Q2", "--layout", "appendix-01b", "--format", "md").stdout
    assert "| 3.3.1 | Số lượng hồ sơ đã tiếp nhận | Số lượng hồ sơ | 3 |  |" in md
    out = tmp_path / "b06.csv"
    invoke(db, "report", "--period", "2023-Q2", "--layout", "bieu-06", "--format", "csv", "--out", str(out))
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")


def test_the_tracking_book_json_is_one_valid_object(db: str) -> None:
    result = invoke(db, "report", "--from", "2023-05-01", "--to", "2023-05-31", "--layout", "tracking-book",
                    "--format", "json")  # fmt: skip
    data = json.loads(result.stdout)
    assert data["period"]["label"] == "2023-05-01..2023-05-31"
    assert [d["phone"] for d in data["dossiers"]] == ["0900000002", None]


def test_the_table_is_vietnamese_by_default_and_english_with_lang_en(db: str) -> None:
    vi = invoke(db, "report", "--period", "2023-Q2", "--layout", "appendix-01b")
    assert vi.exit_code == 0 and "Tiếp nhận qua BCCI" in vi.stdout and OFFICE_NAME in vi.stdout
    en = CliRunner().invoke(app, ["--db", db, "--lang", "en", "report", "--period", "2023-Q2"])
    assert en.exit_code == 0 and "Received in the period" in en.stdout


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_the_console_script_reports_a_bad_period_in_one_line(db: str, tmp_path: Path) -> None:
    result = run_cli("report", "--period", "2023-H3", db=db, home=tmp_path)
    assert result.returncode == 1 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and "2023-H3" in result.stderr

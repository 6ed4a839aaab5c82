"""The main job: the Bút Sơn demo reproduces the seed report's Phụ lục 01b from its own timestamps (DOMAIN 11)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.helpers import cli_json, run_cli


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, Any]]:
    home = tmp_path_factory.mktemp("demo")
    db = home / "demo.db"
    built = run_cli("demo", "--out", str(home / "out"), "--json", db=db, home=home)
    assert built.returncode == 0, built.stderr
    shown = run_cli("report", "--period", "2023-H1", "--format", "json", db=db, home=home)
    assert shown.returncode == 0, shown.stderr
    return home, db, json.loads(shown.stdout)


def test_the_demo_received_what_the_seed_reports_by_channel(demo: tuple[Path, Path, dict[str, Any]]) -> None:
    received = demo[2]["received"]
    assert (received["total"], received["carried_over"]) == (1157, 0)
    assert [received[c] for c in ("direct", "postal", "level3", "level4")] == [594, 2, 491, 70]


def test_the_demo_resolved_1053_early_99_on_time_and_5_late(demo: tuple[Path, Path, dict[str, Any]]) -> None:
    report = demo[2]
    assert report["resolved"] == {"total": 1157, "early": 1053, "on_time": 99, "late": 5}
    assert report["late_by_field"] == {"certification": 2, "civil_status": 3}
    assert report["resolved_by_channel"]["level3"]["late"] == 5


def test_nothing_is_pending_and_not_late_by_channel_matches(demo: tuple[Path, Path, dict[str, Any]]) -> None:
    report = demo[2]
    assert report["pending"] == {"total": 0, "not_due": 0, "overdue": 0, "waiting": 0}
    assert report["resolved_not_late_by_channel"] == {"direct": 594, "postal": 2, "level3": 486, "level4": 70}


def test_the_five_late_dossiers_got_apologies_and_every_result_was_published(
    demo: tuple[Path, Path, dict[str, Any]],
) -> None:
    assert (demo[2]["apologies"], demo[2]["results_published"], demo[2]["withdrawn"]) == (5, 1157, 0)


def test_the_demo_ledger_verifies_and_its_xlsx_holds_the_same_numbers(
    demo: tuple[Path, Path, dict[str, Any]],
) -> None:
    home, db, _ = demo
    assert cli_json("verify", db=db, home=home)["ok"] is True
    sheet = load_workbook(home / "out" / "bao-cao-2023-H1-phu-luc-01b.xlsx").active
    values = {str(row[0]).strip(): row[3] for row in sheet.iter_rows(values_only=True) if row and row[0]}
    assert values["3.3.1"] == 1157 and values["3.3.2"] == 1152 and values["3.4.2"] == 1157 and values["3.5"] == 5


def test_the_demo_is_deterministic(demo: tuple[Path, Path, dict[str, Any]], tmp_path: Path) -> None:
    home, db, _ = demo
    first = cli_json("list", "--limit", "5", db=db, home=home)
    again = tmp_path / "again.db"
    assert run_cli("demo", "--out", str(tmp_path / "out"), db=again, home=tmp_path).returncode == 0
    second = cli_json("list", "--limit", "5", db=again, home=tmp_path)
    assert [(d["code"], d["applicant"], d["due_at"]) for d in first["dossiers"]] == [
        (d["code"], d["applicant"], d["due_at"]) for d in second["dossiers"]
    ]

"""Bad input of every kind leaves the ledger byte-for-byte unchanged, with one clear line and no traceback.

Issue 3, point 5: an unknown code or procedure, an invalid transition, an event dated before the previous one
or in the future, malformed input → one line on stderr, exit 1, the database unchanged; usage errors exit 2.
Each case runs the real console script against a copy of a SQLite ledger whose WAL is checkpointed before and
after, so the main file is the whole database and its bytes can be compared.
"""

from __future__ import annotations

import difflib
import sqlite3
from pathlib import Path

import pytest

from tests.helpers import (
    FIVE_DAYS,
    OFFICE_CODE,
    act,
    at,
    checkpoint,
    copy_ledger,
    make_template,
    open_ledger,
    receive,
    run_cli,
)

RECEIVED = f"{OFFICE_CODE}-230306-0001"  # received Mon 2023-03-06 09:00
RESOLVED = f"{OFFICE_CODE}-230306-0002"  # resolved Wed 2023-03-08 10:00
WITHDRAWN = f"{OFFICE_CODE}-230306-0003"  # withdrawn Tue 2023-03-07 10:00


def receipt(
    *,
    procedure: str = FIVE_DAYS,
    channel: str = "direct",
    applicant: str = "Nguyễn Văn An",
    when: str = "2023-03-06 10:00",
) -> tuple[str, ...]:
    return ("receive", "--procedure", procedure, "--channel", channel, "--applicant", applicant, "--at", when)


BAD_INPUT: dict[str, tuple[str, ...]] = {
    "unknown dossier code": ("resolve", f"{OFFICE_CODE}-230306-9999", "--at", "2023-03-08 10:00"),
    "unknown procedure": receipt(procedure="9.999999"),
    "return before resolve": ("return", RECEIVED, "--via", "direct", "--at", "2023-03-08 10:00"),
    "resolve a withdrawn dossier": ("resolve", WITHDRAWN, "--at", "2023-03-08 10:00"),
    "supplement a withdrawn dossier": (
        "supplement",
        WITHDRAWN,
        "--reason",
        "Thiếu tờ khai",
        "--at",
        "2023-03-08",
    ),
    "resolve twice": ("resolve", RESOLVED, "--at", "2023-03-09 10:00"),
    "event before the previous one": ("resolve", RECEIVED, "--at", "2023-03-06 08:59"),
    "event in the future": ("resolve", RECEIVED, "--at", "2999-01-01 09:00"),
    "receipt in the future": receipt(when="2099-03-06 09:00"),
    "malformed date-time": ("resolve", RECEIVED, "--at", "hôm qua"),
    "impossible date": ("resolve", RECEIVED, "--at", "2023-02-30 09:00"),
    "impossible UTC offset": ("resolve", RECEIVED, "--at", "2023-03-08T10:00+25:00"),
    "receipt before the working calendar": receipt(when="2017-06-01 09:00"),
    "bad channel": receipt(channel="fax"),
    "empty applicant": receipt(applicant="   "),
    "applicant too long": receipt(applicant="A" * 500),
    "bad return route": ("return", RESOLVED, "--via", "pigeon", "--at", "2023-03-09 10:00"),
    "the officer name kept for imports": (*receipt(), "--officer", "Import"),
}

USAGE_ERRORS: dict[str, tuple[str, ...]] = {
    "receive without a terminal and without --applicant": (*receipt()[:5], "--at", "2023-03-06 10:00"),
    "an unknown option": ("resolve", RECEIVED, "--when", "2023-03-08 10:00"),
    "a missing dossier code": ("resolve",),
    "transfer without --to or --back": ("transfer", RECEIVED, "--at", "2023-03-08 10:00"),
}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ledger holding one received, one resolved and one withdrawn dossier, checkpointed."""
    path = make_template(tmp_path_factory.mktemp("template") / "ledger.db")
    ledger = open_ledger(f"sqlite:///{path}")
    codes = [
        receive(ledger, received_at=at("2023-03-06 09:00"), applicant=name).code
        for name in ("Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường")
    ]
    assert codes == [RECEIVED, RESOLVED, WITHDRAWN]
    act(ledger, RESOLVED, "resolve", when=at("2023-03-08 10:00"))
    act(ledger, WITHDRAWN, "withdraw", when=at("2023-03-07 10:00"))
    ledger.engine.dispose()
    checkpoint(path)
    return path


def dump(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def run_on_copy(template: Path, tmp_path: Path, args: tuple[str, ...]) -> tuple[int, str, str, str]:
    """Run ``onestop ARGS`` on a copy of the template; return the exit code, stderr, stdout and, if the
    database changed, a diff of its logical dump (empty when the bytes are identical)."""
    path = tmp_path / "ledger.db"
    copy_ledger(template, path)
    checkpoint(path)
    before_bytes, before_dump = path.read_bytes(), dump(path)

    result = run_cli(*args, db=path, home=tmp_path)

    checkpoint(path)
    changed = ""
    if path.read_bytes() != before_bytes:
        changed = "\n".join(difflib.unified_diff(before_dump, dump(path), lineterm="")) or "bytes differ"
    return result.returncode, result.stderr, result.stdout, changed


@pytest.mark.parametrize("args", BAD_INPUT.values(), ids=BAD_INPUT.keys())
def test_bad_input_gives_one_line_exit_1_and_leaves_the_database_byte_for_byte_unchanged(
    template: Path, tmp_path: Path, args: tuple[str, ...]
) -> None:
    code, stderr, stdout, changed = run_on_copy(template, tmp_path, args)

    assert "Traceback" not in stderr + stdout, stderr
    assert code == 1, stderr
    assert len(stderr.strip().splitlines()) == 1, stderr
    assert not changed, changed


@pytest.mark.parametrize("args", USAGE_ERRORS.values(), ids=USAGE_ERRORS.keys())
def test_a_usage_error_exits_2_without_a_traceback_and_leaves_the_database_unchanged(
    template: Path, tmp_path: Path, args: tuple[str, ...]
) -> None:
    code, stderr, stdout, changed = run_on_copy(template, tmp_path, args)

    assert "Traceback" not in stderr + stdout, stderr
    assert code == 2, stderr
    assert not changed, changed


def test_a_good_command_does_change_the_database_so_the_comparison_can_see_a_change(
    template: Path, tmp_path: Path
) -> None:
    code, stderr, _, changed = run_on_copy(template, tmp_path, ("resolve", RECEIVED, "--at", "2023-03-08 10:00"))

    assert code == 0, stderr
    assert "resolved" in changed

"""``import_csv`` against a real SQLite file and a real PostgreSQL 15 database (issue 3).

What the importer writes is what the desk would have written for the same history (the ORM's own column
formats, the same events), codes stay the ledger's, and a code already given to another dossier is that row's
error rather than a silent skip. Every test runs with the batches prepared here and in forked children (which
long files get on Linux); a child's problem is raised here, and no child outlives its import.
"""

from __future__ import annotations

import csv
import multiprocessing
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from onestop import importer
from onestop.context import Ledger
from onestop.errors import InputError, OnestopError
from onestop.i18n import t
from onestop.importer import ImportResult, RowError, import_csv
from onestop.integrity import verify_ledger
from onestop.models import Dossier
from tests.helpers import (
    NOW,
    OFFICE_CODE,
    THREE_DAYS,
    act,
    at,
    dossier,
    events,
    receive,
    snapshot,
)

HEADER = ("code", "procedure", "channel", "applicant", "address", "received_at", "resolved_at", "returned_at",
          "return_via")  # fmt: skip


@pytest.fixture(autouse=True, params=["here", "in children"])
def preparing(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Where the batches are prepared: in this process, or (as for a long file on Linux) in forked children."""
    monkeypatch.setattr(importer, "PARALLEL_FROM_BYTES", 0 if request.param == "in children" else 1 << 62)
    yield request.param
    assert multiprocessing.active_children() == []  # no child outlives its import, whatever happened


def describe(error: OnestopError) -> str:
    return t(error.key, "en", **error.params)


def export(folder: Path, *rows: dict[str, str]) -> Path:
    path = folder / "export.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, HEADER)
        writer.writeheader()
        writer.writerows(rows)
    return path


def run(ledger: Ledger, path: Path) -> ImportResult:
    return import_csv(ledger, path, now=NOW, describe=describe)


def code_taken(code: str) -> str:
    return t("import.code_taken", "en", code=code)


ROW = {"procedure": THREE_DAYS, "channel": "direct", "applicant": "Đặng Ngọc Lan", "address": "Tổ 3",
       "received_at": "2023-03-06 09:00", "resolved_at": "2023-03-08 10:00", "returned_at": "2023-03-09 08:00",
       "return_via": "postal"}  # fmt: skip


def test_a_code_already_given_at_the_desk_to_another_dossier_is_that_rows_error_and_nothing_is_written(
    ledger: Ledger, tmp_path: Path
) -> None:
    desk = receive(ledger, received_at=at("2023-03-06 08:30"), procedure=THREE_DAYS, applicant="Phạm Minh Quân")
    before = snapshot(ledger.engine)

    result = run(ledger, export(tmp_path, {**ROW, "code": desk.code}))

    assert (result.imported, result.skipped) == (0, 0)
    assert result.errors == [RowError(2, code_taken(desk.code))]
    assert snapshot(ledger.engine) == before


def test_a_row_for_the_dossier_the_desk_received_under_that_code_is_skipped(ledger: Ledger, tmp_path: Path) -> None:
    desk = receive(ledger, received_at=at("2023-03-06 09:00"), procedure=THREE_DAYS, applicant="Đặng  Ngọc Lan")

    result = run(ledger, export(tmp_path, {**ROW, "code": desk.code}))

    assert (result.imported, result.skipped, result.errors) == (0, 1, [])


def test_a_code_repeated_in_one_file_for_another_dossier_is_reported_and_a_plain_repeat_skipped(
    ledger: Ledger, tmp_path: Path
) -> None:
    code = f"{OFFICE_CODE}-230306-0001"
    first = {**ROW, "code": code}
    other = {**first, "applicant": "Bùi Thanh Tâm"}

    result = run(ledger, export(tmp_path, first, first, other))

    assert (result.imported, result.skipped) == (1, 1)
    assert result.errors == [RowError(4, code_taken(code))]
    assert dossier(ledger, code).applicant == "Đặng Ngọc Lan"
    again = run(ledger, export(tmp_path, other, first))  # in a later import: the ledger's dossier decides
    assert (again.imported, again.skipped, again.errors) == (0, 1, [RowError(2, code_taken(code))])


@pytest.mark.parametrize("batch", [1, 2])
def test_repeats_in_later_batches_are_found_whichever_process_prepared_them(
    ledger: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, batch: int
) -> None:
    """A repeat may be prepared before the batch holding its first row is written (by another child): the look
    again in the write transaction finds it, as the look before living finds it in one process."""
    monkeypatch.setattr(importer, "BATCH", batch)
    code = f"{OFFICE_CODE}-230306-0001"
    first = {**ROW, "code": code}
    refused_repeat = {**first, "resolved_at": "", "returned_at": "2023-03-09 08:00"}  # in the ledger: not lived
    rows = [first, first, {**first, "applicant": "Bùi Thanh Tâm"}, {**ROW}, refused_repeat]

    result = run(ledger, export(tmp_path, *rows))

    assert (result.imported, result.skipped, result.errors) == (1, 3, [RowError(4, code_taken(code))])
    assert verify_ledger(ledger).ok


def test_an_imported_history_is_stored_as_the_desk_stores_it_and_verifies(ledger: Ledger, tmp_path: Path) -> None:
    desk = receive(ledger, received_at=at("2023-03-06 09:00"), procedure=THREE_DAYS, applicant="Đặng Ngọc Lan")
    act(ledger, desk.code, "resolve", when=at("2023-03-08 10:00"))
    act(ledger, desk.code, "return", when=at("2023-03-09 08:00"), return_via="postal")

    result = run(ledger, export(tmp_path, {**ROW, "address": ""}, {**ROW, "applicant": "Lê Minh", "code": ""}))

    assert (result.imported, result.skipped, result.errors) == (1, 1, [])
    imported = f"{OFFICE_CODE}-230306-0002"
    assert [(e.kind, e.occurred_at, e.note) for e in events(ledger, imported)] == [
        (e.kind, e.occurred_at, e.note) for e in events(ledger, desk.code)
    ]
    assert {e.officer for e in events(ledger, imported)} == {"import"}
    with ledger.engine.connect() as conn:  # the very values the ORM stored for the desk's dossier
        rows = conn.execute(sa.select(Dossier.__table__).order_by(sa.text("id"))).all()  # type: ignore[attr-defined]
    own = ("id", "code", "seq", "applicant", "applicant_key", "address")
    columns = [c.name for c in Dossier.__table__.columns if c.name not in own]  # type: ignore[attr-defined]
    desk_row, imported_row = (row._mapping for row in rows)
    assert {c: imported_row[c] for c in columns} == {c: desk_row[c] for c in columns}
    assert verify_ledger(ledger).ok


def test_a_batch_in_which_the_ledger_cannot_be_written_leaves_nothing_behind(
    ledger: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from onestop import bulk

    original = bulk.insert_rows

    def fail_on_events(session: object, table: str, columns: object, rows: object) -> None:
        if table == "event":
            raise RuntimeError("the lights went out")
        original(session, table, columns, rows)  # type: ignore[arg-type]

    monkeypatch.setattr(bulk, "insert_rows", fail_on_events)
    before = snapshot(ledger.engine)
    with pytest.raises(RuntimeError):
        run(ledger, export(tmp_path, ROW))
    assert snapshot(ledger.engine) == before  # no dossier, no event, no counter raised


def test_rows_already_imported_are_skipped_without_living_their_steps_again(
    ledger: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = export(tmp_path, ROW, {**ROW, "code": f"{OFFICE_CODE}-230306-0002", "applicant": "Lê Minh"})
    assert run(ledger, path).imported == 2
    from onestop import lifecycle

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a skipped row was lived again")

    monkeypatch.setattr(lifecycle, "receive", refuse)
    again = run(ledger, path)
    assert (again.imported, again.skipped, again.errors) == (0, 2, [])


def test_numbers_an_export_lacks_are_not_gaps_but_a_gap_after_them_still_is(ledger: Ledger, tmp_path: Path) -> None:
    """The provincial system gave 0003 and 0004 to dossiers it never exported: verify accepts those holes below
    the highest imported number, and the desk's own numbers must still follow on without one."""
    day = f"{OFFICE_CODE}-230306-"
    rows = [{**ROW, "code": f"{day}{n:04}", "applicant": f"Người nộp {n}"} for n in (1, 2, 5)]
    assert run(ledger, export(tmp_path, *rows)).imported == 3
    desk = receive(ledger, received_at=at("2023-03-06 10:00"), procedure=THREE_DAYS, applicant="Phạm Minh Quân")
    assert desk.code == f"{day}0006"

    assert verify_ledger(ledger).ok

    with ledger.engine.begin() as conn:  # a number of the desk's lost: 0006 becomes 0008
        conn.execute(sa.text("UPDATE dossier SET seq = 8 WHERE code = :c"), {"c": desk.code})
    assert [(p.issue, p.detail) for p in verify_ledger(ledger).problems] == [("sequence", "4 dossiers numbered 1..8")]


def test_a_file_the_importer_refuses_as_a_whole_is_one_input_error_and_nothing_is_written(
    ledger: Ledger, tmp_path: Path
) -> None:
    path = tmp_path / "export.csv"
    path.write_text("code,channel,applicant\n,direct,Lê Minh\n", encoding="utf-8")
    before = snapshot(ledger.engine)
    with pytest.raises(InputError) as refused:
        run(ledger, path)
    assert (refused.value.key, refused.value.params) == ("input.csv_header", {"columns": "procedure, received_at"})
    assert snapshot(ledger.engine) == before

"""Fuzzing ``onestop.importer.import_csv`` with hypothesis (issue 7, part 5): no traceback, no partial write.

Rows start as plausible histories and are then damaged: garbage and odd Unicode in any field, impossible or
out-of-range dates, huge fields, reordered timestamps, missing columns, short rows, a BOM, CRLF. Whatever the
file, the importer either refuses the whole file for a reason of the file itself (a required column missing,
nothing written) or accounts for every row: imported with its whole history, skipped as already there, or
reported with its line number, leaving no dossier and no event behind. After it, ``verify`` passes.

Each row carries its number in the ``address`` column, which is never damaged, so that a dossier in the ledger
can be traced back to its row.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from onestop.context import Ledger
from onestop.errors import InputError, OnestopError
from onestop.i18n import t
from onestop.importer import REQUIRED, STEPS, import_csv
from onestop.integrity import verify_ledger
from onestop.text import normalise
from tests.helpers import NOW, SAME_DAY, THREE_DAYS, open_ledger, sqlite_url

STEP_COLUMNS = tuple(column for column, _ in STEPS)
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
OPTIONAL = ("code", "id_number", "phone", "due_at", "return_via", *STEP_COLUMNS)
PROCEDURES = (THREE_DAYS, SAME_DAY, "1.004884", "2.000815", "1.012812", "1.010041")
FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d")
OFFSETS = ("", "", "", "+07:00", "Z", "+00:00", "-11:30", "+14:00")
BAD_INSTANTS = (
    "2023-02-30 09:00", "2023-13-01 09:00", "2023-03-06 24:00", "2023-03-06 09:61", "06/03/2023 09:00", "hôm qua",
    "1900-01-01 09:00", "2017-12-29 09:00", "2041-01-02 09:00", "9999-12-31T23:59", "0001-01-01T00:00+01:00",
    "2023-03-06T09:00+24:00", "2023-W10-1", "NaN", "-1", "20230306", "2023-03-06 09:00 +07:00", "\x00",
)  # fmt: skip
ODD = ("", " ", "\t", "\x00", "\u200b", "\u202e", "\ufeff", "N\u0303guyê\u0303n", "😀", '"', ",", ";", "\r\n", "\\N",
       "NULL", "'; DROP TABLE dossier; --", "ǅ", "İ", "\u0301", "\u00a0Lê\u00a0", "\x1c\x1d\x1e")  # fmt: skip


class Huge(str):
    """A long field that prints short in a failure report."""

    def __repr__(self) -> str:
        return f"Huge({self[:1]!r} * {len(self)})"


CSV_FIELD_LIMIT = 131_072  # the csv module's default field_size_limit()
text = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)
huge = st.builds(lambda char, n: Huge(char * n), st.sampled_from(("x", "ễ", " ", "\n")),
                 st.sampled_from((121, 201, 301, 1_001, CSV_FIELD_LIMIT + 1)))  # fmt: skip
garbage = st.one_of(text, st.sampled_from(ODD), huge, st.sampled_from(BAD_INSTANTS))
moments = st.datetimes(min_value=dt.datetime(2019, 1, 1), max_value=dt.datetime(2024, 5, 31))


def instant_text(at: dt.datetime, fmt: str, offset: str) -> str:
    return at.strftime(fmt) + (offset if fmt != "%Y-%m-%d" else "")


@st.composite
def histories(draw: st.DrawFn) -> dict[str, str]:
    """A plausible row: a receipt, then some of the importer's steps in order, a few hours to days apart."""
    received = draw(moments)
    fmt, offset = draw(st.sampled_from(FORMATS)), draw(st.sampled_from(OFFSETS))
    row = {"procedure": draw(st.sampled_from(PROCEDURES)), "channel": draw(st.sampled_from(("direct", "postal",
           "level3", "level4"))), "applicant": draw(st.sampled_from(("Nguyễn Văn An", "Trần Thị Bình", "Lê Minh")))
           + f" {draw(st.integers(0, 99))}", "received_at": instant_text(received, fmt, offset)}  # fmt: skip
    at = received
    for column in draw(st.sampled_from((
        (), ("resolved_at",), ("resolved_at", "returned_at"), ("supplement_requested_at",),
        ("supplement_requested_at", "supplement_received_at", "resolved_at"), ("withdrawn_at",), ("rejected_at",),
        ("rejected_at", "returned_at"), ("resolved_at", "withdrawn_at"),
    ))):  # fmt: skip
        at += dt.timedelta(hours=draw(st.integers(0, 400)), minutes=draw(st.integers(0, 59)))
        row[column] = instant_text(at, fmt, offset)
    if "returned_at" in row:
        row["return_via"] = draw(st.sampled_from(("direct", "postal", "online", "")))
    return row


@st.composite
def damaged(draw: st.DrawFn, number: int) -> dict[str, str]:
    row = draw(histories())
    for _ in range(draw(st.integers(0, 2))):
        column = draw(st.sampled_from(("code", "procedure", "channel", "applicant", "id_number", "phone", "due_at",
                                       "received_at", "return_via", *STEP_COLUMNS)))  # fmt: skip
        if draw(st.booleans()) and column.endswith("_at") and row.get(column):  # reorder: swap two timestamps
            other = draw(st.sampled_from(("received_at", *STEP_COLUMNS)))
            row[column], row[other] = row.get(other, ""), row[column]
        else:
            row[column] = draw(garbage)
    row["address"] = f"row {number}"  # the row's identity: never damaged
    return row


@dataclass(frozen=True)
class Draft:
    columns: tuple[str, ...]
    rows: tuple[dict[str, str], ...]
    short: tuple[int, ...] = ()  # how many fields each row keeps (0: all)
    bom: bool = False
    crlf: bool = False

    def write(self, path: Path) -> list[tuple[int, int]]:
        """Write the file; return each row's first and last line (a quoted field may hold line breaks)."""
        out = io.StringIO(newline="")
        writer = csv.writer(out, lineterminator="\r\n" if self.crlf else "\n")
        writer.writerow(self.columns)
        for n, row in enumerate(self.rows):
            fields = [row.get(c, "") for c in self.columns]
            writer.writerow(fields[: self.kept(n) or None])
        path.write_text(("\ufeff" if self.bom else "") + out.getvalue(), encoding="utf-8", newline="")
        limit = csv.field_size_limit(sys.maxsize)  # our own reading only; restored before the importer runs
        try:
            reader = csv.reader(io.StringIO(out.getvalue(), newline=""))
            next(reader)
            spans, previous = [], reader.line_num
            for _ in reader:
                spans.append((previous + 1, reader.line_num))
                previous = reader.line_num
        finally:
            csv.field_size_limit(limit)
        assert len(spans) == len(self.rows)
        return spans

    def kept(self, number: int) -> int:
        """How many fields row ``number`` keeps (0: all of them)."""
        return self.short[number] if number < len(self.short) else 0


@st.composite
def drafts(draw: st.DrawFn) -> Draft:
    count = draw(st.integers(1, 10))
    rows = tuple(draw(damaged(n)) for n in range(count))
    optional = draw(st.lists(st.sampled_from(OPTIONAL), unique=True))
    chance = draw(st.randoms(use_true_random=False))
    required = [c for c in REQUIRED if chance.random() < 0.98]  # now and then one is missing
    others = draw(st.permutations([*required, *optional, *(["ghi_chu"] if draw(st.booleans()) else [])]))
    short = tuple(draw(st.integers(0, 1 + len(others))) if draw(st.integers(0, 9)) == 0 else 0 for _ in rows)
    return Draft(("address", *others), rows, short, draw(st.booleans()), draw(st.booleans()))


def draft_of(*rows: dict[str, str]) -> Draft:
    columns = ("address", *dict.fromkeys(k for row in rows for k in row if k != "address"))
    return Draft(tuple(columns), tuple({**row, "address": f"row {n}"} for n, row in enumerate(rows)))


GOOD = {"procedure": THREE_DAYS, "channel": "direct", "applicant": "Đặng Ngọc Lan", "received_at": "2023-03-06 09:00",
        "resolved_at": "2023-03-08 10:00"}  # fmt: skip


# --- running the importer on a fresh copy of the ledger -----------------------------------------------------------
@contextmanager
def fresh_ledger(template: Path) -> Iterator[Ledger]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(shutil.copy(template, Path(folder) / "ledger.db"))
        ledger = open_ledger(sqlite_url(path))
        try:
            yield ledger
        finally:
            ledger.engine.dispose()


def describe(error: OnestopError) -> str:
    return t(error.key, "en", **error.params)


def ledger_rows(ledger: Ledger) -> dict[int, tuple[str, int]]:
    """Row number → (applicant, number of events) of every dossier in the ledger."""
    with ledger.engine.connect() as conn:
        found = conn.execute(sa.text(
            "SELECT d.address, d.applicant, COUNT(e.id) FROM dossier d LEFT JOIN event e ON e.dossier_id = d.id "
            "GROUP BY d.id, d.address, d.applicant"
        )).all()  # fmt: skip
    rows = {int(address.removeprefix("row ")): (applicant, int(events)) for address, applicant, events in found}
    assert len(rows) == len(found), "two dossiers from one row"
    return rows


def check_import(template: Path, draft: Draft, folder: Path, *, in_child: bool = False) -> None:
    path = folder / "export.csv"
    spans = draft.write(path)
    with fresh_ledger(template) as ledger:
        try:
            result = import_csv(ledger, path, now=NOW, describe=describe, parallel=in_child)
        except InputError as refused:  # the file as a whole: only for a missing required column
            assert refused.key == "input.csv_header", f"a bad row stopped the whole import: {describe(refused)}"
            assert not set(REQUIRED) <= set(draft.columns)
            assert ledger_rows(ledger) == {}
            return
        reported = [e.line for e in result.errors]
        assert len(reported) == len(set(reported)), "a line reported twice"
        imported = ledger_rows(ledger)
        assert len(imported) == result.imported
        assert result.imported + result.skipped + len(result.errors) == len(draft.rows)
        for number, (applicant, events) in imported.items():
            first, last = spans[number]
            assert not any(first <= line <= last for line in reported), f"row {number} imported and reported"
            present = {c: draft.rows[number].get(c, "") for c in draft.columns[: draft.kept(number) or None]}
            assert applicant == normalise(present.get("applicant", ""))
            assert events == 1 + sum(1 for c in STEP_COLUMNS if (present.get(c) or "").strip())  # its whole history
        for error in result.errors:
            row = next((n for n, (first, last) in enumerate(spans) if first <= error.line <= last), None)
            assert row is not None, f"line {error.line} is no row's line"
            unfilled = set(PLACEHOLDER.findall(error.reason)) - set(PLACEHOLDER.findall(repr(draft.rows[row])))
            assert not unfilled, f"line {error.line}: {error.reason!r}"  # a message with its blanks unfilled
        problems = verify_ledger(ledger).problems
        assert not problems, problems[:5]


# Bounded: a fixed sequence of examples (derandomize) and no shrinking, so that a failure is reported as generated,
# within the same time as a pass (shrinking rows with 128 KiB fields alone takes minutes).
FUZZ = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                phases=(Phase.explicit, Phase.generate),
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.large_base_example])  # fmt: skip


@FUZZ
@given(draft=drafts(), in_child=st.booleans())  # batches prepared here, or in the child a long file gets
def test_any_export_is_imported_row_by_row_without_traceback_or_partial_write(
    template: Path, draft: Draft, in_child: bool
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        check_import(template, draft, Path(folder), in_child=in_child)


def test_an_export_of_nothing_but_a_header_imports_nothing(template: Path, tmp_path: Path) -> None:
    check_import(template, Draft(("address", *REQUIRED), ()), tmp_path)


def test_a_row_received_before_the_working_calendar_begins_is_reported_with_its_line(
    template: Path, tmp_path: Path
) -> None:
    check_import(template, draft_of(GOOD, {**GOOD, "received_at": "2017-12-29 09:00", "resolved_at": ""}), tmp_path)


def test_a_row_at_the_edge_of_representable_time_is_reported_with_its_line(template: Path, tmp_path: Path) -> None:
    check_import(template, draft_of(GOOD, {**GOOD, "received_at": "0001-01-01T00:00+01:00", "resolved_at": ""}),
                 tmp_path)  # fmt: skip


def test_a_field_beyond_the_csv_modules_limit_is_reported_with_its_line_and_the_other_rows_go_in(
    template: Path, tmp_path: Path
) -> None:
    check_import(template, draft_of(GOOD, {**GOOD, "applicant": Huge("x" * (CSV_FIELD_LIMIT + 1))}, GOOD), tmp_path)


@pytest.mark.parametrize("char", ["\n", "\r\n", '"', "ễ"])
def test_an_oversized_quoted_field_over_many_lines_is_one_reported_row_and_the_rows_after_it_go_in(
    template: Path, tmp_path: Path, char: str
) -> None:
    """The csv module stops in the middle of such a field; the rest of it must not be read as rows of its own."""
    huge = Huge((char + "x") * (CSV_FIELD_LIMIT // 2 + 1))
    check_import(template, draft_of(GOOD, {**GOOD, "applicant": huge}, {**GOOD, "applicant": "Lê Minh"},
                                    {**GOOD, "applicant": f'"{huge}'}, GOOD), tmp_path)  # fmt: skip


def test_an_oversized_field_left_open_to_the_end_of_the_file_is_reported_at_its_first_line(
    template: Path, tmp_path: Path
) -> None:
    path = tmp_path / "export.csv"
    head = ",".join(("address", *REQUIRED))
    good = f"row 0,{THREE_DAYS},direct,Lê Minh,2023-03-06 09:00"
    later = "".join(f"row {n},{THREE_DAYS},direct,Bùi Thanh Tâm {n},2023-03-06 10:00\n" for n in (2, 3))
    path.write_text(f'{head}\n{good}\nrow 1,{THREE_DAYS},direct,"{"x" * CSV_FIELD_LIMIT}\n{later}', encoding="utf-8")
    with fresh_ledger(template) as ledger:
        result = import_csv(ledger, path, now=NOW, describe=describe)
        assert (result.imported, [e.line for e in result.errors]) == (1, [3])
        assert ledger_rows(ledger) == {0: ("Lê Minh", 1)}


def test_a_row_whose_steps_the_lifecycle_refuses_is_reported_with_the_action_and_status_named(
    template: Path, tmp_path: Path
) -> None:
    """Returned without being resolved: "Cannot return dossier ...: it is 'received'", not "{action}"."""
    check_import(template, draft_of(GOOD, {**GOOD, "resolved_at": "", "returned_at": "2023-03-08 10:00"}), tmp_path)

"""Reading an export's rows (``onestop.csvrows``): after a row the csv module gives up on, reading resumes where
that row really ends, as the csv module itself would have read the file without its field size limit (hypothesis).
"""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from hypothesis import given, settings
from hypothesis import strategies as st

from onestop.csvrows import read_rows

LIMIT = 6  # a field size limit small enough for the examples to pass it often


@contextmanager
def field_limit(limit: int) -> Iterator[None]:
    previous = csv.field_size_limit(limit)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def unlimited(text: str) -> list[tuple[int, list[str]]]:
    """``(first line, fields)`` of every row, as the csv module reads them with no field size limit."""
    reader, rows = csv.reader(io.StringIO(text, newline="")), []
    with field_limit(sys.maxsize):
        while True:
            first = reader.line_num + 1
            try:
                fields = next(reader)
            except StopIteration:
                return rows
            if fields:
                rows.append((first, fields))


PIECES = ["a", "bb", "ễ", " ", ",", '"', '""', "\n", "\r\n", "\r"]
texts = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)


@settings(max_examples=500, deadline=None)
@given(text=texts)
def test_every_row_is_read_as_without_the_limit_or_reported_at_its_first_line(text: str) -> None:
    expected = unlimited(text)
    with field_limit(LIMIT):
        header, rows = read_rows(io.StringIO(text, newline=""))
        got = list(rows) if header is not None else []
    if header is None or not expected:  # the header itself was too long, or there is nothing
        assert got == []
        return
    body = expected[1:] if expected[0][0] == 1 else expected
    assert len(got) == len(body)
    for (line, fields), (first, whole) in zip(got, body, strict=True):
        if isinstance(fields, csv.Error):
            assert line == first
            assert any(len(f) > LIMIT for f in whole)
        else:
            assert fields == whole
            assert all(len(f) <= LIMIT for f in whole)

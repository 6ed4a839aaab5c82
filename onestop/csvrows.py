"""The rows of a CSV export, each with its line number; a row the csv module cannot read does not take others along.

The csv module gives up on a row in mid-read, for instance when a field passes its size limit (128 KiB); it then
starts afresh on the next line. When the oversized field is quoted and holds line breaks, the rest of it would be
read as rows of its own, and its closing quote would open a field that swallows the real rows after it. So after
such an error the row's lines are scanned again by the quoting rules alone (nothing is kept, memory stays flat)
and reading resumes on the line after the row really ends.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import TextIO

START_FIELD, IN_FIELD, QUOTED, QUOTE_IN_QUOTED = range(4)


class _Lines:
    """The file's lines, counted; the lines of the row being read are kept until it has been read."""

    def __init__(self, handle: TextIO) -> None:
        self.source = iter(handle)
        self.count = 0
        self.pending: list[str] = []

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = next(self.source)
        self.count += 1
        self.pending.append(line)
        return line

    def skip_rest_of_row(self) -> None:
        """After an error: consume the lines that still belong to the row (a quoted field left open)."""
        quoted = False
        for line in self.pending:
            quoted = ends_quoted(line, quoted=quoted)
        while quoted:
            more = next(self.source, None)
            if more is None:
                return
            self.count += 1
            quoted = ends_quoted(more, quoted=quoted)


def ends_quoted(line: str, *, quoted: bool) -> bool:
    """Whether a quoted field is still open at the end of ``line`` (the csv module's default dialect, not strict:
    a quote opens a field only at its start; inside one, ``""`` is a quote; line breaks only end lines)."""
    state, i, n = (QUOTED if quoted else START_FIELD), 0, len(line)
    while i < n:
        if state == QUOTED:
            i = line.find('"', i)
            if i < 0:
                return True
            i, state = i + 1, QUOTE_IN_QUOTED
        elif state == IN_FIELD:
            i = line.find(",", i)
            if i < 0:
                return False
            i, state = i + 1, START_FIELD
        else:  # START_FIELD, or just after a quote in a quoted field
            c = line[i]
            i += 1
            if c == '"':
                state = QUOTED
            elif c == ",":
                state = START_FIELD
            elif c in "\r\n":
                return False
            else:
                state = IN_FIELD
    return state == QUOTED


def read_rows(handle: TextIO) -> tuple[list[str] | None, Iterator[tuple[int, list[str] | csv.Error]]]:
    """The header (``None`` if unreadable) and an iterator of ``(line, fields)``, or ``(line, error)`` for a row
    that cannot be read. A row's line is its last line; an unreadable row's, the line it starts on."""
    lines = _Lines(handle)
    reader = csv.reader(lines)
    try:
        header = next(reader, None)
    except csv.Error:
        return None, iter(())
    return header, _rows(lines, reader)


def _rows(lines: _Lines, reader: Iterator[list[str]]) -> Iterator[tuple[int, list[str] | csv.Error]]:
    pending = lines.pending
    while True:
        pending.clear()
        start = lines.count + 1
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            lines.skip_rest_of_row()
            yield start, error
            continue
        if fields:  # a blank line is no row
            yield lines.count, fields

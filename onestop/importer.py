"""Bulk history from a provincial system's CSV export.

Each row is lived through the same lifecycle rules as the desk (``lifecycle.apply_action``: its transitions, the
deadline engine for every due time); the resulting dossiers and events are then written in batches, one
statement (or ``COPY``) per table, one transaction per batch, so memory stays flat and a killed import loses at
most the batch in flight. Idempotent: a row whose code (or, without a code, whose applicant, procedure and
receipt instant) is already in the ledger is skipped, before its steps are lived again; a code already used by
another dossier is reported. A bad row is reported with its line number; the rest go in.

Two stages, per batch: *prepare* (read, check, live: Python work that needs no write lock) and *write* (look
again, number, insert: in the write transaction, in file order). On Linux a long file's batches are prepared by
forked children while this process writes the batches before (``onestop.batches``); elsewhere, and for short
files, both stages run here one after the other. Either way the results are the same (the tests run both).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from operator import itemgetter
from pathlib import Path
from typing import Any, NamedTuple, Protocol, TypeVar

from sqlalchemy import select
from sqlmodel import Session, col

from onestop import bulk, lifecycle
from onestop.batches import can_fork, ctrl_c_between_batches, prepared_here, prepared_in_children, preparing_children
from onestop.context import Ledger
from onestop.csvrows import read_rows
from onestop.db import session_scope
from onestop.errors import InputError, NotFoundError, OnestopError, TransitionError
from onestop.models import Dossier, Office, Procedure
from onestop.services import IMPORT_OFFICER, check_instant, clean, dossier_code, next_number, rule_for
from onestop.text import fold
from sla.deadline import Rule

REQUIRED = ("procedure", "channel", "applicant", "received_at")
COLUMNS = (
    "code",
    "procedure",
    "channel",
    "applicant",
    "id_number",
    "phone",
    "address",
    "received_at",
    "due_at",
    "supplement_requested_at",
    "supplement_received_at",
    "resolved_at",
    "returned_at",
    "return_via",
    "rejected_at",
    "withdrawn_at",
)
# The order in which a row's timestamps become events, and the lifecycle action each one is.
STEPS = (
    ("supplement_requested_at", "supplement"),
    ("supplement_received_at", "resume"),
    ("resolved_at", "resolve"),
    ("rejected_at", "reject"),
    ("returned_at", "return"),
    ("withdrawn_at", "withdraw"),
)
BATCH = 2000
_MEMO = 50_000  # entries kept per memo of cleaned and folded text (names and addresses repeat a lot)


@dataclass
class RowError:
    line: int
    reason: str


@dataclass
class ImportResult:
    imported: int = 0
    skipped: int = 0
    errors: list[RowError] = field(default_factory=list)


class _Procedure(NamedTuple):
    """What the importer needs of a catalogue entry (plain values, read millions of times)."""

    code: str
    field: str
    rule: Rule


class _Row:
    """One row on its way in: what identifies it first, then (if it is new) its history."""

    __slots__ = ("address", "applicant", "appointment_at", "channel", "code", "events", "fields", "id_number", "key",
                 "life", "line", "phone", "procedure", "received_at", "received_on")  # fmt: skip

    def __init__(self, line: int, fields: tuple[str, ...], code: str | None, procedure: _Procedure) -> None:
        self.line, self.fields, self.code, self.procedure = line, fields, code, procedure
        self.channel = self.applicant = ""
        self.key: tuple[str, str, dt.datetime] = ("", "", dt.datetime.min)
        self.received_at = self.appointment_at = dt.datetime.min
        self.received_on = dt.date.min
        self.id_number: str | None = None
        self.phone: str | None = None
        self.address: str | None = None
        self.events: list[tuple[str, dt.datetime, str, dt.datetime | None]] = []
        self.life: lifecycle.State | None = None


class _Identified(Protocol):
    """What tells whether a row is in the ledger already."""

    @property
    def line(self) -> int: ...
    @property
    def code(self) -> str | None: ...
    @property
    def key(self) -> tuple[str, str, dt.datetime]: ...


_R = TypeVar("_R", bound=_Identified)


def count_rows(path: Path) -> int:
    with path.open("rb") as handle:
        return max(0, sum(1 for _ in handle) - 1)


PARALLEL_FROM_BYTES = 1 << 20  # a file this long (~5,000 rows) is prepared by forked children where they can be


def import_csv(
    ledger: Ledger,
    path: Path,
    *,
    now: dt.datetime,
    describe: Callable[[OnestopError], str],
    progress: Callable[[int], None] | None = None,
    parallel: bool | None = None,
) -> ImportResult:
    """Import ``path`` into ``ledger``. ``parallel``: prepare batches in forked children (``None``: when the
    platform forks and the file is long)."""
    with session_scope(ledger.engine) as session:
        office = ledger.office(session)
        procedures = {p.code: p for p in session.execute(select(Procedure)).scalars()}
    job = _Job(ledger, office, procedures, now=now, describe=describe)
    if parallel is None:
        parallel = can_fork(ledger.url) and _size(path) >= PARALLEL_FROM_BYTES
    batches = partial(_batches_of, path)
    if parallel:
        children = preparing_children()
        prepared = prepared_in_children(batches, job.prepare, engine=ledger.engine, url=ledger.url, children=children)
    else:
        prepared = prepared_here(batches, job.prepare, engine=ledger.engine)
    try:
        with ctrl_c_between_batches() as interrupted:
            for batch in prepared:
                with session_scope(ledger.engine, write=True) as session:
                    job.write(session, batch)
                if progress:
                    progress(batch.lines)
                if interrupted():
                    raise KeyboardInterrupt
    finally:
        prepared.close()
    return job.result


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # _read names the problem


def _read(path: Path) -> Iterator[tuple[int, tuple[str, ...] | csv.Error]]:
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as error:
        raise InputError("input.file", path=str(path), detail=error.strerror or str(error)) from error
    with handle:
        try:
            header, rows = read_rows(handle)
            missing = [c for c in REQUIRED if c not in (header or [])]
            if missing:
                raise InputError("input.csv_header", columns=", ".join(missing))
            assert header is not None
            pick, width = itemgetter(*_index(header)), len(header)
            for line, fields in rows:
                if isinstance(fields, list):
                    # Short rows read as empty fields; one more empty one stands for the columns the file lacks.
                    fields.extend([""] * (width - len(fields)))
                    fields.append("")
                    yield line, pick(fields)
                else:
                    yield line, fields
        except UnicodeDecodeError as error:
            raise InputError("input.file", path=str(path), detail=str(error)) from error


def _index(header: list[str]) -> list[int]:
    """For each of ``COLUMNS``, its position in the file's rows (a repeated name: the last), else the empty one."""
    where = {name: i for i, name in enumerate(header)}
    return [where.get(name, -1) for name in COLUMNS]


def _batches_of(path: Path) -> Iterator[list[tuple[int, tuple[str, ...] | csv.Error]]]:
    return _batches(_read(path))


def _batches(rows: Iterator[tuple[int, Any]]) -> Iterator[list[tuple[int, Any]]]:
    batch: list[tuple[int, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


# Positions in a row's fields once ``_read`` has put them in the order of COLUMNS.
(_CODE, _PROCEDURE, _CHANNEL, _APPLICANT, _ID_NUMBER, _PHONE, _ADDRESS, _RECEIVED_AT, _DUE_AT) = range(9)
_RETURN_VIA = COLUMNS.index("return_via")
_STEP_AT = tuple((COLUMNS.index(column), column, action) for column, action in STEPS)


class _Lived(NamedTuple):
    """A row lived through the lifecycle, in stored values: all its dossier needs but the number."""

    line: int
    code: str | None
    key: tuple[str, str, dt.datetime]
    received_on: dt.date
    day: Any  # received_on as the database stores it
    values: tuple[Any, ...]  # the dossier's stored values after ``seq`` in ``bulk.DOSSIER_COLUMNS``
    events: list[tuple[str, Any, str, Any]]  # kind, stored instant, note, stored due judged against (completions)


class _Refused(NamedTuple):
    """A row whose history the lifecycle refused: its error, unless its dossier is in the ledger by then."""

    line: int
    code: str | None
    key: tuple[str, str, dt.datetime]
    reason: str


class _Prepared(NamedTuple):
    """A batch, prepared: what could not be read, what is new, what was already in the ledger."""

    lines: int
    errors: list[RowError]
    lived: list[_Lived]
    refused: list[_Refused]
    skipped: int

    def __reduce__(self) -> tuple[Any, ...]:
        # Sent from the child as plain tuples: half the pickling time of named tuples, each way.
        rows = ([tuple(row) for row in self.lived], [tuple(row) for row in self.refused])
        return _unpickle_prepared, (self.lines, self.errors, *rows, self.skipped)


def _unpickle_prepared(
    lines: int, errors: list[RowError], lived: list[Any], refused: list[Any], skipped: int
) -> _Prepared:
    return _Prepared(lines, errors, list(map(_Lived._make, lived)), list(map(_Refused._make, refused)), skipped)


class _Job:
    """One import: the office, the catalogue, the clock and the results, and the memos that outlive a batch."""

    def __init__(
        self,
        ledger: Ledger,
        office: Office,
        procedures: dict[str, Procedure],
        *,
        now: dt.datetime,
        describe: Callable[[OnestopError], str],
    ) -> None:
        assert office.id is not None
        self.engine, self.office, self.office_id = ledger.deadlines, office, office.id
        self.procedures = {code: _Procedure(code, p.field, rule_for(p)) for code, p in procedures.items()}
        self.now, self.describe, self.tz = now, describe, ledger.deadlines.tz  # tz: read for every instant
        self.result = ImportResult()
        self.cleaned: dict[tuple[str, str], str | None] = {}
        self.folded: dict[str, str] = {}
        self.instants: dict[str, dt.datetime] = {}
        self.prefixes: dict[dt.date, str] = {}
        dialect = ledger.engine.dialect.name
        self.stored_instant = bulk.stored_instant(dialect)
        self.stored_date, self.stored_flag = bulk.stored_date(dialect), bulk.stored_flag(dialect)

    # --- a batch -------------------------------------------------------------------------------------------------
    def prepare(self, session: Session, batch: list[tuple[int, tuple[str, ...] | csv.Error]]) -> _Prepared:
        """Read, then live the rows not in the ledger yet (``session`` only reads: no write lock is held)."""
        errors: list[RowError] = []
        rows = [row for line, fields in batch if (row := self._guarded(errors, line, self._identify, line, fields))]
        fresh, skipped = self._not_in_ledger(session, rows, errors)
        lived, refused = [], []
        for row in fresh:
            problem: list[RowError] = []
            if self._guarded(problem, row.line, self._live, row):
                lived.append(self._stored(row))
            else:
                refused.append(_Refused(row.line, row.code, row.key, problem[0].reason))
        return _Prepared(len(batch), errors, lived, refused, skipped)

    def write(self, session: Session, batch: _Prepared) -> None:
        """In the write transaction: look again (a dossier may have come in since, by the desk or an earlier batch
        of this file), number the new rows and insert them."""
        errors = list(batch.errors)
        rows: list[_Lived | _Refused] = [*batch.lived, *batch.refused]
        still_new, skipped = self._not_in_ledger(session, rows, errors)
        lived = [row for row in still_new if isinstance(row, _Lived)]
        errors += [RowError(row.line, row.reason) for row in still_new if isinstance(row, _Refused)]
        new, repeated = self._once_each(lived, errors)
        if new:
            self._insert(session, new, self._assign_codes(session, new))
        self.result.imported += len(new)
        self.result.skipped += batch.skipped + skipped + repeated
        self.result.errors.extend(sorted(errors, key=lambda e: e.line))

    def _guarded(self, errors: list[RowError], line: int, step: Callable[..., Any], *args: Any) -> Any:
        """``step(*args)``, or ``None`` with the row's problem reported at its line."""
        try:
            return step(*args)
        except OnestopError as error:
            errors.append(RowError(line, self.describe(error)))
        except (OverflowError, ValueError) as error:  # a date at the edge of representable time
            errors.append(RowError(line, self.describe(InputError("input.datetime", value=str(error)))))
        return None

    # --- reading a row -------------------------------------------------------------------------------------------
    def _identify(self, line: int, fields: tuple[str, ...] | csv.Error) -> _Row:
        """What tells whether the row is in the ledger already: code, procedure, applicant, receipt."""
        if isinstance(fields, csv.Error):
            raise InputError("input.csv_row", detail=str(fields))
        procedure = self.procedures.get(fields[_PROCEDURE].strip())
        if procedure is None:
            raise NotFoundError("notfound.procedure", code=fields[_PROCEDURE])
        channel = fields[_CHANNEL].strip()
        if channel not in lifecycle.CHANNELS:
            raise InputError("input.channel", value=channel)
        row = _Row(line, fields, fields[_CODE].strip() or None, procedure)
        row.channel = channel
        row.applicant = self._clean(fields[_APPLICANT], "applicant", required=True) or ""
        received_at = self._instant(fields[_RECEIVED_AT], "received_at")
        if received_at is None:
            raise InputError("input.required", name="received_at")
        check_instant(received_at, now=self.now)
        row.received_at = received_at
        # In UTC as the ledger gives it back (and an instant at the edge of time fails here, as this row's error).
        row.key = (procedure.code, self._fold(row.applicant), received_at.astimezone(dt.UTC))
        return row

    def _live(self, row: _Row) -> bool:
        """The row's steps through the lifecycle; its dossier's values. Only for rows not in the ledger yet."""
        fields, received_at = row.fields, row.received_at
        rule = row.procedure.rule
        life = lifecycle.receive(self.engine, rule, received_at)
        events: list[tuple[str, dt.datetime, str, dt.datetime | None]] = [("received", received_at, row.channel, None)]
        for index, column, action in _STEP_AT:
            at = self._instant(fields[index], column) if fields[index] else None
            if at is None:
                continue
            check_instant(at, now=self.now, previous=life.last_event_at)
            via = (fields[_RETURN_VIA] or "direct").strip() if action == "return" else None
            if via is not None and via not in lifecycle.RETURN_ROUTES:
                raise InputError("input.return_via", value=via)
            try:
                life, kind = lifecycle.apply_action(self.engine, rule, life, action, at, return_via=via)
            except TransitionError as error:  # name the row's dossier in the message
                error.params.setdefault("code", row.code or f"#{row.line}")
                raise
            judged = life.judged_due if action in lifecycle.COMPLETING else None  # recorded by the completion only
            events.append((kind, at, via or "", judged))
        # The receipt slip's appointment, when the export has none: the statutory due, or the one before a stop.
        due = life.clock.due_at or life.clock.last_due_at
        row.appointment_at = self._instant(fields[_DUE_AT], "due_at") or due or received_at
        row.received_on = self.engine.local_date(received_at)
        row.id_number = clean(fields[_ID_NUMBER], name="id_number")  # one per person: not memoised
        row.phone = clean(fields[_PHONE], name="phone")
        row.address = self._clean(fields[_ADDRESS], "address")
        row.events, row.life = events, life
        return True

    def _instant(self, value: str, name: str) -> dt.datetime | None:
        found = self.instants.get(value)
        if found is not None:
            return found
        text = value.strip()
        if not text:
            return None
        try:
            parsed = dt.datetime.fromisoformat(text)
        except ValueError as error:
            raise InputError("input.datetime", value=f"{name}={text}") from error
        found = parsed if parsed.tzinfo else parsed.replace(tzinfo=self.tz)
        if len(self.instants) >= _MEMO:
            self.instants.clear()
        self.instants[value] = found
        return found

    def _clean(self, value: str, name: str, *, required: bool = False) -> str | None:
        found = self.cleaned.get((value, name), self)
        if found is self:
            found = clean(value, name=name, required=required)  # raises for what it refuses: nothing memoised
            if len(self.cleaned) >= _MEMO:
                self.cleaned.clear()
            self.cleaned[(value, name)] = found
        if found is None and required:
            raise InputError("input.empty", name=name)
        return found  # type: ignore[return-value]

    def _fold(self, text: str) -> str:
        found = self.folded.get(text)
        if found is None:
            if len(self.folded) >= _MEMO:
                self.folded.clear()
            found = self.folded[text] = fold(text)
        return found

    # --- in the ledger already? ----------------------------------------------------------------------------------
    def _not_in_ledger(self, session: Session, rows: list[_R], errors: list[RowError]) -> tuple[list[_R], int]:
        """Rows whose dossier is not in the ledger (by code, else by applicant, procedure and receipt), and how
        many are. A code the ledger gives another dossier (one received at the desk, another row's) is the row's
        error."""
        codes = [row.code for row in rows if row.code]
        by_code: dict[str, tuple[str, str, dt.datetime]] = {}
        if codes:
            query = select(Dossier.code, Dossier.procedure_code, Dossier.applicant_key, Dossier.received_at)  # type: ignore[call-overload]
            for code, procedure, key, received_at in session.execute(query.where(col(Dossier.code).in_(codes))):
                by_code[code] = (procedure, key, received_at)
        keys: set[tuple[str, str, dt.datetime]] = set()
        uncoded = {row.key[2] for row in rows if not row.code}
        if uncoded:
            query = select(Dossier.procedure_code, Dossier.applicant_key, Dossier.received_at)  # type: ignore[call-overload]
            keys = {tuple(key) for key in session.execute(query.where(col(Dossier.received_at).in_(uncoded)))}
        new, skipped = [], 0
        for row in rows:
            if row.code and row.code in by_code:
                skipped += self._seen_before(row, by_code[row.code], errors)
            elif not row.code and row.key in keys:
                skipped += 1
            else:
                new.append(row)
        return new, skipped

    def _seen_before(self, row: _Identified, key: tuple[str, str, dt.datetime], errors: list[RowError]) -> bool:
        """Whether the row is the dossier that has its code already (skipped); if not, the row's error."""
        if key == row.key:
            return True
        errors.append(RowError(row.line, self.describe(InputError("import.code_taken", code=row.code))))
        return False

    def _once_each(self, rows: list[_Lived], errors: list[RowError]) -> tuple[list[_Lived], int]:
        """The first of the batch's rows for one dossier (by code, else by natural key), and how many repeats
        were skipped; a code repeated for another dossier is reported."""
        codes: dict[str, tuple[str, str, dt.datetime]] = {}
        keys: set[tuple[str, str, dt.datetime]] = set()
        once, skipped = [], 0
        for row in rows:
            if row.code:
                if row.code in codes:
                    skipped += self._seen_before(row, codes[row.code], errors)
                    continue
                codes[row.code] = row.key
            elif row.key in keys:
                skipped += 1
                continue
            else:
                keys.add(row.key)
            once.append(row)
        return once, skipped

    # --- numbering and writing -----------------------------------------------------------------------------------
    def _stored(self, row: _Row) -> _Lived:
        """The lived row's dossier in stored values, in the order of ``bulk.DOSSIER_COLUMNS`` (the cached ones as
        ``services.state_values`` gives them at the desk)."""
        life, procedure, instant = row.life, row.procedure, self.stored_instant
        assert life is not None
        clock = life.clock
        values = (
            procedure.code, procedure.field, row.channel, row.applicant, row.key[1], row.id_number, row.phone,
            row.address, instant(row.received_at), instant(clock.counted_from), instant(row.appointment_at),
            instant(clock.due_at), life.status.value, self.stored_flag(life.is_open), instant(life.completed_at),
            life.outcome and life.outcome.value, instant(life.withdrawn_at), instant(life.returned_at),
            life.return_via, instant(life.waiting_since), instant(life.last_event_at),
        )  # fmt: skip
        events = [(kind, instant(at), note, instant(judged)) for kind, at, note, judged in row.events]
        return _Lived(row.line, row.code, row.key, row.received_on, self.stored_date(row.received_on), values, events)

    def _assign_codes(self, session: Session, rows: list[_Lived]) -> list[tuple[str, int]]:
        """Each row's code and daily number: the export's own when the code is ours, else the next ones."""
        numbers: list[tuple[str, int]] = [("", 0)] * len(rows)
        by_day: dict[dt.date, list[int]] = {}
        highest: dict[dt.date, int] = {}
        for i, row in enumerate(rows):
            day = row.received_on
            seq = self._own_number(row.code, day)
            if seq:
                numbers[i] = (row.code or "", seq)
                highest[day] = max(highest.get(day, 0), seq)
            else:
                by_day.setdefault(day, []).append(i)
        bulk.raise_counters(session, office_id=self.office_id, highest=highest)  # one statement for all days
        for day, group in by_day.items():
            last = next_number(
                session, office_id=self.office_id, scope="dossier", period=day.isoformat(), count=len(group)
            )
            for seq, i in enumerate(group, start=last - len(group) + 1):
                numbers[i] = (rows[i].code or dossier_code(self.office.code, day, seq), seq)
        return numbers

    def _own_number(self, code: str | None, day: dt.date) -> int | None:
        """The number in a code this office gave on the row's receipt day, written as it writes them."""
        prefix = self.prefixes.get(day)
        if prefix is None:
            prefix = self.prefixes[day] = dossier_code(self.office.code, day, 0)[:-4]
        if not code or not code.startswith(prefix):
            return None
        digits = code[len(prefix) :]
        if not (digits.isascii() and digits.isdigit()):
            return None
        seq = int(digits)
        return seq if seq > 0 and dossier_code(self.office.code, day, seq) == code else None

    def _insert(self, session: Session, rows: list[_Lived], numbers: list[tuple[str, int]]) -> None:
        """The rows' dossiers and events, one statement (or ``COPY``) per table."""
        recorded_at, office_id = self.stored_instant(self.now), self.office_id
        dossiers, events = [], []
        ids = bulk.new_dossier_ids(session, len(rows))
        for id_, row, (code, seq) in zip(ids, rows, numbers, strict=True):
            dossiers.append((id_, office_id, code, row.day, seq, *row.values))
            events += [(id_, kind, at, recorded_at, IMPORT_OFFICER, note, due) for kind, at, note, due in row.events]
        bulk.insert_rows(session, "dossier", bulk.DOSSIER_COLUMNS, dossiers)
        bulk.insert_rows(session, "event", bulk.EVENT_COLUMNS, events)

"""Bulk history from a provincial system's CSV export.

Each row is lived through the same lifecycle rules as the desk (``lifecycle.apply_action``: its transitions, the
deadline engine for every due time); the resulting dossiers and events are then written in batches, one
statement (or ``COPY``) per table, one transaction per batch, so memory stays flat and a killed import loses at
most the batch in flight. Idempotent: a row whose code (or, without a code, whose applicant, procedure and
receipt instant) is already in the ledger is skipped, before its steps are lived again; a code already used by
another dossier is reported. A bad row is reported with its line number; the rest go in.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from onestop import bulk, lifecycle
from onestop.context import Ledger
from onestop.csvrows import read_rows
from onestop.db import session_scope
from onestop.errors import InputError, NotFoundError, OnestopError, StorageError, TransitionError
from onestop.limits import named_file_size_error
from onestop.models import Dossier, Office, Procedure
from onestop.services import IMPORT_OFFICER, check_instant, clean, dossier_code, next_number, rule_for
from onestop.text import fold

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


class _Row:
    """One row on its way in: what identifies it first, then (if it is new) its history and number."""

    __slots__ = ("address", "applicant", "appointment_at", "channel", "code", "events", "fields", "id_number", "key",
                 "life", "line", "phone", "procedure", "received_at", "received_on", "seq")  # fmt: skip

    def __init__(self, line: int, fields: tuple[str, ...], code: str | None, procedure: Procedure) -> None:
        self.line, self.fields, self.code, self.procedure = line, fields, code, procedure
        self.channel = self.applicant = ""
        self.key: tuple[str, str, dt.datetime] = ("", "", dt.datetime.min)
        self.received_at = self.appointment_at = dt.datetime.min
        self.received_on = dt.date.min
        self.seq = 0
        self.id_number: str | None = None
        self.phone: str | None = None
        self.address: str | None = None
        self.events: list[tuple[str, dt.datetime, str]] = []
        self.life: lifecycle.State | None = None


def count_rows(path: Path) -> int:
    with path.open("rb") as handle:
        return max(0, sum(1 for _ in handle) - 1)


def import_csv(
    ledger: Ledger,
    path: Path,
    *,
    now: dt.datetime,
    describe: Callable[[OnestopError], str],
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    with session_scope(ledger.engine) as session:
        office = ledger.office(session)
        procedures = {p.code: p for p in session.execute(select(Procedure)).scalars()}
    job = _Job(ledger, office, procedures, now=now, describe=describe)
    try:
        for batch in _batches(_read(path)):
            job.run(batch)
            if progress:
                progress(len(batch))
    except StorageError as error:
        raise named_file_size_error(error, url=ledger.url) from error.__cause__
    return job.result


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
        self.ledger, self.engine, self.office, self.office_id = ledger, ledger.deadlines, office, office.id
        self.procedures, self.rules = procedures, {code: rule_for(p) for code, p in procedures.items()}
        self.now, self.describe, self.tz = now, describe, ledger.deadlines.tz
        self.result = ImportResult()
        self.cleaned: dict[tuple[str, str], str | None] = {}
        self.folded: dict[str, str] = {}
        self.instants: dict[str, dt.datetime] = {}
        self.prefixes: dict[dt.date, str] = {}

    # --- a batch -------------------------------------------------------------------------------------------------
    def run(self, batch: list[tuple[int, tuple[str, ...] | csv.Error]]) -> None:
        errors: list[RowError] = []
        rows = [row for line, fields in batch if (row := self._guarded(errors, line, self._identify, line, fields))]
        with session_scope(self.ledger.engine, write=True) as session:
            lived = [
                r for r in self._not_in_ledger(session, rows, errors) if self._guarded(errors, r.line, self._live, r)
            ]
            new = self._once_each(lived, errors)
            if new:
                self._assign_codes(session, new)
                self._insert(session, new)
        self.result.imported += len(new)
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
        rule = self.rules[row.procedure.code]
        life = lifecycle.receive(self.engine, rule, received_at)
        events = [("received", received_at, row.channel)]
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
            events.append((kind, at, via or ""))
        # The receipt slip's appointment, when the export has none: the statutory due, or the one before a stop.
        due = life.clock.due_at or life.clock.last_due_at
        row.appointment_at = self._instant(fields[_DUE_AT], "due_at") or due or received_at
        row.received_on = self.engine.local(received_at).date()
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
    def _not_in_ledger(self, session: Session, rows: list[_Row], errors: list[RowError]) -> list[_Row]:
        """Rows whose dossier is not in the ledger: by code, else by applicant, procedure and receipt. A code the
        ledger gives another dossier (one received at the desk, another row's) is the row's error."""
        codes = [row.code for row in rows if row.code]
        by_code: dict[str, tuple[str, str, dt.datetime]] = {}
        if codes:
            query = select(Dossier.code, Dossier.procedure_code, Dossier.applicant_key, Dossier.received_at)  # type: ignore[call-overload]
            for code, procedure, key, received_at in session.execute(query.where(col(Dossier.code).in_(codes))):
                by_code[code] = (procedure, key, received_at)
        keys: set[tuple[str, str, dt.datetime]] = set()
        uncoded = {row.received_at for row in rows if not row.code}
        if uncoded:
            query = select(Dossier.procedure_code, Dossier.applicant_key, Dossier.received_at)  # type: ignore[call-overload]
            keys = {tuple(key) for key in session.execute(query.where(col(Dossier.received_at).in_(uncoded)))}
        new = []
        for row in rows:
            if row.code and row.code in by_code:
                self._seen_before(row, by_code[row.code], errors)
            elif not row.code and row.key in keys:
                self.result.skipped += 1
            else:
                new.append(row)
        return new

    def _seen_before(self, row: _Row, key: tuple[str, str, dt.datetime], errors: list[RowError]) -> None:
        if key == row.key:
            self.result.skipped += 1
        else:
            errors.append(RowError(row.line, self.describe(InputError("import.code_taken", code=row.code))))

    def _once_each(self, rows: list[_Row], errors: list[RowError]) -> list[_Row]:
        """The first of the batch's rows for one dossier (by code, else by natural key); a repeat is skipped, a
        code repeated for another dossier reported."""
        codes: dict[str, tuple[str, str, dt.datetime]] = {}
        keys: set[tuple[str, str, dt.datetime]] = set()
        once = []
        for row in rows:
            if row.code:
                if row.code in codes:
                    self._seen_before(row, codes[row.code], errors)
                    continue
                codes[row.code] = row.key
            elif row.key in keys:
                self.result.skipped += 1
                continue
            else:
                keys.add(row.key)
            once.append(row)
        return once

    # --- numbering and writing -----------------------------------------------------------------------------------
    def _assign_codes(self, session: Session, rows: list[_Row]) -> None:
        """Give each row its daily sequence: the export's own number when the code is ours, else the next ones."""
        by_day: dict[dt.date, list[_Row]] = {}
        highest: dict[dt.date, int] = {}
        for row in rows:
            day = row.received_on
            seq = self._own_number(row.code, day)
            if seq:
                row.seq = seq
                highest[day] = max(highest.get(day, 0), seq)
            else:
                by_day.setdefault(day, []).append(row)
        bulk.raise_counters(session, office_id=self.office_id, highest=highest)  # one statement for all days
        for day, group in by_day.items():
            last = next_number(
                session, office_id=self.office_id, scope="dossier", period=day.isoformat(), count=len(group)
            )
            for offset, row in enumerate(group):
                row.seq = seq = last - len(group) + 1 + offset
                row.code = row.code or dossier_code(self.office.code, day, seq)

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

    def _insert(self, session: Session, rows: list[_Row]) -> None:
        """The rows' dossiers and events, in the order of ``bulk``'s columns (the cached ones as
        ``services.state_values`` gives them at the desk)."""
        instant, date, flag = bulk.stored_instant(session), bulk.stored_date(session), bulk.stored_flag(session)
        recorded_at, office_id = instant(self.now), self.office_id
        dossiers, events = [], []
        for id_, row in zip(bulk.new_dossier_ids(session, len(rows)), rows, strict=True):
            life, procedure = row.life, row.procedure
            assert life is not None
            clock, status = life.clock, life.status
            dossiers.append((
                id_, office_id, row.code, date(row.received_on), row.seq, procedure.code, procedure.field,
                row.channel, row.applicant, row.key[1], row.id_number, row.phone, row.address,
                instant(row.received_at), instant(clock.counted_from), instant(row.appointment_at),
                instant(clock.due_at), status.value, flag(life.is_open), instant(life.completed_at),
                life.outcome and life.outcome.value, instant(life.withdrawn_at), instant(life.returned_at),
                life.return_via, instant(life.waiting_since), instant(life.last_event_at),
            ))  # fmt: skip
            events += [(id_, kind, instant(at), recorded_at, IMPORT_OFFICER, note) for kind, at, note in row.events]
        bulk.insert_rows(session, "dossier", bulk.DOSSIER_COLUMNS, dossiers)
        bulk.insert_rows(session, "event", bulk.EVENT_COLUMNS, events)

"""Bulk history from a provincial system's CSV export.

Each row is lived through the same lifecycle rules as the desk (``lifecycle.receive`` / ``apply_action``, the
deadline engine for every due time); the resulting dossiers and events are then written in batches with one
``executemany`` per table, one transaction per batch, so memory stays flat and a killed import loses at most the
batch in flight. Idempotent: a row whose code (or, without a code, whose applicant, procedure and receipt
instant) is already in the ledger is skipped. A bad row is reported with its line number; the rest go in.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, text
from sqlmodel import Session, col

from onestop import lifecycle
from onestop.context import Ledger
from onestop.db import session_scope
from onestop.errors import InputError, OnestopError, TransitionError
from onestop.models import Dossier, Event, Office, Procedure
from onestop.services import dossier_code, rule_for
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
IMPORT_OFFICER = "import"


@dataclass
class RowError:
    line: int
    reason: str


@dataclass
class ImportResult:
    imported: int = 0
    skipped: int = 0
    errors: list[RowError] = field(default_factory=list)


@dataclass
class Prepared:
    line: int
    dossier: dict[str, Any]
    events: list[tuple[str, dt.datetime, str]]
    natural_key: tuple[str, str, str]


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
    result = ImportResult()
    with session_scope(ledger.engine) as session:
        office = ledger.office(session)
        procedures = {p.code: p for p in session.execute(select(Procedure)).scalars()}
    for batch in _batches(_read(path)):
        prepared = []
        for line, row in batch:
            try:
                prepared.append(_prepare(ledger, office, procedures, line, row, now=now))
            except OnestopError as error:
                result.errors.append(RowError(line, describe(error)))
            except (OverflowError, ValueError) as error:  # a date at the edge of representable time
                result.errors.append(RowError(line, describe(InputError("input.datetime", value=str(error)))))
        _write(ledger, office, prepared, result, now=now)
        if progress:
            progress(len(batch))
    return result


def _read(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as error:
        raise InputError("input.file", path=str(path), detail=error.strerror or str(error)) from error
    with handle:
        reader = csv.DictReader(handle)
        missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
        if missing:
            raise InputError("input.csv_header", columns=", ".join(missing))
        while True:
            line = reader.line_num + 1  # the line the next row starts on, even if reading it fails
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as error:  # one malformed row (an oversized field): report it, read on
                yield line, {"__error__": str(error)}
                continue
            except UnicodeDecodeError as error:
                raise InputError("input.file", path=str(path), detail=str(error)) from error
            yield reader.line_num, row


def _batches(rows: Iterator[tuple[int, dict[str, str]]]) -> Iterator[list[tuple[int, dict[str, str]]]]:
    batch: list[tuple[int, dict[str, str]]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _instant(value: str | None, ledger: Ledger, name: str) -> dt.datetime | None:
    if value is None or not value.strip():
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError as error:
        raise InputError("input.datetime", value=f"{name}={value}") from error
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=ledger.deadlines.tz)


def _prepare(
    ledger: Ledger,
    office: Office,
    procedures: dict[str, Procedure],
    line: int,
    row: dict[str, str],
    *,
    now: dt.datetime,
) -> Prepared:
    from onestop.services import check_instant, clean

    if "__error__" in row:
        raise InputError("input.csv_row", detail=row["__error__"])
    procedure = procedures.get((row.get("procedure") or "").strip())
    if procedure is None:
        from onestop.errors import NotFoundError

        raise NotFoundError("notfound.procedure", code=row.get("procedure") or "")
    channel = (row.get("channel") or "").strip()
    if channel not in lifecycle.CHANNELS:
        raise InputError("input.channel", value=channel)
    applicant = clean(row.get("applicant"), name="applicant", required=True) or ""
    received_at = _instant(row.get("received_at"), ledger, "received_at")
    if received_at is None:
        raise InputError("input.required", name="received_at")
    check_instant(received_at, now=now)
    engine, rule = ledger.deadlines, rule_for(procedure)
    state = lifecycle.receive(engine, rule, received_at)
    events = [("received", received_at, channel)]
    for column, action in STEPS:
        at = _instant(row.get(column), ledger, column)
        if at is None:
            continue
        check_instant(at, now=now, previous=state.last_event_at)
        via = (row.get("return_via") or "direct").strip() if action == "return" else None
        if via is not None and via not in lifecycle.RETURN_ROUTES:
            raise InputError("input.return_via", value=via)
        try:
            state, kind = _apply(engine, rule, state, action, at, via, line)
        except TransitionError as error:  # name the row's dossier in the message
            error.params.setdefault("code", (row.get("code") or "").strip() or f"#{line}")
            raise
        events.append((kind, at, via or ""))
    appointment = _instant(row.get("due_at"), ledger, "due_at") or state_due(state, received_at)
    received_on = engine.local(received_at).date()
    return Prepared(
        line=line,
        dossier={
            "code": (row.get("code") or "").strip() or None,
            "office_id": office.id,
            "received_on": received_on,
            "procedure_code": procedure.code,
            "field": procedure.field,
            "channel": channel,
            "applicant": applicant,
            "applicant_key": fold(applicant),
            "id_number": clean(row.get("id_number"), name="id_number"),
            "phone": clean(row.get("phone"), name="phone"),
            "address": clean(row.get("address"), name="address"),
            "received_at": received_at,
            "appointment_at": appointment,
            **_cached(state),
        },
        events=events,
        natural_key=(procedure.code, fold(applicant), received_at.astimezone(dt.UTC).isoformat()),
    )


def state_due(state: lifecycle.State, fallback: dt.datetime) -> dt.datetime:
    return state.clock.due_at or state.clock.last_due_at or fallback


def _apply(
    engine: Any, rule: Any, state: lifecycle.State, action: str, at: dt.datetime, via: str | None, line: int
) -> tuple[lifecycle.State, str]:
    return lifecycle.apply_action(engine, rule, state, action, at, return_via=via)


def _cached(state: lifecycle.State) -> dict[str, Any]:
    return {
        "status": state.status.value,
        "is_open": state.is_open,
        "counted_from": state.clock.counted_from,
        "due_at": state.due_at,
        "completed_at": state.completed_at,
        "outcome": state.outcome.value if state.outcome else None,
        "withdrawn_at": state.withdrawn_at,
        "returned_at": state.returned_at,
        "return_via": state.return_via,
        "waiting_since": state.waiting_since,
        "last_event_at": state.last_event_at,
    }


_OWN_CODE = re.compile(r"^(?P<office>.+)-(?P<day>\d{6})-(?P<seq>\d{4,})$")


def _write(ledger: Ledger, office: Office, rows: list[Prepared], result: ImportResult, *, now: dt.datetime) -> None:
    if not rows:
        return
    with session_scope(ledger.engine, write=True) as session:
        fresh = _not_yet_imported(session, rows)
        result.skipped += len(rows) - len(fresh)
        if not fresh:
            return
        _assign_codes(session, office, fresh)
        ids = _insert_dossiers(session, fresh)
        session.execute(
            insert(Event.__table__),  # Core, not the ORM's bulk path: plain executemany
            [
                {
                    "dossier_id": ids[p.dossier["code"]],
                    "kind": kind,
                    "occurred_at": at,
                    "recorded_at": now,
                    "officer": IMPORT_OFFICER,
                    "note": note,
                }
                for p in fresh
                for kind, at, note in p.events
            ],
        )
        result.imported += len(fresh)


def _not_yet_imported(session: Session, rows: list[Prepared]) -> list[Prepared]:
    """Rows whose dossier is not in the ledger yet (by code, else by applicant, procedure and receipt)."""
    codes = [p.dossier["code"] for p in rows if p.dossier["code"]]
    known_codes = (
        set(session.execute(select(Dossier.code).where(col(Dossier.code).in_(codes))).scalars()) if codes else set()
    )
    uncoded = [p for p in rows if not p.dossier["code"]]
    known_keys: set[tuple[str, str, str]] = set()
    if uncoded:
        instants = list({p.dossier["received_at"] for p in uncoded})
        for code_, key, at in session.execute(
            select(Dossier.procedure_code, Dossier.applicant_key, Dossier.received_at).where(
                col(Dossier.received_at).in_(instants)
            )
        ):
            known_keys.add((code_, key, at.astimezone(dt.UTC).isoformat()))
    seen: set[Any] = set()
    fresh = []
    for p in rows:
        key = p.dossier["code"] or p.natural_key
        if key in seen or (p.dossier["code"] in known_codes if p.dossier["code"] else p.natural_key in known_keys):
            continue
        seen.add(key)
        fresh.append(p)
    return fresh


def _assign_codes(session: Session, office: Office, rows: list[Prepared]) -> None:
    """Give each row its daily sequence: the export's own number when the code is ours, else the next ones."""
    by_day: dict[dt.date, list[Prepared]] = {}
    highest: dict[dt.date, int] = {}
    for p in rows:
        match = _OWN_CODE.match(p.dossier["code"] or "")
        if match and match["office"] == office.code and match["day"] == f"{p.dossier['received_on']:%y%m%d}":
            p.dossier["seq"] = int(match["seq"])
            day = p.dossier["received_on"]
            highest[day] = max(highest.get(day, 0), p.dossier["seq"])
        else:
            by_day.setdefault(p.dossier["received_on"], []).append(p)
    for day, seq in highest.items():  # one upsert per day of the batch, not one per row
        _raise_counter(session, office, day, seq)
    for day, group in by_day.items():
        last = _take_numbers(session, office, day, len(group))
        for offset, p in enumerate(group):
            p.dossier["seq"] = last - len(group) + 1 + offset
            p.dossier["code"] = p.dossier["code"] or dossier_code(office.code, day, p.dossier["seq"])


def _take_numbers(session: Session, office: Office, day: dt.date, count: int) -> int:
    return int(
        session.execute(  # type: ignore[call-overload]
            text(
                "INSERT INTO counter (office_id, scope, period, last) VALUES (:o, 'dossier', :p, :n) "
                "ON CONFLICT (office_id, scope, period) DO UPDATE SET last = counter.last + :n RETURNING last"
            ),
            {"o": office.id, "p": day.isoformat(), "n": count},
        ).scalar_one()
    )


def _raise_counter(session: Session, office: Office, day: dt.date, seq: int) -> None:
    session.execute(  # type: ignore[call-overload]
        text(
            "INSERT INTO counter (office_id, scope, period, last) VALUES (:o, 'dossier', :p, :n) "
            "ON CONFLICT (office_id, scope, period) DO UPDATE SET last = "
            "CASE WHEN counter.last < :n THEN :n ELSE counter.last END"
        ),
        {"o": office.id, "p": day.isoformat(), "n": seq},
    )


def _insert_dossiers(session: Session, rows: list[Prepared]) -> dict[str, int]:
    session.execute(insert(Dossier.__table__), [p.dossier for p in rows])
    codes = [p.dossier["code"] for p in rows]
    found = session.execute(select(Dossier.code, Dossier.id).where(col(Dossier.code).in_(codes)))  # type: ignore[call-overload]
    return {code: int(id_) for code, id_ in found}

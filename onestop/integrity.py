"""Integrity of the ledger: verify the cache against the events, back up, recalculate after a calendar change.

- ``verify``: every dossier's cached state and due time equal what its events give; codes are unique and the
  daily sequences gapless; at most one apology per dossier (Decree 61/2018 Art. 19.9).
- ``recalculate``: the government sometimes announces a swapped day or a new day off after dossiers were
  received (Labour Code 2019 Art. 112); open dossiers' due times are recomputed under the current calendar and an
  event records each change. Completed dossiers keep their classification: it was fixed when they completed.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, col, select

from onestop import lifecycle
from onestop.context import Ledger
from onestop.db import session_scope, sqlite_path
from onestop.errors import StorageError
from onestop.models import Apology, Dossier, Event, Procedure
from onestop.services import append_event, rule_for, store_state

BATCH = 2000


@dataclass
class Problem:
    code: str
    issue: str
    detail: str = ""


@dataclass
class Verification:
    dossiers: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_ledger(ledger: Ledger) -> Verification:
    result = Verification()
    with session_scope(ledger.engine) as session:
        procedures = {p.code: rule_for(p) for p in session.exec(select(Procedure))}
        last_id = 0
        while True:
            batch = list(
                session.exec(select(Dossier).where(col(Dossier.id) > last_id).order_by(col(Dossier.id)).limit(BATCH))
            )
            if not batch:
                break
            last_id = batch[-1].id or last_id
            _check_batch(session, ledger, procedures, batch, result)
        _check_sequences(session, result)
        _check_apologies(session, result)
    return result


def _check_batch(
    session: Session, ledger: Ledger, rules: dict[str, object], batch: list[Dossier], result: Verification
) -> None:
    ids = [d.id for d in batch]
    history: dict[int, list[tuple[str, dt.datetime, str]]] = defaultdict(list)
    for event in session.exec(select(Event).where(col(Event.dossier_id).in_(ids)).order_by(col(Event.id))):
        history[event.dossier_id].append((event.kind, event.occurred_at, event.note))
    for dossier in batch:
        result.dossiers += 1
        events = history.get(dossier.id or 0, [])
        if not events or events[0][0] != "received":
            result.problems.append(Problem(dossier.code, "history", "does not start with its receipt"))
            continue
        try:
            state = lifecycle.derive(ledger.deadlines, rules[dossier.procedure_code], events)  # type: ignore[arg-type]
        except Exception as error:  # a history the rules refuse is itself the finding
            result.problems.append(Problem(dossier.code, "history", str(error)))
            continue
        for name, cached, derived in _pairs(dossier, state):
            if cached != derived:
                result.problems.append(Problem(dossier.code, name, f"cached {cached} ≠ events {derived}"))


def _pairs(d: Dossier, s: lifecycle.State) -> list[tuple[str, object, object]]:
    return [
        ("status", d.status, s.status.value),
        ("due_at", d.due_at, s.due_at),
        ("completed_at", d.completed_at, s.completed_at),
        ("outcome", d.outcome, s.outcome.value if s.outcome else None),
        ("withdrawn_at", d.withdrawn_at, s.withdrawn_at),
        ("is_open", d.is_open, s.is_open),
    ]


def _check_sequences(session: Session, result: Verification) -> None:
    rows = session.exec(
        select(
            Dossier.office_id, Dossier.received_on, func.count(), func.max(Dossier.seq), func.min(Dossier.seq)
        ).group_by(col(Dossier.office_id), col(Dossier.received_on))
    )
    for office_id, day, count, highest, lowest in rows:
        if lowest != 1 or highest != count:
            result.problems.append(
                Problem(f"office {office_id} {day}", "sequence", f"{count} dossiers numbered {lowest}..{highest}")
            )
    duplicated = session.exec(select(Dossier.code).group_by(col(Dossier.code)).having(func.count() > 1))
    for code in duplicated:
        result.problems.append(Problem(code, "code", "used twice"))


def _check_apologies(session: Session, result: Verification) -> None:
    rows = session.exec(
        select(Dossier.code, func.count())
        .join(Apology, col(Apology.dossier_id) == col(Dossier.id))
        .group_by(col(Dossier.code))
        .having(func.count() > 1)
    )
    for code, count in rows:
        result.problems.append(Problem(code, "apology", f"{count} apologies"))


# --- recalculation after a calendar change ---------------------------------------------------------------------
@dataclass(frozen=True)
class Change:
    code: str
    old_due_at: dt.datetime | None
    new_due_at: dt.datetime | None


def recalculate(ledger: Ledger, *, now: dt.datetime, dry_run: bool) -> list[Change]:
    """Open dossiers whose due time differs under the current calendar; applied unless ``dry_run``."""
    changes: list[Change] = []
    with session_scope(ledger.engine, write=not dry_run) as session:
        rules = {p.code: rule_for(p) for p in session.exec(select(Procedure))}
        last_id = 0
        while True:
            batch = list(
                session.exec(
                    select(Dossier)
                    .where(col(Dossier.is_open).is_(True), col(Dossier.id) > last_id)
                    .order_by(col(Dossier.id))
                    .limit(BATCH)
                )
            )
            if not batch:
                break
            last_id = batch[-1].id or last_id
            changes += _recalculate_batch(session, ledger, rules, batch, now=now, dry_run=dry_run)
    return changes


def _recalculate_batch(
    session: Session,
    ledger: Ledger,
    rules: dict[str, object],
    batch: list[Dossier],
    *,
    now: dt.datetime,
    dry_run: bool,
) -> list[Change]:
    ids = [d.id for d in batch]
    history: dict[int, list[tuple[str, dt.datetime, str]]] = defaultdict(list)
    for event in session.exec(select(Event).where(col(Event.dossier_id).in_(ids)).order_by(col(Event.id))):
        history[event.dossier_id].append((event.kind, event.occurred_at, event.note))
    out = []
    for dossier in batch:
        state = lifecycle.derive(ledger.deadlines, rules[dossier.procedure_code], history[dossier.id or 0])  # type: ignore[arg-type]
        if state.due_at == dossier.due_at:
            continue
        out.append(Change(dossier.code, dossier.due_at, state.due_at))
        if not dry_run:
            old = dossier.due_at
            store_state(dossier, state)
            session.add(dossier)
            at = max(now, dossier.last_event_at)
            append_event(
                session,
                dossier,
                "recalculated",
                at,
                now=now,
                note=f"{old.isoformat() if old else '-'} -> {state.due_at.isoformat() if state.due_at else '-'}",
            )
            dossier.last_event_at = at
    return out


# --- backup --------------------------------------------------------------------------------------------------------
def backup_sqlite(ledger: Ledger, target: Path) -> Path:
    """SQLite's online backup: a consistent copy while desks keep working."""
    import sqlite3

    source = sqlite_path(ledger.url)
    if source is None:
        raise StorageError("storage.backup_pg", file=str(target))
    target.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return target


def restore_sqlite(ledger: Ledger, source: Path) -> Path:
    """Replace the ledger with a backup, after checking that the backup is a ledger; the old file is kept."""
    import sqlite3

    target = sqlite_path(ledger.url)
    if target is None:
        raise StorageError("storage.backup_pg", file=str(source))
    try:
        with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as conn:
            conn.execute("SELECT count(*) FROM dossier").fetchone()
    except sqlite3.Error as error:
        raise StorageError("storage.open", url=str(source), detail=str(error)) from error
    ledger.engine.dispose()
    if target.exists():
        keep = target.with_name(target.name + f".before-restore-{dt.datetime.now():%Y%m%d%H%M%S}")
        with sqlite3.connect(target) as src, sqlite3.connect(keep) as dst:
            src.backup(dst)
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return target

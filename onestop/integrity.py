"""Integrity of the ledger: verify the cache against the events, back up, recalculate after a calendar change.

- ``verify``: every dossier's cached state and due time equal what its events give; codes are unique and the
  daily sequences gapless; at most one apology per dossier (Decree 61/2018 Art. 19.9); on PostgreSQL, the report
  tally equals a recount of the dossiers.
- ``recalculate``: the government sometimes announces a swapped day or a new day off after dossiers were
  received (Labour Code 2019 Art. 112); open dossiers' due times are recomputed under the current calendar and an
  event records each change. Completed dossiers keep their classification: it was fixed when they completed.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import Table, func, insert, select, type_coerce, update
from sqlalchemy.engine import Connection
from sqlalchemy.types import NullType

from onestop import lifecycle, tally
from onestop.context import Ledger, rule_of
from onestop.db import session_scope, sqlite_path
from onestop.errors import StorageError
from onestop.models import Apology, Instant
from onestop.services import (
    DOSSIER,
    EVENT,
    IMPORT_OFFICER,
    PROCEDURE,
    Recorded,
    event_values,
    last_event_id,
    state_values,
)
from sla.classify import classify_completion
from sla.deadline import Rule

BATCH = 2000
APOLOGY: Table = Apology.__table__  # type: ignore[attr-defined]
History = list[tuple[str, dt.datetime, str]]
# What verify compares: the cached columns, in the order of ``_pairs``.
CHECKED = ("status", "due_at", "completed_at", "outcome", "withdrawn_at", "is_open")


@dataclass
class Problem:
    code: str
    issue: str
    detail: str = ""


@dataclass
class Verification:
    dossiers: int = 0
    problems: list[Problem] = field(default_factory=list)
    earlier_calendar: int = 0  # closed dossiers whose due time was fixed under a calendar changed since

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_ledger(ledger: Ledger) -> Verification:
    """Read as column tuples, a batch of dossiers (by primary key) and their events (one index range) at a time."""
    result = Verification()
    with session_scope(ledger.engine) as session:
        conn = session.connection()
        rules = _rules(conn)
        for batch in _batches(conn):
            _check_batch(ledger, rules, batch, result)
        _check_sequences(conn, result)
        _check_apologies(conn, result)
        if conn.dialect.name == "postgresql":
            _check_tally(conn, result)
    return result


def _rules(conn: Connection) -> dict[str, Rule]:
    query = select(PROCEDURE.c.code, PROCEDURE.c.unit, PROCEDURE.c.amount, PROCEDURE.c.cutoff)
    return {code: rule_of(unit, amount, cutoff) for code, unit, amount, cutoff in conn.execute(query)}


class _Batch(NamedTuple):
    dossiers: Sequence[Any]  # id, code, procedure_code, then the CHECKED columns
    histories: dict[int, History]
    judged: dict[int, dt.datetime]  # the due a completion was judged against, as its event records it


def _batches(conn: Connection) -> Iterator[_Batch]:
    columns = [DOSSIER.c.id, DOSSIER.c.code, DOSSIER.c.procedure_code, *(DOSSIER.c[name] for name in CHECKED)]
    events = select(EVENT.c.dossier_id, EVENT.c.kind, EVENT.c.occurred_at, EVENT.c.note, EVENT.c.due_at)
    last_id = 0
    while True:
        batch = conn.execute(select(*columns).where(DOSSIER.c.id > last_id).order_by(DOSSIER.c.id).limit(BATCH)).all()
        if not batch:
            return
        first_id, last_id = batch[0][0], batch[-1][0]
        histories: dict[int, History] = defaultdict(list)
        judged: dict[int, dt.datetime] = {}
        in_range = events.where(EVENT.c.dossier_id.between(first_id, last_id))
        rows = conn.execute(in_range.order_by(EVENT.c.dossier_id, EVENT.c.id))
        for dossier_id, kind, occurred_at, note, due_at in rows:
            histories[dossier_id].append((kind, occurred_at, note))
            if due_at is not None:
                judged[dossier_id] = due_at
        yield _Batch(batch, histories, judged)


def _check_batch(ledger: Ledger, rules: dict[str, Rule], batch: _Batch, result: Verification) -> None:
    for dossier_id, code, procedure_code, *cached in batch.dossiers:
        result.dossiers += 1
        events = batch.histories.get(dossier_id, [])
        if not events or events[0][0] != "received":
            result.problems.append(Problem(code, "history", "does not start with its receipt"))
            continue
        try:
            state = lifecycle.derive(ledger.deadlines, rules[procedure_code], events)
        except Exception as error:  # a history the rules refuse is itself the finding
            result.problems.append(Problem(code, "history", str(error)))
            continue
        derived = _derived(state)
        judged = batch.judged.get(dossier_id)
        if judged is not None and state.completed_at is not None:
            as_completed = _as_judged(ledger, state, judged)
            if as_completed != derived:
                result.earlier_calendar += 1  # today's calendar would judge it otherwise: its record decides
            derived = as_completed
        differ = [(n, k, d) for n, k, d in zip(CHECKED, cached, derived, strict=True) if k != d]
        if (
            differ
            and judged is None
            and _fixed_under_earlier_calendar(ledger, dict(zip(CHECKED, cached, strict=True)), differ)
        ):
            result.earlier_calendar += 1
            continue
        for name, kept, found in differ:
            result.problems.append(Problem(code, name, f"cached {kept} ≠ events {found}"))


def _as_judged(ledger: Ledger, state: lifecycle.State, judged: dt.datetime) -> tuple[object, ...]:
    """What the cache must hold for a completion judged against ``judged`` (its event's record): that due time
    while the clock ran (none while it was stopped), and the outcome it gives (Circular 01/2018 Art. 13)."""
    assert state.completed_at is not None
    outcome = classify_completion(ledger.deadlines, completed_at=state.completed_at, due_at=judged)
    due = None if state.due_at is None else judged
    return (state.status.value, due, state.completed_at, outcome.value, state.withdrawn_at, state.is_open)


def _fixed_under_earlier_calendar(ledger: Ledger, kept: dict[str, Any], differ: list[tuple[str, Any, Any]]) -> bool:
    """A closed dossier without a recorded judged due (withdrawn, or completed before migration 0006) whose cached
    due time (and outcome) differ from today's calendar only because a day off or a swapped day was announced
    after it closed: ``recalc`` leaves those alone, as their classification was fixed at completion (Circular
    01/2018 Art. 13). It holds when nothing but ``due_at`` / ``outcome`` differs and the cached outcome is what the
    cached due time gives; anything else is a finding."""
    if kept["is_open"] or any(name not in ("due_at", "outcome") for name, _, _ in differ) or kept["due_at"] is None:
        return False
    if kept["completed_at"] is None:  # withdrawn: no outcome, only the due time it had
        return kept["outcome"] is None
    outcome = classify_completion(ledger.deadlines, completed_at=kept["completed_at"], due_at=kept["due_at"])
    return bool(kept["outcome"] == outcome.value)


def _derived(s: lifecycle.State) -> tuple[object, ...]:
    outcome = s.outcome.value if s.outcome else None
    return (s.status.value, s.due_at, s.completed_at, outcome, s.withdrawn_at, s.is_open)


def _check_sequences(conn: Connection, result: Verification) -> None:
    """Codes unique; each office's daily numbers 1..N without a gap (Circular 01/2018 Art. 19), except below the
    highest number an imported export brought for that day: a provincial export may lack numbers its system gave
    to dossiers never exported (refused, deleted there), and this ledger's own numbers continue after it."""
    d = DOSSIER.c
    rows = conn.execute(
        select(d.office_id, d.received_on, func.count(), func.max(d.seq), func.min(d.seq)).group_by(
            d.office_id, d.received_on
        )
    ).all()
    for office_id, day, count, highest, lowest in rows:
        if (lowest, highest) != (1, count) and not _gaps_held_by_an_export(conn, office_id, day, highest):
            result.problems.append(
                Problem(f"office {office_id} {day}", "sequence", f"{count} dossiers numbered {lowest}..{highest}")
            )
    for code in conn.execute(select(d.code).group_by(d.code).having(func.count() > 1)).scalars():
        result.problems.append(Problem(code, "code", "used twice"))


def _gaps_held_by_an_export(conn: Connection, office_id: int, day: dt.date, highest: int) -> bool:
    """Whether every missing number of the day lies below its highest imported one (run for days with a gap)."""
    d, e = DOSSIER.c, EVENT.c
    day_rows = (d.office_id == office_id, d.received_on == day)
    imported = select(e.id).where(e.dossier_id == d.id, e.kind == "received", e.officer == IMPORT_OFFICER).exists()
    ceiling = conn.execute(select(func.max(d.seq)).where(*day_rows, imported)).scalar()
    if ceiling is None:
        return False
    above = conn.execute(select(func.count()).where(*day_rows, d.seq > ceiling)).scalar_one()
    return bool(above == highest - ceiling)


def _check_apologies(conn: Connection, result: Verification) -> None:
    apology = APOLOGY.c
    rows = conn.execute(
        select(DOSSIER.c.code, func.count())
        .join_from(DOSSIER, APOLOGY, apology.dossier_id == DOSSIER.c.id)
        .group_by(DOSSIER.c.code)
        .having(func.count() > 1)
    )
    for code, count in rows:
        result.problems.append(Problem(code, "apology", f"{count} apologies"))


def _check_tally(conn: Connection, result: Verification) -> None:
    """The report tally (PostgreSQL, migration 0005) equals a recount from the dossiers, key by key."""
    for bucket, office_id, kind, fld, channel, outcome, kept_n, kept_shown, n, shown in tally.differences(conn):
        month = bucket.astimezone(tally.ZONE)  # the reporting month from the 15th (Decree 09/2019 Art. 12)
        where = f"office {office_id} {month:%Y-%m-%d} {kind} {fld} {channel} {outcome}".rstrip()
        result.problems.append(
            Problem(where, "tally", f"kept {kept_n} ({kept_shown} published) ≠ dossiers {n} ({shown} published)")
        )


# --- recalculation after a calendar change ---------------------------------------------------------------------
@dataclass(frozen=True)
class Change:
    code: str
    old_due_at: dt.datetime | None
    new_due_at: dt.datetime | None


@dataclass(frozen=True)
class _Drift:
    """An open dossier whose events give another due time than its cached one, as read."""

    dossier_id: int
    code: str
    last_event_id: int
    last_event_at: dt.datetime
    old_due_at: dt.datetime | None
    state: lifecycle.State


def recalculate(ledger: Ledger, *, now: dt.datetime, dry_run: bool) -> list[Change]:
    """Open dossiers whose due time differs under the current calendar; applied unless ``dry_run``.

    The open dossiers and their events are read in one query ordered by id, in a read transaction; only the
    changes are then written, in one write transaction, each checked first against what desks appended since."""
    with session_scope(ledger.engine) as session:
        conn = session.connection()
        drifts = list(_drifts(conn, ledger, _rules(conn)))
    if dry_run or not drifts:
        return [Change(d.code, d.old_due_at, d.state.due_at) for d in drifts]
    with session_scope(ledger.engine, write=True) as session:
        conn = session.connection()
        return [change for d in drifts if (change := _record(conn, ledger, d, now=now)) is not None]


def _drifts(conn: Connection, ledger: Ledger, rules: dict[str, Rule]) -> Iterator[_Drift]:
    # The dossier's instants come once per event row: read raw, converted once per dossier.
    instant = Instant().process_result_value
    query = (
        select(
            DOSSIER.c.id,
            DOSSIER.c.code,
            DOSSIER.c.procedure_code,
            type_coerce(DOSSIER.c.due_at, NullType),
            type_coerce(DOSSIER.c.last_event_at, NullType),
            EVENT.c.id,
            EVENT.c.kind,
            EVENT.c.occurred_at,
            EVENT.c.note,
        )
        .join(EVENT, EVENT.c.dossier_id == DOSSIER.c.id)
        .where(DOSSIER.c.is_open.is_(True))
        .order_by(DOSSIER.c.id, EVENT.c.id)
        .execution_options(yield_per=BATCH)
    )
    for _, rows in itertools.groupby(conn.execute(query), key=itemgetter(0)):
        events = list(rows)
        dossier_id, code, procedure_code, due_at, last_event_at = events[0][:5]
        history = [(kind, occurred_at, note) for *_, kind, occurred_at, note in events]
        state = lifecycle.derive(ledger.deadlines, rules[procedure_code], history)
        due_at = instant(due_at, conn.dialect)
        if state.due_at != due_at:
            last_at = instant(last_event_at, conn.dialect)
            assert last_at is not None
            yield _Drift(dossier_id, code, events[-1][5], last_at, due_at, state)


def _record(conn: Connection, ledger: Ledger, drift: _Drift, *, now: dt.datetime) -> Change | None:
    """Write one change, unless a desk has acted on the dossier since it was read: then decide again."""
    if last_event_id(conn, drift.dossier_id) != drift.last_event_id:
        fresh = Recorded.read(conn, drift.code)
        if not fresh.dossier.is_open or fresh.last_event_id is None:
            return None
        state = lifecycle.derive(ledger.deadlines, fresh.rule, fresh.history)
        if state.due_at == fresh.dossier.due_at:
            return None
        drift = _Drift(
            drift.dossier_id, drift.code, fresh.last_event_id, fresh.dossier.last_event_at, fresh.dossier.due_at, state
        )
    old, new = drift.old_due_at, drift.state
    at = max(now, drift.last_event_at)
    conn.execute(update(DOSSIER).where(DOSSIER.c.id == drift.dossier_id), {**state_values(new), "last_event_at": at})
    note = f"{old.isoformat() if old else '-'} -> {new.due_at.isoformat() if new.due_at else '-'}"
    conn.execute(insert(EVENT), {**event_values(kind="recalculated", at=at, now=now, officer="", note=note),
                                 "dossier_id": drift.dossier_id})  # fmt: skip
    return Change(drift.code, old, new.due_at)


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

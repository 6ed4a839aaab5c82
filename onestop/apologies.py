"""Apologies and new appointments (Decree 61/2018/NĐ-CP Art. 19.9, kept by Decree 118/2025/NĐ-CP).

- The officer's ``extend``: an apology with a new appointment, notified no later than one day before the deadline;
  the appointment may be reset only once. Classification keeps using the statutory due time.
- The daily ``check``: every dossier that went overdue without an apology gets one (reason "quá hạn"), numbered
  per office and year; a dossier whose new appointment has also passed is flagged "late again", not re-apologised.
Both are idempotent under concurrency: each dossier is locked (PostgreSQL ``FOR UPDATE``; SQLite's
``BEGIN IMMEDIATE`` write lock) before its apology is looked for, and ``apology.dossier_id`` is unique.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import NamedTuple

from sqlalchemy import insert, literal_column, update
from sqlmodel import Session, col, select

from onestop import lifecycle
from onestop.context import Ledger
from onestop.errors import InputError, TransitionError
from onestop.models import Apology, Dossier, Event, Procedure
from onestop.services import (
    append_event,
    check_instant,
    clean,
    current_state,
    event_values,
    get_dossier,
    next_number,
    rule_for,
    store_state,
)
from sla.deadline import Deadlines

OVERDUE_REASON = "quá hạn"
CHUNK = 500  # dossiers per locking statement: SQLite allows 32,766 parameters, PostgreSQL 65,535


@dataclass
class CheckResult:
    as_of: dt.datetime
    new_apologies: list[str] = field(default_factory=list)  # dossier codes
    late_again: list[str] = field(default_factory=list)


def is_valid_appointment(engine: Deadlines, at: dt.datetime) -> bool:
    """In office hours of a working day, a segment's end included (17:00 is the usual appointment)."""
    return engine.deemed_receipt(at) == at or engine.is_segment_end(at)


def extend_dossier(
    session: Session,
    ledger: Ledger,
    *,
    code: str,
    new_due_at: dt.datetime,
    reason: str,
    signer: str,
    at: dt.datetime,
    now: dt.datetime,
    officer: str = "",
) -> Apology:
    """Phiếu xin lỗi và hẹn lại: one per dossier, before or after the deadline (Art. 19.9)."""
    engine = ledger.deadlines
    dossier = _locked(session, get_dossier(session, code))
    check_instant(at, now=now, previous=dossier.last_event_at)
    text = clean(reason, name="note", required=True) or ""
    if dossier.extended_due_at is not None:
        raise TransitionError("transition.second_extension", code=dossier.code)
    if dossier.due_at is None:
        raise TransitionError("transition.no_due", code=dossier.code)
    if new_due_at <= dossier.due_at:
        raise InputError("input.new_due_not_later", new=_fmt(engine, new_due_at), current=_fmt(engine, dossier.due_at))
    if not is_valid_appointment(engine, new_due_at):
        raise InputError("input.new_due_not_office_hours", new=_fmt(engine, new_due_at))
    state = current_state(session, ledger, dossier)
    new, kind = lifecycle.apply_action(
        engine, rule_for(_procedure(session, dossier)), state, "extend", at, new_due_at=new_due_at
    )
    store_state(dossier, new)
    session.add(dossier)
    append_event(session, dossier, kind, at, now=now, officer=officer, note=f"{new_due_at.isoformat()} {text}")
    apology = _apology_of(session, dossier)
    if apology is None:
        apology = _new_apology(session, ledger, dossier, kind="extension", reason=text, at=at, signer=signer)
    apology.new_due_at, apology.reason = new_due_at, text
    apology.signer = signer or apology.signer
    session.add(apology)
    return apology


def run_check(
    session: Session, ledger: Ledger, *, as_of: dt.datetime, now: dt.datetime, signer: str = ""
) -> CheckResult:
    """The daily job's writing part: apologies for overdue dossiers, and the "late again" flag."""
    result = CheckResult(as_of=as_of)
    due = _lock_unapologised(session, _overdue_without_apology(session, as_of))
    result.new_apologies = _apologise(session, ledger, due, as_of=as_of, now=now, signer=signer)
    for dossier_id in _late_again(session, as_of):  # a few a day: one at a time, through the lifecycle
        dossier = _locked(session, session.get(Dossier, dossier_id))
        if dossier is None or dossier.late_again_at is not None:
            continue
        _annotate(session, ledger, dossier, "late_again", max(as_of, dossier.last_event_at), now=now, note="")
        result.late_again.append(dossier.code)
    return result


def _overdue_without_apology(session: Session, as_of: dt.datetime) -> list[int]:
    """Open dossiers past their statutory due, and dossiers completed late, that have no apology yet.

    Each is one range of its index (migration 0003): ``ix_dossier_open_extended`` and the partial
    ``ix_dossier_late_completed``, whose condition the query must repeat as written (a literal, not a parameter).
    """
    no_apology = ~select(Apology.id).where(Apology.dossier_id == Dossier.id).exists()
    open_overdue = select(Dossier.id).where(
        col(Dossier.is_open).is_(True),
        col(Dossier.extended_due_at).is_(None),
        col(Dossier.due_at) < as_of,
        no_apology,
    )
    completed_late = select(Dossier.id).where(
        col(Dossier.outcome) == literal_column("'late'"), col(Dossier.completed_at) <= as_of, no_apology
    )
    ids = {int(i) for i in session.exec(open_overdue)} | {int(i) for i in session.exec(completed_late)}
    return sorted(ids)


class _Due(NamedTuple):
    id: int
    office_id: int
    code: str
    original_due_at: dt.datetime
    last_event_at: dt.datetime


def _lock_unapologised(session: Session, ids: list[int]) -> list[_Due]:
    """Lock the dossiers in id order (PostgreSQL ``FOR UPDATE``; SQLite's BEGIN IMMEDIATE already holds the write
    lock), then drop those a check running at the same moment apologised for while this one waited."""
    d, found = Dossier, []
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        rows = session.execute(
            select(d.id, d.office_id, d.code, d.due_at, d.appointment_at, d.last_event_at)
            .where(col(d.id).in_(chunk))
            .order_by(col(d.id))
            .with_for_update()
        ).all()
        done = set(session.exec(select(Apology.dossier_id).where(col(Apology.dossier_id).in_(chunk))))
        found += [_Due(i, o, c, due or appointment, last) for i, o, c, due, appointment, last in rows if i not in done]
    return found


def _apologise(
    session: Session, ledger: Ledger, due: list[_Due], *, as_of: dt.datetime, now: dt.datetime, signer: str
) -> list[str]:
    """Write the apologies (reason "quá hạn") and their "apologised" events in bulk: the numbers of each office
    and year are taken with one counter update, in dossier order, as one at a time would have taken them. The
    counters are taken in (office, year) order, so that two checks never wait for each other's counter rows."""
    if not due:
        return []
    engine, signer = ledger.deadlines, signer or ledger.settings.office.head
    issued = {x.id: max(as_of, x.last_event_at) for x in due}
    numbered: dict[tuple[int, int], list[_Due]] = {}
    for x in due:
        numbered.setdefault((x.office_id, engine.local(issued[x.id]).year), []).append(x)
    apologies, kind = [], lifecycle.STEPS["apologise"].kind
    for (office_id, year), dossiers in sorted(numbered.items()):
        last = next_number(session, office_id=office_id, scope="apology", period=str(year), count=len(dossiers))
        apologies += [
            {
                "office_id": office_id,
                "dossier_id": x.id,
                "year": year,
                "number": last - len(dossiers) + n,
                "kind": "overdue",
                "reason": OVERDUE_REASON,
                "original_due_at": x.original_due_at,
                "issued_at": issued[x.id],
                "signer": signer,
            }
            for n, x in enumerate(dossiers, start=1)
        ]
    session.execute(insert(Apology), apologies)
    events = [
        {**event_values(kind=kind, at=issued[x.id], now=now, officer="", note=OVERDUE_REASON), "dossier_id": x.id}
        for x in due
    ]
    session.execute(insert(Event), events)
    # "apologise" changes no state of the dossier (lifecycle.STEPS), only the instant of its last event.
    session.execute(update(Dossier), [{"id": x.id, "last_event_at": issued[x.id]} for x in due])
    return [x.code for x in due]


def _late_again(session: Session, as_of: dt.datetime) -> list[int]:
    query = select(Dossier.id).where(
        col(Dossier.is_open).is_(True),
        col(Dossier.extended_due_at) < as_of,
        col(Dossier.late_again_at).is_(None),
    )
    return sorted(int(i) for i in session.exec(query))


def _locked(session: Session, dossier: Dossier | None) -> Dossier:
    if dossier is None:
        raise TransitionError("transition.refused", action="extend", status="missing")
    # Re-read under a row lock (PostgreSQL); SQLite's BEGIN IMMEDIATE already holds the database write lock.
    locked = session.exec(
        select(Dossier).where(Dossier.id == dossier.id).with_for_update().execution_options(populate_existing=True)
    ).one()
    return locked


def _apology_of(session: Session, dossier: Dossier) -> Apology | None:
    return session.exec(select(Apology).where(Apology.dossier_id == dossier.id)).first()


def _new_apology(
    session: Session,
    ledger: Ledger,
    dossier: Dossier,
    *,
    kind: str,
    reason: str,
    at: dt.datetime,
    signer: str,
) -> Apology:
    year = ledger.deadlines.local(at).year
    number = next_number(session, office_id=dossier.office_id, scope="apology", period=str(year))
    assert (dossier.id is not None and dossier.due_at is not None) or dossier.appointment_at is not None
    apology = Apology(
        office_id=dossier.office_id,
        dossier_id=dossier.id or 0,
        year=year,
        number=number,
        kind=kind,
        reason=reason,
        original_due_at=dossier.due_at or dossier.appointment_at,
        issued_at=at,
        signer=signer or ledger.settings.office.head,
    )
    session.add(apology)
    session.flush()
    return apology


def _annotate(
    session: Session,
    ledger: Ledger,
    dossier: Dossier,
    action: str,
    at: dt.datetime,
    *,
    now: dt.datetime,
    note: str,
) -> None:
    state = current_state(session, ledger, dossier)
    new, kind = lifecycle.apply_action(ledger.deadlines, rule_for(_procedure(session, dossier)), state, action, at)
    store_state(dossier, new)
    session.add(dossier)
    append_event(session, dossier, kind, at, now=now, note=note)


def _procedure(session: Session, dossier: Dossier) -> Procedure:
    procedure = session.get(Procedure, dossier.procedure_code)
    assert procedure is not None
    return procedure


def _fmt(engine: Deadlines, at: dt.datetime) -> str:
    return engine.local(at).strftime("%d/%m/%Y %H:%M")


def apology_register(
    session: Session, *, start: dt.datetime | None, end: dt.datetime | None, office_id: int | None = None
) -> list[tuple[Apology, Dossier, str]]:
    """The register: apologies issued in [start, end), with their dossier and procedure name, by number."""
    query = (
        select(Apology, Dossier, Procedure.name)
        .join(Dossier, col(Dossier.id) == col(Apology.dossier_id))
        .join(Procedure, col(Procedure.code) == col(Dossier.procedure_code))
        .order_by(col(Apology.year), col(Apology.number))
    )
    if start is not None:
        query = query.where(col(Apology.issued_at) >= start)
    if end is not None:
        query = query.where(col(Apology.issued_at) < end)
    if office_id is not None:
        query = query.where(Apology.office_id == office_id)
    return [(a, d, name) for a, d, name in session.exec(query)]


def apology_for(session: Session, code: str) -> tuple[Apology, Dossier, str] | None:
    dossier = get_dossier(session, code)
    apology = _apology_of(session, dossier)
    if apology is None:
        return None
    return apology, dossier, _procedure(session, dossier).name

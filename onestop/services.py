"""Reception-desk services: one transaction and one appended event each, typed errors, time passed in.

Decree 61/2018/NĐ-CP Art. 17-20 (receipt, transfer, processing, return); Circular 01/2018/TT-VPCP Art. 19 (the
dossier code); DOMAIN 5 (lifecycle) and 10 (codes).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlalchemy import Table, func, insert, text, update
from sqlalchemy import select as core_select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import Session, col, select

from onestop import lifecycle
from onestop.context import Ledger, rule_of
from onestop.db import reading
from onestop.errors import InputError, NotFoundError
from onestop.models import Dossier, Event, Office, Procedure
from onestop.text import fold, normalise
from sla.classify import Outcome
from sla.deadline import Rule

FUTURE_TOLERANCE = dt.timedelta(minutes=5)  # desk PCs' clocks drift a little
IMPORT_OFFICER = "import"  # the officer of the events an imported export brings
LIMITS = {"applicant": 200, "id_number": 20, "phone": 20, "address": 300, "officer": 120, "note": 1000}
DOSSIER: Table = Dossier.__table__  # type: ignore[attr-defined]
EVENT: Table = Event.__table__  # type: ignore[attr-defined]
PROCEDURE: Table = Procedure.__table__  # type: ignore[attr-defined]
# Built once: the statements of the locked section should cost no more Python than they must.
NEXT_NUMBER = text(
    "INSERT INTO counter (office_id, scope, period, last) VALUES (:o, :s, :p, :n) "
    "ON CONFLICT (office_id, scope, period) DO UPDATE SET last = counter.last + :n RETURNING last"
)
INSERT_DOSSIER = insert(DOSSIER).returning(DOSSIER.c.id)
INSERT_EVENT = insert(EVENT)


@dataclass(frozen=True)
class Applicant:
    name: str
    id_number: str | None = None
    phone: str | None = None
    address: str | None = None


def next_number(session: Session, *, office_id: int, scope: str, period: str, count: int = 1) -> int:
    """The next number of a gapless sequence (or the last of the next ``count``, reserved together for a batch):
    an atomic upsert on the counter row (SQLite ≥ 3.35, PostgreSQL).

    The row lock (PostgreSQL) or the write lock taken by BEGIN IMMEDIATE (SQLite) makes concurrent desks wait
    for each other; a rolled-back transaction gives its numbers back, so the sequence has no gaps.
    """
    found = session.connection().execute(NEXT_NUMBER, {"o": office_id, "s": scope, "p": period, "n": count})
    return int(found.scalar_one())


def dossier_code(office_code: str, received_on: dt.date, seq: int) -> str:
    """``{office_code}-{YYMMDD}-{NNNN}`` (Circular 01/2018 Art. 19; DOMAIN 10)."""
    return f"{office_code}-{received_on:%y%m%d}-{seq:04d}"


def check_instant(at: dt.datetime, *, now: dt.datetime, previous: dt.datetime | None = None) -> None:
    if at > now + FUTURE_TOLERANCE:
        raise InputError("input.future", value=at.isoformat(timespec="minutes"))
    if previous is not None and at < previous:
        raise InputError(
            "input.before_previous",
            value=at.isoformat(timespec="minutes"),
            previous=previous.astimezone(at.tzinfo).isoformat(timespec="minutes"),
        )


def clean(value: str | None, *, name: str, required: bool = False) -> str | None:
    if value is None or not normalise(value):
        if required:
            raise InputError("input.empty", name=name)
        return None
    cleaned = normalise(value)
    if len(cleaned) > LIMITS.get(name, 1000):
        raise InputError("input.too_long", name=name, limit=LIMITS.get(name, 1000))
    return cleaned


def get_procedure(session: Session, code: str) -> Procedure:
    procedure = session.get(Procedure, code.strip())
    if procedure is None:
        raise NotFoundError("notfound.procedure", code=code)
    return procedure


def get_dossier(session: Session, code: str) -> Dossier:
    """The dossier by code (``Recorded.read`` and ``last_event_id`` are how an action reads and locks it)."""
    dossier = session.exec(select(Dossier).where(Dossier.code == code.strip())).first()
    if dossier is None:
        raise NotFoundError("notfound.dossier", code=code)
    return dossier


def rule_for(procedure: Procedure) -> Rule:
    return rule_of(procedure.unit, procedure.amount, procedure.cutoff)


def receive_dossier(
    session: Session,
    ledger: Ledger,
    *,
    office: Office,
    procedure_code: str,
    channel: str,
    applicant: Applicant,
    at: dt.datetime,
    now: dt.datetime,
    officer: str = "",
    appointment_at: dt.datetime | None = None,
) -> Dossier:
    """Tiếp nhận (Decree 61/2018 Art. 17): a new dossier with its code, due time and first event.

    Everything but the writes happens first (look-up, engine, checks); the locked part is the number, the
    dossier and its event: three statements, then the caller's commit."""
    if channel not in lifecycle.CHANNELS:
        raise InputError("input.channel", value=channel)
    check_instant(at, now=now)
    name = clean(applicant.name, name="applicant", required=True) or ""
    with reading(session) as conn:
        procedure = _procedure_row(conn, procedure_code)
    engine = ledger.deadlines
    state = lifecycle.receive(engine, rule_of(procedure.unit, procedure.amount, procedure.cutoff), at)
    received_on = engine.local_date(at)
    assert office.id is not None
    dossier = Dossier(
        office_id=office.id,
        code="",
        received_on=received_on,
        seq=0,
        procedure_code=procedure.code,
        field=procedure.field,
        channel=channel,
        applicant=name,
        applicant_key=fold(name),
        id_number=clean(applicant.id_number, name="id_number"),
        phone=clean(applicant.phone, name="phone"),
        address=clean(applicant.address, name="address"),
        received_at=at,
        counted_from=state.clock.counted_from,
        appointment_at=appointment_at or state.due_at or at,
        due_at=state.due_at,
        status=state.status.value,
        is_open=True,
        last_event_at=at,
    )
    event = event_values(kind="received", at=at, now=now, officer=officer, note=channel)
    values = {c.name: getattr(dossier, c.name) for c in DOSSIER.columns if c.name != "id"}
    # The locked section (SQLite's write lock from the first statement; PostgreSQL's counter row lock).
    seq = next_number(session, office_id=office.id, scope="dossier", period=received_on.isoformat())
    dossier.seq, dossier.code = seq, dossier_code(office.code, received_on, seq)
    values.update(seq=seq, code=dossier.code)
    conn = session.connection()
    dossier.id = conn.execute(INSERT_DOSSIER, values).scalar_one()
    conn.execute(INSERT_EVENT, {**event, "dossier_id": dossier.id})
    make_transient_to_detached(dossier)  # what it would be if it had been loaded: a copy of its row
    return dossier


def act_on_dossier(
    session: Session,
    ledger: Ledger,
    *,
    code: str,
    action: str,
    at: dt.datetime,
    now: dt.datetime,
    officer: str = "",
    note: str = "",
    return_via: str | None = None,
) -> Dossier:
    """Any lifecycle action but receipt: supplement, resume, suspend, transfer(_back), resolve, return, reject,
    withdraw. The state comes from replaying the dossier's events, then the new event is appended.

    The dossier is read and the action decided before the write lock; under the lock, if another desk has
    appended an event meanwhile, it is decided again on what is now recorded (so two desks acting on one dossier
    at once are serialised, never both recorded on the same state)."""
    if action == "return" and return_via is not None and return_via not in lifecycle.RETURN_ROUTES:
        raise InputError("input.return_via", value=return_via)
    decide = partial(_decide, ledger, action=action, at=at, now=now, officer=officer, note=note, return_via=return_via)
    with reading(session) as conn:
        seen = Recorded.read(conn, code)
    state, event = decide(seen)
    conn = session.connection()  # the write lock from here on
    if last_event_id(conn, seen.dossier.id or 0) != seen.last_event_id:
        seen = Recorded.read(conn, code)
        state, event = decide(seen)
    dossier = seen.dossier
    store_state(dossier, state)
    conn.execute(update(DOSSIER).where(DOSSIER.c.id == dossier.id), state_values(state))
    conn.execute(INSERT_EVENT, {**event, "dossier_id": dossier.id})
    return dossier


@dataclass(frozen=True)
class Recorded:
    """A dossier as recorded: its row, its procedure's rule, its events and the last one's id (which, compared
    under the write lock, tells whether anything was appended since it was read)."""

    dossier: Dossier
    rule: Rule
    history: list[tuple[str, dt.datetime, str]]
    last_event_id: int | None

    @classmethod
    def read(cls, conn: Connection, code: str) -> Recorded:
        row = conn.execute(core_select(DOSSIER).where(DOSSIER.c.code == code.strip())).first()
        if row is None:
            raise NotFoundError("notfound.dossier", code=code)
        dossier = Dossier(**row._asdict())
        make_transient_to_detached(dossier)
        procedure = _procedure_row(conn, dossier.procedure_code)
        events = conn.execute(
            core_select(EVENT.c.id, EVENT.c.kind, EVENT.c.occurred_at, EVENT.c.note)
            .where(EVENT.c.dossier_id == dossier.id)
            .order_by(EVENT.c.id)
        ).all()
        rule = rule_of(procedure.unit, procedure.amount, procedure.cutoff)
        history = [(kind, occurred_at, event_note) for _, kind, occurred_at, event_note in events]
        return cls(dossier, rule, history, events[-1][0] if events else None)


def _decide(
    ledger: Ledger,
    seen: Recorded,
    *,
    action: str,
    at: dt.datetime,
    now: dt.datetime,
    officer: str,
    note: str,
    return_via: str | None,
) -> tuple[lifecycle.State, dict[str, Any]]:
    """The new state and the event that records it; or the typed error that refuses the action."""
    check_instant(at, now=now, previous=seen.dossier.last_event_at)
    note = clean(note, name="note") or ""
    state = lifecycle.derive(ledger.deadlines, seen.rule, seen.history)
    new, kind = lifecycle.apply_action(ledger.deadlines, seen.rule, state, action, at, return_via=return_via)
    note = (new.return_via or "direct") if action == "return" else note
    judged = new.judged_due if action in lifecycle.COMPLETING else None  # recorded by the completion's event only
    event = event_values(kind=kind, at=at, now=now, officer=officer, note=note, due_at=judged)
    return classified_as_completed(seen.dossier, new), event


def classified_as_completed(dossier: Dossier, state: lifecycle.State) -> lifecycle.State:
    """A dossier completed before this action keeps the due time and the outcome it was completed with.

    The history is replayed under today's calendar, which a day off announced since the completion may have moved
    (``recalc`` moves open dossiers only). A completion is classified against the due instant in force when it
    happened (DOMAIN 7; Circular 01/2018/TT-VPCP Art. 13) and a period already reported must not change, so an
    action after it (the return of the result) never classifies it again."""
    if dossier.completed_at is None or dossier.outcome is None:
        return state
    return state._replace(outcome=Outcome(dossier.outcome), clock=state.clock._replace(due_at=dossier.due_at))


def last_event_id(conn: Connection, dossier_id: int) -> int | None:
    """Under the write lock: the dossier's row locked (PostgreSQL; SQLite's write lock already covers it), then
    the id of its last event."""
    if conn.dialect.name != "sqlite":
        conn.execute(core_select(DOSSIER.c.id).where(DOSSIER.c.id == dossier_id).with_for_update())
    found = conn.execute(core_select(func.max(EVENT.c.id)).where(EVENT.c.dossier_id == dossier_id)).scalar()
    return int(found) if found is not None else None


def _procedure_row(conn: Connection, code: str) -> Any:
    row = conn.execute(
        core_select(
            PROCEDURE.c.code, PROCEDURE.c.field, PROCEDURE.c.unit, PROCEDURE.c.amount, PROCEDURE.c.cutoff
        ).where(PROCEDURE.c.code == code.strip())
    ).first()
    if row is None:
        raise NotFoundError("notfound.procedure", code=code)
    return row


def event_values(
    *, kind: str, at: dt.datetime, now: dt.datetime, officer: str, note: str, due_at: dt.datetime | None = None
) -> dict[str, Any]:
    values = {"kind": kind, "occurred_at": at, "recorded_at": now, "officer": desk_officer(officer), "note": note}
    if due_at is not None:  # a completion: the due it was judged against (migration 0006); others leave it NULL
        values["due_at"] = due_at
    return values


def desk_officer(officer: str | None) -> str:
    """The officer named at the desk; ``import`` is kept for the events of an imported export, so that verify
    can tell the numbers an export brought from the ones this ledger gave."""
    cleaned = clean(officer, name="officer") or ""
    if cleaned.casefold() == IMPORT_OFFICER:
        raise InputError("input.reserved_officer", name=cleaned)
    return cleaned


def current_state(session: Session, ledger: Ledger, dossier: Dossier) -> lifecycle.State:
    return lifecycle.derive(ledger.deadlines, _rule(session, dossier), history_of(session, dossier))


def history_of(session: Session, dossier: Dossier) -> list[tuple[str, dt.datetime, str]]:
    events = session.exec(select(Event).where(Event.dossier_id == dossier.id).order_by(col(Event.id))).all()
    return [(e.kind, e.occurred_at, e.note) for e in events]


def events_of(session: Session, dossier: Dossier) -> list[Event]:
    return list(session.exec(select(Event).where(Event.dossier_id == dossier.id).order_by(col(Event.id))).all())


def store_state(dossier: Dossier, state: lifecycle.State) -> None:
    """Mirror a derived state into the dossier's cached columns."""
    for name, value in state_values(state).items():
        setattr(dossier, name, value)


def state_values(state: lifecycle.State) -> dict[str, Any]:
    """The cached columns of a dossier in ``state``."""
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
        "extended_due_at": state.extended_due_at,
        "late_again_at": state.late_again_at,
        "last_event_at": state.last_event_at,
    }


def _rule(session: Session, dossier: Dossier) -> Rule:
    return rule_for(get_procedure(session, dossier.procedure_code))


def _append(
    session: Session,
    dossier_id: int,
    kind: str,
    at: dt.datetime,
    *,
    now: dt.datetime,
    officer: str,
    note: str,
) -> None:
    session.add(Event(dossier_id=dossier_id, **event_values(kind=kind, at=at, now=now, officer=officer, note=note)))


def append_event(
    session: Session,
    dossier: Dossier,
    kind: str,
    at: dt.datetime,
    *,
    now: dt.datetime,
    officer: str = "",
    note: str = "",
) -> None:
    assert dossier.id is not None
    _append(session, dossier.id, kind, at, now=now, officer=officer, note=note)

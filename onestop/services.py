"""Reception-desk services: one transaction and one appended event each, typed errors, time passed in.

Decree 61/2018/NĐ-CP Art. 17-20 (receipt, transfer, processing, return); Circular 01/2018/TT-VPCP Art. 19 (the
dossier code); DOMAIN 5 (lifecycle) and 10 (codes).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import text
from sqlmodel import Session, col, select

from onestop import lifecycle
from onestop.context import Ledger, rule_of
from onestop.errors import InputError, NotFoundError
from onestop.models import Dossier, Event, Office, Procedure
from onestop.text import fold, normalise
from sla.deadline import Rule

FUTURE_TOLERANCE = dt.timedelta(minutes=5)  # desk PCs' clocks drift a little
LIMITS = {"applicant": 200, "id_number": 20, "phone": 20, "address": 300, "officer": 120, "note": 1000}


@dataclass(frozen=True)
class Applicant:
    name: str
    id_number: str | None = None
    phone: str | None = None
    address: str | None = None


def next_number(session: Session, *, office_id: int, scope: str, period: str) -> int:
    """The next number of a gapless sequence: an atomic upsert on the counter row (SQLite ≥ 3.35, PostgreSQL).

    The row lock (PostgreSQL) or the write lock taken by BEGIN IMMEDIATE (SQLite) makes concurrent desks wait
    for each other; a rolled-back transaction gives its number back, so the sequence has no gaps.
    """
    return int(
        session.execute(  # type: ignore[call-overload]
            text(
                "INSERT INTO counter (office_id, scope, period, last) VALUES (:o, :s, :p, 1) "
                "ON CONFLICT (office_id, scope, period) DO UPDATE SET last = counter.last + 1 RETURNING last"
            ),
            {"o": office_id, "s": scope, "p": period},
        ).scalar_one()
    )


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


def get_dossier(session: Session, code: str, *, lock: bool = False) -> Dossier:
    """The dossier by code; ``lock`` holds its row until commit (PostgreSQL; SQLite's write lock already does)
    so that two desks acting on one dossier at once are serialised rather than both recorded."""
    query = select(Dossier).where(Dossier.code == code.strip())
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    dossier = session.exec(query).first()
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
    """Tiếp nhận (Decree 61/2018 Art. 17): a new dossier with its code, due time and first event."""
    if channel not in lifecycle.CHANNELS:
        raise InputError("input.channel", value=channel)
    check_instant(at, now=now)
    name = clean(applicant.name, name="applicant", required=True) or ""
    procedure = get_procedure(session, procedure_code)
    engine = ledger.deadlines
    state = lifecycle.receive(engine, rule_for(procedure), at)
    received_on = engine.local(at).date()
    assert office.id is not None
    seq = next_number(session, office_id=office.id, scope="dossier", period=received_on.isoformat())
    dossier = Dossier(
        office_id=office.id,
        code=dossier_code(office.code, received_on, seq),
        received_on=received_on,
        seq=seq,
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
    session.add(dossier)
    session.flush()
    assert dossier.id is not None
    _append(session, dossier.id, "received", at, now=now, officer=officer, note=channel)
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
    withdraw. The state comes from replaying the dossier's events, then the new event is appended."""
    if action == "return" and return_via is not None and return_via not in lifecycle.RETURN_ROUTES:
        raise InputError("input.return_via", value=return_via)
    dossier = get_dossier(session, code, lock=True)
    check_instant(at, now=now, previous=dossier.last_event_at)
    note = clean(note, name="note") or ""
    state = current_state(session, ledger, dossier)
    new, kind = lifecycle.apply_action(
        ledger.deadlines, _rule(session, dossier), state, action, at, return_via=return_via
    )
    store_state(dossier, new)
    session.add(dossier)
    assert dossier.id is not None
    event_note = (new.return_via or "direct") if action == "return" else note
    _append(session, dossier.id, kind, at, now=now, officer=officer, note=event_note)
    return dossier


def current_state(session: Session, ledger: Ledger, dossier: Dossier) -> lifecycle.State:
    return lifecycle.derive(ledger.deadlines, _rule(session, dossier), history_of(session, dossier))


def history_of(session: Session, dossier: Dossier) -> list[tuple[str, dt.datetime, str]]:
    events = session.exec(select(Event).where(Event.dossier_id == dossier.id).order_by(col(Event.id))).all()
    return [(e.kind, e.occurred_at, e.note) for e in events]


def events_of(session: Session, dossier: Dossier) -> list[Event]:
    return list(session.exec(select(Event).where(Event.dossier_id == dossier.id).order_by(col(Event.id))).all())


def store_state(dossier: Dossier, state: lifecycle.State) -> None:
    """Mirror a derived state into the dossier's cached columns."""
    dossier.status = state.status.value
    dossier.is_open = state.is_open
    dossier.counted_from = state.clock.counted_from
    dossier.due_at = state.due_at
    dossier.completed_at = state.completed_at
    dossier.outcome = state.outcome.value if state.outcome else None
    dossier.withdrawn_at = state.withdrawn_at
    dossier.returned_at = state.returned_at
    dossier.return_via = state.return_via
    dossier.waiting_since = state.waiting_since
    dossier.extended_due_at = state.extended_due_at
    dossier.late_again_at = state.late_again_at
    dossier.last_event_at = state.last_event_at


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
    session.add(
        Event(
            dossier_id=dossier_id,
            kind=kind,
            occurred_at=at,
            recorded_at=now,
            officer=clean(officer, name="officer") or "",
            note=note,
        )
    )


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

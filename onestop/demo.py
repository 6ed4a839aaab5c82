"""The Bút Sơn demo: a synthetic H1 2023 ledger (1,157 dossiers) lived through day by day.

Every dossier is received, resolved and returned through the real services, in time order, and the daily check
runs each working morning at 07:30 as the scheduler would. The generator only chooses *when* things happen (a
completion before the due day, on the due day, or after the due instant); the report's figures then come from the
engine's classification of those timestamps. Targets: the seed report's Phụ lục 01b (DOMAIN 11).
Names, ID numbers and phone numbers are synthetic.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, select

from onestop.alerts import Alerts, collect_alerts
from onestop.apologies import run_check
from onestop.context import Ledger
from onestop.db import session_scope
from onestop.models import Office, Procedure
from onestop.services import Applicant, act_on_dossier, receive_dossier
from sla.deadline import Deadlines

SEED = 20230614
OFFICE_CODE = "000.22.15.H56"
OFFICE_NAME = "UBND thị trấn Bút Sơn"
PERIOD_START = dt.date(2022, 12, 15)  # Decree 09/2019 Art. 12: H1 2023 = 2022-12-15 … 2023-06-14
PERIOD_END = dt.date(2023, 6, 14)
CHECK_TIME = dt.time(7, 30)
ALERT_DAY_HINT = dt.date(2023, 3, 15)

# DOMAIN 11 (the seed's Phụ lục 01b): received by channel, and how many were late (all level 3).
CHANNELS = {"direct": 594, "postal": 2, "level3": 491, "level4": 70}
ON_TIME = 99
LATE = (
    ("certification", "level3"),
    ("certification", "level3"),
    ("civil_status", "level3"),
    ("civil_status", "level3"),
    ("civil_status", "level3"),
)

# A commune's mix: mostly certification and civil status, some residence, social protection and land.
FIELD_WEIGHTS = {
    "certification": 48,
    "civil_status": 34,
    "residence": 8,
    "social_protection": 5,
    "meritorious": 2,
    "land": 2,
    "construction": 1,
}

FAMILY = ["Nguyễn", "Lê", "Trần", "Phạm", "Hoàng", "Vũ", "Đỗ", "Bùi", "Đặng", "Ngô", "Mai", "Trịnh", "Lương"]
MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Ngọc", "Thu", "Hữu", "Quang", "Thanh", "Xuân", "Hồng", "Bảo"]
GIVEN = [
    "An",
    "Bình",
    "Cường",
    "Dung",
    "Hà",
    "Hải",
    "Hạnh",
    "Hoa",
    "Hùng",
    "Lan",
    "Linh",
    "Long",
    "Mai",
    "Nam",
    "Nga",
    "Phong",
    "Phương",
    "Quân",
    "Sơn",
    "Tâm",
    "Thảo",
    "Trang",
    "Tuấn",
    "Yến",
]
STREETS = ["Khu phố 1", "Khu phố 2", "Khu phố 3", "Khu phố 4", "Khu phố 5", "Khu phố 6"]


@dataclass
class Plan:
    """One dossier's story: who, what, which channel, and the target the timestamps are chosen for."""

    index: int
    channel: str
    target: str  # "early" | "on_time" | "late"
    procedure: Procedure
    applicant: Applicant
    received_at: dt.datetime
    code: str = ""


@dataclass
class DemoResult:
    office_code: str
    dossiers: int
    alert_day: dt.datetime
    alerts: Alerts | None
    apologies: list[str] = field(default_factory=list)


def build_demo(ledger: Ledger, *, seed: int = SEED) -> DemoResult:
    """Fill an initialised, empty ledger with the demo and return the morning alerts of one day."""
    rng = random.Random(seed)
    engine = ledger.deadlines
    with session_scope(ledger.engine) as session:
        office = session.exec(select(Office).where(Office.code == OFFICE_CODE)).one()
        catalogue = list(session.exec(select(Procedure)))
    plans = _plans(rng, engine, catalogue)
    timeline = _timeline(rng, engine, plans)
    return _live(ledger, office, plans, timeline)


def published_on(tz: dt.tzinfo) -> dt.datetime:
    """The morning after the period: when the office puts the half-year's results on its website."""
    return dt.datetime.combine(PERIOD_END + dt.timedelta(days=1), dt.time(8, 0), tz)


# --- planning -----------------------------------------------------------------------------------------------
def _plans(rng: random.Random, engine: Deadlines, catalogue: list[Procedure]) -> list[Plan]:
    channels = [c for c, n in CHANNELS.items() for _ in range(n)]
    rng.shuffle(channels)
    targets = ["on_time"] * ON_TIME + ["early"] * (len(channels) - ON_TIME - len(LATE))
    rng.shuffle(targets)
    late_slots = [i for i, c in enumerate(channels) if c == "level3"][: len(LATE)]
    days = engine.calendar.working_days_between(PERIOD_START, PERIOD_END - dt.timedelta(days=10))
    plans, t = [], iter(targets)
    for i, channel in enumerate(channels):
        if i in late_slots:
            fld = LATE[late_slots.index(i)][0]
            target = "late"
        else:
            fld, target = _weighted(rng, FIELD_WEIGHTS), next(t)
        procedure = _procedure(rng, catalogue, fld, channel)
        plans.append(Plan(i, channel, target, procedure, _applicant(rng), _arrival(rng, engine, days, channel)))
    return plans


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _procedure(rng: random.Random, catalogue: list[Procedure], fld: str, channel: str) -> Procedure:
    level = {"level3": 3, "level4": 4}.get(channel, 0)
    fits = [p for p in catalogue if p.field == fld and p.online_level >= level and p.unit != "calendar_days"]
    fits = fits or [p for p in catalogue if p.online_level >= level and p.unit != "calendar_days"]
    return rng.choice(sorted(fits, key=lambda p: p.code))


def _applicant(rng: random.Random) -> Applicant:
    name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
    return Applicant(
        name=name,
        id_number="038" + "".join(rng.choice("0123456789") for _ in range(9)),
        phone="09" + "".join(rng.choice("0123456789") for _ in range(8)),
        address=f"{rng.choice(STREETS)}, thị trấn Bút Sơn, huyện Hoằng Hóa, Thanh Hóa",
    )


def _arrival(rng: random.Random, engine: Deadlines, days: list[dt.date], channel: str) -> dt.datetime:
    day = rng.choice(days)
    if channel in ("level3", "level4") and rng.random() < 0.15:  # filed online in the evening
        return dt.datetime.combine(day, dt.time(rng.randint(18, 22), rng.randint(0, 59)), engine.tz)
    segments = engine.hours.segments
    start, end = rng.choice(segments)
    minute = rng.randint(start, end - 31)
    return dt.datetime.combine(day, dt.time(minute // 60, minute % 60), engine.tz)


# --- choosing when things happen --------------------------------------------------------------------------------
Step = tuple[dt.datetime, int, str]  # (when, plan index, action)


def _timeline(rng: random.Random, engine: Deadlines, plans: list[Plan]) -> list[Step]:
    steps: list[Step] = []
    days = engine.calendar.working_days_between(PERIOD_START, PERIOD_END)
    for plan in plans:
        received = plan.received_at
        due = engine.due_at(_rule(plan.procedure), received)
        while engine.local_date(due) > PERIOD_END - dt.timedelta(days=5):  # everything ends inside the period
            received = plan.received_at = _arrival(rng, engine, days[: len(days) // 2], plan.channel)
            due = engine.due_at(_rule(plan.procedure), received)
        if plan.target == "early" and engine.local_date(due) == engine.local_date(engine.deemed_receipt(received)):
            received = _after_cutoff(engine, received)  # a same-day procedure filed after 15:00 can finish early
            plan.received_at = received
            due = engine.due_at(_rule(plan.procedure), received)
        done = _completion(rng, engine, plan.target, engine.deemed_receipt(received), due)
        steps += [
            (received, plan.index, "receive"),
            (done, plan.index, "resolve"),
            (done + dt.timedelta(minutes=rng.randint(5, 40)), plan.index, "return"),
        ]
    steps.sort(key=lambda s: (s[0], s[1], s[2] != "receive"))
    return steps


def _rule(procedure: Procedure) -> Any:
    from onestop.services import rule_for

    return rule_for(procedure)


def _after_cutoff(engine: Deadlines, received: dt.datetime) -> dt.datetime:
    day = engine.local_date(engine.deemed_receipt(received))
    return dt.datetime.combine(day, dt.time(15, 5), engine.tz) + dt.timedelta(minutes=received.minute)


def _completion(
    rng: random.Random, engine: Deadlines, target: str, start: dt.datetime, due: dt.datetime
) -> dt.datetime:
    """A completion instant that lands the target: a day before the due day, the due day, or after the due."""
    first = engine.local_date(start)
    due_day = engine.local_date(due)
    if target == "early":
        days = [d for d in engine.calendar.working_days_between(first, due_day) if d < due_day]
        day = rng.choice(days[:3])
    elif target == "on_time":
        day = due_day
    else:
        day = engine.calendar.add_working_days(due_day, rng.randint(1, 2))
    lo = max(engine.local(start), dt.datetime.combine(day, dt.time(8, 0)))
    hi = (
        dt.datetime.combine(day, dt.time(16, 45))
        if target != "on_time"
        else engine.local(due) - dt.timedelta(minutes=5)
    )
    if hi <= lo:
        hi = lo + dt.timedelta(minutes=10)
    moment = lo + dt.timedelta(seconds=rng.randint(60, max(61, int((hi - lo).total_seconds()))))
    return engine.aware(min(moment, engine.local(due) - dt.timedelta(minutes=1)) if target == "on_time" else moment)


# --- living it -----------------------------------------------------------------------------------------------------
def _live(ledger: Ledger, office: Office, plans: list[Plan], timeline: list[Step]) -> DemoResult:
    engine = ledger.deadlines
    by_day: dict[dt.date, list[Step]] = defaultdict(list)
    for step in timeline:
        by_day[engine.local_date(step[0])].append(step)
    result = DemoResult(office.code, len(plans), dt.datetime.combine(ALERT_DAY_HINT, CHECK_TIME, engine.tz), None)
    day, last = min(by_day), max(by_day)
    while day <= last:
        if engine.calendar.is_working_day(day):
            _morning(ledger, office, day, result)
        if day in by_day:
            with session_scope(ledger.engine, write=True) as session:
                for step in by_day[day]:
                    _do(session, ledger, office, plans[step[1]], step)
        day += dt.timedelta(days=1)
    return result


def _morning(ledger: Ledger, office: Office, day: dt.date, result: DemoResult) -> None:
    engine = ledger.deadlines
    as_of = dt.datetime.combine(day, CHECK_TIME, engine.tz)
    with session_scope(ledger.engine, write=True) as session:
        found = run_check(session, ledger, as_of=as_of, now=as_of, signer="Lê Hồng Sơn")
        result.apologies += found.new_apologies
        if (found.new_apologies and result.alerts is None) or (
            day == result.alert_day.date() and result.alerts is None
        ):
            result.alerts = collect_alerts(
                session,
                engine,
                as_of=as_of,
                office_id=office.id,
                due_soon_working_days=ledger.settings.alerts.due_soon_working_days,
            )
            result.alert_day = as_of


def _do(session: Session, ledger: Ledger, office: Office, plan: Plan, step: Step) -> None:
    when, _, action = step
    now = when + dt.timedelta(seconds=30)  # recorded as it happens: the audit view stays empty
    if action == "receive":
        dossier = receive_dossier(
            session,
            ledger,
            office=office,
            procedure_code=plan.procedure.code,
            channel=plan.channel,
            applicant=plan.applicant,
            at=when,
            now=now,
            officer="Mai Thị Hạnh",
        )
        plan.code = dossier.code
        return
    via = {"postal": "postal", "level4": "online"}.get(plan.channel, "direct")
    act_on_dossier(
        session,
        ledger,
        code=plan.code,
        action=action,
        at=when,
        now=now,
        officer="Mai Thị Hạnh",
        return_via=via if action == "return" else None,
    )

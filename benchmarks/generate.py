"""Large, realistic ledgers for the benchmarks, loaded in bulk.

    python benchmarks/generate.py --db benchmarks/.data/ledger-1m.db --n 1000000 --offices 10 --open 100000
    python benchmarks/generate.py --pg 10000000 --offices 200 --open 1000000     # own server, see common.py
    python benchmarks/generate.py --csv benchmarks/.data/import-100k.csv --n 100000

What it makes: N dossiers over M offices received 2021-01-01 .. 2024-12-31 (``--until``), on working days in
office hours at the desk (direct, postal) and online (level3, level4; some at night and on days off), every
procedure of the catalogue weighted as a commune sees them, and every fate: returned, resolved and not yet
collected, rejected, withdrawn; supplements (the clock restarts), suspensions (it pauses), transfers to another
body and back, officers' extensions with their apology, and "stuck" dossiers left open (received, waiting for a
supplement, suspended, transferred) so that about ``--open`` dossiers are open at the end. Completion instants are
drawn to give about 85 % early, 12 % on time and 3 % late.

Every dossier is lived through the real engine: ``onestop.lifecycle.receive`` / ``apply_action`` with the
ledger's ``Deadlines`` give its events and its cached columns, so ``onestop verify`` passes on the result. The
daily check is replayed too: each working morning at 07:30 up to the last one before the ledger's "now" (16:00 on
``--until``), a dossier open past its due without an apology gets one (an ``apologised`` event and an Apology
row numbered per office and year), exactly as ``onestop check`` would have done; one whose extended appointment
passed is flagged ``late_again``. Dossiers that went overdue after that last morning are left for the next check
(what ``bench_check.py`` measures).

Speed: the engine costs about 100 µs per dossier; to reach 10 M rows in minutes the generator keeps, per
receipt day, a pool of at most ``--pool`` (default 4) computed "stories" per procedure and time class (office
hours / any hour) and reuses them with other applicants, offices and codes. A story fixes the instants, the
events and the cached columns; codes, applicants and numbers are drawn per dossier. ``--pool 0`` computes every
dossier afresh. Rows are written with ``executemany`` (SQLite, secondary indexes dropped during the load and
rebuilt after) or ``COPY`` (PostgreSQL, the same), in batches, in one transaction per batch.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import io
import random
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import DATA, OFFICE_CODE, OFFICE_NAME, open_ledger, pg_cluster, remove_sqlite, sqlite_url
from onestop import lifecycle
from onestop.context import rule_of
from onestop.demo import FAMILY, GIVEN, MIDDLE  # the demo's synthetic names (no real person)
from onestop.importer import COLUMNS
from onestop.models import Dossier
from onestop.text import fold

UTC = dt.UTC
START = dt.date(2021, 1, 1)
UNTIL = dt.date(2024, 12, 31)
CHECK_TIME = dt.time(7, 30)  # [alerts] check_time
DESK_CHANNELS = (("direct", 0.55), ("postal", 0.015), ("level3", 0.37), ("level4", 0.065))
FIELD_WEIGHT = {"certification": 9.0, "civil_status": 5.0, "residence": 3.0, "social_protection": 1.5}
DOSSIER_COLUMNS = tuple(c.name for c in Dossier.__table__.columns)  # type: ignore[attr-defined]  # the table order
EVENT_COLUMNS = ("id", "dossier_id", "kind", "occurred_at", "recorded_at", "officer", "note")
APOLOGY_COLUMNS = (
    "id",
    "office_id",
    "dossier_id",
    "year",
    "number",
    "kind",
    "reason",
    "original_due_at",
    "new_due_at",
    "issued_at",
    "signer",
    "published_at",
)
CSV_COLUMNS = COLUMNS  # the importer's own header: one definition of the export format


def utc_text(at: dt.datetime | None) -> str | None:
    """How the ledger stores an instant on SQLite (naive UTC, microseconds always; checked in ``_check_format``)."""
    if at is None:
        return None
    return at.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


# --- stories ---------------------------------------------------------------------------------------------------
@dataclass
class Story:
    """One dossier's life, computed by the engine: what the rows of any dossier living it must hold."""

    received_at: str
    received_local: dt.datetime
    cached: tuple[Any, ...]  # counted_from .. last_event_at, in DOSSIER_COLUMNS order (without channel)
    events: list[tuple[str, str, str, str]]  # kind, occurred_at, recorded_at, note ("" = the channel)
    apology: tuple[str, str, str, str | None, str, int] | None  # kind, reason, original, new, issued, year
    csv: dict[str, str] | None = None


class Stop(Exception):
    """The next step would happen after the ledger's 'now'."""


class Life:
    """Lives one dossier through the real lifecycle, replaying the daily checks between its events."""

    def __init__(self, gen: Generator, rule: Any, received_at: dt.datetime) -> None:
        self.gen, self.engine, self.rule = gen, gen.engine, rule
        self.state = lifecycle.receive(self.engine, rule, received_at)
        self.appointment = self.state.due_at or received_at
        self.events: list[tuple[str, dt.datetime, str]] = [("received", received_at, "")]
        self.apology: tuple[str, str, dt.datetime, dt.datetime | None, dt.datetime] | None = None

    def act(
        self,
        action: str,
        at: dt.datetime,
        note: str = "",
        *,
        via: str | None = None,
        new_due: dt.datetime | None = None,
    ) -> None:
        at = max(at, self.state.last_event_at)
        self.checks_before(at)
        at = max(at, self.state.last_event_at)
        if at > self.gen.now:
            raise Stop
        self.state, kind = lifecycle.apply_action(
            self.engine, self.rule, self.state, action, at, return_via=via, new_due_at=new_due
        )
        self.events.append((kind, at, via or note))
        if action == "extend":
            assert new_due is not None
            self.apology = ("extension", note.split(" ", 1)[1], self.due_before_extension, new_due, at)

    def checks_before(self, at: dt.datetime) -> None:
        """The daily checks that ran strictly before ``at`` (and no later than the ledger's last one)."""
        s = self.state
        if s.is_open and s.due_at is not None and self.apology is None and s.extended_due_at is None:
            check = self.gen.check_after(s.due_at)
            if check < at and check <= self.gen.last_check:
                when = max(check, s.last_event_at)
                self.state, kind = lifecycle.apply_action(self.engine, self.rule, s, "apologise", when)
                self.events.append((kind, when, "quá hạn"))
                self.apology = ("overdue", "quá hạn", s.due_at, None, when)
        s = self.state
        if s.is_open and s.extended_due_at is not None and s.late_again_at is None:
            check = self.gen.check_after(s.extended_due_at)
            if check < at and check <= self.gen.last_check:
                when = max(check, s.last_event_at)
                self.state, kind = lifecycle.apply_action(self.engine, self.rule, s, "late_again", when)
                self.events.append((kind, when, ""))

    @property
    def due_before_extension(self) -> dt.datetime:
        return self.state.due_at or self.appointment


class Generator:
    def __init__(
        self,
        ledger: Any,
        procedures: list[Any],
        *,
        seed: int,
        until: dt.date,
        pool: int,
        open_share: float,
        for_csv: bool = False,
    ) -> None:
        self.ledger = ledger
        self.engine = ledger.deadlines
        self.calendar = self.engine.calendar
        self.tz = self.engine.tz
        self.rng = random.Random(seed)
        self.pool_size = pool
        self.open_share = open_share
        self.for_csv = for_csv
        self.procedures = procedures
        self.rules = {p.code: rule_of(p.unit, p.amount, p.cutoff) for p in procedures}
        self.weights = [FIELD_WEIGHT.get(p.field, 0.6) for p in procedures]
        self.now = dt.datetime.combine(until, dt.time(16, 0), self.tz)
        # The last daily check that ran: the last working morning on or before ``until``.
        self.last_check = dt.datetime.combine(self._previous_working_day(until), CHECK_TIME, self.tz)
        self.day_seconds = self.engine.day_seconds
        self.pools: dict[tuple[str, bool], list[Story]] = defaultdict(list)
        self.computed = 0
        self.reused = 0

    def _previous_working_day(self, day: dt.date) -> dt.date:
        while not self.calendar.is_working_day(day):
            day -= dt.timedelta(days=1)
        return day

    def check_after(self, at: dt.datetime) -> dt.datetime:
        """The first daily check (a working morning at 07:30) strictly after ``at``."""
        local = self.engine.local(at)
        day = local.date()
        if self.calendar.is_working_day(day) and local.time() < CHECK_TIME:
            return dt.datetime.combine(day, CHECK_TIME, self.tz)
        return dt.datetime.combine(self.calendar.next_working_day(day, inclusive=False), CHECK_TIME, self.tz)

    # -- instants ------------------------------------------------------------------------------------------------
    def after(self, at: dt.datetime, seconds: float) -> dt.datetime:
        """``seconds`` of office time after ``at``, on a whole minute, in office hours."""
        out = self.engine.add_office_seconds(at, max(60, int(seconds) // 60 * 60))
        return out.replace(second=0, microsecond=0) if out.second or out.microsecond else out

    def days(self, lo: float, hi: float) -> float:
        return self.rng.uniform(lo, hi) * self.day_seconds

    def span(self, life: Life, at: dt.datetime) -> float:
        due = life.state.due_at
        return max(0, self.engine.office_seconds_between(at, due)) if due is not None else self.day_seconds

    def receipt(self, day: dt.date, anytime: bool) -> dt.datetime:
        if anytime:
            minute = self.rng.randrange(24 * 60)
        else:
            segments = self.engine.hours.segments
            total = sum(end - start for start, end in segments)
            pick = self.rng.randrange(total)
            for start, end in segments:
                if pick < end - start:
                    minute = start + pick
                    break
                pick -= end - start
        return dt.datetime.combine(day, dt.time(minute // 60, minute % 60), self.tz)

    # -- one dossier's story ------------------------------------------------------------------------------------
    def story(self, procedure: Any, day: dt.date, anytime: bool) -> Story:
        key = (procedure.code, anytime)
        pool = self.pools[key]
        if self.pool_size and len(pool) >= self.pool_size:
            self.reused += 1
            return pool[self.rng.randrange(len(pool))]
        story = self._live(procedure, self.receipt(day, anytime))
        self.computed += 1
        if self.pool_size:
            pool.append(story)
        return story

    def _live(self, procedure: Any, received_at: dt.datetime) -> Story:
        rule = self.rules[procedure.code]
        life = Life(self, rule, received_at)
        with contextlib.suppress(Stop):
            self._plan(life, procedure)
        life.checks_before(self.now)
        return self._story(life, received_at)

    def _plan(self, life: Life, procedure: Any) -> None:
        rng, csv_only = self.rng, self.for_csv
        t = life.state.clock.counted_from
        stuck = rng.random() < self.open_share
        stuck_as = (
            rng.choices(
                ("received", "processing", "supplement", "suspended", "transferred"), (0.2, 0.35, 0.2, 0.15, 0.1)
            )[0]
            if stuck
            else ""
        )
        if csv_only and stuck_as in ("suspended", "transferred", "processing"):
            stuck_as = "received"
        if stuck_as == "received":
            raise Stop
        if rng.random() < 0.08 or stuck_as in ("supplement", "processing"):
            t = self.after(t, 0.3 * self.span(life, t) + 600)
            life.act("supplement", t, "Bổ sung giấy tờ còn thiếu")
            if stuck_as == "supplement":
                raise Stop
            t = self.after(t, self.days(1, 10))
            life.act("resume", t)
            if stuck_as == "processing":
                raise Stop
        if not csv_only and (rng.random() < 0.02 or stuck_as == "suspended"):
            t = self.after(t, 0.3 * self.span(life, t) + 600)
            life.act("suspend", t, "Chờ thực hiện nghĩa vụ tài chính")
            if stuck_as == "suspended":
                raise Stop
            t = self.after(t, self.days(1, 5))
            life.act("resume", t)
        if not csv_only and (rng.random() < (0.3 if procedure.interlinked else 0.02) or stuck_as == "transferred"):
            t = self.after(t, 0.2 * self.span(life, t) + 600)
            life.act("transfer", t, "Chi cục Thuế")
            if stuck_as == "transferred":
                raise Stop
            t = self.after(t, 0.3 * self.span(life, t) + 600)
            life.act("transfer_back", t)
        roll = rng.random()
        if roll < 0.015:
            life.act("withdraw", self.after(t, 0.5 * self.span(life, t) + 600), "Công dân xin rút hồ sơ")
            return
        outcome = rng.choices(("early", "on_time", "late"), (0.85, 0.12, 0.03))[0]
        due = life.state.due_at
        extended = (
            not csv_only
            and outcome == "late"
            and due is not None
            and procedure.unit == "working_days"
            and procedure.amount >= 2
            and rng.random() < 0.4
        )
        if extended and due is not None:
            t = self.after(t, 0.4 * self.span(life, t) + 600)
            if t < due:
                day = self.calendar.add_working_days(self.engine.local(due).date(), rng.randint(2, 5))
                new_due = self.engine.close_of(day)
                life.act("extend", t, f"{new_due.isoformat()} Cần xác minh thêm hồ sơ địa chính", new_due=new_due)
        t = self._completion(life, t, outcome)
        action = "reject" if roll < 0.04 else "resolve"
        life.act(action, t, "Không đủ điều kiện" if action == "reject" else "")
        if action == "resolve" and rng.random() < 0.95:
            via = rng.choices(("direct", "postal", "online"), (0.7, 0.1, 0.2))[0]
            life.act("return", self.after(t, self.days(0, 4)), via=via)

    def _completion(self, life: Life, t: dt.datetime, outcome: str) -> dt.datetime:
        due = life.state.due_at
        if due is None:
            return self.after(t, self.days(0.2, 3))
        rng = self.rng
        due_day_open = self.engine.deemed_receipt(
            dt.datetime.combine(self.engine.local(due).date(), dt.time(), self.tz)
        )
        if outcome == "early" and due_day_open > t:
            window = self.engine.office_seconds_between(t, due_day_open) - 60
            if window > 120:
                return self.after(t, rng.uniform(0.05, 1.0) * window)
        if outcome in ("early", "on_time"):
            start = max(t, due_day_open)
            window = self.engine.office_seconds_between(start, due)
            if window > 120:
                return self.after(start, rng.uniform(0.0, 1.0) * (window - 60))
            return start
        # Late: after the morning check that apologised (so that every late dossier has its apology).
        start = max(t, self.check_after(due))
        return self.after(start, 600 + self.days(0, 6))

    def _story(self, life: Life, received_at: dt.datetime) -> Story:
        s, rng = life.state, self.rng
        published = None
        if s.completed_at is not None and s.outcome is not None and rng.random() < 0.6:
            published = min(s.completed_at + dt.timedelta(days=1), self.now)
        cached = (
            utc_text(s.clock.counted_from),
            utc_text(life.appointment),
            utc_text(s.due_at),
            utc_text(s.extended_due_at),
            s.status.value,
            s.is_open,
            utc_text(s.completed_at),
            s.outcome.value if s.outcome else None,
            utc_text(s.withdrawn_at),
            utc_text(s.returned_at),
            s.return_via,
            utc_text(s.waiting_since),
            utc_text(s.late_again_at),
            utc_text(published),
            utc_text(s.last_event_at),
        )
        events = []
        for kind, at, note in life.events:
            delay = dt.timedelta(minutes=rng.randint(0, 12))
            if rng.random() < 0.003:
                delay = dt.timedelta(hours=rng.randint(2, 48))  # entered late: what `onestop audit` lists
            events.append((kind, utc_text(at) or "", utc_text(at + delay) or "", note))
        apology = None
        if life.apology is not None:
            kind, reason, original, new, issued = life.apology
            apology = (
                kind,
                reason,
                utc_text(original) or "",
                utc_text(new),
                utc_text(issued) or "",
                self.engine.local(issued).year,
            )
        return Story(
            utc_text(received_at) or "",
            self.engine.local(received_at),
            cached,
            events,
            apology,
            self._csv(life) if self.for_csv else None,
        )

    def _csv(self, life: Life) -> dict[str, str]:
        local = {
            "supplement_requested": "supplement_requested_at",
            "supplement_received": "supplement_received_at",
            "resolved": "resolved_at",
            "returned": "returned_at",
            "rejected": "rejected_at",
            "withdrawn": "withdrawn_at",
        }
        row = {
            "received_at": f"{life.events[0][1].astimezone(self.tz):%Y-%m-%d %H:%M}",
            "due_at": f"{life.appointment.astimezone(self.tz):%Y-%m-%d %H:%M}",
        }
        for kind, at, note in life.events[1:]:
            if kind in local:
                row[local[kind]] = f"{at.astimezone(self.tz):%Y-%m-%d %H:%M}"
            if kind == "returned":
                row["return_via"] = note
        return row


# --- who, where, when -------------------------------------------------------------------------------------------
@dataclass
class Office:
    id: int
    code: str
    name: str
    weight: float
    officers: tuple[str, ...]
    seq: dict[dt.date, int] = field(default_factory=dict)


def day_counts(
    gen: Generator, n: int, offices: list[Office], start: dt.date, until: dt.date
) -> dict[dt.date, list[int]]:
    """How many dossiers each office receives each day: working days ≫ days off (online only); exactly ``n``."""
    rng = gen.rng
    days = [start + dt.timedelta(days=i) for i in range((until - start).days + 1)]
    day_w = {d: (1.0 if gen.calendar.is_working_day(d) else 0.05) for d in days}
    total_w = sum(day_w.values()) * sum(o.weight for o in offices)
    counts: dict[dt.date, list[int]] = {}
    placed = 0
    for d in days:
        row = []
        for o in offices:
            lam = n * day_w[d] * o.weight / total_w
            k = int(lam) + (rng.random() < lam - int(lam))
            row.append(k)
            placed += k
        counts[d] = row
    working = [d for d in days if day_w[d] == 1.0]
    while placed != n:
        d = rng.choice(working)
        i = rng.randrange(len(offices))
        if placed < n:
            counts[d][i] += 1
            placed += 1
        elif counts[d][i] > 0:
            counts[d][i] -= 1
            placed -= 1
    return counts


def person(rng: random.Random, office: Office) -> tuple[str, str, str, str]:
    name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
    id_number = f"0{rng.randrange(10**10, 10**11)}"
    phone = f"09{rng.randrange(10**7, 10**8)}"
    address = f"Tổ dân phố {rng.randint(1, 25)}, {office.name}"
    return name, id_number, phone, address


_FOLDED: dict[str, str] = {}


def folded(name: str) -> str:
    key = _FOLDED.get(name)
    if key is None:
        key = _FOLDED[name] = fold(name)
    return key


@dataclass
class Dossier:
    office: Office
    procedure: Any
    channel: str
    story: Story
    person: tuple[str, str, str, str]


def dossiers_of_day(gen: Generator, day: dt.date, offices: list[Office], counts: list[int]) -> Iterator[Dossier]:
    """One day's dossiers, office by office, in order of receipt (their daily sequence)."""
    rng = gen.rng
    working = gen.calendar.is_working_day(day)
    gen.pools.clear()  # stories are per receipt day
    for office, count in zip(offices, counts, strict=True):
        todays = []
        for _ in range(count):
            procedure = rng.choices(gen.procedures, gen.weights)[0]
            channel = rng.choices([c for c, _ in DESK_CHANNELS], [w for _, w in DESK_CHANNELS])[0]
            anytime = not working or (channel in ("level3", "level4") and rng.random() < 0.25)
            if anytime:
                channel = "level3" if rng.random() < 0.8 else "level4"
            story = gen.story(procedure, day, anytime)
            todays.append(Dossier(office, procedure, channel, story, person(rng, office)))
        todays.sort(key=lambda d: d.story.received_at)
        yield from todays


# --- writing -----------------------------------------------------------------------------------------------------
class Writer:
    """Rows in, batches out: one transaction per batch."""

    def __init__(self, start_ids: tuple[int, int, int]) -> None:
        self.dossier_id, self.event_id, self.apology_id = start_ids
        self.dossiers: list[tuple[Any, ...]] = []
        self.events: list[tuple[Any, ...]] = []
        self.apologies: list[tuple[Any, ...]] = []
        self.apology_numbers: dict[tuple[int, int], int] = defaultdict(int)
        self.counters: dict[tuple[int, str], int] = {}
        self.rng = random.Random(7)
        self.written = 0

    def add(self, d: Dossier) -> None:
        office, story = d.office, d.story
        self.dossier_id += 1
        day = story.received_local.date()
        seq = office.seq.get(day, 0) + 1
        office.seq[day] = seq
        self.counters[(office.id, day.isoformat())] = seq
        code = f"{office.code}-{day:%y%m%d}-{seq:04d}"
        name, id_number, phone, address = d.person
        self.dossiers.append(
            (
                self.dossier_id,
                office.id,
                code,
                day.isoformat(),
                seq,
                d.procedure.code,
                d.procedure.field,
                d.channel,
                name,
                folded(name),
                id_number,
                phone,
                address,
                story.received_at,
                *story.cached,
            )
        )
        officers = office.officers
        for kind, occurred, recorded, note in story.events:
            self.event_id += 1
            self.events.append(
                (
                    self.event_id,
                    self.dossier_id,
                    kind,
                    occurred,
                    recorded,
                    officers[self.event_id % len(officers)],
                    note or d.channel,
                )
            )
        if story.apology is not None:
            kind, reason, original, new, issued, year = story.apology
            self.apology_numbers[(office.id, year)] += 1
            self.apology_id += 1
            self.apologies.append(
                (
                    self.apology_id,
                    office.id,
                    self.dossier_id,
                    year,
                    self.apology_numbers[(office.id, year)],
                    kind,
                    reason,
                    original,
                    new,
                    issued,
                    "Chủ tịch UBND",
                    None,
                )
            )

    def counter_rows(self) -> list[tuple[int, str, str, int]]:
        rows = [(o, "dossier", day, last) for (o, day), last in self.counters.items()]
        rows += [(o, "apology", str(year), last) for (o, year), last in self.apology_numbers.items()]
        return rows

    def take(self) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        batch = (self.dossiers, self.events, self.apologies)
        self.written += len(self.dossiers)
        self.dossiers, self.events, self.apologies = [], [], []
        return batch


class SqliteSink:
    def __init__(self, path: Path) -> None:
        import sqlite3

        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("PRAGMA synchronous = OFF")
        self.conn.execute("PRAGMA cache_size = -1000000")
        self.conn.execute("PRAGMA temp_store = MEMORY")
        self.indexes = [
            sql
            for (sql,) in self.conn.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                "AND tbl_name IN ('dossier', 'event', 'apology')"
            )
        ]
        for (name,) in self.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            "AND tbl_name IN ('dossier', 'event', 'apology')"
        ).fetchall():
            self.conn.execute(f'DROP INDEX "{name}"')

    def start_ids(self) -> tuple[int, int, int]:
        return tuple(
            int(self.conn.execute(f"SELECT coalesce(max(id), 0) FROM {t}").fetchone()[0])  # type: ignore[return-value]
            for t in ("dossier", "event", "apology")
        )

    def write(
        self, dossiers: list[tuple[Any, ...]], events: list[tuple[Any, ...]], apologies: list[tuple[Any, ...]]
    ) -> None:
        c = self.conn
        c.execute("BEGIN")
        c.executemany(
            f"INSERT INTO dossier ({', '.join(DOSSIER_COLUMNS)}) VALUES ({', '.join('?' * len(DOSSIER_COLUMNS))})",
            dossiers,
        )
        c.executemany(
            f"INSERT INTO event ({', '.join(EVENT_COLUMNS)}) VALUES ({', '.join('?' * len(EVENT_COLUMNS))})", events
        )
        c.executemany(
            f"INSERT INTO apology ({', '.join(APOLOGY_COLUMNS)}) VALUES ({', '.join('?' * len(APOLOGY_COLUMNS))})",
            apologies,
        )
        c.execute("COMMIT")

    def finish(self, counters: list[tuple[int, str, str, int]]) -> None:
        c = self.conn
        c.execute("BEGIN")
        c.executemany(
            "INSERT INTO counter (office_id, scope, period, last) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (office_id, scope, period) DO UPDATE SET last = excluded.last",
            counters,
        )
        c.execute("COMMIT")
        for sql in self.indexes:
            c.execute(sql)
        c.close()


def _pg_text(value: Any) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    return str(value)


class PgSink:
    """COPY in text format; instants get their ``+00`` (they are UTC); ids are set, sequences moved after."""

    def __init__(self, url: str) -> None:
        import psycopg

        self.conn = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=False)
        with self.conn.cursor() as cur:
            cur.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ('dossier', 'event', 'apology') "
                "AND indexname LIKE 'ix_%%'"
            )
            found = cur.fetchall()
            self.indexes = [sql for _, sql in found]
            for name, _ in found:
                cur.execute(f'DROP INDEX "{name}"')
        self.conn.commit()
        self.instant_columns = {
            "dossier": {i for i, c in enumerate(DOSSIER_COLUMNS) if c.endswith("_at") or c == "counted_from"},
            "event": {3, 4},
            "apology": {7, 8, 9, 11},
        }

    def start_ids(self) -> tuple[int, int, int]:
        with self.conn.cursor() as cur:
            out = []
            for t in ("dossier", "event", "apology"):
                cur.execute(f"SELECT coalesce(max(id), 0) FROM {t}")
                out.append(int(cur.fetchone()[0]))
        self.conn.commit()
        return out[0], out[1], out[2]

    def _copy(self, cur: Any, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
        instants = self.instant_columns[table]
        buffer = io.StringIO()
        for row in rows:
            buffer.write(
                "\t".join((v + "+00" if (i in instants and v is not None) else _pg_text(v)) for i, v in enumerate(row))
            )
            buffer.write("\n")
        with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            copy.write(buffer.getvalue())

    def write(
        self, dossiers: list[tuple[Any, ...]], events: list[tuple[Any, ...]], apologies: list[tuple[Any, ...]]
    ) -> None:
        with self.conn.cursor() as cur:
            self._copy(cur, "dossier", DOSSIER_COLUMNS, dossiers)
            self._copy(cur, "event", EVENT_COLUMNS, events)
            if apologies:
                self._copy(cur, "apology", APOLOGY_COLUMNS, apologies)
        self.conn.commit()

    def finish(self, counters: list[tuple[int, str, str, int]]) -> None:
        with self.conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO counter (office_id, scope, period, last) VALUES (%s, %s, %s, %s) "
                "ON CONFLICT (office_id, scope, period) DO UPDATE SET last = excluded.last",
                counters,
            )
            for table in ("dossier", "event", "apology", "office"):
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
                )
        self.conn.commit()
        self.conn.autocommit = True
        with self.conn.cursor() as cur:
            for sql in self.indexes:
                cur.execute(sql)
            cur.execute("ANALYZE")  # what autovacuum would do after a load this size
        self.conn.close()


# --- the ledger --------------------------------------------------------------------------------------------------
def prepare_ledger(url: str, offices: int, seed: int) -> tuple[Any, list[Office]]:
    """A fresh ledger (Alembic schema, catalogue) with ``offices`` offices; returns the ledger and them."""
    from sqlmodel import select

    from onestop.db import session_scope
    from onestop.models import Office as OfficeRow
    from onestop.setup import init_ledger

    ledger = open_ledger(url)
    init_ledger(ledger, office_code=OFFICE_CODE, office_name=OFFICE_NAME)
    rng = random.Random(seed)
    with session_scope(ledger.engine, write=True) as session:
        rows = list(session.exec(select(OfficeRow).order_by(OfficeRow.id)))  # type: ignore[arg-type]
        for i in range(len(rows), offices):
            row = OfficeRow(code=f"000.{22 + i // 1000:02d}.{i % 1000 // 10:02d}.H{i:04d}", name=f"UBND xã Số {i + 1}")
            session.add(row)
            rows.append(row)
        session.flush()
        found = [
            Office(
                int(r.id),
                r.code,
                r.name,
                rng.uniform(0.3, 1.7) if i else 1.0,  # type: ignore[arg-type]
                tuple(f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}" for _ in range(3)),
            )
            for i, r in enumerate(rows[:offices])
        ]
    return ledger, found


def procedures_of(ledger: Any) -> list[Any]:
    from sqlmodel import select

    from onestop.db import session_scope
    from onestop.models import Procedure

    with session_scope(ledger.engine) as session:
        return list(session.exec(select(Procedure).order_by(Procedure.code)))  # type: ignore[arg-type]


def _check_format(ledger: Any) -> None:
    """Our instant text must be exactly what the ``Instant`` type stores, or SQL comparisons would be wrong."""
    from onestop.models import Dossier as Row

    dialect = ledger.engine.dialect
    if dialect.name != "sqlite":
        return
    processor = Row.__table__.c.received_at.type.dialect_impl(dialect).bind_processor(dialect)  # type: ignore[attr-defined]
    sample = dt.datetime(2023, 3, 6, 9, 5, tzinfo=ledger.deadlines.tz)
    assert processor(sample) == utc_text(sample), (processor(sample), utc_text(sample))


@dataclass
class Summary:
    dossiers: int = 0
    events: int = 0
    apologies: int = 0
    open: int = 0
    seconds: float = 0.0
    engine_seconds: float = 0.0
    computed: int = 0
    reused: int = 0

    def line(self) -> str:
        return (
            f"{self.dossiers:,} dossiers, {self.events:,} events, {self.apologies:,} apologies, {self.open:,} open "
            f"in {self.seconds:.1f} s ({self.dossiers / max(self.seconds, 1e-9):,.0f} dossiers/s; stories "
            f"computed {self.computed:,}, reused {self.reused:,}; engine+rows {self.engine_seconds:.1f} s)"
        )


def generate(
    url: str,
    *,
    n: int,
    offices: int = 10,
    open_target: int = 0,
    seed: int = 2023,
    pool: int = 4,
    start: dt.date = START,
    until: dt.date = UNTIL,
    batch: int = 20000,
    quiet: bool = False,
) -> Summary:
    """Create the ledger at ``url`` (which must be empty) and load ``n`` dossiers into it."""
    t0 = time.perf_counter()
    ledger, office_list = prepare_ledger(url, offices, seed)
    _check_format(ledger)
    gen = Generator(
        ledger,
        procedures_of(ledger),
        seed=seed,
        until=until,
        pool=pool,
        open_share=min(1.0, open_target / n) if n else 0.0,
    )
    sink: Any = SqliteSink(Path(url.removeprefix("sqlite:///"))) if url.startswith("sqlite") else PgSink(url)
    writer = Writer(sink.start_ids())
    counts = day_counts(gen, n, office_list, start, until)
    summary = Summary()
    write_time = 0.0
    for day, row in counts.items():
        for d in dossiers_of_day(gen, day, office_list, row):
            writer.add(d)
            summary.events += len(d.story.events)
            summary.apologies += d.story.apology is not None
            summary.open += bool(d.story.cached[5])
            if len(writer.dossiers) >= batch:
                w0 = time.perf_counter()
                sink.write(*writer.take())
                write_time += time.perf_counter() - w0
                if not quiet and writer.written % (batch * 10) == 0:
                    elapsed = time.perf_counter() - t0
                    print(
                        f"  {writer.written:,} dossiers ({writer.written / elapsed:,.0f}/s, writing "
                        f"{write_time:.0f} s of {elapsed:.0f} s)",
                        flush=True,
                    )
    w0 = time.perf_counter()
    sink.write(*writer.take())
    sink.finish(writer.counter_rows())
    write_time += time.perf_counter() - w0
    summary.dossiers = writer.written
    summary.seconds = time.perf_counter() - t0
    summary.engine_seconds = summary.seconds - write_time
    summary.computed, summary.reused = gen.computed, gen.reused
    ledger.engine.dispose()
    return summary


def write_csv(
    path: Path,
    *,
    n: int,
    seed: int = 2023,
    pool: int = 4,
    start: dt.date = START,
    until: dt.date = UNTIL,
    coded: bool = True,
) -> int:
    """A provincial export of ``n`` rows for ``onestop import`` (the columns it reads; one office)."""
    scratch = DATA / f"csv-catalogue-{seed}.db"
    remove_sqlite(scratch)
    ledger, office_list = prepare_ledger(sqlite_url(scratch), 1, seed)
    gen = Generator(ledger, procedures_of(ledger), seed=seed, until=until, pool=pool, open_share=0.01, for_csv=True)
    counts = day_counts(gen, n, office_list, start, until)
    written = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.DictWriter(handle, CSV_COLUMNS)
        out.writeheader()
        for day, row in counts.items():
            for d in dossiers_of_day(gen, day, office_list, row):
                office = d.office
                seq = office.seq.get(day, 0) + 1
                office.seq[day] = seq
                name, id_number, phone, address = d.person
                record = {
                    "code": f"{office.code}-{day:%y%m%d}-{seq:04d}" if coded else "",
                    "procedure": d.procedure.code,
                    "channel": d.channel,
                    "applicant": name,
                    "id_number": id_number,
                    "phone": phone,
                    "address": address,
                    **(d.story.csv or {}),
                }
                out.writerow(record)
                written += 1
    ledger.engine.dispose()
    remove_sqlite(scratch)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--db", help="SQLite file (replaced) or database URL (must be empty)")
    target.add_argument("--pg", action="store_true", help="the benchmark PostgreSQL server (started and stopped)")
    target.add_argument("--csv", help="write an import CSV instead of a ledger")
    parser.add_argument("--pg-db", default="bench", help="database name on the benchmark server (replaced)")
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--offices", type=int, default=10)
    parser.add_argument("--open", type=int, default=None, help="about how many dossiers stay open (default n/10)")
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument("--pool", type=int, default=4, help="stories kept per procedure and day (0: no reuse)")
    parser.add_argument("--until", type=dt.date.fromisoformat, default=UNTIL)
    parser.add_argument("--batch", type=int, default=20000)
    parser.add_argument("--uncoded", action="store_true", help="CSV rows without codes (natural-key idempotence)")
    args = parser.parse_args()
    open_target = args.n // 10 if args.open is None else args.open
    if args.csv:
        t0 = time.perf_counter()
        rows = write_csv(
            Path(args.csv), n=args.n, seed=args.seed, pool=args.pool, until=args.until, coded=not args.uncoded
        )
        print(f"{rows:,} CSV rows in {time.perf_counter() - t0:.1f} s -> {args.csv}")
        return
    if args.pg:
        with pg_cluster() as cluster:
            url = cluster.create_database(args.pg_db, replace=True)
            summary = generate(
                url,
                n=args.n,
                offices=args.offices,
                open_target=open_target,
                seed=args.seed,
                pool=args.pool,
                until=args.until,
                batch=args.batch,
            )
        print(f"PostgreSQL {args.pg_db}: {summary.line()}")
        return
    url = args.db if "://" in args.db else sqlite_url(Path(args.db))
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_sqlite(path)
    summary = generate(
        url,
        n=args.n,
        offices=args.offices,
        open_target=open_target,
        seed=args.seed,
        pool=args.pool,
        until=args.until,
        batch=args.batch,
    )
    print(f"{url}: {summary.line()}")


if __name__ == "__main__":
    main()

"""The report tally on PostgreSQL (migration 0005): kept by the database through every kind of write, equal to a
recount from the dossiers, and giving the period report the very counts its dossier ranges give.

DOMAIN.md section 9: periods run between office-local midnights in the middle of a month (Decree 09/2019
Art. 12), and so do the tally's months; a calendar month or a custom range also reads the two partial months at
its ends from the dossiers. The ledger below has receipts and completions on both sides of local and UTC day and
month boundaries (06:30 local on the 1st is still the month before in UTC; 23:30 on the 14th is the 14th's).
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from onestop import reports, tally
from onestop.context import Ledger
from onestop.db import HEAD_REVISION, session_scope
from onestop.errors import OnestopError
from onestop.i18n import t
from onestop.importer import import_csv
from onestop.integrity import verify_ledger
from onestop.models import Dossier, Office
from onestop.publish import mark_published
from onestop.reports import PeriodReport, choose_period, period_report, scope_of
from onestop.services import Applicant, receive_dossier
from onestop.setup import init_ledger
from tests.helpers import FIVE_DAYS, NOW, OFFICE_CODE, SAME_DAY, THREE_DAYS, act, at, init_ledger_at, open_ledger

COPY = "2.000815"  # certification: another field than civil status
OTHER_OFFICE = "000.22.15.H57"
PROCEDURES = (THREE_DAYS, FIVE_DAYS, SAME_DAY, COPY)
CHANNELS = ("direct", "postal", "level3", "level4")
FIRST_DAY = dt.date(2022, 11, 1)
DAYS = 480  # to 2024-02-24: the 2023 periods and both ends of them
DESKS = 4
PER_DESK = 15


def tally_differences(ledger: Ledger) -> list[tuple[Any, ...]]:
    with session_scope(ledger.engine) as session:
        return tally.differences(session.connection())


def receive_in(ledger: Ledger, office_code: str, when: dt.datetime, procedure: str, channel: str) -> str:
    with session_scope(ledger.engine, write=True) as session:
        office = session.exec(select(Office).where(Office.code == office_code)).one()
        return receive_dossier(session, ledger, office=office, procedure_code=procedure, channel=channel,
                               applicant=Applicant("Trần Thị Bình"), at=when, now=NOW).code  # fmt: skip


def live_one(ledger: Ledger, rng: random.Random, office_code: str) -> None:
    """One dossier's life: received, then resolved / rejected (some returned), withdrawn, suspended and resumed
    first, or left open; some completed more than 30 days after receipt."""
    day = FIRST_DAY + dt.timedelta(days=rng.randrange(DAYS))
    day = day if rng.random() < 0.7 else day.replace(day=rng.choice((1, 14, 15)))
    hour = rng.choice(("06:30", "09:00", "15:30", "23:30"))  # 06:30 local is 23:30 UTC the day before
    received = at(f"{day} {hour}")
    code = receive_in(ledger, office_code, received, rng.choice(PROCEDURES), rng.choice(CHANNELS))
    later = received + dt.timedelta(days=rng.choice((0, 1, 3, 9, 17, 35, 45)), hours=1)
    fate = rng.choice(("resolve", "reject", "withdraw", "suspend", "returned", "open"))
    if fate == "open":
        return
    if fate == "suspend":
        act(ledger, code, "supplement", when=received + dt.timedelta(minutes=30))
        act(ledger, code, "resume", when=later)
        later += dt.timedelta(days=rng.choice((1, 2, 20)))
        fate = "resolve"
    act(ledger, code, "resolve" if fate == "returned" else fate, when=later)
    if fate == "returned":
        act(ledger, code, "return", when=later + dt.timedelta(days=1), return_via="postal")


def import_rows(ledger: Ledger, rng: random.Random, folder: Path, count: int) -> None:
    """An export imported (COPY on PostgreSQL: the row trigger fires for each row copied)."""
    path = folder / f"export-{uuid.uuid4().hex[:8]}.csv"
    header = ("code", "procedure", "channel", "applicant", "address", "received_at", "resolved_at", "returned_at",
              "return_via")  # fmt: skip
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, header)
        writer.writeheader()
        for n in range(count):
            received = dt.datetime.combine(FIRST_DAY + dt.timedelta(days=rng.randrange(DAYS)), dt.time(8, 15))
            resolved = received + dt.timedelta(days=rng.choice((1, 2, 6, 40)), hours=2)
            done = rng.random() < 0.7
            writer.writerow({"code": "", "procedure": rng.choice(PROCEDURES), "channel": rng.choice(CHANNELS),
                             "applicant": f"Người nhập {n}", "address": "Tổ 1",
                             "received_at": f"{received:%Y-%m-%d %H:%M}",
                             "resolved_at": f"{resolved:%Y-%m-%d %H:%M}" if done else "",
                             "returned_at": "", "return_via": ""})  # fmt: skip

    def describe(error: OnestopError) -> str:
        return t(error.key, "en", **error.params)

    result = import_csv(ledger, path, now=NOW, describe=describe)
    assert (result.imported, result.errors) == (count, [])


def desks_at_once(ledger: Ledger) -> None:
    """Desks receiving and resolving at the same moment, in the same office, month, field and channel: each
    transaction adds to the same tally rows."""
    start, failures = threading.Barrier(DESKS), []

    def desk(number: int) -> None:
        try:
            start.wait(timeout=30)
            for n in range(PER_DESK):
                code = receive_in(ledger, OFFICE_CODE, at("2023-08-01 06:30"), THREE_DAYS, "direct")
                act(ledger, code, "resolve" if (number + n) % 2 else "reject", when=at("2023-08-31 23:30"))
        except BaseException as error:  # reported below, not lost in the thread
            failures.append(f"desk {number}: {error!r}")

    threads = [threading.Thread(target=desk, args=(number,)) for number in range(DESKS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures


def publish_some(ledger: Ledger, rng: random.Random) -> None:
    with session_scope(ledger.engine, write=True) as session:
        done = session.execute(sa.text("SELECT id FROM dossier WHERE completed_at IS NOT NULL ORDER BY id")).scalars()
        chosen = [i for i in done if rng.random() < 0.4]
        mark_published(session, dossier_ids=chosen, apology_ids=[], now=at("2024-03-01 08:00"))


@pytest.fixture(scope="module")
def mixed(pg_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ledger]:
    name = f"test_tally_{uuid.uuid4().hex[:12]}"
    ledger = init_ledger_at(pg_server.create_database(name))
    try:
        init_ledger(ledger, office_code=OTHER_OFFICE, office_name="UBND xã Đông Lĩnh")
        rng = random.Random(2023)
        for n in range(90):
            live_one(ledger, rng, OTHER_OFFICE if n % 3 == 0 else OFFICE_CODE)
        import_rows(ledger, rng, tmp_path_factory.mktemp("tally"), 60)
        desks_at_once(ledger)
        publish_some(ledger, rng)
        yield ledger
    finally:
        ledger.engine.dispose()
        pg_server.drop_database(name)


def test_after_desks_imports_and_publishing_the_tally_equals_a_recount_of_the_dossiers(mixed: Ledger) -> None:
    assert tally_differences(mixed) == []
    with session_scope(mixed.engine) as session:
        kept = {kind: n for kind, n in session.execute(sa.text("SELECT kind, sum(n) FROM tally GROUP BY kind"))}
        counted = session.execute(
            sa.text("SELECT count(*), count(completed_at), count(withdrawn_at), count(published_at) FROM dossier")
        ).one()
        published = session.execute(sa.text("SELECT sum(published) FROM tally")).scalar_one()
    assert (kept["received"], kept["completed"], kept["withdrawn"], published) == tuple(counted)
    assert counted[0] == 90 + 60 + DESKS * PER_DESK and min(counted) > 0
    assert verify_ledger(mixed).ok


def report(ledger: Ledger, *, office: str | None, label: str | None = None, start: Any = None, end: Any = None,
           from_tally: bool = True) -> PeriodReport:  # fmt: skip
    with session_scope(ledger.engine) as session:
        period = choose_period(label=label, start=start, end=end)
        scope = scope_of(session, office)
        if from_tally:
            return period_report(session, period=period, tz=ledger.deadlines.tz, scope=scope)
        with mock.patch.object(reports, "whole_months", return_value=None):  # the dossier ranges, as before
            return period_report(session, period=period, tz=ledger.deadlines.tz, scope=scope)


LABELS = ["2023", "2023-Q1", "2023-Q2", "2023-Q3", "2023-Q4", "2023-H1", "2023-9M", "2023-05", "2023-12", "2024-Q1"]


@pytest.mark.parametrize("office", [None, OFFICE_CODE, OTHER_OFFICE])
@pytest.mark.parametrize("label", LABELS)
def test_each_period_of_decree_09_counts_the_same_from_the_tally_as_from_the_dossiers(
    mixed: Ledger, label: str, office: str | None
) -> None:
    tallied = report(mixed, office=office, label=label)
    ranged = report(mixed, office=office, label=label, from_tally=False)
    # a period of Art. 12 is made of the tally's whole reporting months: no partial one at either end
    assert tally.whole_months(tallied.start_at, tallied.end_at) == (tallied.start_at, tallied.end_at)
    assert tallied.by_field == ranged.by_field
    assert tallied.total.received_total > 0


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    first=st.dates(min_value=FIRST_DAY - dt.timedelta(days=20), max_value=FIRST_DAY + dt.timedelta(days=DAYS)),
    days=st.integers(min_value=0, max_value=500),
    office=st.sampled_from([None, OFFICE_CODE, OTHER_OFFICE]),
)
def test_any_custom_range_counts_the_same_from_the_tally_as_from_the_dossiers(
    mixed: Ledger, first: dt.date, days: int, office: str | None
) -> None:
    last = first + dt.timedelta(days=days)
    tallied = report(mixed, office=office, start=first, end=last)
    assert tallied.by_field == report(mixed, office=office, start=first, end=last, from_tally=False).by_field


@pytest.fixture
def small(pg_url: str) -> Iterator[Ledger]:
    ledger = init_ledger_at(pg_url)
    for day, fate in (("2023-03-06", "resolve"), ("2023-03-31", "withdraw"), ("2023-04-03", "reject")):
        received = at(f"{day} 09:00")
        code = receive_in(ledger, OFFICE_CODE, received, THREE_DAYS, "level3")
        act(ledger, code, fate, when=received + dt.timedelta(days=1))
    yield ledger
    ledger.engine.dispose()


def test_verify_reports_a_tampered_tally_row_by_its_key(small: Ledger) -> None:
    with small.engine.begin() as conn:
        conn.execute(sa.text("UPDATE tally SET n = n + 2 WHERE kind = 'completed' AND bucket < '2023-03-01'"))
        conn.execute(sa.text("DELETE FROM tally WHERE kind = 'withdrawn'"))

    found = verify_ledger(small)

    issues = sorted((p.issue, p.code, p.detail) for p in found.problems)
    assert [(issue, code.split()[2:4]) for issue, code, _ in issues] == [
        ("tally", ["2023-02-15", "completed"]),  # the reporting month of 2023-03-07
        ("tally", ["2023-03-15", "withdrawn"]),  # of 2023-04-01
    ]
    assert "kept 3 (0 published) ≠ dossiers 1 (0 published)" in issues[0][2]


def test_a_dossier_moved_by_hand_or_deleted_moves_its_counts_with_it(small: Ledger) -> None:
    init_ledger(small, office_code=OTHER_OFFICE, office_name="UBND xã Đông Lĩnh")
    columns = [c.name for c in Dossier.__table__.columns if c.name != "id"]  # type: ignore[attr-defined]
    copied = ", ".join(
        c if c not in ("code", "seq") else f"{c} || 'x'" if c == "code" else "seq + 100" for c in columns
    )
    with small.engine.begin() as conn:  # a row written outside the services (no events: it can be deleted)
        conn.execute(sa.text(f"INSERT INTO dossier ({', '.join(columns)}) SELECT {copied} FROM dossier"))
    assert tally_differences(small) == []
    with small.engine.begin() as conn:
        conn.execute(sa.text(
            "UPDATE dossier SET field = 'other', channel = 'direct', office_id = office_id + 1, "
            "completed_at = completed_at + interval '40 days', published_at = now() WHERE code LIKE '%x'"
        ))  # fmt: skip
    assert tally_differences(small) == []
    with small.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM dossier WHERE code LIKE '%x'"))
    assert tally_differences(small) == []
    with session_scope(small.engine) as session:
        moved = session.execute(sa.text("SELECT sum(n) FROM tally WHERE office_id <> 1 OR field = 'other'"))
        assert moved.scalar_one() == 0


def test_the_migration_counts_the_dossiers_already_in_the_ledger_and_its_downgrade_removes_the_tally(
    small: Ledger,
) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(reports.__file__).parent / "migrations"))
    with small.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0004_report_ranges")
        assert not sa.inspect(conn).has_table("tally")
        conn.execute(sa.text("UPDATE dossier SET published_at = completed_at WHERE outcome IS NOT NULL"))
        command.upgrade(config, HEAD_REVISION)
    assert tally_differences(open_ledger(small.url)) == []
    with session_scope(small.engine) as session:
        kinds = session.execute(sa.text("SELECT kind, sum(n), sum(published) FROM tally GROUP BY kind ORDER BY kind"))
        assert [tuple(row) for row in kinds] == [("completed", 2, 2), ("received", 3, 0), ("withdrawn", 1, 0)]

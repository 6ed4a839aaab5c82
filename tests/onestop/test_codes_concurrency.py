"""Several desks at the same moment: dossier codes stay unique and gapless, transitions stay serial.

DOMAIN.md section 10 (Circular 01/2018/TT-VPCP Art. 19): ``{office_code}-{YYMMDD}-{NNNN}``, a sequence that
starts at 0001 each day for each office, unique and never reused, even when desks receive at the same moment.
Run on a real SQLite file and on a real PostgreSQL 15 database.
"""

from __future__ import annotations

import multiprocessing as mp
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from onestop.db import session_scope
from onestop.errors import TransitionError
from onestop.services import act_on_dossier
from tests.helpers import (
    NOW,
    OFFICE_CODE,
    PER_DESK,
    WORKER_TIMEOUT_S,
    act,
    at,
    events,
    init_ledger_at,
    open_ledger,
    receive,
    receive_at_one_desk,
    sqlite_url,
)

DESKS = 4
SAME_MOMENT = "2023-03-06 09:00"


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    chosen = sqlite_url(tmp_path / "ledger.db") if request.param == "sqlite" else request.getfixturevalue("pg_url")
    init_ledger_at(chosen).engine.dispose()
    yield chosen


def test_four_desks_receiving_at_the_same_moment_get_800_distinct_codes_in_gapless_sequence(url: str) -> None:
    ctx = mp.get_context("spawn")
    start = ctx.Barrier(DESKS)
    results = ctx.Queue()
    desks = [ctx.Process(target=receive_at_one_desk, args=(url, d, SAME_MOMENT, start, results)) for d in range(DESKS)]
    for process in desks:
        process.start()
    reports = [results.get(timeout=WORKER_TIMEOUT_S) for _ in desks]
    for process in desks:
        process.join(timeout=WORKER_TIMEOUT_S)

    errors = [f"desk {d}: {error}" for d, _, error in reports if error]
    assert not errors, errors
    codes = [code for _, got, _ in reports for code in got]
    assert len(codes) == DESKS * PER_DESK
    assert len(set(codes)) == len(codes), "two desks got the same code"
    assert sorted(codes) == [f"{OFFICE_CODE}-230306-{n:04d}" for n in range(1, DESKS * PER_DESK + 1)]
    for _, got, _ in reports:
        assert got == sorted(got), "a desk's own dossiers must get increasing numbers"

    ledger = open_ledger(url)
    with ledger.engine.connect() as conn:
        seqs = conn.execute(sa.text("SELECT seq FROM dossier ORDER BY seq")).scalars().all()
        events_count = conn.execute(sa.text("SELECT count(*) FROM event WHERE kind = 'received'")).scalar_one()
        last = conn.execute(sa.text("SELECT last FROM counter WHERE scope = 'dossier'")).scalar_one()
    ledger.engine.dispose()
    assert seqs == list(range(1, DESKS * PER_DESK + 1))
    assert (events_count, last) == (DESKS * PER_DESK, DESKS * PER_DESK)


def test_the_next_day_starts_again_at_0001_after_a_busy_day(url: str) -> None:
    ledger = open_ledger(url)
    for n in range(3):
        receive(ledger, received_at=at(f"2023-03-06 1{n}:00"))

    assert receive(ledger, received_at=at("2023-03-07 08:00")).code == f"{OFFICE_CODE}-230307-0001"
    ledger.engine.dispose()


def test_two_desks_acting_on_one_dossier_at_once_cannot_both_succeed(url: str) -> None:
    """Desk A resolves and desk B withdraws the same dossier at the same moment: the second to commit
    must see the first's result and be refused, or the log would hold an impossible history (resolved,
    then withdrawn)."""
    ledger = open_ledger(url)
    code = receive(ledger, received_at=at(SAME_MOMENT)).code
    a_wrote = threading.Event()
    outcome: dict[str, BaseException | str] = {}

    def desk_b() -> None:
        a_wrote.wait(timeout=30)
        try:
            act(ledger, code, "withdraw", when=at("2023-03-08 10:00"))
            outcome["b"] = "withdrawn"
        except BaseException as error:
            outcome["b"] = error

    b = threading.Thread(target=desk_b)
    b.start()
    with session_scope(ledger.engine, write=True) as session:
        act_on_dossier(session, ledger, code=code, action="resolve", at=at("2023-03-08 10:00"), now=NOW)
        session.flush()
        a_wrote.set()
        time.sleep(0.5)  # desk B starts its own transaction while A's is still open
    b.join(timeout=30)

    assert isinstance(outcome.get("b"), TransitionError), f"desk B: {outcome.get('b')!r}"
    assert [e.kind for e in events(ledger, code)] == ["received", "resolved"]
    ledger.engine.dispose()

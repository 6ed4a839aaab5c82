"""Working-day due dates: our engine against python-holidays and against a bare bisect floor.

    python benchmarks/bench_deadline.py [--n 100000] [--seed 2023]

All three compute, for the same random receipt instants (aware, Asia/Ho_Chi_Minh, 2019-2026) and the same
random N in 0..15, the close of the N-th working day after the deemed receipt day (Civil Code 2015 Art. 147;
a receipt after the close or on a day off counts from the next working day). They must agree on every date;
the script prints each time and the ratios against the two baselines (goals: ≥30x faster than
python-holidays, ≤2x the floor).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from bisect import bisect_left
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sla.calendar import CalendarSpec, WorkingCalendar
from sla.deadline import Deadlines, Rule, Unit

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
FIRST, LAST = dt.datetime(2019, 1, 1, tzinfo=TZ), dt.datetime(2027, 1, 1, tzinfo=TZ)
CLOSE = dt.time(17, 0)
Case = tuple[dt.datetime, int]


def make_cases(count: int, seed: int) -> list[Case]:
    rng = random.Random(seed)
    span = int((LAST - FIRST).total_seconds())
    return [(FIRST + dt.timedelta(seconds=rng.randrange(span)), rng.randint(0, 15)) for _ in range(count)]


def run_ours(engine: Deadlines, cases: Sequence[Case]) -> list[dt.datetime]:
    rules = [Rule(Unit.WORKING_DAYS, n) for n in range(16)]  # built once, as a procedure catalogue would
    due_at = engine.due_at
    return [due_at(rules[n], at) for at, n in cases]


def run_python_holidays(vn: Any, cases: Sequence[Case]) -> list[dt.datetime]:
    """python-holidays' own working-day walk, fed the same deemed receipt day."""
    out = []
    for at, n in cases:
        local = at.astimezone(TZ)
        day = local.date()
        if local.time() >= CLOSE or not vn.is_working_day(day):
            day = vn.get_nth_working_day(day, 1)
        out.append(dt.datetime.combine(vn.get_nth_working_day(day, n), CLOSE, TZ))
    return out


def run_floor(days: list[int], cases: Sequence[Case]) -> list[dt.datetime]:
    """The least work that answers the question: local day → bisect → index + n → close of that day."""
    out = []
    close_minute = CLOSE.hour * 60 + CLOSE.minute
    for at, n in cases:
        local = at.astimezone(TZ)
        o = local.toordinal()
        i = bisect_left(days, o)
        if days[i] == o and local.hour * 60 + local.minute >= close_minute:
            i += 1  # after the close: the next working day (a day off already bisects to the next one)
        out.append(dt.datetime.combine(dt.date.fromordinal(days[i + n]), CLOSE, TZ))
    return out


def timed(label: str, job: Callable[[], list[dt.datetime]]) -> tuple[float, list[dt.datetime]]:
    started = time.perf_counter()
    result = job()
    elapsed = time.perf_counter() - started
    print(f"{label:<34} {elapsed:8.3f} s")
    return elapsed, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="receipt instants (default 100000)")
    parser.add_argument("--seed", type=int, default=2023)
    args = parser.parse_args(argv)

    import holidays

    cases = make_cases(args.n, args.seed)
    engine = Deadlines(WorkingCalendar(CalendarSpec()))
    vn = holidays.country_holidays("VN", years=range(2018, 2029))
    days = [
        o
        for o in range(dt.date(2018, 1, 1).toordinal(), dt.date(2028, 12, 31).toordinal() + 1)
        if vn.is_working_day(dt.date.fromordinal(o))
    ]
    print(f"{args.n} receipt instants 2019-2026, N in 0..15, Asia/Ho_Chi_Minh")
    ours, ours_due = timed("ours: Deadlines.due_at", lambda: run_ours(engine, cases))
    theirs, theirs_due = timed("python-holidays get_nth_working_day", lambda: run_python_holidays(vn, cases))
    floor, floor_due = timed("floor: bisect over ordinals", lambda: run_floor(days, cases))

    mismatches = [
        (at, n, a, b, c)
        for (at, n), a, b, c in zip(cases, ours_due, theirs_due, floor_due, strict=True)
        if not a == b == c
    ]
    for at, n, a, b, c in mismatches[:10]:
        print(f"MISMATCH {at.isoformat()} N={n}: ours {a}, python-holidays {b}, floor {c}")
    if mismatches:
        print(f"{len(mismatches)} of {args.n} due dates disagree")
        return 1
    print(f"all {args.n} due dates agree")
    print(f"ours vs python-holidays: {theirs / ours:6.1f}x faster (goal >= 30x)")
    print(f"ours vs floor:           {ours / floor:6.2f}x the floor's time (goal <= 2x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

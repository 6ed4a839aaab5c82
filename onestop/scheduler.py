"""The daily check on a schedule: APScheduler, on working days only, jobs kept in the ledger database.

- Working days per the office calendar (Labour Code 2019 Art. 111-112; swapped working Saturdays included).
- Missed runs coalesce into one, and a run missed while the machine was off is made up at start
  (``coalesce=True``, no misfire grace limit), because the jobs persist in APScheduler's SQLAlchemy job store.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from apscheduler.triggers.base import BaseTrigger

from onestop.context import deadlines_for
from sla.calendar import CalendarSpec
from sla.hours import parse_time

JOB_ID = "onestop-daily-check"
JOB_TABLE = "apscheduler_jobs"


class WorkingDayTrigger(BaseTrigger):
    """Fires at ``time`` on each working day of the office calendar. Pickles as its spec, not its index."""

    def __init__(self, spec: CalendarSpec, time: str) -> None:
        self.spec = spec
        self.time = time

    def __getstate__(self) -> dict[str, Any]:
        return {"spec": self.spec, "time": self.time}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.spec, self.time = state["spec"], state["time"]

    def get_next_fire_time(self, previous_fire_time: dt.datetime | None, now: dt.datetime) -> dt.datetime | None:
        engine = deadlines_for(self.spec)
        at = parse_time(self.time)
        base = max(now, previous_fire_time + dt.timedelta(seconds=1)) if previous_fire_time else now
        day = engine.calendar.next_working_day(engine.local_date(base))
        candidate = dt.datetime.combine(day, at, engine.tz)
        if candidate < base:
            candidate = dt.datetime.combine(engine.calendar.next_working_day(day, inclusive=False), at, engine.tz)
        return candidate

    def __str__(self) -> str:
        return f"working days at {self.time}"


def fire_times(spec: CalendarSpec, time: str, *, start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    """Every fire time in [start, end): what the scheduler will do over a period."""
    trigger = WorkingDayTrigger(spec, time)
    out: list[dt.datetime] = []
    previous = None
    while True:
        nxt = trigger.get_next_fire_time(previous, start if previous is None else previous)
        if nxt is None or nxt >= end:
            return out
        out.append(nxt)
        previous = nxt


def build_scheduler(*, url: str, spec: CalendarSpec, time: str, job: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    """A started-but-paused background scheduler holding the daily check job (kept if already stored)."""
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.base import STATE_STOPPED

    class Scheduler(BackgroundScheduler):  # type: ignore[misc]
        def _process_jobs(self) -> float | None:
            # APScheduler 3's loop processes jobs once more after shutdown, with its executors gone: a due job
            # would fail and lose its run. A stopped scheduler processes nothing.
            if self.state == STATE_STOPPED:
                return None
            result: float | None = super()._process_jobs()
            return result

    scheduler = Scheduler(
        jobstores={"default": SQLAlchemyJobStore(url=url, tablename=JOB_TABLE)},
        job_defaults={"coalesce": True, "misfire_grace_time": None, "max_instances": 1},
        timezone=spec.timezone,
    )
    scheduler.start(paused=True)
    trigger = WorkingDayTrigger(spec, time)
    existing = scheduler.get_job(JOB_ID)
    if existing is None:
        scheduler.add_job(job, trigger=trigger, id=JOB_ID, args=args, name="onestop check")
    elif existing.trigger.__getstate__() != trigger.__getstate__() or tuple(existing.args) != args:
        # A new time or calendar: keep a missed run, then follow the new trigger.
        missed = existing.next_run_time
        scheduler.modify_job(JOB_ID, trigger=trigger, args=args, next_run_time=missed)
    return scheduler


def run_pending_once(scheduler: Any, *, now: dt.datetime) -> bool:
    """For cron / Task Scheduler users: run the job now if it is due (or was missed), then store its next time."""
    job = scheduler.get_job(JOB_ID)
    if job is None or job.next_run_time is None or job.next_run_time > now:
        return False
    job.func(*job.args)
    scheduler.modify_job(JOB_ID, next_run_time=job.trigger.get_next_fire_time(None, now + dt.timedelta(seconds=1)))
    return True

"""The ``onestop`` command: parse arguments, call one service, render with rich. No SQL, no date math here.

Heavy libraries (rich tables, the ledger, Alembic, openpyxl, python-docx, APScheduler) are imported inside the
commands that need them, so a desk command answers at once.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

if TYPE_CHECKING:
    from sqlmodel import Session

    from onestop.context import Ledger
    from onestop.models import Dossier

app = typer.Typer(
    help="onestop: sổ theo dõi hồ sơ một cửa và thời hạn giải quyết (UBND cấp xã).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class Globals:
    db: str | None = None
    config: str | None = None
    lang: str = "vi"


G = Globals()


@app.callback()
def _global_options(
    db: Annotated[str | None, typer.Option("--db", help="Database URL or SQLite file (env ONESTOP_DB).")] = None,
    config: Annotated[
        str | None, typer.Option("--config", help="onestop.toml (env ONESTOP_CONFIG; default ./onestop.toml).")
    ] = None,
    lang: Annotated[str | None, typer.Option("--lang", help="vi (default) or en (env ONESTOP_LANG).")] = None,
) -> None:
    from onestop.i18n import current_lang

    G.db, G.config, G.lang = db, config, current_lang(lang)


# --- plumbing --------------------------------------------------------------------------------------------------
def _t(key: str, /, **params: Any) -> str:
    from onestop.i18n import t

    return t(key, G.lang, **params)


def fail(message: str, code: int = 1) -> typer.Exit:
    one_line = " ".join(message.split())  # an input with a line break must not make two lines of error
    typer.echo(f"{_t('error')}: {one_line}", err=True)
    return typer.Exit(code)


def handles_errors(func: F) -> F:
    """Turn the ledger's typed errors into one line on stderr and exit 1; never a traceback for user error."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from onestop.errors import OnestopError

        try:
            return func(*args, **kwargs)
        except OnestopError as error:
            raise fail(_t(error.key, **error.params), error.exit_code) from None
        except KeyboardInterrupt:
            raise typer.Exit(130) from None
        except OverflowError:  # a date or number beyond what can be represented is still the user's input
            raise fail(_t("input.out_of_range_value"), 1) from None
        except Exception as error:  # a database fault (locked, read-only, full) must still be one clear line
            from sqlalchemy import exc

            if isinstance(error, exc.StatementError) and isinstance(error.orig, OverflowError | ValueError):
                raise fail(_t("input.out_of_range_value"), 1) from None
            if isinstance(error, exc.OperationalError | exc.IntegrityError | exc.InternalError):
                from onestop.db import storage_error

                se = storage_error(error, url=G.db or "")
                raise fail(_t(se.key, **se.params), 1) from None
            raise

    return wrapper  # type: ignore[return-value]


def settings() -> Any:
    from onestop.config import find_config, load_settings

    return load_settings(find_config(G.config))


def open_ledger(*, must_exist: bool = True) -> Ledger:
    from onestop.context import Ledger
    from onestop.db import ensure_current, is_initialised, open_engine, resolve_url

    url = resolve_url(G.db)
    ledger = Ledger(settings(), open_engine(url), url, G.lang)
    if must_exist:
        ensure_current(ledger.engine)
        if not is_initialised(ledger.engine):
            from onestop.errors import NotFoundError

            raise NotFoundError("notfound.office")
    return ledger


@contextmanager
def unit_of_work(ledger: Ledger, *, write: bool = False) -> Iterator[Session]:
    from onestop.db import session_scope

    with session_scope(ledger.engine, write=write) as session:
        yield session


def now_in(tz: Any) -> dt.datetime:
    return dt.datetime.now(tz)


def parse_instant(value: str, tz: Any) -> dt.datetime:
    """ISO 8601 (``2023-03-06 09:00``, with or without offset) or ``06/03/2023 09:00``; no offset = office time.

    Year-first text is read year-first (``2023/3/8``); otherwise day-first, as Vietnamese dates are written.
    """
    import re

    from onestop.errors import InputError

    text = value.strip()
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        from dateutil import parser

        try:
            parsed = parser.parse(text, dayfirst=not re.match(r"\d{4}\D", text))
        except (ValueError, OverflowError) as error:
            raise InputError("input.datetime", value=value) from error
    try:
        parsed.utcoffset()  # an offset beyond ±24 h is only noticed when used
    except ValueError as error:
        raise InputError("input.datetime", value=value) from error
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)


def parse_day(value: str) -> dt.date:
    from onestop.errors import InputError

    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError as error:
        raise InputError("input.date", value=value) from error


def iso(at: dt.datetime | None, tz: Any) -> str | None:
    return at.astimezone(tz).isoformat() if at else None


def local_text(at: dt.datetime | None, tz: Any) -> str:
    return at.astimezone(tz).strftime("%d/%m/%Y %H:%M") if at else "—"


def print_json(obj: Any) -> None:
    typer.echo(json.dumps(obj, ensure_ascii=False, indent=2, default=str))


def console() -> Any:
    from rich.console import Console

    return Console(highlight=False)


def table(title: str, columns: list[str]) -> Any:
    from rich import box
    from rich.table import Table

    grid = Table(title=title, box=box.SIMPLE_HEAVY, title_justify="left", show_lines=False)
    for column in columns:
        grid.add_column(column)
    return grid


# --- issue 2: deadline and calendar ----------------------------------------------------------------------------
@app.command()
@handles_errors
def deadline(
    received_at: Annotated[str, typer.Option("--received-at", help="When the dossier was received.")],
    same_day: Annotated[bool, typer.Option("--same-day", help="Same day (15:00 cut-off).")] = False,
    working_days: Annotated[int | None, typer.Option("--working-days", help="N working days.")] = None,
    working_hours: Annotated[float | None, typer.Option("--working-hours", help="H office hours.")] = None,
    calendar_days: Annotated[int | None, typer.Option("--calendar-days", help="N calendar days.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """What-if: when is a dossier received at a given time due?"""
    from onestop.context import deadlines_for, with_years
    from onestop.errors import InputError
    from sla.calendar import CalendarRangeError
    from sla.deadline import Rule, Unit

    chosen = [(Unit.SAME_DAY, 0.0)] if same_day else []
    chosen += [
        (u, float(v))
        for u, v in (
            (Unit.WORKING_DAYS, working_days),
            (Unit.WORKING_HOURS, working_hours),
            (Unit.CALENDAR_DAYS, calendar_days),
        )
        if v is not None
    ]
    if len(chosen) != 1:
        raise InputError("input.one_unit")
    unit, amount = chosen[0]
    import math

    if not math.isfinite(amount) or amount > 100_000:
        raise InputError("input.out_of_range_value")
    if amount < 0:
        raise InputError("input.negative", value=amount)
    spec = settings().calendar
    from zoneinfo import ZoneInfo

    at = parse_instant(received_at, ZoneInfo(spec.timezone))
    if not 1990 <= at.year <= 2100:  # the holiday rules are only known for modern Vietnam
        raise InputError("input.out_of_range", value=at.date(), first=1990, last=2100)
    spec = with_years(spec, at)
    engine = deadlines_for(spec, lang=G.lang)
    try:
        due = engine.due_at(Rule(unit, amount), at)
        counted = engine.deemed_receipt(at)
    except CalendarRangeError as error:
        raise InputError("input.out_of_range", value=at.date(), first=spec.first_year, last=spec.last_year) from error
    tz = engine.tz
    if as_json:
        print_json(
            {
                "received_at": iso(at, tz),
                "counted_from": iso(counted, tz),
                "due_at": iso(due, tz),
                "unit": unit.value,
                "amount": amount if unit is Unit.WORKING_HOURS else int(amount),
            }
        )
        return
    out = console()
    out.print(f"[bold]{_t('title.deadline')}[/bold]: {_t('unit.' + unit.value, n=_num(amount))}")
    out.print(f"  {_t('label.received')}: {local_text(at, tz)}")
    out.print(f"  {_t('label.counted_from')}: {local_text(counted, tz)}")
    out.print(f"  {_t('label.due')}: [bold]{local_text(due, tz)}[/bold] ({_weekday(due.astimezone(tz).date())})")


def _num(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


_WEEKDAYS = {
    "vi": ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật"],
    "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
}


def _weekday(day: dt.date) -> str:
    return _WEEKDAYS["en" if G.lang == "en" else "vi"][day.weekday()]


@app.command()
@handles_errors
def calendar(
    year: Annotated[int | None, typer.Argument(help="Year (default: this year).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """The year's days off, days off in lieu and swapped working Saturdays, and the office hours."""
    from zoneinfo import ZoneInfo

    from onestop.context import deadlines_for
    from onestop.errors import InputError

    spec = settings().calendar
    year = year or now_in(ZoneInfo(spec.timezone)).year
    if not spec.first_year <= year <= spec.last_year:
        raise InputError("input.out_of_range", value=year, first=spec.first_year, last=spec.last_year)
    engine = deadlines_for(spec, lang=G.lang)
    changes = engine.calendar.changes(year)
    working = len(engine.calendar.working_days_between(dt.date(year, 1, 1), dt.date(year, 12, 31)))
    if as_json:
        print_json(
            {
                "year": year,
                "timezone": spec.timezone,
                "office_hours": engine.hours.describe(),
                "same_day_cutoff": spec.same_day_cutoff.strftime("%H:%M"),
                "working_days": working,
                "days": [
                    {
                        "date": c.on.isoformat(),
                        "kind": c.kind,
                        "name": c.name,
                        "working": engine.calendar.is_working_day(c.on),
                    }
                    for c in changes
                ],
            }
        )
        return
    grid = table(
        _t("title.calendar", year=year), [_t("label.date"), _t("label.weekday"), _t("label.kind"), _t("label.name")]
    )
    for change in changes:
        grid.add_row(change.on.strftime("%d/%m/%Y"), _weekday(change.on), _t("kind." + change.kind), change.name)
    out = console()
    out.print(grid)
    out.print(
        f"{_t('label.office_hours')}: {', '.join(engine.hours.describe())}; "
        f"{_t('label.cutoff')}: {spec.same_day_cutoff:%H:%M}; {_t('label.days')}: {working}"
    )


# --- issue 3: the ledger and the desk --------------------------------------------------------------------------
OfficerOpt = Annotated[str, typer.Option("--officer", help="The officer recording the event.")]
AtOpt = Annotated[str | None, typer.Option("--at", help="When it happened (default: now).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]


@app.command()
@handles_errors
def init(
    office_code: Annotated[str | None, typer.Option("--office-code", help="The office's unit code.")] = None,
    office_name: Annotated[str | None, typer.Option("--office-name", help="The office's name.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Create (or upgrade) the ledger, register the office and install the procedure catalogue."""
    from onestop.setup import init_ledger

    ledger = open_ledger(must_exist=False)
    office, procedures = init_ledger(ledger, office_code=office_code, office_name=office_name)
    if as_json:
        print_json({"db": ledger.url, "office": {"code": office.code, "name": office.name}, "procedures": procedures})
        return
    console().print(_t("msg.initialised", name=office.name, code=office.code, url=ledger.url))


@app.command()
@handles_errors
def info(as_json: JsonOpt = False) -> None:
    """Where the ledger is, which configuration is read, and what it holds."""
    from onestop.config import find_config
    from onestop.db import current_revision, open_engine, resolve_url, sqlite_path

    url = resolve_url(G.db)
    path = sqlite_path(url)
    revision = current_revision(open_engine(url, create_dir=False)) if (path is None or path.exists()) else None
    config = find_config(G.config)
    data = {
        "db": url,
        "sqlite_file": str(path) if path else None,
        "config": str(config) if config else None,
        "schema_revision": revision,
        "lang": G.lang,
    }
    if as_json:
        print_json(data)
        return
    for key, value in data.items():
        typer.echo(f"{key}: {value if value is not None else '—'}")


@app.command()
@handles_errors
def procedures(
    search: Annotated[str | None, typer.Option("--search", help="Part of a name or code.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """The procedure catalogue with statutory times and legal bases."""
    from onestop.catalogue import field_labels, search_procedures

    ledger = open_ledger()
    with unit_of_work(ledger) as session:
        found = search_procedures(session, search)
    if as_json:
        print_json({"procedures": [p.model_dump(exclude={"name_key"}) for p in found]})
        return
    labels = field_labels(G.lang)
    grid = table(
        _t("title.procedures"),
        [_t("label.code"), _t("label.procedure"), _t("label.field"), _t("label.unit"), _t("label.online")],
    )
    for p in found:
        grid.add_row(
            p.code,
            p.name,
            labels.get(p.field, p.field),
            _t("unit." + p.unit, n=_num(p.amount)),
            str(p.online_level or "—"),
        )
    console().print(grid)


def _ask(value: str | None, name: str, prompt: str) -> str:
    from onestop.errors import InputError

    if value:
        return value
    if not sys.stdin.isatty():
        raise typer.Exit(_usage(_t("input.not_tty", name=name)))
    answer = typer.prompt(prompt).strip()
    if not answer:
        raise InputError("input.empty", name=name)
    return answer


def _usage(message: str) -> int:
    typer.echo(f"{_t('error')}: {message}", err=True)
    return 2


def dossier_json(d: Dossier, tz: Any, procedure_name: str | None = None) -> dict[str, Any]:
    return {
        "code": d.code,
        "procedure": d.procedure_code,
        "procedure_name": procedure_name,
        "field": d.field,
        "channel": d.channel,
        "applicant": d.applicant,
        "received_at": iso(d.received_at, tz),
        "counted_from": iso(d.counted_from, tz),
        "appointment_at": iso(d.appointment_at, tz),
        "due_at": iso(d.due_at, tz),
        "extended_due_at": iso(d.extended_due_at, tz),
        "status": d.status,
        "completed_at": iso(d.completed_at, tz),
        "outcome": d.outcome,
        "returned_at": iso(d.returned_at, tz),
        "return_via": d.return_via,
        "withdrawn_at": iso(d.withdrawn_at, tz),
    }


def render_slip(d: Dossier, procedure_name: str, tz: Any) -> None:
    from rich.panel import Panel

    lines = [
        f"{_t('label.code')}: [bold]{d.code}[/bold]",
        f"{_t('label.procedure')}: {procedure_name}",
        f"{_t('label.applicant')}: {d.applicant}",
        f"{_t('label.channel')}: {_t('channel.' + d.channel)}",
        f"{_t('label.received')}: {local_text(d.received_at, tz)}",
        f"{_t('label.due')}: [bold]{local_text(d.appointment_at, tz)}[/bold]",
    ]
    console().print(Panel("\n".join(lines), title=_t("title.slip"), expand=False))


@app.command()
@handles_errors
def receive(
    procedure: Annotated[str | None, typer.Option("--procedure", help="Procedure code.")] = None,
    channel: Annotated[str | None, typer.Option("--channel", help="direct | postal | level3 | level4")] = None,
    applicant: Annotated[str | None, typer.Option("--applicant", help="Applicant's full name.")] = None,
    id_number: Annotated[str | None, typer.Option("--id-number", help="CCCD / ID number.")] = None,
    phone: Annotated[str | None, typer.Option("--phone")] = None,
    address: Annotated[str | None, typer.Option("--address")] = None,
    at: AtOpt = None,
    officer: OfficerOpt = "",
    as_json: JsonOpt = False,
) -> None:
    """Receive a dossier and print the receipt slip with its appointment."""
    from onestop.services import Applicant, get_procedure, receive_dossier

    procedure = _ask(procedure, "--procedure", _t("label.procedure"))
    channel = _ask(channel, "--channel", _t("label.channel") + " (direct/postal/level3/level4)")
    applicant = _ask(applicant, "--applicant", _t("label.applicant"))
    ledger = open_ledger()
    tz = ledger.deadlines.tz
    now = now_in(tz)
    when = parse_instant(at, tz) if at else now
    with unit_of_work(ledger) as session:  # read before the write lock, which the receipt alone holds
        office = ledger.office(session)
        name = get_procedure(session, procedure).name
    with unit_of_work(ledger, write=True) as session:
        dossier = receive_dossier(
            session,
            ledger,
            office=office,
            procedure_code=procedure,
            channel=channel,
            applicant=Applicant(applicant, id_number, phone, address),
            at=when,
            now=now,
            officer=officer,
        )
    if as_json:
        print_json(dossier_json(dossier, tz, name))
        return
    render_slip(dossier, name, tz)


@app.command()
@handles_errors
def desk(officer: OfficerOpt = "") -> None:
    """An interactive reception session: search a procedure, type the applicant, print the slip, next."""
    from onestop.catalogue import search_procedures
    from onestop.errors import OnestopError
    from onestop.services import Applicant, receive_dossier

    if not sys.stdin.isatty():
        raise typer.Exit(_usage(_t("input.not_tty", name="desk")))
    ledger = open_ledger()
    tz = ledger.deadlines.tz
    out = console()
    with unit_of_work(ledger) as session:
        office = ledger.office(session)
    while True:
        query = typer.prompt(_t("desk.search"), default="", show_default=False).strip()
        if not query:
            return
        with unit_of_work(ledger) as session:
            found = search_procedures(session, query)[:15]
        if not found:
            out.print(_t("msg.none"))
            continue
        for i, p in enumerate(found, 1):
            out.print(f"  {i:>2}. {p.name} [dim]({p.code}, {_t('unit.' + p.unit, n=_num(p.amount))})[/dim]")
        choice = typer.prompt(_t("desk.pick"), default="1")
        if not choice.isdigit() or not 1 <= int(choice) <= len(found):
            continue
        procedure = found[int(choice) - 1]
        channel = typer.prompt(_t("label.channel") + " (direct/postal/level3/level4)", default="direct")
        name = typer.prompt(_t("label.applicant")).strip()
        phone = typer.prompt("SĐT / phone", default="", show_default=False).strip() or None
        try:
            with unit_of_work(ledger, write=True) as session:
                now = now_in(tz)
                dossier = receive_dossier(
                    session,
                    ledger,
                    office=office,
                    procedure_code=procedure.code,
                    channel=channel,
                    applicant=Applicant(name, phone=phone),
                    at=now,
                    now=now,
                    officer=officer,
                )
            render_slip(dossier, procedure.name, tz)
        except OnestopError as error:
            typer.echo(f"{_t('error')}: {_t(error.key, **error.params)}", err=True)


def _act(
    action: str,
    code: str,
    at: str | None,
    officer: str,
    note: str = "",
    as_json: bool = False,
    return_via: str | None = None,
) -> None:
    from onestop.services import act_on_dossier

    ledger = open_ledger()
    tz = ledger.deadlines.tz
    now = now_in(tz)
    when = parse_instant(at, tz) if at else now
    with unit_of_work(ledger, write=True) as session:
        try:
            dossier = act_on_dossier(
                session,
                ledger,
                code=code,
                action=action,
                at=when,
                now=now,
                officer=officer,
                note=note,
                return_via=return_via,
            )
        except Exception as error:
            _name_transition(error, code)
            raise
    if as_json:
        print_json(dossier_json(dossier, tz))
        return
    console().print(
        f"{dossier.code}: {_t('status.' + dossier.status)}; {_t('label.due')}: {local_text(dossier.due_at, tz)}"
    )


def _name_transition(error: Exception, code: str) -> None:
    from onestop.errors import TransitionError

    if isinstance(error, TransitionError):
        error.params.setdefault("code", code)
        if "action" in error.params:
            error.params["action"] = _t("action." + error.params["action"])
        if "status" in error.params:
            error.params["status"] = _t("status." + error.params["status"])


@app.command()
@handles_errors
def supplement(
    code: str,
    reason: Annotated[str, typer.Option("--reason", help="What is missing.")],
    at: AtOpt = None,
    officer: OfficerOpt = "",
    as_json: JsonOpt = False,
) -> None:
    """Ask the applicant for a supplement: the clock stops (Decree 61/2018 Art. 19.4)."""
    _act("supplement", code, at, officer, reason, as_json)


@app.command()
@handles_errors
def resume(code: str, at: AtOpt = None, officer: OfficerOpt = "", as_json: JsonOpt = False) -> None:
    """Complete supplement received (clock restarts from zero) or suspension over (clock continues)."""
    _act("resume", code, at, officer, "", as_json)


@app.command()
@handles_errors
def suspend(
    code: str,
    reason: Annotated[str, typer.Option("--reason", help="Why processing waits.")],
    at: AtOpt = None,
    officer: OfficerOpt = "",
    as_json: JsonOpt = False,
) -> None:
    """Pause the clock (waiting for a financial obligation, a public posting period, ...)."""
    _act("suspend", code, at, officer, reason, as_json)


@app.command()
@handles_errors
def transfer(
    code: str,
    to: Annotated[str | None, typer.Option("--to", help="The receiving body.")] = None,
    back: Annotated[bool, typer.Option("--back", help="The dossier came back.")] = False,
    at: AtOpt = None,
    officer: OfficerOpt = "",
    as_json: JsonOpt = False,
) -> None:
    """Transfer to another body (inter-linked, Decree 61/2018 Art. 18), or take it back with --back."""
    if not back and not to:
        raise typer.Exit(_usage(_t("input.required", name="--to / --back")))
    _act("transfer_back" if back else "transfer", code, at, officer, to or "", as_json)


@app.command()
@handles_errors
def resolve(code: str, at: AtOpt = None, officer: OfficerOpt = "", as_json: JsonOpt = False) -> None:
    """The result is ready (the dossier is completed)."""
    _act("resolve", code, at, officer, "", as_json)


@app.command("return")
@handles_errors
def return_(
    code: str,
    via: Annotated[str, typer.Option("--via", help="direct | postal | online")] = "direct",
    at: AtOpt = None,
    officer: OfficerOpt = "",
    as_json: JsonOpt = False,
) -> None:
    """Hand the result over (Decree 61/2018 Art. 20)."""
    _act("return", code, at, officer, "", as_json, return_via=via)


@app.command()
@handles_errors
def reject(
    code: str,
    reason: Annotated[str, typer.Option("--reason", help="Why it is refused.")],
    at: AtOpt = None,
    officer: OfficerOpt = "",
    as_json: JsonOpt = False,
) -> None:
    """Refuse after appraisal (a result)."""
    _act("reject", code, at, officer, reason, as_json)


@app.command()
@handles_errors
def withdraw(
    code: str,
    reason: Annotated[str, typer.Option("--reason")] = "",
    at: AtOpt = None,
    officer: OfficerOpt = "",
    as_json: JsonOpt = False,
) -> None:
    """The applicant withdraws the dossier."""
    _act("withdraw", code, at, officer, reason, as_json)


@app.command()
@handles_errors
def show(code: str, as_json: JsonOpt = False) -> None:
    """A dossier, its due time and its history."""
    from onestop.services import events_of, get_dossier, get_procedure

    ledger = open_ledger()
    tz = ledger.deadlines.tz
    with unit_of_work(ledger) as session:
        dossier = get_dossier(session, code)
        name = get_procedure(session, dossier.procedure_code).name
        events = events_of(session, dossier)
    if as_json:
        data = dossier_json(dossier, tz, name)
        data["events"] = [
            {
                "kind": e.kind,
                "occurred_at": iso(e.occurred_at, tz),
                "recorded_at": iso(e.recorded_at, tz),
                "officer": e.officer,
                "note": e.note,
            }
            for e in events
        ]
        print_json(data)
        return
    render_slip(dossier, name, tz)
    out = console()
    out.print(
        f"{_t('label.status')}: [bold]{_t('status.' + dossier.status)}[/bold]; {_t('label.due')}: "
        f"{local_text(dossier.due_at, tz)}"
        + (f"; {_t('label.outcome')}: {_t('outcome.' + dossier.outcome)}" if dossier.outcome else "")
    )
    grid = table(
        _t("title.history"),
        [_t("label.time"), _t("label.event"), _t("label.officer"), _t("label.note"), _t("label.recorded")],
    )
    for e in events:
        grid.add_row(
            local_text(e.occurred_at, tz), _t("event." + e.kind), e.officer, e.note, local_text(e.recorded_at, tz)
        )
    out.print(grid)


@app.command("list")
@handles_errors
def list_(
    status: Annotated[str | None, typer.Option("--status", help="received, processing, resolved, ...")] = None,
    field: Annotated[str | None, typer.Option("--field", help="civil_status, certification, land, ...")] = None,
    search: Annotated[str | None, typer.Option("--search", help="Code, applicant or procedure.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=100000)] = 200,
    as_json: JsonOpt = False,
) -> None:
    """Find dossiers (search ignores case and diacritics)."""
    from onestop.queries import list_dossiers

    ledger = open_ledger()
    tz = ledger.deadlines.tz
    with unit_of_work(ledger) as session:
        rows = list_dossiers(session, status=status, field=field, search=search, limit=limit)
    if as_json:
        print_json({"dossiers": [dossier_json(d, tz, name) for d, name in rows], "count": len(rows)})
        return
    grid = table(
        _t("title.dossiers"),
        [
            _t("label.code"),
            _t("label.procedure"),
            _t("label.applicant"),
            _t("label.received"),
            _t("label.due"),
            _t("label.status"),
        ],
    )
    for d, name in rows:
        grid.add_row(
            d.code, name, d.applicant, local_text(d.received_at, tz), local_text(d.due_at, tz), _t("status." + d.status)
        )
    console().print(grid)


@app.command()
@handles_errors
def audit(as_json: JsonOpt = False) -> None:
    """Events recorded more than an hour after they occurred."""
    from onestop.queries import late_recorded_events

    ledger = open_ledger()
    tz = ledger.deadlines.tz
    with unit_of_work(ledger) as session:
        rows = late_recorded_events(session)
    if as_json:
        print_json(
            {
                "events": [
                    {
                        "code": code,
                        "kind": e.kind,
                        "occurred_at": iso(e.occurred_at, tz),
                        "recorded_at": iso(e.recorded_at, tz),
                        "officer": e.officer,
                    }
                    for e, code in rows
                ]
            }
        )
        return
    grid = table(
        _t("title.audit"),
        [_t("label.code"), _t("label.event"), _t("label.time"), _t("label.recorded"), _t("label.officer")],
    )
    for e, code in rows:
        grid.add_row(
            code, _t("event." + e.kind), local_text(e.occurred_at, tz), local_text(e.recorded_at, tz), e.officer
        )
    console().print(grid)


@app.command("import")
@handles_errors
def import_(
    file: Annotated[Path, typer.Argument(help="CSV export of a provincial system.")], as_json: JsonOpt = False
) -> None:
    """Import dossier history from CSV; idempotent by code; bad rows are reported by line number."""
    from rich.progress import Progress

    from onestop.errors import OnestopError
    from onestop.importer import count_rows, import_csv

    ledger = open_ledger()
    if not file.is_file():
        from onestop.errors import InputError

        raise InputError("input.file", path=str(file), detail="not found")

    def describe(error: OnestopError) -> str:
        _name_transition(error, error.params.get("code", ""))
        return _t(error.key, **error.params)

    now = now_in(ledger.deadlines.tz)
    show = not as_json and sys.stderr.isatty()
    with Progress(console=_stderr_console(), disable=not show, transient=True) as bar:
        task = bar.add_task(str(file.name), total=count_rows(file) if show else None)
        result = import_csv(ledger, file, now=now, describe=describe, progress=lambda n: bar.advance(task, n))
    errors = [{"line": e.line, "reason": e.reason} for e in result.errors]
    if as_json:
        print_json({"imported": result.imported, "skipped": result.skipped, "errors": errors})
    else:
        console().print(_t("msg.imported", imported=result.imported, skipped=result.skipped, errors=len(errors)))
        for e in result.errors[:50]:
            typer.echo(_t("msg.row_error", line=e.line, reason=e.reason), err=True)
    if result.errors:
        raise typer.Exit(1)


def _stderr_console() -> Any:
    from rich.console import Console

    return Console(stderr=True)


# --- issue 4: alerts, the daily check, apologies, forms, the scheduler -----------------------------------------
def _as_of(ledger: Ledger, at: str | None) -> dt.datetime:
    tz = ledger.deadlines.tz
    return parse_instant(at, tz) if at else now_in(tz)


def _alert_json(alerts: Any, tz: Any) -> dict[str, Any]:
    def row(r: Any) -> dict[str, Any]:
        return {
            "code": r.code,
            "procedure": r.procedure,
            "applicant": r.applicant,
            "field": r.field,
            "due_at": iso(r.due_at, tz),
            "extended_due_at": iso(r.extended_due_at, tz),
            "overdue_working_days": r.overdue_working_days,
            "status": r.status,
        }

    data: dict[str, Any] = {"as_of": iso(alerts.as_of, tz)}
    for group in alerts.GROUPS:
        data[group] = [row(r) for r in getattr(alerts, group)]
    return data


def render_alerts(alerts: Any, tz: Any) -> None:
    from onestop.catalogue import field_labels

    labels = field_labels(G.lang)
    out = console()
    out.print(f"[bold]{_t('title.alerts', at=local_text(alerts.as_of, tz))}[/bold]")
    styles = {
        "overdue": "bold red",
        "due_today": "bold yellow",
        "due_soon": "cyan",
        "apology_needed": "magenta",
        "waiting": "dim",
    }
    for group in alerts.GROUPS:
        rows = getattr(alerts, group)
        title = _t("title." + group, n=alerts.due_soon_working_days) + f" ({len(rows)})"
        columns = [_t("label.code"), _t("label.procedure"), _t("label.applicant"), _t("label.due"), _t("label.field")]
        if group == "overdue":
            columns.append(_t("label.overdue_days"))
        grid = table(title, columns)
        grid.title_style = styles[group]
        for r in rows:
            cells = [r.code, r.procedure, r.applicant, local_text(r.due_at, tz), labels.get(r.field, r.field)]
            if group == "overdue":
                cells.append(str(r.overdue_working_days))
            grid.add_row(*cells)
        if rows:
            out.print(grid)
        else:
            out.print(f"[{styles[group]}]{title}[/]: {_t('msg.none')}")


def _alerts_for(ledger: Ledger, as_of: dt.datetime) -> Any:
    from onestop.alerts import collect_alerts

    with unit_of_work(ledger) as session:
        office = ledger.office(session)
        return collect_alerts(
            session,
            ledger.deadlines,
            as_of=as_of,
            due_soon_working_days=ledger.settings.alerts.due_soon_working_days,
            office_id=office.id,
        )


@app.command()
@handles_errors
def alerts(at: AtOpt = None, as_json: JsonOpt = False) -> None:
    """Overdue, due today, due soon, apology needed, waiting for the applicant."""
    ledger = open_ledger()
    found = _alerts_for(ledger, _as_of(ledger, at))
    if as_json:
        print_json(_alert_json(found, ledger.deadlines.tz))
        return
    render_alerts(found, ledger.deadlines.tz)


def run_daily_check(ledger: Ledger, as_of: dt.datetime) -> tuple[Any, Any]:
    from onestop.apologies import run_check

    with unit_of_work(ledger, write=True) as session:
        result = run_check(session, ledger, as_of=as_of, now=max(as_of, now_in(ledger.deadlines.tz)))
    return result, _alerts_for(ledger, as_of)


@app.command()
@handles_errors
def check(at: AtOpt = None, as_json: JsonOpt = False) -> None:
    """The daily job: apologies for overdue dossiers, "late again" flags, then the alerts. Idempotent."""
    ledger = open_ledger()
    result, found = run_daily_check(ledger, _as_of(ledger, at))
    tz = ledger.deadlines.tz
    if as_json:
        data = _alert_json(found, tz)
        data.update({"new_apologies": result.new_apologies, "late_again": result.late_again})
        print_json(data)
        return
    console().print(_t("msg.check_done", n=len(result.new_apologies), again=len(result.late_again)))
    render_alerts(found, tz)


@app.command()
@handles_errors
def extend(
    code: str,
    new_due: Annotated[str, typer.Option("--new-due", help="The new appointment.")],
    reason: Annotated[str, typer.Option("--reason", help="Why the dossier is late.")],
    signer: Annotated[str, typer.Option("--signer", help="Head of the office who signs.")] = "",
    at: AtOpt = None,
    officer: OfficerOpt = "",
    as_json: JsonOpt = False,
) -> None:
    """Apologise and set a new appointment, once (Decree 61/2018 Art. 19.9)."""
    from onestop.apologies import extend_dossier

    ledger = open_ledger()
    tz = ledger.deadlines.tz
    now = now_in(tz)
    when = parse_instant(at, tz) if at else now
    new_due_at = parse_instant(new_due, tz)
    with unit_of_work(ledger, write=True) as session:
        apology = extend_dossier(
            session,
            ledger,
            code=code,
            new_due_at=new_due_at,
            reason=reason,
            signer=signer,
            at=when,
            now=now,
            officer=officer,
        )
    if as_json:
        print_json(
            {
                "code": code,
                "number": apology.number,
                "year": apology.year,
                "original_due_at": iso(apology.original_due_at, tz),
                "new_due_at": iso(apology.new_due_at, tz),
                "reason": apology.reason,
                "issued_at": iso(apology.issued_at, tz),
                "signer": apology.signer,
            }
        )
        return
    console().print(_t("msg.extended", code=code, new_due=local_text(new_due_at, tz)))


PeriodOpt = Annotated[str | None, typer.Option("--period", help="2023-05, 2023-Q2, 2023-H1, 2023-9M, 2023")]
FromOpt = Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD).")]
ToOpt = Annotated[str | None, typer.Option("--to", help="Last day (YYYY-MM-DD).")]


def period_from(
    period: str | None, start: str | None, end: str | None, *, calendar_months: bool = False, required: bool = True
) -> Any:
    """The reporting period from --period or --from/--to; None when neither is given and it is optional."""
    from onestop.errors import InputError
    from sla.periods import PeriodError, custom_period, parse_period

    try:
        if period and not (start or end):
            return parse_period(period, calendar_months=calendar_months)
        if start and end and not period:
            return custom_period(parse_day(start), parse_day(end))
    except PeriodError as error:
        raise InputError("input.period", detail=str(error)) from error
    if not required and not (period or start or end):
        return None
    raise InputError("input.period_choice")


@app.command()
@handles_errors
def apologies(period: PeriodOpt = None, start: FromOpt = None, end: ToOpt = None, as_json: JsonOpt = False) -> None:
    """The apology register (number per office and year)."""
    from onestop.apologies import apology_register
    from sla.periods import period_bounds

    chosen = period_from(period, start, end, required=False)
    ledger = open_ledger()
    tz = ledger.deadlines.tz
    lo, hi = period_bounds(chosen, tz) if chosen else (None, None)
    with unit_of_work(ledger) as session:
        office = ledger.office(session)
        rows = apology_register(session, start=lo, end=hi, office_id=office.id)
    if as_json:
        print_json(
            {
                "period": chosen.label if chosen else None,
                "apologies": [
                    {
                        "number": a.number,
                        "year": a.year,
                        "code": d.code,
                        "procedure": name,
                        "applicant": d.applicant,
                        "original_due_at": iso(a.original_due_at, tz),
                        "new_due_at": iso(a.new_due_at, tz),
                        "reason": a.reason,
                        "issued_at": iso(a.issued_at, tz),
                        "signer": a.signer,
                        "kind": a.kind,
                    }
                    for a, d, name in rows
                ],
            }
        )
        return
    grid = table(
        _t("title.apologies"),
        [
            _t("label.number"),
            _t("label.code"),
            _t("label.applicant"),
            _t("label.original_due"),
            _t("label.new_due"),
            _t("label.reason"),
            _t("label.issued"),
            _t("label.signer"),
        ],
    )
    for a, d, _name in rows:
        grid.add_row(
            f"{a.number}/{a.year}",
            d.code,
            d.applicant,
            local_text(a.original_due_at, tz),
            local_text(a.new_due_at, tz),
            a.reason,
            local_text(a.issued_at, tz),
            a.signer,
        )
    console().print(grid)


FormatOpt = Annotated[str, typer.Option("--format", help="text | docx")]
OutOpt = Annotated[Path | None, typer.Option("--out", help="Output file.")]


def _emit_document(text: str, write_docx: Callable[[Path], Path], fmt: str, out: Path | None, stem: str) -> None:
    from onestop.errors import InputError

    if fmt == "text":
        if out:
            out.write_text(text, encoding="utf-8")
            console().print(_t("msg.written", path=out))
        else:
            typer.echo(text)
        return
    if fmt != "docx":
        raise InputError("input.format", value=fmt)
    path = write_docx(out or Path(f"{stem}.docx"))
    console().print(_t("msg.written", path=path))


@app.command()
@handles_errors
def apology(code: str, fmt: FormatOpt = "text", out: OutOpt = None) -> None:
    """The apology letter (Mẫu 04, Circular 01/2018; the Circular 03/2025 form for dossiers received after
    2025-07-01), as text or .docx to print and sign."""
    from onestop.documents import apology_data
    from onestop.forms import apology_text, write_apology_docx

    ledger = open_ledger()
    tz = ledger.deadlines.tz
    with unit_of_work(ledger) as session:
        data = apology_data(session, ledger, code)
    text = apology_text(data, tz=tz, lang=G.lang)
    _emit_document(text, lambda p: write_apology_docx(data, p, tz=tz), fmt, out, f"xin-loi-{data.code}")


@app.command()
@handles_errors
def slip(code: str, fmt: FormatOpt = "text", out: OutOpt = None) -> None:
    """The receipt slip with its appointment (Mẫu 01, Circular 01/2018), as text or .docx."""
    from onestop.documents import slip_data
    from onestop.forms import slip_text, write_slip_docx

    ledger = open_ledger()
    tz = ledger.deadlines.tz
    with unit_of_work(ledger) as session:
        data = slip_data(session, ledger, code)
    text = slip_text(data, tz=tz, lang=G.lang)
    _emit_document(text, lambda p: write_slip_docx(data, p, tz=tz), fmt, out, f"phieu-hen-{data.code}")


def scheduled_check(db: str | None, config: str | None, lang: str) -> None:
    """The scheduler's job (referenced by the job store as ``cli:scheduled_check``): check, then print alerts."""
    G.db, G.config, G.lang = db, config, lang
    ledger = open_ledger()
    result, found = run_daily_check(ledger, now_in(ledger.deadlines.tz))
    console().print(_t("msg.check_done", n=len(result.new_apologies), again=len(result.late_again)))
    render_alerts(found, ledger.deadlines.tz)


@app.command()
@handles_errors
def scheduler(
    time: Annotated[str | None, typer.Option("--time", help="HH:MM (default [alerts] check_time, 07:30).")] = None,
    once: Annotated[bool, typer.Option("--once", help="Run what is due (or was missed), then exit.")] = False,
) -> None:
    """Run the daily check at a set time on working days (APScheduler, jobs kept in the ledger database)."""
    import threading

    from onestop.config import find_config
    from onestop.errors import InputError
    from onestop.scheduler import build_scheduler, run_pending_once
    from sla.hours import OfficeHoursError, parse_minutes

    ledger = open_ledger()
    when = time or ledger.settings.alerts.check_time
    try:
        parse_minutes(when)
    except OfficeHoursError as error:
        raise InputError("input.datetime", value=when) from error
    config = find_config(G.config)
    args = (G.db, str(config.resolve()) if config else None, G.lang)
    sched = build_scheduler(url=ledger.url, spec=ledger.settings.calendar, time=when, job=scheduled_check, args=args)
    if once:
        ran = run_pending_once(sched, now=now_in(ledger.deadlines.tz))
        job = sched.get_job("onestop-daily-check")
        sched.shutdown(wait=False)
        console().print(
            _t(
                "msg.scheduler_once",
                ran=_t("msg.yes" if ran else "msg.no"),
                next=local_text(job.next_run_time, ledger.deadlines.tz),
            )
        )
        return
    job = sched.get_job("onestop-daily-check")
    console().print(_t("msg.scheduler_started", next=local_text(job.next_run_time, ledger.deadlines.tz)))
    sched.resume()
    stop = threading.Event()
    try:
        while not stop.wait(1.0):
            pass
    except KeyboardInterrupt:
        console().print(_t("msg.scheduler_stopped"))
    finally:
        sched.shutdown(wait=False)


# --- issue 5: the demo -------------------------------------------------------------------------------------------
@app.command()
@handles_errors
def demo(
    out: Annotated[Path, typer.Option("--out", help="Folder for the xlsx report and the public site.")] = Path(
        "demo-output"
    ),
    as_json: JsonOpt = False,
) -> None:
    """Build (or rebuild) the Bút Sơn H1 2023 demo ledger, then show the morning alerts and the report."""
    import time

    from onestop.demo import OFFICE_CODE, OFFICE_NAME, build_demo
    from onestop.setup import reset_ledger

    started = time.perf_counter()
    ledger = open_ledger(must_exist=False)
    reset_ledger(ledger, office_code=OFFICE_CODE, office_name=OFFICE_NAME)
    result = build_demo(ledger)
    elapsed = time.perf_counter() - started
    tz = ledger.deadlines.tz
    summary, doc, paths = _demo_report(ledger, out)
    if as_json:
        print_json(
            {
                "db": ledger.url,
                "dossiers": result.dossiers,
                "seconds": round(elapsed, 1),
                "alert_day": iso(result.alert_day, tz),
                "report": summary,
                "files": {k: str(v) for k, v in paths.items()},
            }
        )
        return
    out_console = console()
    out_console.rule(_t("demo.title"))
    out_console.print(_t("demo.built", n=result.dossiers, url=ledger.url, seconds=f"{elapsed:.1f}"))
    if result.alerts is not None:
        render_alerts(result.alerts, tz)
    _demo_tail(doc, paths, tz)


def _demo_report(ledger: Ledger, out: Path) -> tuple[dict[str, Any], Any, dict[str, Path]]:
    """Publish the demo's site, then compute the H1 2023 report once and write it as xlsx."""
    from onestop import render
    from onestop.demo import published_on
    from onestop.publish import publish_site
    from onestop.reports import period_report, scope_of
    from sla.periods import parse_period

    period = parse_period("2023-H1")
    tz = ledger.deadlines.tz
    site = publish_site(ledger, period=period, out_dir=out / "site", now=published_on(tz), office_code=None)
    with unit_of_work(ledger) as session:
        doc = period_report(session, period=period, tz=tz, scope=scope_of(session, None))
    paths = {
        "xlsx": out / "bao-cao-2023-H1-phu-luc-01b.xlsx",
        "bieu06": out / "bao-cao-2023-H1-bieu-06.xlsx",
        "site": site.out / "index.html",
    }
    render.render_xlsx(render.build_sheet(doc, layout="appendix-01b", lang=G.lang, tz=tz), paths["xlsx"])
    render.render_xlsx(render.build_sheet(doc, layout="bieu-06", lang=G.lang, tz=tz), paths["bieu06"])
    return render.render_json(doc, layout="summary", lang=G.lang), doc, paths


def _demo_tail(doc: Any, paths: dict[str, Path], tz: Any) -> None:
    from onestop import render

    for layout in ("summary", "appendix-01b"):
        sheet = render.build_sheet(doc, layout=layout, lang=G.lang, tz=tz)
        _print_report_table(render.render_table(sheet, lang=G.lang))
    out = console()
    out.print(_t("demo.xlsx", path=paths["xlsx"], other=paths["bieu06"]))
    out.print(_t("demo.site", path=paths["site"]))


# --- issue 5: period reports --------------------------------------------------------------------------------
LayoutOpt = Annotated[str, typer.Option("--layout", help="summary | appendix-01b | bieu-06 | tracking-book")]
ReportFormatOpt = Annotated[str, typer.Option("--format", help="table | json | csv | xlsx | md")]


@app.command()
@handles_errors
def report(
    period: PeriodOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    calendar_months: Annotated[bool, typer.Option("--calendar-months", help="1st to last day.")] = False,
    office: Annotated[str | None, typer.Option("--office", help="One office's code (default: all).")] = None,
    layout: LayoutOpt = "summary",
    fmt: ReportFormatOpt = "table",
    out: OutOpt = None,
) -> None:
    """Counts of a reporting period (Decree 09/2019 Art. 12): summary, Phụ lục 01b, Biểu 06, tracking
    book."""
    from onestop import render
    from onestop.book import book_of
    from onestop.errors import InputError
    from onestop.reports import choose_period, period_report, scope_of

    if layout not in render.LAYOUTS:
        raise InputError("input.layout", value=layout)
    if fmt not in render.FORMATS:
        raise InputError("input.format", value=fmt)
    if fmt == "xlsx" and out is None:
        raise InputError("input.out_required", value=fmt)
    chosen = choose_period(
        label=period,
        start=parse_day(start) if start else None,
        end=parse_day(end) if end else None,
        calendar_months=calendar_months,
    )
    ledger = open_ledger()
    tz = ledger.deadlines.tz
    with unit_of_work(ledger) as session:
        scope = scope_of(session, office)
        build = book_of if layout == "tracking-book" else period_report
        doc = build(session, period=chosen, tz=tz, scope=scope)
        _emit_report(doc, layout=layout, fmt=fmt, out=out, tz=tz)  # the tracking book streams from here


def _emit_report(doc: Any, *, layout: str, fmt: str, out: Path | None, tz: Any) -> None:
    from onestop import render
    from onestop.errors import InputError

    try:
        if fmt == "xlsx" and out is not None:
            render.render_xlsx(render.build_sheet(doc, layout=layout, lang=G.lang, tz=tz), out)
        elif fmt == "table":
            sheet = render.build_sheet(doc, layout=layout, lang=G.lang, tz=tz)
            _print_report_table(render.render_table(sheet, lang=G.lang))
            return
        else:
            chunks = render.text_chunks(doc, layout=layout, fmt=fmt, lang=G.lang, tz=tz)
            if out is None:
                for chunk in chunks:
                    sys.stdout.write(chunk)
                sys.stdout.flush()
                return
            with out.open("w", encoding="utf-8-sig" if fmt == "csv" else "utf-8", newline="") as handle:
                handle.writelines(chunks)
    except OSError as error:
        raise InputError("output.file", path=out, detail=error.strerror or str(error)) from error
    typer.echo(_t("msg.written", path=out), err=True)


def _print_report_table(view: Any) -> None:
    out = console()
    grid = table(f"[bold]{view.title}[/bold]\n{view.subtitle}", view.columns)
    for column, numeric in zip(grid.columns, view.numeric, strict=False):
        column.justify, column.overflow = ("right" if numeric else "left"), "fold"
    for cells, strong in view.rows:
        grid.add_row(*cells, style="bold" if strong else None)
    out.print(grid)


# --- issue 6: public disclosure pages -----------------------------------------------------------------------
PublishOfficeOpt = Annotated[
    str | None, typer.Option("--office", help="One office's code (default: the ledger's office).")
]


@app.command()
@handles_errors
def publish(
    out: Annotated[Path, typer.Option("--out", help="Folder of the public site (created if needed).")],
    period: PeriodOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    office: PublishOfficeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Write the period's public results and apologies pages (a static site); record what was published."""
    from onestop.publish import publish_site

    chosen = period_from(period, start, end)
    ledger = open_ledger()
    now = now_in(ledger.deadlines.tz)
    summary = publish_site(ledger, period=chosen, out_dir=out, now=now, office_code=office)
    if as_json:
        print_json(
            {
                "out": str(summary.out),
                "period": chosen.label,
                "results_published": summary.results_published,
                "apologies_published": summary.apologies_published,
                "files": list(summary.files),
            }
        )
        return
    typer.echo(
        _t(
            "msg.published",
            results=summary.results_published,
            apologies=summary.apologies_published,
            period=chosen.label,
            path=summary.out / "index.html",
        )
    )  # plain: a long path is never wrapped


# --- issue 7: integrity ------------------------------------------------------------------------------------------
@app.command()
@handles_errors
def verify(as_json: JsonOpt = False) -> None:
    """Check that cached state and due times equal what the events give, codes are gapless, one apology each."""
    from onestop.integrity import verify_ledger

    result = verify_ledger(open_ledger())
    problems = [{"code": p.code, "issue": p.issue, "detail": p.detail} for p in result.problems]
    if as_json:
        print_json(
            {
                "ok": result.ok,
                "dossiers": result.dossiers,
                "earlier_calendar": result.earlier_calendar,
                "problems": problems,
            }
        )
    else:
        console().print(_t("msg.verified", n=result.dossiers, problems=len(problems)))
        if result.earlier_calendar:
            console().print(_t("msg.earlier_calendar", n=result.earlier_calendar))
        for p in result.problems[:100]:
            typer.echo(f"{p.code}: {p.issue} {p.detail}", err=True)
    if not result.ok:
        raise typer.Exit(1)


@app.command()
@handles_errors
def backup(file: Annotated[Path, typer.Argument(help="Where to write the copy.")]) -> None:
    """A consistent copy of the SQLite ledger while it is in use (PostgreSQL: use pg_dump)."""
    from onestop.integrity import backup_sqlite

    path = backup_sqlite(open_ledger(), file)
    console().print(_t("msg.written", path=path))


@app.command()
@handles_errors
def restore(file: Annotated[Path, typer.Argument(help="A backup made by `onestop backup`.")]) -> None:
    """Replace the SQLite ledger with a backup (the current file is kept beside it)."""
    from onestop.integrity import restore_sqlite

    if not file.is_file():
        from onestop.errors import InputError

        raise InputError("input.file", path=str(file), detail="not found")
    path = restore_sqlite(open_ledger(must_exist=False), file)
    console().print(_t("msg.restored", path=path))


@app.command()
@handles_errors
def recalc(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List the changes without recording them.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Recompute open dossiers' due times under the current calendar (a newly announced day off or swap)."""
    from onestop.integrity import recalculate

    ledger = open_ledger()
    tz = ledger.deadlines.tz
    changes = recalculate(ledger, now=now_in(tz), dry_run=dry_run)
    if as_json:
        print_json(
            {
                "dry_run": dry_run,
                "changed": [
                    {"code": c.code, "old_due_at": iso(c.old_due_at, tz), "new_due_at": iso(c.new_due_at, tz)}
                    for c in changes
                ],
            }
        )
        return
    grid = table(_t("title.recalc", n=len(changes)), [_t("label.code"), _t("label.original_due"), _t("label.new_due")])
    for c in changes:
        grid.add_row(c.code, local_text(c.old_due_at, tz), local_text(c.new_due_at, tz))
    console().print(grid)


GLOBAL_VALUE_OPTIONS = ("--db", "--config", "--lang")


def _invoked_command(argv: list[str]) -> str | None:
    """The command word of ``argv`` (after the global options), or None for help and the like."""
    args = iter(argv)
    for arg in args:
        if arg in GLOBAL_VALUE_OPTIONS:
            next(args, None)
        elif arg.startswith("--") and arg.split("=", 1)[0] in GLOBAL_VALUE_OPTIONS:
            continue
        else:
            return None if arg.startswith("-") else arg
    return None


def main() -> None:
    # Typer turns every registered command into a Click command at each start (~50 ms for ~35 commands): when
    # the command word is known, build only that one, so that a desk command answers sooner. Help and unknown
    # words still see them all.
    name = _invoked_command(sys.argv[1:])
    chosen = [c for c in app.registered_commands if (c.name or c.callback.__name__.replace("_", "-")) == name]
    if chosen:
        app.registered_commands[:] = chosen
    app()


if __name__ == "__main__":
    main()

"""Fuzzing the command line's dates, codes and options with hypothesis (issue 7, part 5).

Random strings, impossible dates, dates at the edges of time, codes almost right, unknown channels, periods,
routes and numbers go to the desk, lifecycle, daily-check, register, report and what-if commands through
Typer's runner on a small ledger. Whatever the input: exit 0, 1 or 2, never an exception escaping the command
(a traceback at the desk); a refusal (1) is one line on stderr; and a refused command leaves the ledger exactly
as it was.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner, Result

from cli import app
from onestop.i18n import t
from onestop.integrity import verify_ledger
from tests.helpers import NOW, SAME_DAY, THREE_DAYS, act, at, copy_ledger, open_ledger, receive, snapshot

INSTANT_FORMATS = ("%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M", "%Y-%m-%dT%H:%M:%S+07:00", "%Y-%m-%d", "%Y-%m-%dT%H:%MZ")
ODD_INSTANTS = (
    "", " ", "now", "1", "12", "Monday", "31/02/2023", "2023-02-29 09:00", "2023-03-06 24:00",
    "2023-03-06 09:00 +99:00",
    "9999-12-31 23:59", "9999-12-31T23:59-14:00", "0001-01-01 00:00", "0001-01-01T00:00+01:00", "1900-01-01 09:00",
    "2017-12-29 09:00", "2041-01-02 09:00", "1e400", "2023-03-06T09:00:00.0000001", "06/03/2023 9h", "\x00",
    "2023-W10-1", "20230306T0900", "mùng 6 tháng 3",
)  # fmt: skip
text = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=20)
instants = st.one_of(
    st.builds(lambda d, f: d.strftime(f), st.datetimes(dt.datetime(2018, 1, 1), dt.datetime(2026, 12, 31)),
              st.sampled_from(INSTANT_FORMATS)),
    st.sampled_from(ODD_INSTANTS),
    text,
)  # fmt: skip
days = st.one_of(st.dates(dt.date(2017, 1, 1), dt.date(2041, 12, 31)).map(str),
                 st.sampled_from(("", "2023-02-30", "2023-13-01", "0001-01-01", "9999-12-31", "06/03/2023")),
                 text)  # fmt: skip
periods = st.one_of(st.sampled_from(("2023", "2023-H1", "2023-H2", "2023-Q2", "2023-05", "2023-9M", "2023-H3",
                                     "2023-Q5", "2023-13", "0-H1", "99999-H1", "-1", "2023-00", "h1-2023", "")),
                    text)  # fmt: skip
numbers = st.one_of(st.integers(-(10**12), 10**12).map(str),
                    st.sampled_from(("", "1.5", "nan", "inf", "-inf", "1e300", "-0", "0x10", "٣", "999999999")),
                    text)  # fmt: skip
channels = st.one_of(st.sampled_from(("direct", "postal", "level3", "level4", "DIRECT", "", "mail")), text)
routes = st.one_of(st.sampled_from(("direct", "postal", "online", "", "email")), text)
procedures = st.one_of(st.sampled_from((THREE_DAYS, SAME_DAY, "1.004884", " 1.004873 ", "9.999999", "")), text)
names = st.one_of(st.sampled_from(("Nguyễn Văn An", "", " ", "A" * 201, "Lê\u0301 Thị", "😀")), text)


def codes(known: list[str]) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(known), st.sampled_from(known).map(lambda c: f" {c.lower()} "),
                     st.sampled_from(known).map(lambda c: c[:-1]), text)  # fmt: skip


def command_lines(known: list[str]) -> st.SearchStrategy[list[str]]:
    """One command with fuzzed values; ``--opt=value`` so that a value may start with a dash."""
    code = codes(known)
    return st.one_of(
        st.builds(lambda p, c, n, a: ["receive", f"--procedure={p}", f"--channel={c}", f"--applicant={n}", f"--at={a}"],
                  procedures, channels, names, instants),
        st.builds(lambda action, c, a: [action, "--json", f"--at={a}", "--", c],
                  st.sampled_from(("resume", "resolve", "withdraw")), code, instants),
        st.builds(lambda c: ["show", "--json", "--", c], code),
        st.builds(lambda action, c, a, r: [action, f"--reason={r}", f"--at={a}", "--", c],
                  st.sampled_from(("supplement", "suspend", "reject")), code, instants, names),
        st.builds(lambda c, v, a: ["return", f"--via={v}", f"--at={a}", "--", c], code, routes, instants),
        st.builds(lambda c, to, a: ["transfer", *([f"--to={to}"] if to else ["--back"]), f"--at={a}", "--", c],
                  code, st.one_of(st.none(), text), instants),
        st.builds(lambda c, due, a: ["extend", f"--new-due={due}", "--reason=Chờ xác minh", f"--at={a}", "--", c],
                  code, instants, instants),
        st.builds(lambda which, a: [which, f"--at={a}", "--json"], st.sampled_from(("check", "alerts")), instants),
        st.builds(lambda a, unit, n: ["deadline", f"--received-at={a}", *([unit] if unit == "--same-day" else
                                                                          [f"{unit}={n}"]), "--json"],
                  instants, st.sampled_from(("--working-days", "--working-hours", "--calendar-days", "--same-day")),
                  numbers),
        st.builds(lambda y: ["calendar", "--json", "--", y], numbers),
        st.builds(lambda p: ["apologies", f"--period={p}", "--json"], periods),
        st.builds(lambda a, b: ["apologies", f"--from={a}", f"--to={b}", "--json"], days, days),
        st.builds(lambda p, layout, fmt: ["report", f"--period={p}", f"--layout={layout}", f"--format={fmt}"],
                  periods, st.sampled_from(("summary", "appendix-01b", "bieu-06", "tracking-book", "x")),
                  st.sampled_from(("json", "csv", "md", "xlsx", "pdf", ""))),
        st.builds(lambda a, b: ["report", f"--from={a}", f"--to={b}", "--format=json"], days, days),
        st.builds(lambda s, f, q, n: ["list", f"--status={s}", f"--field={f}", f"--search={q}", f"--limit={n}",
                                      "--json"], text, text, text, numbers),
        st.builds(lambda c, fmt: ["slip", f"--format={fmt}", "--", c], code, st.sampled_from(("text", "docx", "pdf"))),
        st.builds(lambda c: ["apology", "--", c], code),
        st.builds(lambda f: ["import", "--json", "--", f], st.one_of(st.sampled_from(("", ".", "/", "/dev/null",
                                                                                       "khong-co.csv")), text)),
    )  # fmt: skip


# --- the ledger and the runner ----------------------------------------------------------------------------------
@pytest.fixture
def desk(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, list[str]]]:
    """A small ledger: one dossier open and overdue, one resolved, one waiting for a supplement."""
    for name in ("ONESTOP_DB", "ONESTOP_CONFIG", "ONESTOP_LANG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    url = copy_ledger(template, tmp_path / "ledger.db")
    ledger = open_ledger(url)
    open_one = receive(ledger, received_at=at("2023-03-06 09:00"), procedure=THREE_DAYS, now=NOW).code
    done = receive(ledger, received_at=at("2023-03-06 10:00"), procedure=SAME_DAY, applicant="Trần Thị Bình").code
    act(ledger, done, "resolve", when=at("2023-03-06 14:00"))
    waiting = receive(ledger, received_at=at("2023-03-07 09:00"), procedure=THREE_DAYS, applicant="Lê Minh").code
    act(ledger, waiting, "supplement", when=at("2023-03-07 10:00"), note="Thiếu tờ khai")
    ledger.engine.dispose()
    yield url, [open_one, done, waiting]


def invoke(url: str, args: list[str]) -> Result:
    return CliRunner().invoke(app, ["--db", url, *args])


def state_of(url: str) -> dict[str, list[tuple[object, ...]]]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        return snapshot(engine)
    finally:
        engine.dispose()


def assert_handled(url: str, args: list[str]) -> Result:
    before = state_of(url)
    result = invoke(url, args)
    escaped = result.exception if not isinstance(result.exception, SystemExit) else None
    assert escaped is None, f"{args!r} raised {type(escaped).__name__}: {escaped}"
    assert result.exit_code in (0, 1, 2), (args, result.exit_code, result.output)
    assert "Traceback" not in result.output
    if result.exit_code == 1:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith(f"{t('error')}: "), (args, result.stderr)
    if result.exit_code != 0:
        assert state_of(url) == before, f"{args!r} was refused but changed the ledger"
    return result


# Bounded: a fixed sequence of examples, no shrinking (a failure is reported as generated, in bounded time).
FUZZ = settings(max_examples=200, deadline=None, derandomize=True, database=None,
                phases=(Phase.explicit, Phase.generate),
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])  # fmt: skip


@FUZZ
@given(data=st.data())
def test_any_command_line_exits_0_1_or_2_without_traceback_and_a_refusal_changes_nothing(
    desk: tuple[str, list[str]], data: st.DataObject
) -> None:
    url, known = desk
    args = data.draw(command_lines(known), label="args")
    result = assert_handled(url, args)
    if result.exit_code == 0 and args[0] in ("receive", "resume", "resolve", "withdraw", "supplement", "suspend",
                                             "reject", "return", "transfer", "extend", "check"):  # fmt: skip
        ledger = open_ledger(url)
        try:
            assert verify_ledger(ledger).ok, args
        finally:
            ledger.engine.dispose()


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["receive", f"--procedure={THREE_DAYS}", "--channel=direct", "--applicant=Nguyễn Văn An",
                      "--at=0001-01-01T00:00+01:00"], id="receive-at-the-first-instant-of-time"),
        pytest.param(["receive", f"--procedure={THREE_DAYS}", "--channel=direct", "--applicant=Nguyễn Văn An",
                      "--at=1900-01-01 09:00"], id="receive-before-the-calendar"),
        pytest.param(["check", "--at=0001-01-01T00:00+01:00"], id="check-at-the-first-instant-of-time"),
        pytest.param(["alerts", "--at=9999-12-31T23:59-14:00"], id="alerts-at-the-last-instant-of-time"),
        pytest.param(["deadline", "--received-at=9999-01-01 09:00", "--working-days=1"], id="deadline-in-year-9999"),
        pytest.param(["deadline", "--received-at=2023-03-06 09:00", "--calendar-days=999999999"],
                     id="deadline-past-the-last-date"),
        pytest.param(["deadline", "--received-at=2023-03-06 09:00", "--working-hours=nan"], id="deadline-nan-hours"),
        pytest.param(["deadline", "--received-at=2023-03-06 09:00", "--working-hours=inf"], id="deadline-inf-hours"),
        pytest.param(["apologies", "--period=99999-H1"], id="apologies-in-year-99999"),
        pytest.param(["report", "--from=0001-01-01", "--to=9999-12-31", "--format=json"], id="report-of-all-time"),
        pytest.param(["apologies", "--from=2023-01-01\r\nx", "--to=2023-12-31"], id="a-line-break-in-a-date"),
        pytest.param(["show", "--", "000.22.15.H56-230306-0001\nx"], id="a-line-break-in-a-code"),
    ],
)  # fmt: skip
def test_an_input_at_the_edge_of_time_or_number_is_one_clear_line(desk: tuple[str, list[str]], args: list[str]) -> None:
    url, _ = desk
    assert_handled(url, args)

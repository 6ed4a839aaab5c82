"""`onestop receive` wall time against the import floor `python -c "import sqlmodel, typer"` (goal ≤ 1.5×).

    python benchmarks/bench_receive.py [--runs 15] [--no-profile]

Both are run as fresh processes, alternately (so machine load hits both alike), on an initialised SQLite ledger;
the medians are compared. Then, unless ``--no-profile``, it says where the difference goes:
- imports: ``python -X importtime`` of both; the modules only ``receive`` loads, grouped by top package (self
  time, so nothing is counted twice);
- the rest: cProfile of one in-process ``receive`` (calendar build, schema check, the transaction, output).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import pstats
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import (
    DATA,
    OFFICE_CODE,
    OFFICE_NAME,
    ONESTOP,
    PYTHON,
    bench_env,
    median,
    print_machine,
    ratio_line,
    remove_sqlite,
    run_child,
)

FLOOR = [PYTHON, "-c", "import sqlmodel, typer"]


def receive_cmd(db: Path, n: int) -> list[str]:
    return [
        ONESTOP,
        "--db",
        str(db),
        "receive",
        "--procedure",
        "1.004873",
        "--channel",
        "direct",
        "--applicant",
        f"Nguyễn Văn An {n}",
        "--at",
        "2024-03-06 09:00",
        "--json",
    ]


def importtime(cmd: list[str]) -> dict[str, int]:
    """Module → self import time in µs, from ``-X importtime``."""
    run = run_child([PYTHON, "-X", "importtime", *cmd], env=bench_env())
    out: dict[str, int] = {}
    for line in run.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, _cumulative, name = (p.strip() for p in line.removeprefix("import time:").split("|"))
        out[name] = int(self_us)
    return out


def profile_imports(db: Path) -> None:
    ours = importtime([ONESTOP, *receive_cmd(db, 0)[1:]])
    floor = importtime(FLOOR[1:])
    extra = {m: us for m, us in ours.items() if m not in floor}
    by_package: dict[str, int] = defaultdict(int)
    for module, us in extra.items():
        by_package[module.split(".")[0]] += us
    total = sum(extra.values())
    print(
        f"\nimports only `receive` loads: {len(extra)} modules, {total / 1000:.0f} ms of self time "
        f"(floor imports {len(floor)} modules, {sum(floor.values()) / 1000:.0f} ms):"
    )
    for package, us in sorted(by_package.items(), key=lambda kv: -kv[1])[:15]:
        count = sum(1 for m in extra if m.split(".")[0] == package)
        print(f"  {package:<28} {us / 1000:7.1f} ms  ({count} modules)")


def profile_run(db: Path) -> None:
    """One receive in-process under cProfile: the non-import steps."""
    import cli

    profiler = cProfile.Profile()
    argv = receive_cmd(db, 1)[1:]
    profiler.enable()
    with contextlib.suppress(SystemExit):
        cli.app(argv, standalone_mode=False)
    profiler.disable()
    stream = io.StringIO()
    stats = pstats.Stats(profiler, stream=stream)
    total = stats.total_tt  # type: ignore[attr-defined]
    wanted = (
        "open_ledger",
        "deadlines_for",
        "_vn_days",
        "WorkingCalendar.__init__",
        "ensure_current",
        "load_settings",
        "receive_dossier",
        "session_scope",
        "commit",
        "print_json",
        "_named_days",
        "country_holidays",
        "open_engine",
        "connect",
        "upgrade",
        "Deadlines.__init__",
    )
    print(f"\none in-process receive after imports (cProfile, {total * 1000:.0f} ms in all):")
    rows = []
    for (filename, _line, name), (_cc, _nc, _tt, cumulative, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        qual = name
        if "calendar.py" in filename and name == "__init__":
            qual = "WorkingCalendar.__init__"
        if "deadline.py" in filename and name == "__init__":
            qual = "Deadlines.__init__"
        if qual in wanted:
            rows.append((cumulative, f"{Path(filename).name}:{qual}"))
    for cumulative, label in sorted(rows, reverse=True)[:14]:
        print(f"  {label:<48} {cumulative * 1000:7.1f} ms")


PROTOTYPE = """
# Prototype of the suggested fix (benchmark only): the built calendar read from a pickle, not from holidays.
import pickle, sys
sys.path.insert(0, {root!r})
with open({pickle!r}, "rb") as f:
    key, deadlines = pickle.load(f)
import onestop.context
onestop.context._CACHE[key] = deadlines
import cli
sys.argv = ["onestop", *sys.argv[1:]]
cli.main()
"""


def prototype_script() -> Path:
    import pickle

    from benchmarks.common import ROOT
    from onestop.config import Settings
    from onestop.context import deadlines_for

    spec = Settings().calendar
    target = DATA / "deadlines.pickle"
    with target.open("wb") as handle:
        pickle.dump(((spec, "vi"), deadlines_for(spec, lang="vi")), handle)
    script = DATA / "receive_cached.py"
    script.write_text(PROTOTYPE.format(root=str(ROOT), pickle=str(target)))
    return script


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument(
        "--prototype",
        action="store_true",
        help="also time a prototype of the suggested fix: the calendar read from a pickle",
    )
    parser.add_argument("--profile-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.profile_only:  # a fresh process, as a real start: nothing imported or built yet
        profile_run(DATA / "receive.db")
        return
    print_machine()
    DATA.mkdir(parents=True, exist_ok=True)
    db = DATA / "receive.db"
    remove_sqlite(db)
    init = run_child(
        [ONESTOP, "--db", str(db), "init", "--office-code", OFFICE_CODE, "--office-name", OFFICE_NAME], env=bench_env()
    )
    assert init.returncode == 0, init.stderr
    env = bench_env()
    run_child(FLOOR, env=env)
    run_child(receive_cmd(db, 0), env=env)  # warm the page cache and the .pyc files
    contenders = {"floor": lambda i: FLOOR, "receive": lambda i: receive_cmd(db, i + 1)}
    if args.prototype:
        script = prototype_script()
        contenders["receive, calendar cached (prototype)"] = lambda i: [PYTHON, str(script), *receive_cmd(db, i)[1:]]
    wall: dict[str, list[float]] = {name: [] for name in contenders}
    cpu: dict[str, list[float]] = {name: [] for name in contenders}
    for i in range(args.runs):
        names = list(contenders) if i % 2 == 0 else list(contenders)[::-1]
        for name in names:
            run = run_child(contenders[name](i), env=env)
            assert run.returncode == 0, run.stderr
            wall[name].append(run.wall)
            cpu[name].append(run.cpu)
    print(f"runs: {args.runs} each, alternating; wall and CPU (user + system) seconds")
    for name in contenders:
        print(
            f"  {name}: wall median {median(wall[name]):.3f} s (min {min(wall[name]):.3f}), "
            f"CPU median {median(cpu[name]):.3f} s (min {min(cpu[name]):.3f})"
        )
    for name in list(contenders)[1:]:
        print(ratio_line(f"{name} vs import floor, wall (median)", median(wall[name]), median(wall["floor"]), 1.5))
        print(ratio_line(f"{name} vs import floor, wall (min)", min(wall[name]), min(wall["floor"]), 1.5))
        print(ratio_line(f"{name} vs import floor, CPU (median)", median(cpu[name]), median(cpu["floor"]), 1.5))
    if not args.no_profile:
        profile_imports(db)
        run = run_child([PYTHON, str(Path(__file__).resolve()), "--profile-only"], env=env)
        print("\n".join(line for line in run.stdout.splitlines() if not line.startswith(("{", "}", '  "'))))


if __name__ == "__main__":
    main()

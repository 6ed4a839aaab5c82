"""An import that meets the process's file size limit (``ulimit -f``) says so, in one line, and writes nothing.

SQLite reports the refused write as "disk I/O error"; the storage fault tests accept any storage message, and this
one used to be "cannot open the database", which sends the user looking at the wrong thing.
"""

from __future__ import annotations

import datetime as dt
import resource
import signal
from pathlib import Path

from onestop.i18n import t
from tests.faults.support import assert_one_clear_line, cli, sqlite_dump, write_export
from tests.helpers import copy_ledger

HEADROOM = 128 * 1024  # what the limit leaves above the ledger's size: far less than one batch of dossiers


def test_an_import_past_the_file_size_limit_names_the_limit_and_leaves_the_ledger_as_it_was(
    template: Path, tmp_path: Path
) -> None:
    ledger = tmp_path / "ledger.db"
    url = copy_ledger(template, ledger)
    limit = ledger.stat().st_size + HEADROOM
    export = write_export(tmp_path / "export.csv", rows=2000, with_codes=False, seed=7, first_day=dt.date(2023, 3, 6))
    before = sqlite_dump(ledger)

    def limit_file_size() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # else the kernel kills the writer instead of failing it
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    run = cli("--lang", "en", "import", str(export.path), "--json", db=url, home=tmp_path, preexec_fn=limit_file_size)

    line = assert_one_clear_line(run)
    assert line.startswith(f"{t('error', 'en')}: {t('storage.file_size', 'en', limit=limit, detail='')}"), line
    assert run.stdout == ""
    assert sqlite_dump(ledger) == before

"""The importer's forked children (long files on Linux): if one dies, the import stops with one clear error, keeps the
batches written before, and leaves no process behind."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import pytest
import sqlalchemy as sa

from onestop import importer
from onestop.context import Ledger
from onestop.errors import OnestopError
from onestop.importer import import_csv
from onestop.integrity import verify_ledger
from tests.helpers import NOW
from tests.onestop.test_import import ROW, describe, export


def test_a_child_that_dies_stops_the_import_with_its_exit_code_and_the_batches_before_it_stay(
    ledger: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importer, "BATCH", 1)
    original = importer._Job.prepare

    def die_on_the_second_batch(job: importer._Job, session: object, batch: list[tuple[int, object]]) -> object:
        if batch[0][0] == 3:
            os._exit(3)  # as the kernel's OOM killer would stop it: no message, no exception
        return original(job, session, batch)  # type: ignore[arg-type]

    monkeypatch.setattr(importer._Job, "prepare", die_on_the_second_batch)
    path = export(tmp_path, ROW, {**ROW, "applicant": "Lê Minh"})
    with pytest.raises(OnestopError) as stopped:
        import_csv(ledger, path, now=NOW, describe=describe, parallel=True)
    assert (stopped.value.key, stopped.value.params) == ("import.helper_stopped", {"exit_code": 3})
    assert multiprocessing.active_children() == []
    with ledger.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT applicant FROM dossier")).scalars().all() == ["Đặng Ngọc Lan"]
    assert verify_ledger(ledger).ok

"""Public disclosure: the period's results and apologies as a static site, and a record of what was published.

The office publishes on its website the results of dossier handling ("công khai kết quả giải quyết TTHC")
and its apologies for late dossiers ("công khai xin lỗi người dân"): Decree 61/2018/NĐ-CP Art. 19.9 and
Circular 01/2018/TT-VPCP Mẫu 04; the report counts them in rows 3.4.2 (results published) and 3.5
(apologies) of Phụ lục 01b (DOMAIN 8, 9).

Privacy by construction (Decree 13/2023/NĐ-CP, personal data protection): the queries below select no ID
number, phone, address or e-mail for output; names are masked ("Nguyễn Văn An" → "Nguyễn V. A."); an
apology's free-text reason is redacted of the applicant's own data before it is shown.
``onestop.site.render`` draws the pages.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session, col, update

from onestop.context import Ledger
from onestop.db import session_scope
from onestop.errors import InputError
from onestop.models import Apology, Dossier, Procedure
from onestop.text import mask_name, normalise
from sla.periods import Period, period_bounds

# sla.classify.Outcome (Circular 01/2018 Art. 13; DOMAIN 7): every completed dossier has one of these.
COMPLETED = ("early", "on_time", "late")
BATCH = 5000  # ids per UPDATE ... WHERE id IN (...): under SQLite's (32,766) and PostgreSQL's parameter limits


@dataclass(frozen=True)
class PublicResult:
    """One completed dossier as the public may see it."""

    code: str
    procedure_code: str
    procedure: str
    field: str
    applicant: str  # masked
    received_at: dt.datetime
    appointment_at: dt.datetime
    completed_at: dt.datetime
    outcome: str


@dataclass(frozen=True)
class PublicApology:
    """One apology (Mẫu 04) as the public may see it."""

    year: int
    number: int
    code: str
    procedure: str
    applicant: str  # masked
    original_due_at: dt.datetime
    new_due_at: dt.datetime | None
    reason: str  # redacted
    issued_at: dt.datetime


@dataclass(frozen=True)
class Publication:
    """Everything a site shows: computed once here, rendered to HTML and JSON by ``onestop.site.render``."""

    office_code: str
    office_name: str
    period: Period
    tz: dt.tzinfo
    published_at: dt.datetime
    results: tuple[PublicResult, ...]
    apologies: tuple[PublicApology, ...]


@dataclass(frozen=True)
class PublishSummary:
    out: Path
    period: Period
    results_published: int
    apologies_published: int
    files: tuple[str, ...]  # relative to ``out``


def publish_site(
    ledger: Ledger, *, period: Period, out_dir: Path, now: dt.datetime, office_code: str | None = None
) -> PublishSummary:
    """Select the period's public records, write the site to ``out_dir``, then mark those records published.

    Marking comes last and in one write transaction, so a site that could not be written marks nothing, and
    what is marked is exactly what was written (rows completed meanwhile wait for the next publication).
    """
    from onestop.site.render import render_site  # lazy: only publishing pays for the templates

    start_at, end_at = period_bounds(period, ledger.deadlines.tz)
    with session_scope(ledger.engine) as session:
        office = ledger.office(session, office_code)
        assert office.id is not None
        results = select_results(session, office_id=office.id, start_at=start_at, end_at=end_at)
        apologies = select_apologies(session, office_id=office.id, start_at=start_at, end_at=end_at)
    publication = Publication(
        office_code=office.code,
        office_name=office.name,
        period=period,
        tz=ledger.deadlines.tz,
        published_at=now,
        results=tuple(r for _, r in results),
        apologies=tuple(a for _, a in apologies),
    )
    files = write_site(out_dir, render_site(publication))
    with session_scope(ledger.engine, write=True) as session:
        mark_published(session, dossier_ids=[i for i, _ in results], apology_ids=[i for i, _ in apologies], now=now)
    return PublishSummary(out_dir, period, len(results), len(apologies), files)


def select_results(
    session: Session, *, office_id: int, start_at: dt.datetime, end_at: dt.datetime
) -> list[tuple[int, PublicResult]]:
    """Dossiers completed in [start_at, end_at) (DOMAIN 9: resolved in the period), oldest first."""
    query = (
        sa.select(
            col(Dossier.id),
            col(Dossier.code),
            col(Dossier.procedure_code),
            col(Procedure.name),
            col(Dossier.field),
            col(Dossier.applicant),
            col(Dossier.received_at),
            col(Dossier.appointment_at),
            col(Dossier.completed_at),
            col(Dossier.outcome),
        )
        .join(Procedure, col(Procedure.code) == col(Dossier.procedure_code))
        .where(
            col(Dossier.office_id) == office_id,
            col(Dossier.completed_at) >= start_at,
            col(Dossier.completed_at) < end_at,
            col(Dossier.outcome).in_(COMPLETED),
        )
        .order_by(col(Dossier.completed_at), col(Dossier.code))
    )
    mask = lru_cache(maxsize=4096)(mask_name)
    rows = session.connection().execute(query)  # core rows: no ORM bookkeeping for 100,000 tuples
    return [
        (r.id, PublicResult(r.code, r.procedure_code, r.name, r.field, mask(r.applicant), r.received_at,
                            r.appointment_at, r.completed_at, r.outcome))
        for r in rows
    ]  # fmt: skip


def select_apologies(
    session: Session, *, office_id: int, start_at: dt.datetime, end_at: dt.datetime
) -> list[tuple[int, PublicApology]]:
    """Apologies issued in [start_at, end_at) (DOMAIN 9), by number. The applicant's ID number, phone and
    address are read only to redact them from the reason."""
    query = (
        sa.select(
            col(Apology.id),
            col(Apology.year),
            col(Apology.number),
            col(Apology.reason),
            col(Apology.original_due_at),
            col(Apology.new_due_at),
            col(Apology.issued_at),
            col(Dossier.code),
            col(Procedure.name),
            col(Dossier.applicant),
            col(Dossier.id_number),
            col(Dossier.phone),
            col(Dossier.address),
        )
        .join(Dossier, col(Dossier.id) == col(Apology.dossier_id))
        .join(Procedure, col(Procedure.code) == col(Dossier.procedure_code))
        .where(
            col(Apology.office_id) == office_id,
            col(Apology.issued_at) >= start_at,
            col(Apology.issued_at) < end_at,
        )
        .order_by(col(Apology.year), col(Apology.number))
    )
    out = []
    for r in session.connection().execute(query):
        reason = redact(r.reason, name=r.applicant, secrets=(r.id_number, r.phone, r.address))
        public = PublicApology(r.year, r.number, r.code, r.name, mask_name(r.applicant), r.original_due_at,
                               r.new_due_at, reason, r.issued_at)  # fmt: skip
        out.append((r.id, public))
    return out


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_LONG_NUMBER = re.compile(r"\+?\d(?:[ .]?\d){7,}")  # 8+ digits however spaced: a phone or an ID number


def redact(text: str, *, name: str, secrets: Sequence[str | None] = ()) -> str:
    """Free text made fit for publishing (Decree 13/2023): the applicant's full name becomes the masked name;
    their ID number, phone and address, any e-mail address and any long run of digits become "***"."""
    out = normalise(text)
    if normalise(name):
        out = _whole(normalise(name)).sub(mask_name(name), out)
    for secret in secrets:
        if secret and normalise(secret):
            out = _whole(normalise(secret)).sub("***", out)
    return _LONG_NUMBER.sub("***", _EMAIL.sub("***", out))


def _whole(value: str) -> re.Pattern[str]:
    """``value`` as whole words, any case: a one-word name "An" must not turn "Ban" into "BA."."""
    return re.compile(rf"(?<!\w){re.escape(value)}(?!\w)", re.IGNORECASE)


def write_site(out_dir: Path, files: dict[str, str]) -> tuple[str, ...]:
    """Each file is written beside itself, then renamed into place: no visitor sees a half-written page."""
    try:
        for name, content in files.items():
            path = out_dir / name
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(f".{path.name}.partial")
            partial.write_text(content, encoding="utf-8", newline="\n")
            os.replace(partial, path)
    except OSError as error:
        where = str(error.filename or out_dir)
        raise InputError("output.file", path=where, detail=error.strerror or str(error)) from error
    return tuple(sorted(files))


def mark_published(
    session: Session, *, dossier_ids: Sequence[int], apology_ids: Sequence[int], now: dt.datetime
) -> None:
    """Record the publication with a few UPDATE ... WHERE id IN (...) statements, never row by row. A record
    keeps the date it was first published."""
    conn = session.connection()
    for table, ids in ((Dossier, dossier_ids), (Apology, apology_ids)):
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            conn.execute(
                update(table)
                .where(col(table.id).in_(chunk), col(table.published_at).is_(None))
                .values(published_at=now)
            )

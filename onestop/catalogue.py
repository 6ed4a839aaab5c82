"""The procedure catalogue (data/procedures.csv) and the fields (data/fields.csv)."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlmodel import Session, col, or_, select

from onestop.models import Procedure
from onestop.text import fold, normalise
from sla.deadline import Unit

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


def read_catalogue(path: Path | None = None) -> list[Procedure]:
    """The rows of the catalogue file, validated: each has a unit the engine knows."""
    with (path or DATA_DIR / "procedures.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    procedures = []
    for row in rows:
        Unit(row["unit"])  # raises on an unknown unit: the catalogue is data we ship, a bad row is a bug
        procedures.append(
            Procedure(
                code=row["code"].strip(),
                name=normalise(row["name"]),
                name_key=fold(row["name"]),
                field=row["field"].strip(),
                unit=row["unit"].strip(),
                amount=float(row["amount"] or 0),
                cutoff=row["cutoff"].strip() or None,
                interlinked=row["interlinked"].strip().lower() == "true",
                online_level=int(row["online_level"] or 0),
                legal_basis=normalise(row["legal_basis"]),
            )
        )
    return procedures


def install_catalogue(session: Session) -> int:
    """Insert or refresh every procedure of the shipped catalogue; returns how many there are."""
    procedures = read_catalogue()
    for procedure in procedures:
        session.merge(procedure)
    return len(procedures)


def field_labels(lang: str = "vi") -> dict[str, str]:
    with (DATA_DIR / "fields.csv").open(encoding="utf-8", newline="") as handle:
        return {row["field"]: row["en" if lang == "en" else "vi"] for row in csv.DictReader(handle)}


def search_procedures(session: Session, text: str | None = None) -> list[Procedure]:
    """By code or name, ignoring case and diacritics ("khai sinh" finds "Đăng ký khai sinh")."""
    query = select(Procedure).order_by(col(Procedure.field), col(Procedure.code))
    if text:
        key = f"%{fold(text)}%"
        query = query.where(or_(col(Procedure.name_key).like(key), col(Procedure.code).ilike(f"%{text.strip()}%")))
    return list(session.exec(query).all())

"""What the desk's documents say, read from the ledger: the receipt slip (Mẫu 01) and the apology (Mẫu 04).

``onestop.forms`` lays them out; this module fills them in for one dossier, so that a command only asks for a
document and renders it.
"""

from __future__ import annotations

import re

from sqlmodel import Session

from onestop.apologies import apology_for
from onestop.context import Ledger
from onestop.errors import NotFoundError
from onestop.forms import ApologyData, OfficeInfo, SlipData, regime_for
from onestop.models import Office
from onestop.services import events_of, get_dossier, get_procedure

# "UBND thị trấn Bút Sơn" → "Bút Sơn": the place name (địa danh) before the date of a letter (Decree 30/2020/NĐ-CP,
# Appendix I), unless the configuration names it.
_UNIT = re.compile(r"^(UBND|Ủy ban nhân dân)\s+(xã|phường|thị trấn|đặc khu)\s+", re.IGNORECASE)


def office_info(ledger: Ledger, office: Office) -> OfficeInfo:
    place = ledger.settings.office.place or _UNIT.sub("", office.name)
    return OfficeInfo(code=office.code, name=office.name, place=place)


def slip_data(session: Session, ledger: Ledger, code: str) -> SlipData:
    """The receipt slip of dossier ``code``, signed by the officer who received it."""
    d = get_dossier(session, code)
    return SlipData(
        office=office_info(ledger, ledger.office(session)),
        code=d.code,
        procedure_name=get_procedure(session, d.procedure_code).name,
        applicant=d.applicant,
        address=d.address,
        phone=d.phone,
        id_number=d.id_number,
        channel=d.channel,
        received_at=d.received_at,
        appointment_at=d.appointment_at,
        officer=events_of(session, d)[0].officer,
    )


def apology_data(session: Session, ledger: Ledger, code: str) -> ApologyData:
    """The apology of dossier ``code``, in the form of the regime in force when it was received."""
    found = apology_for(session, code)
    if found is None:
        raise NotFoundError("notfound.apology", code=code)
    a, d, name = found
    return ApologyData(
        office=office_info(ledger, ledger.office(session)),
        number=a.number,
        year=a.year,
        code=d.code,
        procedure_name=name,
        applicant=d.applicant,
        address=d.address,
        received_at=d.received_at,
        original_due_at=a.original_due_at,
        new_due_at=a.new_due_at,
        reason=a.reason,
        issued_at=a.issued_at,
        signer=a.signer,
        regime=regime_for(d.received_at),
    )

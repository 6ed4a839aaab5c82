"""Ledgers for the publishing tests: a small one built through the services, a large one bulk-inserted, and
the scan that proves a site holds none of the ledger's personal data (Decree 13/2023/NĐ-CP).

All personal data here is synthetic.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import col, select

from onestop.apologies import extend_dossier
from onestop.context import Ledger
from onestop.db import session_scope
from onestop.models import Dossier
from onestop.text import fold
from sla.periods import parse_period, period_bounds
from tests.helpers import NOW, SAME_DAY, THREE_DAYS, TZ, act, at, init_ledger_at, receive

PERIOD = "2023-H1"  # 2022-12-15 … 2023-06-14 (Decree 09/2019 Art. 12)
CERTIFY = "2.000815"  # Chứng thực bản sao từ bản chính: certification, same day


@dataclass(frozen=True)
class Person:
    name: str  # as typed at the desk: extra spaces and decomposed (NFD) diacritics included on purpose
    id_number: str
    phone: str
    address: str


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


AN = Person("Nguyễn Văn An", "001090000101", "0912000101", "Số 1 phố Lê Lợi, thị trấn Bút Sơn")
NGOC = Person("Trần Thị Bích Ngọc", "038185000202", "0983000202", "Thôn Đông, xã Hoằng Đồng")
NAM = Person("  Lê   Hoàng  Nam ", "038092000303", "0354000303", "Số 12 đường Trần Phú, thị trấn Bút Sơn")
DUC = Person(nfd("Phạm Minh Đức"), "038087000404", "0868000404", "Khu phố 3, thị trấn Bút Sơn")
HA = Person("Đặng Thu Hà", "038199000505", "0977000505", "Thôn Bắc, xã Hoằng Đạo")
LAN = Person("Nguyễn Thị Lan", "038170000606", "0904000606", "Số 7 phố Bà Triệu, thị trấn Bút Sơn")
VIET = Person("Võ Quốc Việt", "038095000707", "0395000707", "Thôn Nam, xã Hoằng Vinh")
TUAN = Person("Hoàng Anh Tuấn", "038080000808", "0936000808", "Số 3 ngõ Chùa, thị trấn Bút Sơn")
MAI = Person("Bùi Thị Mai", "038188000909", "0915000909", "Xóm Mới, xã Hoằng Thịnh")
THU = Person("Nguyễn Hoài Thu", "038191001010", "0966001010", "Số 9 phố Lê Lợi, thị trấn Bút Sơn")
PEOPLE = (AN, NGOC, NAM, DUC, HA, LAN, VIET, TUAN, MAI, THU)


@dataclass(frozen=True)
class Sample:
    ledger: Ledger
    published: frozenset[str]  # codes expected on index.html for PERIOD
    apologised: frozenset[str]  # codes expected on apologies.html for PERIOD
    not_published: frozenset[str]
    late_code: str


def build_sample_ledger(url: str) -> Sample:
    """Through the services: receive, resolve, return, reject, withdraw, and an apology with a new appointment
    for a dossier that then ends late. Outcomes per Circular 01/2018 Art. 13 (DOMAIN 7)."""
    ledger = init_ledger_at(url)

    def take(person: Person, procedure: str, when: str) -> str:
        details = {"id_number": person.id_number, "phone": person.phone, "address": person.address}
        return receive(ledger, received_at=at(when), procedure=procedure, applicant=person.name, **details).code

    an = take(AN, SAME_DAY, "2023-03-06 09:00")  # on time: resolved the same day
    act(ledger, an, "resolve", when=at("2023-03-06 10:00"))
    act(ledger, an, "return", when=at("2023-03-06 10:30"), return_via="direct")
    ngoc = take(NGOC, THREE_DAYS, "2023-03-06 09:00")  # due Thu 09/03: early
    act(ledger, ngoc, "resolve", when=at("2023-03-07 15:00"))
    act(ledger, ngoc, "return", when=at("2023-03-08 08:00"), return_via="postal")
    nam = take(NAM, CERTIFY, "2023-03-07 09:00")  # certification, on time
    act(ledger, nam, "resolve", when=at("2023-03-07 14:00"))
    duc = take(DUC, THREE_DAYS, "2023-03-06 09:30")  # due Thu 09/03; apology and new appointment; late
    with session_scope(ledger.engine, write=True) as session:
        reason = f"Chờ xác minh; đã báo ông {DUC.name} qua số {DUC.phone}, thư duc.pham@example.com"
        extend_dossier(session, ledger, code=duc, new_due_at=at("2023-03-14 17:00"), reason=reason,
                       signer="Lê Hồng Sơn", at=at("2023-03-08 09:00"), now=NOW)  # fmt: skip
    act(ledger, duc, "resolve", when=at("2023-03-13 10:00"))
    ha = take(HA, THREE_DAYS, "2023-04-03 08:00")  # rejected after appraisal: a completed result, early
    act(ledger, ha, "reject", when=at("2023-04-04 09:00"), note="Không đủ điều kiện")
    thu = take(THU, CERTIFY, "2023-06-14 08:00")  # completed on the period's last day: included
    act(ledger, thu, "resolve", when=at("2023-06-14 16:00"))
    mai = take(MAI, SAME_DAY, "2023-05-02 10:00")  # on time: resolved the same day
    act(ledger, mai, "resolve", when=at("2023-05-02 11:00"))

    lan = take(LAN, THREE_DAYS, "2023-05-08 09:00")  # still open: not a result
    viet = take(VIET, THREE_DAYS, "2023-05-08 09:30")  # withdrawn: not a result
    act(ledger, viet, "withdraw", when=at("2023-05-09 09:00"))
    tuan = take(TUAN, SAME_DAY, "2023-06-15 08:00")  # the next period's first day
    act(ledger, tuan, "resolve", when=at("2023-06-15 09:00"))
    before = take(AN, SAME_DAY, "2022-12-13 09:00")  # completed before the period
    act(ledger, before, "resolve", when=at("2022-12-13 10:00"))
    return Sample(
        ledger=ledger,
        published=frozenset({an, ngoc, nam, duc, ha, thu, mai}),
        apologised=frozenset({duc}),
        not_published=frozenset({lan, viet, tuan, before}),
        late_code=duc,
    )


def completed_in_period(ledger: Ledger, period: str = PERIOD) -> dict[str, tuple[str, str]]:
    """The ledger's own answer, asked independently of onestop.publish: code → (field, outcome)."""
    start_at, end_at = period_bounds(parse_period(period), TZ)
    with session_scope(ledger.engine) as session:
        rows = session.exec(
            select(Dossier.code, Dossier.field, Dossier.outcome).where(
                col(Dossier.completed_at) >= start_at, col(Dossier.completed_at) < end_at
            )
        )
        return {code: (field, outcome or "") for code, field, outcome in rows}


# --- a large ledger, bulk-inserted ----------------------------------------------------------------------------
FAMILIES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô", "Dương", "Lý")
MIDDLES = ("Văn", "Thị", "Hữu", "Minh", "Thu", "Quốc", "Ngọc", "Đức")
GIVENS = ("An", "Bình", "Cường", "Dung", "Giang", "Hải", "Khánh", "Linh", "Nga", "Phúc", "Quân", "Sơn", "Tâm")
BULK_PROCEDURES = ((SAME_DAY, "civil_status"), (CERTIFY, "certification"), (THREE_DAYS, "civil_status"))


def bulk_ledger(url: str, *, rows: int) -> Ledger:
    """``rows`` returned dossiers with consistent cached columns, inserted with SQLAlchemy core in batches."""
    ledger = init_ledger_at(url)
    with session_scope(ledger.engine) as session:
        office_id = ledger.office(session).id
    first_day = dt.date(2023, 1, 3)
    per_day = 1000
    batch: list[dict[str, object]] = []
    table = Dossier.__table__  # type: ignore[attr-defined]
    with ledger.engine.begin() as conn:
        for n in range(rows):
            day = first_day + dt.timedelta(days=n // per_day)
            seq = n % per_day + 1
            received = dt.datetime.combine(day, dt.time(8, 0), TZ) + dt.timedelta(seconds=20 * seq)
            due = dt.datetime.combine(day + dt.timedelta(days=2), dt.time(17, 0), TZ)
            done = received + dt.timedelta(hours=(1, 50, 80)[n % 3])  # early, on time, late
            outcome = "late" if done > due else ("early" if done.date() < due.date() else "on_time")
            procedure, field = BULK_PROCEDURES[n % len(BULK_PROCEDURES)]
            name = f"{FAMILIES[n % 12]} {MIDDLES[n // 12 % 8]} {GIVENS[n // 96 % 13]}"
            batch.append({
                "office_id": office_id, "code": f"000.22.15.H56-{day:%y%m%d}-{seq:04d}", "received_on": day,
                "seq": seq, "procedure_code": procedure, "field": field, "channel": "direct", "applicant": name,
                "applicant_key": fold(name), "id_number": f"0380{n:08d}", "phone": f"09{n:08d}",
                "address": f"Số {n} phố Bulk", "received_at": received, "counted_from": received,
                "appointment_at": due, "due_at": due, "status": "returned", "is_open": False,
                "completed_at": done, "outcome": outcome, "returned_at": done, "return_via": "direct",
                "last_event_at": done,
            })  # fmt: skip
            if len(batch) == 10_000:
                conn.execute(sa.insert(table), batch)
                batch = []
        if batch:
            conn.execute(sa.insert(table), batch)
    return ledger


# --- the privacy scan -----------------------------------------------------------------------------------------
def personal_data(ledger: Ledger) -> set[str]:
    """Every ID number, phone, address and full name in the ledger, read back from the database itself."""
    with session_scope(ledger.engine) as session:
        rows = session.exec(select(Dossier.applicant, Dossier.id_number, Dossier.phone, Dossier.address))
        return {value for row in rows for value in row if value}


def spellings(value: str) -> set[str]:
    """The ways a value could sit in a file: NFC, NFD, HTML-escaped, JSON-escaped, accent-folded."""
    nfc = unicodedata.normalize("NFC", value)
    out = {nfc, nfd(nfc), html.escape(nfc), json.dumps(nfc)[1:-1], json.dumps(nfd(nfc))[1:-1]}
    if len(nfc.split()) > 1:
        out.add(fold(nfc))
    return out


EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def leaks(site: Path, secrets: set[str]) -> list[tuple[str, str]]:
    """(file, value) for every personal value found in any file of the site, and every e-mail address."""
    needles = {spelling: secret for secret in secrets for spelling in spellings(secret)}
    found = []
    for path in sorted(p for p in site.rglob("*") if p.is_file()):
        text = path.read_text(encoding="utf-8")
        found += [(path.name, secret) for needle, secret in needles.items() if needle in text]
        found += [(path.name, m) for m in EMAIL.findall(text)]
    return found

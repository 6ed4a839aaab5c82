"""The desk's official documents: the receipt slip and the apology, as terminal text and as .docx.

Pure document building: frozen dataclasses in, text or a .docx file out; no SQL, no clock. Each document is
built once (``_Document``) and rendered twice (``_render_text`` here, ``forms_docx.write_docx``). The .docx is always in
Vietnamese: it is the legal document; the text version follows ``lang``.

Layout: Decree 30/2020/NĐ-CP on the format of administrative documents, Appendix I: A4, margins top and bottom
20-25 mm, left 30-35 mm, right 15-20 mm; Times New Roman 13-14 pt; a two-column header with the upper body
(regular capitals), the issuing body (bold capitals) and the number on the left, the national motto (bold) and
the italic "<place>, ngày ... tháng ... năm ..." on the right; the title in bold capitals, centred; then the
body, the recipients ("Nơi nhận") and the signature block.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from onestop.i18n import t
from onestop.text import fold, normalise

# Decree 118/2025/NĐ-CP (guided by Circular 03/2025/TT-VPCP) replaces Decree 61/2018/NĐ-CP (guided by
# Circular 01/2018/TT-VPCP) from 1 July 2025. A form rendered for a dossier follows the regime in force when
# the dossier was received; the day is Vietnam's, so the boundary is midnight in Asia/Ho_Chi_Minh.
REGIME_2018 = "2018"
REGIME_2025 = "2025"
REGIME_2025_FROM = datetime(2025, 7, 1, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))

# The form each document reproduces, kept in the .docx properties. The apology is "Phiếu xin lỗi và hẹn lại
# ngày trả kết quả" in 2018 and "Phiếu xin lỗi và đề nghị gia hạn thời gian giải quyết" in 2025 (same fields).
SLIP_FORM = "Mẫu số 01, Thông tư 01/2018/TT-VPCP"
APOLOGY_FORMS = {
    REGIME_2018: "Mẫu số 04, Thông tư 01/2018/TT-VPCP",
    REGIME_2025: "Mẫu số 04, Thông tư 03/2025/TT-VPCP",
}

_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
              "October", "November", "December")  # fmt: skip
_WIDTH = 80  # the text version fits an 80-column terminal
_LEFT = 34  # header and signature columns of the text version
_COMMITTEE = "ubnd "
_COMMITTEE_FULL = "Ủy ban nhân dân "


@dataclass(frozen=True)
class OfficeInfo:
    code: str
    name: str  # "UBND thị trấn Bút Sơn"
    place: str  # địa danh before the date: "Bút Sơn, ngày ... tháng ... năm ..."
    upper_body: str = ""  # cơ quan chủ quản, e.g. "UBND HUYỆN HOẰNG HÓA"; may be empty


@dataclass(frozen=True)
class SlipData:
    office: OfficeInfo
    code: str
    procedure_name: str
    applicant: str
    address: str | None
    phone: str | None
    id_number: str | None
    channel: str
    received_at: datetime  # aware
    appointment_at: datetime  # aware
    officer: str
    documents: tuple[str, ...] = ()


@dataclass(frozen=True)
class ApologyData:
    office: OfficeInfo
    number: int  # per office and year
    year: int
    code: str
    procedure_name: str
    applicant: str
    address: str | None
    received_at: datetime
    original_due_at: datetime
    new_due_at: datetime | None  # None: an overdue apology without a new appointment
    reason: str
    issued_at: datetime
    signer: str  # the head of the office
    regime: str  # "2018" | "2025", see regime_for


def regime_for(received_at: datetime) -> str:
    """The forms regime in force when a dossier was received: "2018" before 1 July 2025, "2025" from then.

    "2018": Decree 61/2018/NĐ-CP and Circular 01/2018/TT-VPCP; "2025": Decree 118/2025/NĐ-CP and Circular
    03/2025/TT-VPCP.
    """
    return REGIME_2025 if _aware(received_at) >= REGIME_2025_FROM else REGIME_2018


def slip_text(data: SlipData, *, tz: tzinfo, lang: str = "vi") -> str:
    return _render_text(_slip_document(data, tz=tz, lang=lang))


def write_slip_docx(data: SlipData, path: Path, *, tz: tzinfo) -> Path:
    from onestop.forms_docx import write_docx  # python-docx only when a .docx is written

    return write_docx(_slip_document(data, tz=tz, lang="vi"), Path(path))


def apology_text(data: ApologyData, *, tz: tzinfo, lang: str = "vi") -> str:
    return _render_text(_apology_document(data, tz=tz, lang=lang))


def write_apology_docx(data: ApologyData, path: Path, *, tz: tzinfo) -> Path:
    from onestop.forms_docx import write_docx

    return write_docx(_apology_document(data, tz=tz, lang="vi"), Path(path))


# --- the document, built once -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Line:
    text: str
    label: str = ""  # shown as "label: text"
    strong: bool = False  # the text in bold in the .docx: the code and the appointments
    item: bool = False  # an entry of a list, indented as a block


@dataclass(frozen=True)
class _Signature:
    heading: tuple[str, ...]  # bold capitals: ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH")
    note: str  # italic, under the heading: "(Ký và ghi rõ họ tên)"
    name: str


@dataclass(frozen=True)
class _Document:
    form: str
    upper_body: str
    issuer: tuple[str, ...]  # its lines: "ỦY BAN NHÂN DÂN" / "THỊ TRẤN BÚT SƠN"
    number: str
    motto: tuple[str, str]
    place_date: str
    title: str
    subtitle: str
    addressee: str
    body: tuple[_Line, ...]
    recipients: tuple[str, ...]  # "Nơi nhận" on the left of the signature; () puts signatures side by side
    signatures: tuple[_Signature, ...]


def _slip_document(data: SlipData, *, tz: tzinfo, lang: str) -> _Document:
    """Circular 01/2018/TT-VPCP, Mẫu số 01 (Decree 61/2018 Art. 17: the slip given at receipt)."""
    optional = {"form.address": data.address, "form.phone": data.phone, "form.id_number": data.id_number}
    documents = [_Line(f"({i}) {normalise(d)}", item=True) for i, d in enumerate(data.documents, 1)]
    body = (
        _Line(normalise(data.applicant), label=t("form.slip.applicant", lang)),
        *(_Line(normalise(value), label=t(key, lang)) for key, value in optional.items() if value),
        _Line(normalise(data.procedure_name), label=t("form.slip.request", lang)),
        _Line(t(f"channel.{data.channel}", lang), label=t("form.slip.channel", lang)),
        _Line("" if documents else t("form.slip.no_documents", lang), label=t("form.slip.documents", lang)),
        *documents,
        _Line(_time_text(data.received_at, tz=tz, lang=lang), label=t("form.slip.received", lang)),
        _Line(_time_text(data.appointment_at, tz=tz, lang=lang), t("form.slip.appointment", lang), strong=True),
    )
    note = t("form.sign_note", lang)
    return _Document(
        form=SLIP_FORM,
        **_header(data.office, number="", on=_aware(data.received_at).astimezone(tz), lang=lang),
        title=t("form.slip.title", lang),
        subtitle=f"{t('form.code', lang)}: {data.code}",
        addressee="",
        body=body,
        recipients=(),
        signatures=(
            _Signature((t("form.slip.applicant_sign", lang),), note, normalise(data.applicant)),
            _Signature((t("form.slip.officer_sign", lang),), note, normalise(data.officer)),
        ),
    )


def _apology_document(data: ApologyData, *, tz: tzinfo, lang: str) -> _Document:
    """Circular 01/2018/TT-VPCP Mẫu số 04, or Circular 03/2025/TT-VPCP Mẫu số 04 (same fields).

    Decree 61/2018 Art. 19.9 (Decree 118/2025 keeps the rule): a late dossier gets a written apology with the
    new appointment, which may be set only once.
    """
    if data.regime not in APOLOGY_FORMS:
        raise ValueError(f"unknown regime {data.regime!r}: expected one of {sorted(APOLOGY_FORMS)}")
    office = _full_name(data.office.name)
    received_on = _aware(data.received_at).astimezone(tz).strftime("%d/%m/%Y")
    if data.new_due_at is None:
        sorry = t("form.apology.sorry_open", lang, office=office)
    else:
        new_due = _time_text(data.new_due_at, tz=tz, lang=lang)
        sorry = t(f"form.apology.sorry_{data.regime}", lang, office=office, new_due=new_due)
    address = (_Line(normalise(data.address), label=t("form.address", lang)),) if data.address else ()
    body = (
        *address,
        _Line(
            t(
                "form.apology.received",
                lang,
                date=received_on,
                office=office,
                procedure=normalise(data.procedure_name),
            )
        ),
        _Line(data.code, label=t("form.code", lang), strong=True),
        _Line(
            _time_text(data.original_due_at, tz=tz, lang=lang),
            t("form.apology.original_due", lang),
            strong=True,
        ),
        _Line(t("form.apology.not_returned", lang, office=office)),
        _Line(normalise(data.reason), label=t("form.reason", lang)),
        _Line(sorry),
        _Line(t("form.apology.understanding", lang)),
        _Line(t("form.regards", lang)),
    )
    number = f"{data.number}/PXL-{_abbreviation(data.office.name)}"
    return _Document(
        form=APOLOGY_FORMS[data.regime],
        **_header(
            data.office,
            number=t("form.number", lang, number=number),
            on=_aware(data.issued_at).astimezone(tz),
            lang=lang,
        ),
        title=t(f"form.apology.title_{data.regime}", lang),
        subtitle="",
        addressee=t("form.apology.to", lang, applicant=normalise(data.applicant)),
        body=body,
        recipients=(
            t("form.recipients", lang),
            t("form.recipient_addressee", lang),
            t("form.recipient_archive", lang),
        ),
        signatures=(_Signature(_head_title(data.office, lang), "", normalise(data.signer)),),
    )


def _header(office: OfficeInfo, *, number: str, on: datetime, lang: str) -> dict[str, Any]:
    # Decree 30/2020, Appendix I §II.2: the upper body may abbreviate "UBND"; the issuer is written in full.
    place = normalise(office.place)
    # App. I §II.4: days below 10 and the months 1 and 2 take a leading zero ("ngày 05 tháng 02", "tháng 3").
    day, month = f"{on.day:02d}", (f"{on.month:02d}" if on.month <= 2 else str(on.month))
    key = "form.place_date" if place else "form.date"
    return {
        "upper_body": normalise(office.upper_body).upper(),
        "issuer": _issuer_lines(office.name),
        "number": number,
        "motto": (t("form.motto", lang), t("form.motto_sub", lang)),
        "place_date": t(
            key,
            lang,
            place=place,
            day=day,
            month=month,
            year=on.year,
            day_number=on.day,
            month_name=_MONTHS_EN[on.month - 1],
        ),
    }


def _head_title(office: OfficeInfo, lang: str) -> tuple[str, ...]:
    # Decree 30/2020, Appendix I §II.7: a collegial body signs "TM." (on behalf of) above the signer's title.
    if _is_committee(office.name):
        return (t("form.for_committee", lang), t("form.chair", lang))
    return (t("form.head", lang),)


def _issuer_lines(name: str) -> tuple[str, ...]:
    full = _full_name(name).upper()
    head = _COMMITTEE_FULL.strip().upper()
    if full.startswith(head + " "):  # the usual two lines of a committee's name
        return (head, full[len(head) :].strip())
    return (full,)


def _is_committee(name: str) -> bool:
    folded = fold(name) + " "
    return folded.startswith((_COMMITTEE, fold(_COMMITTEE_FULL)))


def _full_name(name: str) -> str:
    name = normalise(name)
    return _COMMITTEE_FULL + name[len(_COMMITTEE) :] if fold(name).startswith(_COMMITTEE) else name


def _abbreviation(name: str) -> str:
    """The issuer's part of the document symbol (Decree 30/2020, Appendix I §II.3): "UBND", else initials."""
    if _is_committee(name):
        return "UBND"
    return "".join(word[0] for word in fold(name).split()).upper() or "UB"


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("forms need aware instants")
    return at


def _time_text(at: datetime, *, tz: tzinfo, lang: str) -> str:
    local = _aware(at).astimezone(tz)
    return t("form.time", lang, hour=local.hour, minute=local.minute, date=local.strftime("%d/%m/%Y"))


# --- rendering: text ----------------------------------------------------------------------------------------


def _render_text(doc: _Document) -> str:
    issuer = [row for line in doc.issuer for row in _wrap(line, _LEFT)]
    left = [*_wrap(doc.upper_body, _LEFT), *issuer, "─" * 8, *_wrap(doc.number, _LEFT)]
    rule = "─" * min(len(doc.motto[1]), _WIDTH - _LEFT)
    right = [*_wrap(doc.motto[0], _WIDTH - _LEFT), doc.motto[1], rule, *_wrap(doc.place_date, _WIDTH - _LEFT)]
    lines = _columns(left, right)
    lines += ["", *_centred(doc.title), *_centred(doc.subtitle)]
    if doc.addressee:
        lines += ["", *_centred(doc.addressee)]
    lines.append("")
    lines += [row for line in doc.body for row in _body_text(line)]
    lines.append("")
    blocks = [_signature_text(s) for s in doc.signatures]
    if doc.recipients:
        blocks.insert(0, list(doc.recipients))
        lines += _columns(blocks[0], blocks[1], centre_left=False)
    else:
        lines += _columns(blocks[0] if len(blocks) == 2 else [], blocks[-1])
    return "\n".join(row.rstrip() for row in lines) + "\n"


def _centred(text: str) -> list[str]:
    return [row.center(_WIDTH) for row in _wrap(text, _WIDTH)]


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width, break_on_hyphens=False) if text else []


def _columns(left: list[str], right: list[str], *, centre_left: bool = True) -> list[str]:
    right_width = _WIDTH - _LEFT
    rows = max(len(left), len(right))
    left = left + [""] * (rows - len(left))
    right = right + [""] * (rows - len(right))
    cells = zip(left, right, strict=True)
    return [(a.center(_LEFT) if centre_left else a.ljust(_LEFT)) + b.center(right_width) for a, b in cells]


def _body_text(line: _Line) -> list[str]:
    text = f"{line.label}: {line.text}".rstrip() if line.label else line.text
    if line.item:
        return textwrap.wrap(text, _WIDTH, initial_indent="    ", subsequent_indent="      ")
    return textwrap.wrap(text, _WIDTH, initial_indent="  ", break_on_hyphens=False)


def _signature_text(signature: _Signature) -> list[str]:
    note = [signature.note] if signature.note else []
    return [*signature.heading, *note, "", "", "", signature.name]

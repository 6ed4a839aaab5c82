"""The official documents: receipt slip (Mẫu 01) and apology (Mẫu 04, 2018 and 2025), as text and .docx."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import docx
import pytest

from onestop.forms import (
    ApologyData,
    OfficeInfo,
    SlipData,
    apology_text,
    regime_for,
    slip_text,
    write_apology_docx,
    write_slip_docx,
)

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
ICT = timezone(timedelta(hours=7))
CODE = "000.22.15.H56-230428-0003"
OFFICE = OfficeInfo(
    code="000.22.15.H56", name="UBND thị trấn Bút Sơn", place="Bút Sơn", upper_body="UBND HUYỆN HOẰNG HÓA"
)
# Synthetic people only.
SLIP = SlipData(
    office=OFFICE,
    code=CODE,
    procedure_name="Cấp giấy xác nhận tình trạng hôn nhân",
    applicant="Trần Thị Mẫu",
    address="Khu phố 9, thị trấn Bút Sơn",
    phone="0900000000",
    id_number="000000000001",
    channel="direct",
    received_at=datetime(2023, 4, 28, 3, 0, tzinfo=UTC),  # 10:00 in Vietnam
    appointment_at=datetime(2023, 5, 8, 17, 0, tzinfo=TZ),
    officer="Lê Văn Thử",
    documents=("Tờ khai (bản chính)", "Giấy tờ tùy thân (bản sao)"),
)
REASON = "Mất kết nối mạng khi chuyển hồ sơ liên thông"
APOLOGY = ApologyData(
    office=OFFICE,
    number=5,
    year=2023,
    code=CODE,
    procedure_name=SLIP.procedure_name,
    applicant=SLIP.applicant,
    address=SLIP.address,
    received_at=SLIP.received_at,
    original_due_at=datetime(2023, 5, 8, 17, 0, tzinfo=TZ),
    new_due_at=datetime(2023, 5, 10, 17, 0, tzinfo=TZ),
    reason=REASON,
    issued_at=datetime(2023, 5, 5, 9, 0, tzinfo=TZ),
    signer="Phạm Văn Mẫu",
    regime="2018",
)
ORIGINAL_DUE = "17 giờ 00 phút, ngày 08/05/2023"
NEW_DUE = "17 giờ 00 phút, ngày 10/05/2023"


def docx_text(path: Path) -> str:
    """Every paragraph of the body and of every table cell, one per line."""
    document = docx.Document(str(path))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines += [p.text for cell in row.cells for p in cell.paragraphs]
    return "\n".join(lines)


def flat(text: str) -> str:
    """The text with its line breaks undone, so that a wrapped sentence can be searched."""
    return " ".join(text.split())


# --- regime ------


@pytest.mark.parametrize(
    ("received_at", "regime"),
    [
        (datetime(2018, 7, 1, 8, 0, tzinfo=ICT), "2018"),
        (datetime(2025, 6, 30, 23, 59, tzinfo=ICT), "2018"),
        (datetime(2025, 6, 30, 23, 59, 59, 999999, tzinfo=ICT), "2018"),
        (datetime(2025, 7, 1, 0, 0, tzinfo=ICT), "2025"),
        (datetime(2025, 6, 30, 17, 0, tzinfo=UTC), "2025"),  # the same instant as 1 July 00:00 in Vietnam
        (datetime(2025, 6, 30, 16, 59, tzinfo=UTC), "2018"),
        (datetime(2026, 1, 5, 9, 0, tzinfo=TZ), "2025"),
    ],
)
def test_the_regime_is_the_one_in_force_when_the_dossier_was_received(received_at: datetime, regime: str) -> None:
    assert regime_for(received_at) == regime


def test_a_naive_receipt_time_is_refused() -> None:
    with pytest.raises(ValueError):
        regime_for(datetime(2025, 7, 1, 0, 0))


# --- receipt slip ------


def test_the_slip_text_shows_the_code_the_receipt_and_the_appointment_in_office_time() -> None:
    text = slip_text(SLIP, tz=TZ)
    assert CODE in text
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text
    assert "10 giờ 00 phút, ngày 28/04/2023" in text  # stored in UTC, shown in Vietnam time
    assert ORIGINAL_DUE in text
    assert "Trần Thị Mẫu" in text and "Lê Văn Thử" in text
    assert "Cấp giấy xác nhận tình trạng hôn nhân" in text
    assert "(2) Giấy tờ tùy thân (bản sao)" in text


def test_the_slip_text_has_the_official_header() -> None:
    text = slip_text(SLIP, tz=TZ)
    assert "UBND HUYỆN HOẰNG HÓA" in text
    assert "ỦY BAN NHÂN DÂN" in text and "THỊ TRẤN BÚT SƠN" in text  # the issuer in full (Decree 30/2020)
    assert "UBND THỊ TRẤN" not in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert "Bút Sơn, ngày 28 tháng 4 năm 2023" in text


def test_text_versions_fit_an_80_column_terminal() -> None:
    long = dataclasses.replace(SLIP, procedure_name="Chứng thực hợp đồng, giao dịch " * 6)
    texts = [slip_text(long, tz=TZ), slip_text(SLIP, tz=TZ, lang="en"), apology_text(APOLOGY, tz=TZ)]
    for text in texts:
        assert max(len(line) for line in text.splitlines()) <= 80


def test_the_slip_leaves_out_contact_lines_that_were_not_given() -> None:
    text = slip_text(dataclasses.replace(SLIP, address=None, phone=None, id_number=None), tz=TZ)
    assert "Địa chỉ" not in text and "Số điện thoại" not in text and "Số định danh" not in text
    assert CODE in text


def test_the_english_slip_translates_the_labels_but_not_the_names() -> None:
    text = slip_text(SLIP, tz=TZ, lang="en")
    assert "Dossier code: " + CODE in text
    assert "17:00 on 08/05/2023" in text
    assert "SOCIALIST REPUBLIC OF VIETNAM" in text
    assert "Bút Sơn, 28 April 2023" in text
    assert "Trần Thị Mẫu" in text
    assert "Mã hồ sơ" not in text


def test_the_slip_docx_opens_and_holds_the_code_and_both_times(tmp_path: Path) -> None:
    path = write_slip_docx(SLIP, tmp_path / "slip.docx", tz=TZ)
    text = docx_text(path)
    assert CODE in text
    assert "10 giờ 00 phút, ngày 28/04/2023" in text
    assert ORIGINAL_DUE in text
    assert "NGƯỜI TIẾP NHẬN HỒ SƠ" in text


def test_the_docx_is_an_a4_page_in_times_new_roman_with_the_decree_30_margins(tmp_path: Path) -> None:
    document = docx.Document(str(write_slip_docx(SLIP, tmp_path / "slip.docx", tz=TZ)))
    section = document.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    assert [round(m.cm, 1) for m in margins] == [2.0, 2.0, 3.0, 2.0]
    normal = document.styles["Normal"].font
    assert normal.name == "Times New Roman" and 13 <= normal.size.pt <= 14


def test_the_docx_header_is_a_borderless_two_column_table(tmp_path: Path) -> None:
    document = docx.Document(str(write_slip_docx(SLIP, tmp_path / "slip.docx", tz=TZ)))
    header = document.tables[0]
    assert len(header.columns) == 2
    left, right = header.cell(0, 0), header.cell(0, 1)
    assert "ỦY BAN NHÂN DÂN\nTHỊ TRẤN BÚT SƠN" in left.text
    assert all(run.bold for p in left.paragraphs[1:3] for run in p.runs)
    assert not any(run.bold for run in left.paragraphs[0].runs)  # the upper body is not bold
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in right.text
    borders = header._tbl.tblPr.find(docx.oxml.ns.qn("w:tblBorders"))
    assert borders is not None
    assert {edge.get(docx.oxml.ns.qn("w:val")) for edge in borders} == {"nil"}


# --- apology ------


def test_the_apology_text_holds_every_field_of_the_form() -> None:
    text = apology_text(APOLOGY, tz=TZ)
    joined = flat(text)
    assert "Số: 5/PXL-UBND" in text
    assert "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in text
    assert "Kính gửi: Ông/Bà Trần Thị Mẫu" in text
    assert CODE in text
    assert "Ngày 28/04/2023" in joined  # the receipt date
    assert ORIGINAL_DUE in joined and NEW_DUE in joined
    assert REASON in joined
    assert "xin lỗi Ông/Bà" in joined
    assert "Bút Sơn, ngày 05 tháng 5 năm 2023" in text  # the issue date
    assert "TM. ỦY BAN NHÂN DÂN" in text and "CHỦ TỊCH" in text and "Phạm Văn Mẫu" in text
    assert "Nơi nhận:" in text


def test_the_2025_apology_has_its_own_title_and_asks_for_an_extension() -> None:
    text_2018 = apology_text(APOLOGY, tz=TZ)
    text_2025 = apology_text(dataclasses.replace(APOLOGY, regime="2025"), tz=TZ)
    title_2018 = "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ"
    title_2025 = "PHIẾU XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT"
    assert title_2018 in text_2018 and title_2025 not in text_2018
    assert title_2025 in text_2025 and title_2018 not in text_2025
    assert "đề nghị gia hạn thời gian giải quyết hồ sơ đến " + NEW_DUE in flat(text_2025)
    assert CODE in text_2025 and REASON in flat(text_2025)


def test_an_overdue_apology_without_a_new_appointment_promises_the_result_when_ready() -> None:
    text = flat(apology_text(dataclasses.replace(APOLOGY, new_due_at=None), tz=TZ))
    assert ORIGINAL_DUE in text
    assert "ngay khi hồ sơ được giải quyết xong" in text


def test_the_english_apology_translates_the_labels() -> None:
    text = flat(apology_text(APOLOGY, tz=TZ, lang="en"))
    assert "No. 5/PXL-UBND" in text
    assert "APOLOGY AND NEW APPOINTMENT FOR THE RESULT" in text
    assert "Reason: " + REASON in text
    assert "17:00 on 08/05/2023" in text and "17:00 on 10/05/2023" in text


def test_an_office_that_is_not_a_committee_signs_as_its_head_with_its_initials() -> None:
    office = OfficeInfo(code="000.00.00.H00", name="Trung tâm Phục vụ hành chính công", place="")
    text = apology_text(dataclasses.replace(APOLOGY, office=office), tz=TZ)
    assert "Số: 5/PXL-TTPVHCC" in text
    assert "THỦ TRƯỞNG CƠ QUAN" in text and "TM. ỦY BAN NHÂN DÂN" not in text
    assert "Ngày 05 tháng 5 năm 2023" in text  # no place name: the date alone


def test_days_below_10_and_january_and_february_take_a_leading_zero() -> None:
    # Decree 30/2020, Appendix I §II.5.
    text = apology_text(dataclasses.replace(APOLOGY, issued_at=datetime(2024, 2, 3, 9, 0, tzinfo=TZ)), tz=TZ)
    assert "Bút Sơn, ngày 03 tháng 02 năm 2024" in text


def test_an_unknown_regime_is_refused() -> None:
    with pytest.raises(ValueError):
        apology_text(dataclasses.replace(APOLOGY, regime="2030"), tz=TZ)


@pytest.mark.parametrize("regime", ["2018", "2025"])
def test_the_apology_docx_opens_and_holds_the_code_both_appointments_the_reason_and_the_number(
    tmp_path: Path, regime: str
) -> None:
    data = dataclasses.replace(APOLOGY, regime=regime)
    path = write_apology_docx(data, tmp_path / "nested" / f"apology-{regime}.docx", tz=TZ)
    text = docx_text(path)
    assert path.is_file()
    assert CODE in text
    assert ORIGINAL_DUE in text and NEW_DUE in text
    assert REASON in text
    assert "Số: 5/PXL-UBND" in text
    assert "Phạm Văn Mẫu" in text
    assert docx.Document(str(path)).core_properties.subject.endswith(f"/{regime}/TT-VPCP")


def test_the_docx_is_vietnamese_whatever_the_language_of_the_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ONESTOP_LANG", "en")
    text = docx_text(write_apology_docx(APOLOGY, tmp_path / "apology.docx", tz=TZ))
    assert "Kính gửi: Ông/Bà Trần Thị Mẫu" in text and "Reason" not in text

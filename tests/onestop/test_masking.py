"""Masked names for public pages (DOMAIN 8; Decree 13/2023/NĐ-CP): family name plus initials, never a full name."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onestop.publish import redact
from onestop.text import mask_name


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("Nguyễn Văn An", "Nguyễn V. A."),
        ("Trần Thị Bích Ngọc", "Trần T. B. N."),
        ("Đặng Ánh", "Đặng Á."),
        ("Lê Đức", "Lê Đ."),
        ("An", "A."),  # one word: its initial only, or the "family name" would be the whole name
        ("Ánh", "Á."),
        ("  Lê   Hoàng  Nam ", "Lê H. N."),
        ("Nguyễn\tVăn\nAn", "Nguyễn V. A."),
        ("Nguyễn\u00a0Văn An", "Nguyễn V. A."),  # a no-break space copied from a web form
        (nfd("Phạm Minh Đức"), "Phạm M. Đ."),
        (nfd("Ông Ích Khiêm"), "Ông Í. K."),
        ("nguyễn văn an", "nguyễn V. A."),
        ("Nguyễn - An", "Nguyễn A."),  # a word with no letter is dropped
        ("Nguyễn (Văn) An", "Nguyễn V. A."),  # an initial is a letter, never a bracket
        ("", ""),
        ("   ", ""),
    ],
)
def test_a_name_is_masked_to_family_name_and_initials(name: str, masked: str) -> None:
    assert mask_name(name) == masked


def test_decomposed_and_composed_spellings_give_the_same_bytes() -> None:
    assert mask_name(nfd("Đặng Thị Ánh Tuyết")).encode() == mask_name("Đặng Thị Ánh Tuyết").encode()
    assert unicodedata.is_normalized("NFC", mask_name(nfd("Ưng Ước Ổn")))


VIETNAMESE_LETTERS = "aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ"
words = st.text(alphabet=VIETNAMESE_LETTERS + VIETNAMESE_LETTERS.upper(), min_size=2, max_size=8)


@given(parts=st.lists(words, min_size=2, max_size=5), gaps=st.lists(st.sampled_from([" ", "  ", "\t"]), min_size=6))
def test_no_given_name_survives_masking(parts: list[str], gaps: list[str]) -> None:
    typed = "".join(part + gap for part, gap in zip(parts, gaps, strict=False))
    masked = mask_name(nfd(typed))
    family, *initials = masked.split(" ")
    assert family == unicodedata.normalize("NFC", parts[0])
    assert len(initials) == len(parts) - 1
    assert all(len(initial) == 2 and initial.endswith(".") for initial in initials)
    assert mask_name(masked) == masked  # masking is idempotent: a published name re-published is unchanged


def test_an_apology_reason_loses_the_applicants_data() -> None:
    reason = "Đã báo ông Phạm Minh Đức (0868 000 404, CCCD 038087000404) tại Khu phố 3; thư duc@example.com"
    cleaned = redact(
        reason, name=nfd("Phạm Minh Đức"), secrets=("038087000404", "0868000404", "Khu phố 3, thị trấn Bút Sơn")
    )
    assert cleaned == "Đã báo ông Phạm M. Đ. (***, CCCD ***) tại Khu phố 3; thư ***"


def test_a_reason_keeps_dates_codes_and_legal_references() -> None:
    reason = "Chờ kết quả xác minh hồ sơ 000.22.15.H56-230306-0004 theo Nghị định 61/2018/NĐ-CP đến 14/03/2023"
    assert redact(reason, name="Nguyễn Văn An") == reason


def test_a_one_word_name_is_redacted_as_a_whole_word_in_any_case() -> None:
    assert redact("Ban tư pháp đã báo An; an toàn", name="An") == "Ban tư pháp đã báo A.; A. toàn"

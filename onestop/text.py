"""Vietnamese text: NFC on input, accent-folded keys for search, masked names for publishing."""

from __future__ import annotations

import unicodedata

_FOLD = str.maketrans({"đ": "d", "Đ": "d"})


def normalise(text: str) -> str:
    """NFC with runs of white space collapsed: what is stored."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def fold(text: str) -> str:
    """Lower case without diacritics: "Nguyễn Văn An" → "nguyen van an" (đ → d)."""
    decomposed = unicodedata.normalize("NFD", normalise(text).translate(_FOLD))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def mask_name(name: str) -> str:
    """Family name plus initials (Decree 13/2023/NĐ-CP: no full names in public output).

    "Nguyễn Văn An" → "Nguyễn V. A."; a one-word name keeps only its initial: "An" → "A.".
    """
    words = normalise(name).split()
    if not words:
        return ""
    if len(words) == 1:
        return f"{words[0][0].upper()}."
    return " ".join([words[0], *(f"{w[0].upper()}." for w in words[1:])])

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

    "Nguyễn Văn An" → "Nguyễn V. A."; a one-word name keeps only its initial: "An" → "A.". Input is taken
    to NFC with white space collapsed first, so decomposed (NFD) diacritics and stray spaces give the same
    result; words without a letter or digit (a lone "-" or "(") are dropped, and an initial is the word's
    first letter with its marks, never a punctuation sign.
    """
    words = [w for w in normalise(name).split() if any(c.isalnum() for c in w)]
    if not words:
        return ""
    if len(words) == 1:
        return f"{_initial(words[0])}."
    return " ".join([words[0], *(f"{_initial(w)}." for w in words[1:])])


def _initial(word: str) -> str:
    """The first letter (or digit) of a word, upper case, with any combining marks that follow it."""
    start = next(i for i, c in enumerate(word) if c.isalnum())
    end = start + 1
    while end < len(word) and unicodedata.combining(word[end]):
        end += 1
    return word[start:end].upper()

"""Text enters the system in Unicode NFC, so hashes and comparisons are stable."""

from __future__ import annotations

import unicodedata


def nfc(value: str | None) -> str:
    """NFC-normalised text with surrounding white space removed; None becomes ''."""
    if value is None:
        return ""
    return unicodedata.normalize("NFC", value).strip()


def collapse_spaces(value: str | None) -> str:
    """NFC text with runs of white space folded to one space (names, addresses)."""
    return " ".join(nfc(value).split())


# Characters no name needs and that change how text is shown, ordered or compared while staying
# invisible: controls (C0, DEL, C1: category Cc), format characters (Cf: the bidirectional
# embeddings, overrides and isolates U+202A-202E and U+2066-2069, the marks U+200E/200F/061C,
# the zero-width space, joiners and word joiner U+200B-200D and U+2060, the byte-order mark
# U+FEFF, the soft hyphen…), private-use and surrogate code points, and the line and paragraph
# separators U+2028/2029.
_REFUSED_IN_NAMES = frozenset({"Cc", "Cf", "Co", "Cs", "Zl", "Zp"})


def hidden_character(value: str | None) -> str | None:
    """The first character of ``value`` a name may not contain, as ``U+XXXX``; None when clean.

    Checked on the text as typed (before white space is folded), so a tab or a line break in a
    name is refused rather than silently turned into a space.
    """
    for char in value or "":
        if unicodedata.category(char) in _REFUSED_IN_NAMES:
            return f"U+{ord(char):04X}"
    return None


def visible_text(value: str | None, limit: int | None = None) -> str:
    """``value`` with the invisible characters above removed and white space folded (reasons,
    numbers and names written by staff): text that is only invisible characters becomes ''."""
    kept = "".join(c if unicodedata.category(c) not in _REFUSED_IN_NAMES else " " for c in nfc(value))
    folded = collapse_spaces(kept)
    return folded[:limit] if limit is not None else folded


def ascii_slug(value: str | None) -> str:
    """Vietnamese words as a file-name slug: "Cuối năm học" → "cuoi-nam-hoc", "Đỗ Văn An" → "do-van-an"
    (đ has no decomposition, so it is mapped first; other marks are dropped after NFD)."""
    text = (value or "").replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFD", text).encode("ascii", "ignore").decode("ascii")
    words = "".join(ch.lower() if ch.isalnum() else " " for ch in text).split()
    return "-".join(words)

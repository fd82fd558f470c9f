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

"""Names refuse control, bidirectional and zero-width characters (a pure rule, table-driven)."""

from __future__ import annotations

import pytest

from hocbaso.core.text import hidden_character


@pytest.mark.parametrize(
    ("name", "found"),
    [
        ("Nguyễn Văn An", None),
        ("Đinh Thị Hờ", None),  # Vietnamese letters and tones, NFC
        ("Nguye\u0302\u0303n Va\u0306n An", None),  # decomposed tones (NFD) are marks, not hidden
        ("Y Kông H'Đơk", None),
        ("Nguyễn\u00a0Văn An", None),  # a no-break space is folded like any space
        ("", None),
        (None, None),
        ("Nguyễn\tVăn An", "U+0009"),
        ("Nguyễn Văn An\n", "U+000A"),
        ("Nguyễn Văn An\r", "U+000D"),
        ("An\x00", "U+0000"),
        ("An\x1b[31m", "U+001B"),
        ("An\x7f", "U+007F"),
        ("An\x85", "U+0085"),  # C1 next line
        ("An\x9b", "U+009B"),
        ("\u202aAn", "U+202A"),
        ("\u202bAn", "U+202B"),
        ("\u202cAn", "U+202C"),
        ("\u202dAn", "U+202D"),
        ("Nguyễn \u202eAn", "U+202E"),  # right-to-left override: "nA" on screen
        ("\u2066An\u2069", "U+2066"),
        ("\u2067An", "U+2067"),
        ("\u2068An", "U+2068"),
        ("An\u2069", "U+2069"),
        ("An\u200e", "U+200E"),
        ("An\u200f", "U+200F"),
        ("An\u061c", "U+061C"),
        ("Ng\u200buyễn", "U+200B"),  # zero-width space: two "Nguyễn" that differ
        ("Ng\u200cuyễn", "U+200C"),
        ("Ng\u200duyễn", "U+200D"),
        ("Ng\u2060uyễn", "U+2060"),
        ("\ufeffNguyễn", "U+FEFF"),
        ("Ngu\u00adyễn", "U+00AD"),  # soft hyphen
        ("An\u2028Bình", "U+2028"),
        ("An\u2029Bình", "U+2029"),
        ("An\ue000", "U+E000"),  # private use
    ],
)
def test_hidden_character(name: str | None, found: str | None) -> None:
    assert hidden_character(name) == found

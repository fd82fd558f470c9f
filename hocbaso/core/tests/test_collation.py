"""Vietnamese order of students' names: given name, then middle names, then family name, with
Vietnamese letters and tones (``hocbaso.core.collation``)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from hocbaso.core.collation import name_key, sort_students

# (name that comes first, name that comes after, why)
PAIRS = [
    ("Trần Thị Hân", "Nguyễn Văn Hiếu", "â is a letter after a, but Hân's a comes before Hiếu's i"),
    ("Lê Văn Dũng", "Lê Văn Đức", "đ comes right after d"),
    ("Lê Văn Đức", "Lê Văn Giang", "đ is not last: it comes before e, g …"),
    ("Phạm An", "Phạm Ân", "a before â"),
    ("Phạm Ăn", "Phạm Ân", "ă before â"),
    ("Phạm Anh", "Phạm Ăn", "letters first: a-n-h before ă-n"),
    ("Võ Thị An", "Võ Thị Anh", "a shorter name that is a prefix comes first"),
    ("Ngô Minh Oanh", "Ngô Minh Ơn", "o before ơ"),
    ("Ngô Minh Ôn", "Ngô Minh Ơn", "ô before ơ"),
    ("Hồ Văn Tu", "Hồ Văn Tư", "u before ư"),
    ("Hồ Văn Tư", "Hồ Văn Vi", "ư before v"),
    ("Đỗ Ma", "Đỗ Mà", "ngang before huyền"),
    ("Đỗ Mà", "Đỗ Mả", "huyền before hỏi"),
    ("Đỗ Mả", "Đỗ Mã", "hỏi before ngã"),
    ("Đỗ Mã", "Đỗ Má", "ngã before sắc"),
    ("Đỗ Má", "Đỗ Mạ", "sắc before nặng"),
    ("Đỗ Mạ", "Đỗ Mai", "tones are secondary: letters decide first"),
    ("Nguyễn Thị Lan", "Nguyễn Văn Lan", "same given name: the middle name decides"),
    ("Bùi Văn Lan", "Trần Văn Lan", "same given and middle names: the family name decides"),
    ("Đặng Văn Lan", "Trần Văn Lan", "family name Đ before T"),
    ("Nguyễn Bảo Anh", "Lê Thị Bình", "the given name decides before the family name"),
    ("Lý Thị Ýen", "Lý Thị Yến", "letters first: y-e-n before y-ê-n whatever the tones"),
    ("Mai Thị Lan", "Mai Thị Long", "a before o"),
    ("Hà Văn Hiếu", "Hà Văn Hoa", "i before o"),
]


@pytest.mark.parametrize(("first", "second", "why"), PAIRS)
def test_pairs_in_vietnamese_order(first: str, second: str, why: str) -> None:
    assert name_key(first) < name_key(second), why
    assert sort_students([second, first], name=str) == [first, second], why


def test_a_class_list() -> None:
    names = [
        "Đinh Văn Đức",
        "Nguyễn Văn Hiếu",
        "Trần Thị Hân",
        "Lê Thị Ánh",
        "Phạm Văn Dũng",
        "Võ Thị Ân",
        "Bùi Văn Anh",
        "Đặng Thị Yến",
        "Hoàng Văn Ơn",
        "Cao Thị Ôn",
    ]
    assert sort_students(names, name=str) == [
        "Bùi Văn Anh",
        "Lê Thị Ánh",
        "Võ Thị Ân",
        "Phạm Văn Dũng",
        "Đinh Văn Đức",
        "Trần Thị Hân",
        "Nguyễn Văn Hiếu",
        "Cao Thị Ôn",
        "Hoàng Văn Ơn",
        "Đặng Thị Yến",
    ]


def test_decomposed_input_sorts_as_composed() -> None:
    import unicodedata

    assert name_key(unicodedata.normalize("NFD", "Trần Thị Hân")) == name_key("Trần Thị Hân")


def test_case_only_breaks_ties() -> None:
    assert name_key("lê văn an") < name_key("Lê Văn An") < name_key("Lê Văn Ăn")


@dataclass
class _Row:
    pk: int
    full_name: str


def test_equal_names_keep_the_order_of_their_ids() -> None:
    rows = [_Row(3, "Lê Văn An"), _Row(1, "Lê Văn An"), _Row(2, "Bùi Thị Ăn")]
    assert [r.pk for r in sort_students(rows)] == [1, 3, 2]

"""Vietnamese names for demo people (NFC), drawn by a seeded random generator."""

from __future__ import annotations

import random
import unicodedata

SURNAMES = [
    ("Nguyễn", 30),
    ("Trần", 12),
    ("Lê", 10),
    ("Phạm", 7),
    ("Huỳnh", 6),
    ("Võ", 6),
    ("Phan", 5),
    ("Trương", 3),
    ("Bùi", 3),
    ("Đặng", 3),
    ("Đỗ", 3),
    ("Ngô", 2),
    ("Hồ", 3),
    ("Dương", 2),
    ("Đinh", 2),
]
MIDDLE_MALE = ["Văn", "Đức", "Minh", "Quốc", "Gia", "Hữu", "Thanh", "Anh", "Bảo", "Công", "Nhật", "Trung"]
MIDDLE_FEMALE = ["Thị", "Ngọc", "Thu", "Bảo", "Khánh", "Mỹ", "Thanh", "Hoài", "Phương", "Kim", "Quỳnh", "Như"]
GIVEN_MALE = [
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Đạt",
    "Hiếu",
    "Hoàng",
    "Huy",
    "Khang",
    "Khoa",
    "Kiên",
    "Long",
    "Lộc",
    "Minh",
    "Nam",
    "Nghĩa",
    "Phát",
    "Phúc",
    "Quân",
    "Sơn",
    "Tài",
    "Thành",
    "Thịnh",
    "Trí",
    "Tuấn",
    "Tùng",
    "Vinh",
    "Vũ",
    "Hưng",
    "Khải",
]
GIVEN_FEMALE = [
    "Anh",
    "Châu",
    "Chi",
    "Diệp",
    "Giang",
    "Hà",
    "Hân",
    "Hằng",
    "Hương",
    "Lan",
    "Linh",
    "Mai",
    "My",
    "Ngân",
    "Ngọc",
    "Nhi",
    "Oanh",
    "Phương",
    "Quyên",
    "Thảo",
    "Trang",
    "Trâm",
    "Uyên",
    "Vy",
    "Yến",
    "Xuân",
    "Thư",
    "Duyên",
    "Hạnh",
    "Nhung",
]
ETHNIC_NAMES_HRE = [("Đinh Văn", "Đinh Thị"), ("Phạm Văn", "Phạm Thị")]


def _nfc(value: str) -> str:
    return unicodedata.normalize("NFC", value)


def surname(rng: random.Random) -> str:
    names, weights = zip(*SURNAMES, strict=True)
    return rng.choices(names, weights=weights)[0]


def full_name(rng: random.Random, gender: int, family: str | None = None) -> str:
    """A full name "Họ Đệm Tên"; ``gender`` 1 male, 2 female (QCVN 109)."""
    middle = rng.choice(MIDDLE_MALE if gender == 1 else MIDDLE_FEMALE)
    given = rng.choice(GIVEN_MALE if gender == 1 else GIVEN_FEMALE)
    return _nfc(f"{family or surname(rng)} {middle} {given}")


def adult_name(rng: random.Random, gender: int, family: str | None = None) -> str:
    return full_name(rng, gender, family)

"""Code tables the Ministry's exchange tables use for a student: ethnicity and nationality.

- ``ETHNICITIES``: the 54 ethnic groups of Việt Nam with their two-digit codes (Danh mục các
  dân tộc Việt Nam, Quyết định 121-TCTK/PPCĐ of the General Statistics Office, 1979, the list the
  sector database uses), in code order.
- ``NATIONALITIES``: ISO 3166-1 alpha-2 codes of the nationalities met in the province's schools
  (Việt Nam and its neighbours first); extend as needed, codes are ISO's.

- ``SCHOOL_LEVELS``: the school levels (cấp học) with the code the sector database gives them
  (``School.level_code``, ``School/LevelCode`` in the record, ``macaphoc`` in the exchange table).

``ethnicity_code(name)`` and ``nationality_code(name)`` read a name as written on a birth
certificate (case, hyphens and common variants such as "H'Mông" tolerated) and return the code,
or "" when the name is not in the table (a warning to correct, never a block).
"""

from __future__ import annotations

import unicodedata

ETHNICITIES: dict[str, str] = {
    "01": "Kinh",
    "02": "Tày",
    "03": "Thái",
    "04": "Hoa",
    "05": "Khơ-me",
    "06": "Mường",
    "07": "Nùng",
    "08": "Hmông",
    "09": "Dao",
    "10": "Gia-rai",
    "11": "Ngái",
    "12": "Ê-đê",
    "13": "Ba-na",
    "14": "Xơ-đăng",
    "15": "Sán Chay",
    "16": "Cơ-ho",
    "17": "Chăm",
    "18": "Sán Dìu",
    "19": "Hrê",
    "20": "Mnông",
    "21": "Ra-glai",
    "22": "Xtiêng",
    "23": "Bru-Vân Kiều",
    "24": "Thổ",
    "25": "Giáy",
    "26": "Cơ-tu",
    "27": "Gié-Triêng",
    "28": "Mạ",
    "29": "Khơ-mú",
    "30": "Co",
    "31": "Tà-ôi",
    "32": "Chơ-ro",
    "33": "Kháng",
    "34": "Xinh-mun",
    "35": "Hà Nhì",
    "36": "Chu-ru",
    "37": "Lào",
    "38": "La Chí",
    "39": "La Ha",
    "40": "Phù Lá",
    "41": "La Hủ",
    "42": "Lự",
    "43": "Lô Lô",
    "44": "Chứt",
    "45": "Mảng",
    "46": "Pà Thẻn",
    "47": "Cơ Lao",
    "48": "Cống",
    "49": "Bố Y",
    "50": "Si La",
    "51": "Pu Péo",
    "52": "Brâu",
    "53": "Ơ-đu",
    "54": "Rơ-măm",
}

NATIONALITIES: dict[str, str] = {
    "VN": "Việt Nam",
    "LA": "Lào",
    "KH": "Campuchia",
    "CN": "Trung Quốc",
    "TH": "Thái Lan",
    "KR": "Hàn Quốc",
    "JP": "Nhật Bản",
    "TW": "Đài Loan",
    "US": "Hoa Kỳ",
    "FR": "Pháp",
    "AU": "Úc",
}

SCHOOL_LEVELS: dict[str, str] = {
    "1": "Tiểu học",
    "2": "Trung học cơ sở",
    "3": "Trung học phổ thông",
}

# Other spellings met on documents → the table's name.
_VARIANTS = {
    "mong": "Hmông",
    "h'mong": "Hmông",
    "h mong": "Hmông",
    "meo": "Hmông",
    "khmer": "Khơ-me",
    "jrai": "Gia-rai",
    "bahnar": "Ba-na",
    "ede": "Ê-đê",
    "xo dang": "Xơ-đăng",
    "ta oi": "Tà-ôi",
    "hre": "Hrê",
    "co tu": "Cơ-tu",
}


def _fold(name: str) -> str:
    """Lower case, no tone or letter marks, hyphens as spaces: how names are matched."""
    text = unicodedata.normalize("NFD", name.strip().lower().replace("đ", "d"))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.replace("-", " ").split())


_BY_ETHNIC_NAME = {_fold(name): code for code, name in ETHNICITIES.items()}
_BY_ETHNIC_NAME.update({_fold(v): _BY_ETHNIC_NAME[_fold(name)] for v, name in _VARIANTS.items()})
_BY_NATIONALITY = {_fold(name): code for code, name in NATIONALITIES.items()}


def ethnicity_code(name: str) -> str:
    """The two-digit code of an ethnic group's name, or "" when unknown."""
    return _BY_ETHNIC_NAME.get(_fold(name), "")


def nationality_code(name: str) -> str:
    """The ISO 3166-1 alpha-2 code of a nationality's name, or "" when unknown."""
    return _BY_NATIONALITY.get(_fold(name), "")

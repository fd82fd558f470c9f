"""The mapping from a record's data (our XML) to the Ministry's data-exchange tables for primary
học bạ số (``thongtinsohocbasotieuhoc`` and its child ``…_dsbangdiem``), versioned.

The Ministry's specification is not published; the table and field names are those reconstructed
in shared/domain.md §3, and the subject codes (``SUBJECT_CODES``) are the short codes the sector
database uses for primary subjects. Both are data, not stored in records: when the official
specification arrives, a new ``MAPPING_VERSION`` replaces this one without touching any stored
record. Contracts:

- ``SUBJECT_CODES`` maps every subject code of the curriculum (``curriculum/data/gdpt2018-primary.json``)
  to one Ministry code; a test checks it covers the curriculum and is one-to-one.
- ``record_row(data)`` turns parsed record data (any format, lifted by ``xml.upgrade``) into the
  main table's row; ``score_rows(data)`` into the per-subject rows; ``history_rows(data)`` into the
  learning-history rows (``…_quatrinhhoctap``). Booleans are 0/1 as the Ministry's tables carry
  them; a field the record does not know is "".
- ``LEVEL_CODES`` maps a record's level (``records.Level``) to the school-level code
  (``directory.codes.SCHOOL_LEVELS``).
- ``code_problems(data)`` lists what a record lacks for the exchange (an unknown ethnicity or
  nationality code, an empty Sở code): warnings shown to the officer as counts, never a block here —
  the receiving side decides.
"""

from __future__ import annotations

from typing import Any

from hocbaso.directory.codes import ETHNICITIES, NATIONALITIES, SCHOOL_LEVELS
from hocbaso.records.xml import upgrade

MAPPING_VERSION = "2025.1-reconstructed"

SUBJECT_CODES: dict[str, str] = {
    "vietnamese": "TV",
    "math": "TOAN",
    "foreign_language_1": "NN1",
    "ethics": "DD",
    "nature_society": "TNXH",
    "history_geography": "LSDL",
    "science": "KH",
    "informatics_technology": "TINCN",
    "physical_education": "GDTC",
    "music": "AN",
    "fine_arts": "MT",
    "experiential_activities": "HDTN",
    "ethnic_language": "TDT",
}


LEVEL_CODES: dict[str, str] = {"primary": "1", "lower_secondary": "2", "upper_secondary": "3"}


def _flag(value: bool | None) -> int | str:
    return "" if value is None else int(value)


def _number(value: Any) -> str:
    """A decimal as the tables carry it ("128.5"), "" when absent."""
    return "" if value is None else str(value)


def record_row(data: dict[str, Any]) -> dict[str, Any]:
    """The ``thongtinsohocbasotieuhoc`` row of one record version."""
    data = upgrade(data)
    year, student, school = data["year"], data["student"], data["school"]
    completion = year["completion"]
    principal = data["signers"]["principal"]
    return {
        "madinhdanhhocba": data["record_id"],
        "phienban": data["version"],
        "trangthaithongtinhocba": data["status"],
        "masogd": school["department_code"],
        "matruong": school["code"],
        "macaphoc": school["level_code"],
        "mahocsinh": student["sector_code"],
        "madinhdanhcanhan": student["personal_id"],
        "hovaten": student["full_name"],
        "gioitinh": student["gender"],
        "ngaysinh": student["date_of_birth"],
        "noisinh": student["place_of_birth"],
        "quequan": student["hometown"],
        "noiohiennay": student["residence"],
        "dantoc": student["ethnicity_code"],
        "quoctich": student["nationality_code"],
        "doituongchinhsach": student["policy_beneficiary"],
        "khuyettat": student["disability"],
        "makhoi": year["grade"],
        "namhoc": year["school_year"],
        "hotencha": student["father_name"],
        "hotenme": student["mother_name"],
        "hotennguoigiamho": student["guardian_name"],
        "duoclenlop": _flag(completion["promoted"]),
        "dahthanhctrinhlophoc": _flag(completion["completed_grade"]),
        "dahthanhctrinhtieuhoc": _flag(completion["completed_primary"]),
        "chucvugiamhieu": principal["title"].replace("\n", " "),
        "diadanhphathanh": school["units"][0]["name"] if school["units"] else school["province"],
        "cokhuyettatkhongdanhgia": int(year["result"] == "not_classified"),
        "ketquagiaoduc": "" if year["result"] == "not_classified" else year["result"],
        "nhanxetchung": year["general_comment"],
        "chieucao": _number(year["height_cm"]),
        "cannang": _number(year["weight_kg"]),
        "songaynghi": year["days_absent"],
        "phienbananhxa": MAPPING_VERSION,
    }


def score_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The ``thongtinsohocbasotieuhoc_dsbangdiem`` rows: one per subject, by ``mamonhoc``, with the
    year-end values and, after the summer, the re-assessed ones."""
    data = upgrade(data)
    rows = []
    for subject in data["year"]["subjects"]:
        again = subject["summer"] or {}
        rows.append(
            {
                "madinhdanhhocba": data["record_id"],
                "mamonhoc": SUBJECT_CODES[subject["code"]],
                "mucdatduoc": subject["rating"],
                "diemktdk": "" if subject["score"] is None else subject["score"],
                "nhanxet": subject["comment"],
                "mucdatduocsauhe": again.get("rating", ""),
                "diemktdksauhe": "" if again.get("score") is None else again["score"],
            }
        )
    return rows


def history_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The ``thongtinsohocbasotieuhoc_quatrinhhoctap`` rows: one per learning-history entry, oldest first."""
    data = upgrade(data)
    return [
        {
            "madinhdanhhocba": data["record_id"],
            "namhoc": entry["school_year"],
            "lop": entry["class_name"],
            "tentruong": entry["school_name"],
            "sodangbo": entry["register_number"],
            "ngaynhaphoc": entry["start_date"] or "",
        }
        for entry in data["history"]
    ]


def code_problems(data: dict[str, Any]) -> list[str]:
    """What ``data`` lacks for the exchange, as stable codes: ``ethnicity_code_unknown``,
    ``nationality_code_unknown``, ``department_code_missing``, ``level_code_unknown``."""
    data = upgrade(data)
    student, school = data["student"], data["school"]
    problems = []
    if student["ethnicity_code"] not in ETHNICITIES:
        problems.append("ethnicity_code_unknown")
    if student["nationality_code"] not in NATIONALITIES:
        problems.append("nationality_code_unknown")
    if not school["department_code"]:
        problems.append("department_code_missing")
    if school["level_code"] not in SCHOOL_LEVELS:
        problems.append("level_code_unknown")
    return problems

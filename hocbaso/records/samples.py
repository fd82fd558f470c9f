"""A realistic grade-5 record's data, for tests and demos across the project.

``sample_record_data(**overrides)`` returns a fresh plain-JSON dict in the record data contract
documented in ``docs/record-format.md`` (and enforced by the XSD through ``records.xml``). Top-level
keys given as overrides replace the sample's values wholesale; use ``copy``-and-edit for nested
changes. All text is NFC.
"""

from __future__ import annotations

import copy
from typing import Any

FORMAT_VERSION = "1.1"


def _rated(code: str, name: str, rating: str, comment: str) -> dict[str, Any]:
    return {"code": code, "name": name, "rating": rating, "comment": comment, "summer": None}


def _subject(code: str, name: str, rating: str, score: int | None, comment: str) -> dict[str, Any]:
    return {"code": code, "name": name, "rating": rating, "score": score, "comment": comment, "summer": None}


_SAMPLE: dict[str, Any] = {
    "format_version": FORMAT_VERSION,
    "record_id": "5f0c7a52-8d1e-4b8e-9a51-2c6f3e7d9b10",
    "version": 1,
    "issuance_code": "HB-7K3M-Q9TD-2XWP-T",
    "status": "final",
    "assembled_on": "2025-05-28",
    "previous_version_sha256": "3b7e51f0a9d24c6b8e1f7a20c5d94e3b6a8f1c2d7e9b0a4c5f6e7d8c9b0a1f2e",
    "verify_url": "https://hocbaso.quangngai.edu.vn/xac-minh/HB-7K3M-Q9TD-2XWP-T",
    "school": {
        "code": "51000123",
        "department_code": "51",
        "level_code": "1",
        "name": "Trường Tiểu học Bình Sơn số 1",
        "address": "Thôn Phú Long, thị trấn Châu Ổ, huyện Bình Sơn, tỉnh Quảng Ngãi",
        "province": "Tỉnh Quảng Ngãi",
        "units": [{"kind": "district", "name": "Huyện Bình Sơn"}],
    },
    "student": {
        "full_name": "Nguyễn Thị Thu Hằng",
        "gender": 2,
        "date_of_birth": "2014-09-12",
        "place_of_birth": "Bệnh viện Đa khoa tỉnh Quảng Ngãi",
        "ethnicity": "Kinh",
        "nationality": "Việt Nam",
        "ethnicity_code": "01",
        "nationality_code": "VN",
        "hometown": "Xã Bình Dương, huyện Bình Sơn, tỉnh Quảng Ngãi",
        "residence": "Thôn Phú Long, thị trấn Châu Ổ, huyện Bình Sơn, tỉnh Quảng Ngãi",
        "father_name": "Nguyễn Văn Đức",
        "mother_name": "Lê Khánh Thủy",
        "guardian_name": "",
        "personal_id": "051314012345",
        "sector_code": "5100012320200417",
        "policy_beneficiary": "",
        "disability": "",
    },
    "history": [
        {
            "school_year": "2020-2021",
            "class_name": "1A",
            "school_name": "Trường Tiểu học Bình Sơn số 1",
            "register_number": "17/2020",
            "start_date": "2020-09-05",
        },
        {
            "school_year": "2021-2022",
            "class_name": "2A",
            "school_name": "Trường Tiểu học Bình Sơn số 1",
            "register_number": "17/2020",
            "start_date": "2021-09-05",
        },
        {
            "school_year": "2022-2023",
            "class_name": "3B",
            "school_name": "Trường Tiểu học Nghĩa Hành",
            "register_number": "42/2022",
            "start_date": "2022-09-05",
        },
        {
            "school_year": "2023-2024",
            "class_name": "4A",
            "school_name": "Trường Tiểu học Bình Sơn số 1",
            "register_number": "08/2023",
            "start_date": "2023-08-21",
        },
        {
            "school_year": "2024-2025",
            "class_name": "5A",
            "school_name": "Trường Tiểu học Bình Sơn số 1",
            "register_number": "08/2023",
            "start_date": "2024-09-05",
        },
    ],
    "year": {
        "school_year": "2024-2025",
        "class_name": "5A",
        "grade": 5,
        "height_cm": 138.5,
        "weight_kg": 31.2,
        "days_absent": 2,
        "dated_on": "2025-05-26",
        "subjects": [
            _subject("vietnamese", "Tiếng Việt", "T", 9, "Đọc diễn cảm, viết đoạn văn mạch lạc, giàu cảm xúc."),
            _subject("math", "Toán", "T", 10, "Giải toán có lời văn nhanh, chính xác; trình bày khoa học."),
            _subject("foreign_language_1", "Ngoại ngữ 1 (Tiếng Anh)", "T", 9, "Nghe hiểu tốt, giao tiếp tự tin."),
            _subject("ethics", "Đạo đức", "T", None, "Lễ phép, biết giúp đỡ bạn bè."),
            _subject("history_geography", "Lịch sử và Địa lí", "T", 9, "Nắm vững các sự kiện lịch sử tiêu biểu."),
            _subject("science", "Khoa học", "T", 10, "Ham tìm hiểu, làm thí nghiệm cẩn thận."),
            _subject("informatics_technology", "Tin học và Công nghệ", "T", 9, "Sử dụng máy tính thành thạo."),
            _subject("physical_education", "Giáo dục thể chất", "T", None, "Tích cực tập luyện, thể lực tốt."),
            _subject("music", "Âm nhạc", "T", None, "Hát đúng giai điệu, biểu diễn tự tin."),
            _subject("fine_arts", "Mĩ thuật", "T", None, "Vẽ tranh có bố cục hài hòa, màu sắc tươi sáng."),
            _subject("experiential_activities", "Hoạt động trải nghiệm", "T", None, "Tham gia sôi nổi các hoạt động."),
        ],
        "qualities": [
            _rated("patriotism", "Yêu nước", "T", "Yêu quê hương, kính trọng thầy cô."),
            _rated("kindness", "Nhân ái", "T", "Biết quan tâm, chia sẻ với bạn bè."),
            _rated("diligence", "Chăm chỉ", "T", "Chăm học, hoàn thành bài tập đầy đủ."),
            _rated("honesty", "Trung thực", "T", "Thật thà, dũng cảm nhận lỗi."),
            _rated("responsibility", "Trách nhiệm", "T", "Giữ gìn đồ dùng, làm tốt việc được giao."),
        ],
        "general_competencies": [
            _rated("self_reliance", "Tự chủ và tự học", "T", "Tự giác chuẩn bị bài ở nhà."),
            _rated("communication", "Giao tiếp và hợp tác", "T", "Mạnh dạn trình bày ý kiến trong nhóm."),
            _rated("problem_solving", "Giải quyết vấn đề và sáng tạo", "T", "Có nhiều cách giải sáng tạo."),
        ],
        "specific_competencies": [
            _rated("language", "Ngôn ngữ", "T", "Diễn đạt rõ ràng, dùng từ chính xác."),
            _rated("numeracy", "Tính toán", "T", "Tính nhẩm nhanh, chính xác."),
            _rated("scientific", "Khoa học", "T", "Biết quan sát và giải thích hiện tượng."),
            _rated("technology", "Công nghệ", "T", "Sử dụng đồ dùng kĩ thuật an toàn."),
            _rated("informatics", "Tin học", "T", "Soạn thảo văn bản đơn giản thành thạo."),
            _rated("aesthetics", "Thẩm mĩ", "T", "Cảm nhận được cái đẹp trong cuộc sống."),
            _rated("physical", "Thể chất", "T", "Khỏe mạnh, tích cực vận động."),
        ],
        "result": "htxs",
        "general_comment": "Em học tập chăm chỉ, tiến bộ vượt bậc; là tấm gương sáng cho các bạn trong lớp.",
        "individual_plan": None,
        "awards": [
            {"title": "Học sinh Xuất sắc", "date": "2025-05-26"},
            {"title": "Giải Nhì Hội thi Viết chữ đẹp cấp huyện", "date": "2025-03-14"},
        ],
        "completion": {
            "completed_grade": True,
            "completed_primary": True,
            "promoted": None,
            "decision": "",
            "text": "Hoàn thành chương trình tiểu học",
        },
        "remediation": None,
    },
    "signers": {
        "homeroom": {"name": "Trần Thị Mỹ Duyên"},
        "principal": {"name": "Lê Quốc Khánh", "title": "Hiệu trưởng"},
        "school": {"name": "Trường Tiểu học Bình Sơn số 1"},
    },
}

VICE_PRINCIPAL_TITLE = "KT. Hiệu trưởng\nPhó Hiệu trưởng"


def sample_record_data(**overrides: Any) -> dict[str, Any]:
    """A new deep copy of the grade-5 sample with top-level ``overrides`` applied."""
    unknown = set(overrides) - set(_SAMPLE)
    if unknown:
        raise KeyError(f"not record data keys: {sorted(unknown)}")
    data = copy.deepcopy(_SAMPLE)
    data.update(copy.deepcopy(overrides))
    return data


def sample_remediated_data() -> dict[str, Any]:
    """A grade-4 variant: not completed at year end, re-assessed in summer (both values kept),
    still not completed, promoted by the vice-principal signing "KT. Hiệu trưởng" (exercises
    every optional element of a remediation)."""
    data = sample_record_data(status="draft", previous_version_sha256="")
    year = data["year"]
    year.update(
        school_year="2023-2024",
        class_name="4A",
        grade=4,
        height_cm=None,
        weight_kg=None,
        awards=[],
        dated_on="2024-08-10",
    )
    year["subjects"][1].update(rating="C", score=3, comment="Chưa nắm vững phép chia; cần rèn luyện trong hè.")
    year["subjects"][1]["summer"] = {"rating": "C", "score": 4, "comment": "Đã tiến bộ nhưng còn chậm."}
    year["subjects"][0].update(rating="H", score=5)
    year["qualities"][2].update(rating="C")
    year["qualities"][2]["summer"] = {"rating": "Đ", "comment": "Chăm chỉ hơn trong hè."}
    year["result"] = "cht"
    year["general_comment"] = "Em đã cố gắng trong đợt rèn luyện hè, cần tiếp tục phát huy."
    year["completion"] = {
        "completed_grade": False,
        "completed_primary": None,
        "promoted": True,
        "decision": "promoted",
        "text": "Chưa hoàn thành chương trình lớp 4; được lên lớp 5",
    }
    year["remediation"] = {
        "first_result": "cht",
        "final_result": "cht",
        "decision": "promoted",
        "decided_by": "Phạm Văn Tâm",
        "decided_on": "2024-08-10",
    }
    data["history"] = data["history"][:4]
    data["signers"]["principal"] = {"name": "Phạm Văn Tâm", "title": VICE_PRINCIPAL_TITLE}
    return data


def sample_individual_plan_data() -> dict[str, Any]:
    """A grade-2 variant assessed on an individual education plan: no automatic result, the
    homeroom teacher's assessment against the plan and the principal's decision with a note."""
    data = sample_record_data(previous_version_sha256="")
    year = data["year"]
    year.update(school_year="2024-2025", class_name="2B", grade=2, awards=[], dated_on="2025-05-30")
    year["subjects"] = [s for s in year["subjects"] if s["code"] not in _UPPER_GRADE_SUBJECTS]
    year["specific_competencies"] = [c for c in year["specific_competencies"] if c["code"] not in _UPPER_GRADE_SKILLS]
    for subject in year["subjects"]:
        subject["score"] = None
    year["result"] = "not_classified"
    year["individual_plan"] = {
        "assessment": "Đạt các mục tiêu của kế hoạch giáo dục cá nhân về đọc, viết và tính toán.",
        "completed": True,
        "note": "Hoàn thành kế hoạch giáo dục cá nhân năm học 2024-2025.",
        "decided_by": "Lê Quốc Khánh",
        "decided_on": "2025-05-30",
    }
    year["completion"] = {
        "completed_grade": True,
        "completed_primary": None,
        "promoted": True,
        "decision": "",
        "text": "Hoàn thành chương trình lớp 2",
    }
    data["student"]["disability"] = "Khuyết tật trí tuệ"
    data["history"] = data["history"][:2]
    return data


_UPPER_GRADE_SUBJECTS = ("foreign_language_1", "history_geography", "science", "informatics_technology")
_UPPER_GRADE_SKILLS = ("technology", "informatics")


def as_format_1_0(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` (1.1) without what 1.1 added: the shape of a record issued in format 1.0."""
    out = copy.deepcopy(data)
    out["format_version"] = "1.0"
    for key in ("department_code", "level_code"):
        del out["school"][key]
    for key in ("ethnicity_code", "nationality_code", "policy_beneficiary", "disability"):
        del out["student"][key]
    year = out["year"]
    for key in ("dated_on", "individual_plan"):
        del year[key]
    for group in ("subjects", "qualities", "general_competencies", "specific_competencies"):
        for item in year[group]:
            del item["summer"]
    del year["completion"]["decision"]
    if year["completion"]["completed_primary"] is None:
        year["completion"]["completed_primary"] = False
    return out

"""What the printed page says, read back with pdftotext: section 6 per grade, the grade-5 and
individual-plan decisions, summer values beside year-end ones, the remediation sentence, unit
names mid-line and the date line."""

from __future__ import annotations

import copy
import re
import subprocess
from pathlib import Path

import pytest

from hocbaso.records.rendering import render_pdf
from hocbaso.records.samples import (
    as_format_1_0,
    sample_individual_plan_data,
    sample_record_data,
    sample_remediated_data,
)
from hocbaso.records.xml import build_xml


def _text(data: dict, tmp_path: Path, *, layout: bool = False) -> str:
    path = tmp_path / "record.pdf"
    path.write_bytes(render_pdf(build_xml(data), draft=data["status"] == "draft"))
    args = ["pdftotext", "-enc", "UTF-8", *(["-layout"] if layout else []), str(path), "-"]
    out = subprocess.run(args, check=True, capture_output=True, timeout=60).stdout.decode("utf-8")
    return out if layout else re.sub(r"\s+", " ", out)


def _section_6(text: str) -> str:
    return text.split("6. Hoàn thành chương trình lớp học / chương trình tiểu học", 1)[1].split("Giáo viên chủ nhiệm")[
        0
    ]


def _grade(data: dict, grade: int, completion: dict) -> dict:
    data = copy.deepcopy(data)
    data["year"].update(grade=grade, class_name=f"{grade}A", completion=completion)
    return data


def _completion(done: bool, primary: bool | None, promoted: bool | None, decision: str, text: str) -> dict:
    return {
        "completed_grade": done,
        "completed_primary": primary,
        "promoted": promoted,
        "decision": decision,
        "text": text,
    }


# (grade, completion, must appear in section 6, must not appear anywhere in section 6)
SECTION_6 = [
    (
        3,
        _completion(True, None, True, "", "Hoàn thành chương trình lớp 3"),
        ["Hoàn thành chương trình lớp 3 Lên lớp: Có"],
        ["tiểu học", "Hoàn thành chương trình lớp 3: ", "Không"],
    ),
    (
        5,
        _completion(True, True, None, "", "Hoàn thành chương trình tiểu học"),
        ["Hoàn thành chương trình tiểu học"],
        ["Lên lớp", "lớp 5"],
    ),
    (
        5,
        _completion(False, False, None, "retained", "Chưa hoàn thành chương trình tiểu học; ở lại lớp 5"),
        ["Chưa hoàn thành chương trình tiểu học; ở lại lớp 5"],
        ["Lên lớp", "lên lớp"],
    ),
    (
        4,
        _completion(False, None, False, "retained", "Chưa hoàn thành chương trình lớp 4; ở lại lớp 4"),
        ["Chưa hoàn thành chương trình lớp 4; ở lại lớp 4"],
        ["tiểu học", "Lên lớp: "],
    ),
]


@pytest.mark.parametrize(("grade", "completion", "shown", "absent"), SECTION_6)
def test_section_6_says_it_once(grade, completion, shown, absent, tmp_path):
    section = _section_6(_text(_grade(sample_record_data(), grade, completion), tmp_path))
    for phrase in shown:
        assert phrase in section
    for phrase in absent:
        assert phrase not in section
    assert section.count(completion["text"]) == 1


def test_remediation_keeps_both_values_side_by_side(tmp_path):
    data = sample_remediated_data()
    text = _text(data, tmp_path)
    assert "Kết quả đánh giá lần đầu: Chưa hoàn thành; sau rèn luyện trong hè: Chưa hoàn thành." in text
    assert "Sau hè" in text and "Cột “Sau hè”: kết quả đánh giá lại sau rèn luyện trong hè" in text
    rows = _text(data, tmp_path, layout=True).splitlines()
    # the year-end rating and score stay in their columns, the summer values beside them
    assert any(re.search(r"Toán\s+C\s+3\s+C \(4\)", row) for row in rows)
    assert any(re.search(r"Chăm chỉ\s+C\s+Đ\b", row) for row in rows)
    assert "Sau hè: Đã tiến bộ nhưng còn chậm." in text


def test_no_summer_column_without_remediation(tmp_path):
    assert "Sau hè" not in _text(sample_record_data(), tmp_path)


def test_individual_plan_prints_the_assessment_and_the_decision(tmp_path):
    text = _text(sample_individual_plan_data(), tmp_path)
    assert "Kết quả: Đánh giá theo kế hoạch giáo dục cá nhân" in text
    assert "Đạt các mục tiêu của kế hoạch giáo dục cá nhân về đọc, viết và tính toán." in text
    section = _section_6(text)
    assert "Hoàn thành chương trình lớp 2" in section
    assert (
        "Quyết định của hiệu trưởng (đánh giá theo kế hoạch giáo dục cá nhân): "
        "Hoàn thành kế hoạch giáo dục cá nhân năm học 2024-2025. (Lê Quốc Khánh, ngày 30/05/2025)."
    ) in section
    assert "HTXS" not in text and "Hoàn thành xuất sắc" not in text


def test_unit_names_mid_line_are_lower_case_kind_and_capitalised_proper_name(tmp_path):
    text = _text(sample_record_data(), tmp_path)
    assert "Huyện Bình Sơn, tỉnh Quảng Ngãi" in text
    assert ", Tỉnh" not in text


def test_pages_are_dated_on_the_confirmation_day_not_the_assembly_day(tmp_path):
    data = sample_record_data()
    assert data["assembled_on"] == "2025-05-28"
    text = _text(data, tmp_path)
    assert text.count("Bình Sơn, ngày 26 tháng 05 năm 2025") == 2  # student page and year page
    assert "ngày 28 tháng 05 năm 2025" not in text


def test_a_format_1_0_record_still_renders(tmp_path):
    text = _text(as_format_1_0(sample_record_data()), tmp_path)
    assert "Hoàn thành chương trình tiểu học" in text
    assert "Hoàn thành chương trình tiểu học: Không" not in text
    assert "Bình Sơn, ngày 28 tháng 05 năm 2025" in text  # 1.0 has no confirmation day: the assembly day


DATA = Path(__file__).parent / "data"


def test_a_record_issued_in_format_1_0_renders_byte_for_byte_as_when_it_was_issued():
    """Verification re-renders the embedded XML and compares it with the signed first revision:
    the 1.0 template is frozen. The XML was written by format 1.0's code (before 1.1 existed); the
    hash is that of the Typst revision the 1.0 code produced for it."""
    import hashlib

    from hocbaso.records.rendering import typst_revision

    xml = (DATA / "record-1.0.xml").read_bytes()
    pdf, _compiler = typst_revision(xml)
    assert hashlib.sha256(pdf).hexdigest()[:16] == "5ead25585ecd75dd"


def test_a_long_school_name_under_the_seal_stays_on_one_line(tmp_path):
    data = sample_record_data()
    long_name = "Trường Tiểu học và Trung học cơ sở Nguyễn Nghiêm số 2 Bình Sơn"
    data["signers"]["school"]["name"] = long_name
    rows = _text(data, tmp_path, layout=True).splitlines()
    assert any(long_name in row for row in rows)


@pytest.mark.parametrize("repeat", [16, 18, 20])
def test_no_section_heading_is_left_alone_at_the_foot_of_a_page(repeat, tmp_path):
    """A long address pushes "QUÁ TRÌNH HỌC TẬP" to the foot of page 1 (it was stranded there
    before headings were made sticky): every heading is followed on its page by its block."""
    data = sample_record_data()
    data["student"]["residence"] = " ".join(["Thôn Phú Long, thị trấn Châu Ổ,"] * repeat) + " tỉnh Quảng Ngãi"
    headings = ("1. ", "2. ", "3. ", "4. ", "5. ", "6. ", "QUÁ TRÌNH HỌC TẬP", "THÔNG TIN HỌC SINH")
    for page in _text(data, tmp_path, layout=True).split("\f"):
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        body = [line for line in lines if not line.startswith(("Mã phát hành", "Tra cứu", data["school"]["name"]))]
        assert not (body and body[-1].startswith(headings)), body[-1]

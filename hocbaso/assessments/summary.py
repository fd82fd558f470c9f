"""The class summary table (Bảng tổng hợp kết quả đánh giá giáo dục của lớp) for a point:
counts per subject, per quality and competency, score bands and (at year end) results — pure
over plain rows, and exported to .xlsx in the layout of the official forms for grades 1-2, 3
and 4-5 (the subject and test columns differ by grade).
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from hocbaso.core.xlsx_cells import put
from hocbaso.curriculum.catalogue import GradeCatalogue

SCORE_BANDS = (("Dưới 5", 0, 4), ("5-6", 5, 6), ("7-8", 7, 8), ("9-10", 9, 10))
RESULTS = (("htxs", "Hoàn thành xuất sắc"), ("htt", "Hoàn thành tốt"), ("ht", "Hoàn thành"), ("cht", "Chưa hoàn thành"))


@dataclass(frozen=True)
class StudentRow:
    """One student's values at the point: ``ratings`` by item code, ``scores`` by subject code."""

    student_id: int
    full_name: str
    ratings: dict[str, str]
    scores: dict[str, int | None]
    result: str = ""


@dataclass
class Summary:
    students: int
    ratings: dict[str, Counter[str]] = field(default_factory=dict)  # item code → letter → count
    bands: dict[str, Counter[str]] = field(default_factory=dict)  # subject code → band → count
    results: Counter[str] = field(default_factory=Counter)


def band_of(score: int) -> str:
    return next(label for label, low, high in SCORE_BANDS if low <= score <= high)


def summarise(catalogue: GradeCatalogue, point: str, rows: Sequence[StudentRow]) -> Summary:
    """Counts whose totals equal the sum of the student rows (students without a value are not counted)."""
    summary = Summary(students=len(rows))
    for item in catalogue.items:
        summary.ratings[item.code] = Counter(r.ratings[item.code] for r in rows if r.ratings.get(item.code))
        if item.kind == "subject" and catalogue.has_test(item.code, point):
            summary.bands[item.code] = Counter(band_of(s) for r in rows if (s := r.scores.get(item.code)) is not None)
    summary.results = Counter(r.result for r in rows if r.result)
    return summary


def export_xlsx(
    *, title: str, catalogue: GradeCatalogue, point: str, rows: Sequence[StudentRow], summary: Summary
) -> bytes:
    """One sheet per the official form: a row per student, then the totals rows."""
    subjects = catalogue.subjects
    competencies = catalogue.competencies
    tested = [s for s in subjects if catalogue.has_test(s.code, point)]
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = f"Lop {catalogue.grade}"
    put(sheet, 1, 1, "BẢNG TỔNG HỢP KẾT QUẢ ĐÁNH GIÁ GIÁO DỤC CỦA LỚP").font = Font(bold=True, size=13)
    put(sheet, 2, 1, title)
    header = (
        ["STT", "Họ và tên"]
        + [s.short for s in subjects]
        + [f"Điểm {s.short}" for s in tested]
        + [c.short for c in competencies]
    )
    if any(r.result for r in rows):
        header.append("Kết quả")
    thin = Side(style="thin", color="999999")
    for index, text in enumerate(header, start=1):
        cell = put(sheet, 4, index, text)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")
        cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
        sheet.column_dimensions[get_column_letter(index)].width = 28 if index == 2 else 7
    for offset, row in enumerate(rows, start=1):
        values: list[object] = [offset, row.full_name]
        values += [row.ratings.get(s.code, "") for s in subjects]
        values += [row.scores.get(s.code) for s in tested]
        values += [row.ratings.get(c.code, "") for c in competencies]
        if len(header) > len(values):
            values.append(dict(RESULTS).get(row.result, row.result))
        for index, value in enumerate(values, start=1):
            put(sheet, 4 + offset, index, value)
    line = 5 + len(rows) + 1
    put(sheet, line, 2, "TỔNG HỢP").font = Font(bold=True)
    for letters, scope in ((("T", "H", "C"), "Môn học"), (("T", "Đ", "C"), "Phẩm chất, năng lực")):
        for letter in letters:
            line += 1
            put(sheet, line, 2, f"{scope} — số học sinh mức {letter}")
            for index, item in enumerate([*subjects, *[None] * len(tested), *competencies], start=3):
                if item is None:
                    continue
                scale_ok = (item.kind == "subject") == (letters == ("T", "H", "C"))
                if scale_ok:
                    put(sheet, line, index, summary.ratings[item.code].get(letter, 0))
    for label, _low, _high in SCORE_BANDS:
        line += 1
        put(sheet, line, 2, f"Số bài điểm {label}")
        for index, subject in enumerate(tested, start=3 + len(subjects)):
            put(sheet, line, index, summary.bands[subject.code].get(label, 0))
    if summary.results:
        for code, label in RESULTS:
            line += 1
            put(sheet, line, 2, label)
            put(sheet, line, len(header), summary.results.get(code, 0))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

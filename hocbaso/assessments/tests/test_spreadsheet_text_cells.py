"""Names and comments that look like formulas stay text in every .xlsx the school downloads
(before issue 10, a student named ``=HYPERLINK(…)`` became a live link in the class summary)."""

from __future__ import annotations

import datetime as dt
import io

from django.urls import reverse
from openpyxl import load_workbook

from hocbaso.assessments import spreadsheets
from hocbaso.assessments.layout import Column
from hocbaso.core.tests.test_xlsx_cells import HOSTILE
from hocbaso.testing import enrol, make_student


def cells_holding(content: bytes, texts: list[str]) -> dict[str, tuple[str, bool]]:
    """For each text found in the first sheet: (its data type, its quote prefix)."""
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    return {c.value: (c.data_type, bool(c.quotePrefix)) for row in sheet.iter_rows() for c in row if c.value in texts}


def test_the_class_summary_export_writes_hostile_names_as_text(world, login) -> None:
    names = [n for n in HOSTILE if n.strip() == n]  # names are stored folded (no leading tab or line break)
    for name in names:
        enrol(make_student(world.school_a, name), world.class_3a)
    response = login("homeroom").get(reverse("assessments:summary", args=[world.class_3a.pk, "mid1"]) + "?format=xlsx")
    assert response.status_code == 200
    found = cells_holding(response.content, names)
    assert found == dict.fromkeys(names, ("s", True))


def test_the_import_template_writes_hostile_names_comments_and_titles_as_text() -> None:
    students = [spreadsheets.GridStudent(n, name, dt.date(2017, 3, 4)) for n, name in enumerate(HOSTILE[:4], start=1)]
    comment = Column("subject", "vietnamese", "comment", "Tiếng Việt")
    content = spreadsheets.build_template(
        title='=WEBSERVICE("http://example.invalid")',
        students=students,
        columns=[comment],
        existing={(1, comment.key): "\t=1+1", (2, comment.key): "-2+3", (3, comment.key): "Em đọc tốt."},
    )
    texts = [*HOSTILE[:4], "\t=1+1", "-2+3", '=WEBSERVICE("http://example.invalid")', "Em đọc tốt."]
    found = cells_holding(content, texts)
    assert found == {**dict.fromkeys(texts, ("s", True)), "Em đọc tốt.": ("s", False)}

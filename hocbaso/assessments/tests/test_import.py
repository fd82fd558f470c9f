"""Spreadsheet import: template → fill → preview → apply all or nothing."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from hocbaso.assessments import importing, spreadsheets
from hocbaso.assessments.models import AssessmentEntry


def filled(class_group, point: str = "year_end", bad: tuple[int, str, object] | None = None) -> bytes:  # type: ignore[no-untyped-def]
    """The class template with every cell filled; ``bad`` = (data row offset, column key, value)."""
    book = load_workbook(io.BytesIO(importing.template_for(class_group, point, "CN")))
    sheet = book.active
    keys = [c.value for c in sheet[spreadsheets.KEY_ROW]]
    for row in sheet.iter_rows(min_row=spreadsheets.FIRST_DATA_ROW):
        if row[1].value is None:
            continue
        for cell, key in zip(row, keys, strict=False):
            if not key or ":" not in str(key):
                continue
            _kind, _code, field = str(key).split(":")
            cell.value = {"rating": "T", "score": 9, "comment": "Em học tốt."}[field]
    if bad is not None:
        offset, key, value = bad
        sheet.cell(row=spreadsheets.FIRST_DATA_ROW + offset, column=keys.index(key) + 1, value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, class_group, content: bytes, name: str = "lop.xlsx"):  # type: ignore[no-untyped-def]
    return client.post(
        reverse("assessments:import", args=[class_group.pk, "year_end"]), {"file": SimpleUploadedFile(name, content)}
    )


def test_one_bad_cell_among_a_thousand_is_named_and_nothing_is_saved(big_class, login) -> None:
    content = filled(big_class, bad=(17, "subject:math:score", 8.5))
    client = login("homeroom")
    page = upload(client, big_class, content)
    html = page.content.decode()
    assert "1 lỗi" in html
    assert "không có phần thập phân" in html
    preview = importing.preview(
        by=big_class.appointments.first().staff.user,
        class_group=big_class,
        point="year_end",
        content=content,
        filename="lop.xlsx",
    )
    assert len(preview.cells) >= 1000
    [problem] = preview.errors
    assert problem.row == spreadsheets.FIRST_DATA_ROW + 17
    assert problem.code == "score_not_integer"
    assert problem.student_name == importing.class_students(big_class)[17].full_name
    assert AssessmentEntry.objects.count() == 0


def test_a_clean_file_applies_everything(big_class, login) -> None:
    client = login("homeroom")
    page = upload(client, big_class, filled(big_class))
    token = page.context["token"]
    done = client.post(
        reverse("assessments:import", args=[big_class.pk, "year_end"]), {"token": token, "filename": "lop.xlsx"}
    )
    assert done.status_code == 200
    assert "ô đã được lưu" in done.content.decode()
    subjects = 11  # grade 4: every subject and activity but the optional ones
    assert AssessmentEntry.objects.filter(item_kind="subject").count() == 30 * subjects
    assert AssessmentEntry.objects.filter(item_kind="subject", item_code="science").exclude(score=None).count() == 30
    assert set(AssessmentEntry.objects.values_list("updated_by", flat=True)) == {
        big_class.appointments.first().staff.user.pk
    }


@pytest.mark.parametrize(
    ("content", "name", "code_text"),
    [
        (b"%PDF-1.7 not a spreadsheet", "lop.xlsx", "không phải tệp Excel"),
        (b"", "lop.xlsx", "Tệp trống"),
        (b"PK\x03\x04" + b"\0" * (6 * 1024 * 1024), "lop.xlsx", "lớn hơn 5 MB"),
        (b"PK\x03\x04garbage", "lop.xlsx", "không phải tệp Excel"),
    ],
)
def test_whole_file_refusals(big_class, login, content: bytes, name: str, code_text: str) -> None:
    page = upload(login("homeroom"), big_class, content, name)
    assert code_text in page.content.decode()
    assert AssessmentEntry.objects.count() == 0


def test_missing_and_extra_columns(big_class) -> None:
    from openpyxl import Workbook

    user = big_class.appointments.first().staff.user
    good = load_workbook(io.BytesIO(importing.template_for(big_class, "year_end", "CN")))
    sheet = good.active
    sheet.delete_cols(6)  # drop one grid column
    out = io.BytesIO()
    good.save(out)
    with pytest.raises(spreadsheets.ImportRefused) as caught:
        importing.preview(by=user, class_group=big_class, point="year_end", content=out.getvalue(), filename="x.xlsx")
    assert caught.value.code == "import_missing_columns"

    extra = load_workbook(io.BytesIO(importing.template_for(big_class, "year_end", "CN")))
    sheet = extra.active
    sheet.cell(row=spreadsheets.KEY_ROW, column=sheet.max_column + 1, value="subject:astrology:rating")
    out = io.BytesIO()
    extra.save(out)
    with pytest.raises(spreadsheets.ImportRefused) as caught:
        importing.preview(by=user, class_group=big_class, point="year_end", content=out.getvalue(), filename="x.xlsx")
    assert caught.value.code == "import_extra_columns"

    blank = Workbook()
    out = io.BytesIO()
    blank.save(out)
    with pytest.raises(spreadsheets.ImportRefused) as caught:
        importing.preview(by=user, class_group=big_class, point="year_end", content=out.getvalue(), filename="x.xlsx")
    assert caught.value.code == "import_no_header"


def test_a_zip_bomb_is_refused_unread(big_class) -> None:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (80 * 1024 * 1024))
    assert len(out.getvalue()) < spreadsheets.MAX_BYTES
    with pytest.raises(spreadsheets.ImportRefused) as caught:
        importing.preview(
            by=big_class.appointments.first().staff.user,
            class_group=big_class,
            point="year_end",
            content=out.getvalue(),
            filename="bomb.xlsx",
        )
    assert caught.value.code == "import_too_large"  # stable since the first importer


def test_too_many_rows(big_class) -> None:
    book = load_workbook(io.BytesIO(importing.template_for(big_class, "year_end", "CN")))
    sheet = book.active
    for row in range(400, 400 + spreadsheets.MAX_ROWS):
        sheet.cell(row=row, column=3, value="x")
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(spreadsheets.ImportRefused) as caught:
        importing.preview(
            by=big_class.appointments.first().staff.user,
            class_group=big_class,
            point="year_end",
            content=out.getvalue(),
            filename="x.xlsx",
        )
    assert caught.value.code == "import_too_many_rows"


def test_template_lists_the_class(big_class, login) -> None:
    response = login("homeroom").get(reverse("assessments:import_template", args=[big_class.pk, "year_end"]))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    names = [
        sheet.cell(row=r, column=3).value for r in range(spreadsheets.FIRST_DATA_ROW, spreadsheets.FIRST_DATA_ROW + 30)
    ]
    assert names == [s.full_name for s in importing.class_students(big_class)]
    assert (
        login("principal_b").get(reverse("assessments:import_template", args=[big_class.pk, "year_end"])).status_code
        == 404
    )

"""A hostile spreadsheet uploaded to the import page is refused with a message, saves nothing and
leaves the server running (before issue 10 the 1.6 KB last-cell file aborted the process)."""

from __future__ import annotations

from django.core.files.storage import default_storage

from hocbaso.assessments import importing
from hocbaso.assessments.models import AssessmentEntry
from hocbaso.assessments.tests.test_import import filled, upload
from hocbaso.core.tests.crafted_xlsx import crafted_xlsx, last_cell_bomb, sheet


def stored_uploads() -> list[str]:
    if not default_storage.exists(importing.UPLOADS):
        return []
    return default_storage.listdir(importing.UPLOADS)[1]


def test_the_last_cell_file_is_refused_and_the_server_survives(big_class, login) -> None:
    before = stored_uploads()
    client = login("homeroom")
    page = upload(client, big_class, last_cell_bomb(), "bom.xlsx")
    assert page.status_code == 200
    assert "Tệp có hơn 300 dòng." in page.content.decode()
    assert "token" not in page.context
    assert AssessmentEntry.objects.count() == 0
    assert stored_uploads() == before
    # The same server process still reads a real file afterwards.
    after = upload(client, big_class, filled(big_class))
    assert after.context["preview"].ok


def test_a_shared_strings_claim_is_refused_before_reading(big_class, login) -> None:
    content = crafted_xlsx(
        sheet('<row r="1"><c r="A1" t="s"><v>0</v></c></row>'),
        shared_strings='<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="4000000000000" '
        'uniqueCount="4000000000000"><si><t>x</t></si></sst>',
    )
    page = upload(login("homeroom"), big_class, content, "strings.xlsx")
    html = page.content.decode()
    assert "4000000000000" in html and "100000" in html
    assert AssessmentEntry.objects.count() == 0


def test_an_ods_renamed_xlsx_is_refused(big_class, login) -> None:
    content = crafted_xlsx(sheet(""), extra={"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"})
    page = upload(login("homeroom"), big_class, content, "lop.ods")
    assert "Đây không phải tệp Excel .xlsx (lop.ods)." in page.content.decode()

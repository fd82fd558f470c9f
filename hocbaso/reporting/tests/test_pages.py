"""The dashboards, reports and API: who reads what (dated scope), and that no officer's answer
ever carries a child's name — pages, the .xlsx, the PDF and the API alike."""

from __future__ import annotations

import io
import json

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from hocbaso.audit.models import AuditEvent
from hocbaso.reporting import files
from hocbaso.reporting.models import ReportRun
from hocbaso.reporting.tests.data import Data, build
from hocbaso.testing import World

pytestmark = pytest.mark.django_db

CHILDREN = [
    "Nguyễn Văn An",
    "Trần Thị Bình",
    "Lê Văn Cường",
    "Đỗ Thị Giang",
    "Phạm Văn Dũng",
    "Vũ Thị Hoa",
    "Ngô Văn Lan",
    "Võ Thị Em",
]


@pytest.fixture
def data(world: World) -> Data:
    return build(world)


def _no_child(text: str) -> None:
    for name in CHILDREN:
        assert name not in text, name
        assert name.split()[-1] + " (" not in text


def _url(name: str, pk: int, query: str = "") -> str:
    return reverse(f"reporting:{name}", args=[pk]) + query


def test_province_officer_drills_down_to_a_class(data: Data, login) -> None:  # type: ignore[no-untyped-def]
    w = data.world
    client = login("province_officer")
    home = client.get("/")
    assert _url("unit", w.province.pk) in home.content.decode()
    page = client.get(_url("unit", w.province.pk, "?year=2025-2026&point=mid1"))
    text = page.content.decode()
    assert page.status_code == 200
    for name in ("Xã Bình Sơn", "Phường Cẩm Thành", w.school_a.name, w.school_b.name, "Trường Tiểu học Cẩm Thành"):
        assert name in text
    assert "<svg" in text and "181" in text  # cells expected in the province
    _no_child(text)
    commune = client.get(_url("unit", w.commune2.pk, "?year=2025-2026&point=mid1")).content.decode()
    assert w.school_b.name in commune and w.school_a.name not in commune
    school = client.get(_url("school", w.school_a.pk, "?year=2025-2026&point=mid1")).content.decode()
    assert _url("class", w.class_3a.pk) in school
    _no_child(school)
    klass = client.get(_url("class", w.class_3a.pk, "?point=mid1"))
    assert klass.status_code == 200
    _no_child(klass.content.decode())


def test_commune_officer_reads_only_their_commune(data: Data, login) -> None:  # type: ignore[no-untyped-def]
    w = data.world
    client = login("officer")
    assert client.get(_url("unit", w.commune1.pk)).status_code == 200
    assert client.get(_url("unit", w.commune2.pk)).status_code == 404
    assert client.get(_url("unit", w.province.pk)).status_code == 404
    assert client.get(_url("school", w.school_b.pk)).status_code == 404
    assert client.get(_url("class", w.class_b_3a.pk)).status_code == 404
    assert client.get(_url("class", data.class_4a.pk)).status_code == 404
    assert client.get(f"/api/v1/reports/schools/{w.school_b.pk}").status_code == 404
    assert client.get(f"/api/v1/reports/units/{w.commune2.pk}").json()["code"] == "not_found"
    assert client.get(f"/api/v1/reports/classes/{w.class_b_3a.pk}").status_code == 404
    assert client.post(_url("unit_generate", w.commune2.pk), {"year": "2025-2026"}).status_code == 404


def test_abolished_district_reads_only_the_years_before(data: Data, login) -> None:  # type: ignore[no-untyped-def]
    w, past = data.world, data.past
    client = login("district_officer")
    page = client.get(_url("unit", w.district.pk))
    assert page.status_code == 200 and w.school_a.name in page.content.decode()
    assert ">2025-2026<" not in page.content.decode()  # not offered
    assert client.get(_url("unit", w.district.pk, "?year=2025-2026")).status_code == 404
    assert client.get(_url("school", w.school_a.pk, "?year=2025-2026")).status_code == 404
    assert client.get(_url("school", w.school_a.pk, "?year=2024-2025")).status_code == 200
    assert client.get(_url("class", w.class_3a.pk)).status_code == 404
    assert client.get(_url("class", past.class_2a.pk)).status_code == 200
    assert client.get(f"/api/v1/reports/schools/{w.school_a.pk}?year=2025-2026").json()["code"] == "year_unknown"
    answer = client.get(f"/api/v1/reports/units/{w.district.pk}?year=2024-2025").json()
    assert answer["total"]["issued"] == 1 and [s["school_id"] for s in answer["schools"]] == [w.school_a.pk]


@pytest.mark.parametrize("persona", ["homeroom", "teacher", "clerk", "stranger", "former_homeroom"])
def test_teachers_and_others_are_refused(data: Data, login, persona: str) -> None:  # type: ignore[no-untyped-def]
    w = data.world
    client = login(persona)
    assert client.get(reverse("reporting:index")).status_code == 403
    assert client.get(_url("school", w.school_a.pk)).status_code == 403
    assert client.get(_url("class", w.class_3a.pk)).status_code == 403
    answer = client.get(f"/api/v1/reports/schools/{w.school_a.pk}")
    assert answer.status_code == 403 and answer.json()["code"] == "forbidden"


def test_principal_sees_their_school_with_classes(data: Data, login) -> None:  # type: ignore[no-untyped-def]
    w = data.world
    client = login("principal")
    assert client.get(reverse("reporting:index")).url == _url("school", w.school_a.pk)
    page = client.get(_url("school", w.school_a.pk, "?point=mid1")).content.decode()
    assert "3A" in page and "3B" in page
    assert client.get(_url("school", w.school_b.pk)).status_code == 404
    assert client.get(_url("unit", w.commune1.pk)).status_code == 404


def test_api_figures_match_the_hand_count(data: Data, login) -> None:  # type: ignore[no-untyped-def]
    w = data.world
    client = login("province_officer")
    answer = client.get(f"/api/v1/reports/units/{w.province.pk}?year=2025-2026&point=mid1")
    assert answer.status_code == 200
    body = answer.json()
    assert body["total"]["students"] == 7 and body["total"]["paper_schools"] == 1
    assert body["total"]["results"]["3"] == {"htxs": 1, "htt": 1, "ht": 1, "cht": 1}
    assert {c["unit"] for c in body["children"]} == {"Xã Bình Sơn", "Phường Cẩm Thành"}
    _no_child(answer.content.decode())
    school = client.get(f"/api/v1/reports/schools/{w.school_a.pk}?year=2025-2026&point=mid1").json()
    assert [c["class_name"] for c in school["classes"]] == ["3A", "3B"]
    assert school["window_open"] is True
    klass = client.get(f"/api/v1/reports/classes/{w.class_3a.pk}?point=mid1").json()
    assert klass["counts"]["cells_entered"] == 4
    assert client.get(f"/api/v1/reports/units/{w.province.pk}?point=summer").json()["code"] == "point_unknown"
    assert client.get(f"/api/v1/reports/units/{w.province.pk}?year=2019-2020").status_code == 404


def test_province_roll_up_is_built_and_downloaded(data: Data, login, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    w = data.world
    client = login("province_officer")
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(_url("unit_generate", w.province.pk), {"year": "2025-2026", "point": "mid1"})
    run = ReportRun.objects.get()
    assert answer.url == _url("run", run.pk)
    assert (run.state, run.done, run.total, run.kind) == ("finished", 3, 3, "unit_rollup")
    assert AuditEvent.objects.filter(action="report.start").count() == 1
    progress = client.get(_url("run", run.pk)).content.decode()
    assert "xlsx" in progress and "pdf" in progress
    xlsx = client.get(reverse("reporting:run_file", args=[run.pk, "xlsx"]))
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content if xlsx.streaming else [xlsx.content])))
    cells = [str(c) for sheet in book for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    _no_child(json.dumps(cells, ensure_ascii=False))
    assert "Tỉnh Quảng Ngãi" in cells[0] and "Phường Cẩm Thành" in " ".join(cells)
    pdf = client.get(reverse("reporting:run_file", args=[run.pk, "pdf"]))
    assert pdf.content.startswith(b"%PDF")
    # another commune's officer cannot follow or download it; the abolished district's neither
    for persona in ("officer", "district_officer", "principal"):
        other = login(persona, on=type(client)())
        assert other.get(_url("run", run.pk)).status_code == 404
        assert other.get(reverse("reporting:run_file", args=[run.pk, "pdf"])).status_code == 404


def test_school_summary_by_grade(data: Data, login, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    w = data.world
    client = login("principal")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_url("school_generate", w.school_a.pk), {"year": "2025-2026", "point": "year_end"})
    run = ReportRun.objects.get()
    book = load_workbook(io.BytesIO(files.read(run.xlsx_name, run.xlsx_sha256)))
    first = [row[0] for row in book.worksheets[0].iter_rows(values_only=True)]
    assert any(str(v).strip() == "Khối 3" for v in first) and any(str(v).strip() == "Lớp 3A" for v in first)
    results = list(book.worksheets[1].iter_rows(min_row=5, values_only=True))
    assert results == [(3, 1, 1, 0, 1)]
    # the commune's officer reads the school's summary; the other commune's does not
    assert login("officer", on=type(client)()).get(_url("run", run.pk)).status_code == 200
    assert login("officer2", on=type(client)()).get(_url("run", run.pk)).status_code == 404


def test_a_damaged_stored_report_is_refused(data: Data) -> None:
    name, digest = files.store(b"report", ".pdf")
    assert files.read(name, digest) == b"report"
    with pytest.raises(ValueError):
        files.read(name, "0" * 64)

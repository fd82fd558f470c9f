"""A school-year kept on paper: the summary data is still entered (grid, import, results, awards),
the paper book's pages print from the record template's paper mode — a real PDF with "BẢN GIẤY",
no embedded data, no signature fields — per student and per class in roll order, and nothing of
it can be assembled into a digital record. The digital output of the template is unchanged."""

from __future__ import annotations

import hashlib
import io
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from hocbaso.assessments import actions as assessment_actions
from hocbaso.assessments.models import AwardKind, StudentYear
from hocbaso.assessments.tests.test_import import filled
from hocbaso.core.errors import DomainError
from hocbaso.directory.models import SchoolYearSetting
from hocbaso.records import actions, paper, rendering, samples
from hocbaso.records.actions import assemble
from hocbaso.records.models import RecordVersion
from hocbaso.records.rendering import EmbeddedXmlMissing, extract_embedded_xml
from hocbaso.records.tests.conftest import fill_year, open_window
from hocbaso.records.xml import build_xml
from hocbaso.testing import World

pytestmark = pytest.mark.django_db


def on_paper(world: World) -> None:
    """Test setup: school A's 2025-2026 on paper (the officer's action is tested in signing)."""
    SchoolYearSetting.objects.create(school=world.school_a, school_year=world.year, paper_mode=True)


def text_of(pdf: bytes) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "pages.pdf"
        path.write_bytes(pdf)
        return subprocess.run(
            ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
        ).stdout


def assert_paper_print(pdf: bytes) -> PdfFileReader:
    """A real PDF, marked "BẢN GIẤY", carrying no form, no signature field and no record data."""
    assert pdf.startswith(b"%PDF-")
    reader = PdfFileReader(io.BytesIO(pdf), strict=True)
    assert "/AcroForm" not in reader.root
    assert b"/Sig" not in pdf and b"/FT" not in pdf
    assert "/EmbeddedFiles" not in reader.root.get("/Names", {})
    with pytest.raises(EmbeddedXmlMissing):
        extract_embedded_xml(pdf)
    text = text_of(pdf)
    assert "BẢN GIẤY" in text and "Bản giấy" in text
    assert "Mã phát hành" not in text and "/verify/" not in text
    return reader


def test_a_paper_school_enters_its_summary_through_the_grid_and_the_import(world: World) -> None:
    on_paper(world)
    open_window(world)
    fill_year(world, "an")  # the grid's save_cells, then the year results
    an_year = StudentYear.objects.get(student=world.students["an"])
    assert an_year.result in {"htxs", "htt"}

    saved = assessment_actions.apply(
        by=world.users["homeroom"],
        class_group=world.class_3a,
        point="year_end",
        content=filled(world.class_3a),
        filename="a.xlsx",
    )
    assert saved > 0
    assessment_actions.compute_year_results(by=world.users["homeroom"], class_group=world.class_3a)
    binh = StudentYear.objects.get(student=world.students["binh"])
    assert binh.result in {"htxs", "htt"}
    award = assessment_actions.grant_award(
        by=world.users["principal"], student_year=an_year, kind=AwardKind.AD_HOC, title="Giải Nhì Viết chữ đẹp"
    )
    assert award.pk is not None

    pages = paper.student_pages(world.students["binh"], world.class_3a)
    text = text_of(pages)
    assert "TRẦN THỊ BÌNH" in text and "Hoàn thành chương trình lớp 3" in text
    assert "Em học tốt." in text  # the comment imported
    assert "Giải Nhì Viết chữ đẹp" in text_of(paper.student_pages(world.students["an"], world.class_3a))


def test_the_class_prints_in_roll_order_in_one_pdf_without_signature_fields(world: World) -> None:
    on_paper(world)
    open_window(world)
    fill_year(world, "an")  # Bình has nothing entered: her page prints blank for the pen
    pdf, students = paper.class_pages(world.class_3a)
    assert [s.full_name for s in students] == ["Nguyễn Văn An", "Trần Thị Bình"]
    reader = assert_paper_print(pdf)
    one = paper.student_pages(world.students["an"], world.class_3a)
    assert int(reader.root["/Pages"]["/Count"]) == 2 * rendering.page_count(one)
    text = text_of(pdf)
    assert text.index("NGUYỄN VĂN AN") < text.index("TRẦN THỊ BÌNH")
    assert text.count("Xác nhận của nhà trường") == 2 and "(Đóng dấu của nhà trường)" in text
    assert "Chữ ký số" not in text


def test_a_student_prints_alone_with_the_book_number_recorded(world: World) -> None:
    on_paper(world)
    actions.record_paper_books(
        by=world.users["clerk"],
        class_group=world.class_3a,
        signed_on=world.year.start_date,
        homeroom_name="Homeroom",
        principal_name="Principal",
        principal_title="Hiệu trưởng",
        books={world.students["an"].pk: "017/TH-A"},
    )
    pdf = paper.student_pages(world.students["an"], world.class_3a)
    assert_paper_print(pdf)
    assert "017/TH-A" in text_of(pdf)


def test_a_digital_year_prints_no_paper_pages(world: World) -> None:
    with pytest.raises(DomainError) as refused:
        paper.class_pages(world.class_3a)
    assert refused.value.code == "paper_print_not_paper_year"
    with pytest.raises(DomainError):
        paper.student_pages(world.students["an"], world.class_3a)


def test_a_paper_year_is_never_assembled_into_a_digital_record(world: World) -> None:
    on_paper(world)
    open_window(world)
    fill_year(world, "an")
    with pytest.raises(DomainError) as one:
        assemble(by=world.users["homeroom"], student=world.students["an"], class_group=world.class_3a)
    assert one.value.code == "paper_year_assembly"
    scopes: tuple[dict[str, Any], ...] = ({"class_group": world.class_3a}, {})
    for kwargs in scopes:
        with pytest.raises(DomainError) as run:
            actions.start_assembly(by=world.users["principal"], school=world.school_a, school_year=world.year, **kwargs)
        assert run.value.code == "paper_year_assembly"
    assert not RecordVersion.objects.exists()


# The digital record's rendering is frozen (docs/record-format.md §1: verification re-renders the
# XML and compares bytes). These are the SHA-256 of the Typst output of the sample records as
# rendered by record.typ before its paper mode existed: the paper branches must change nothing.
FROZEN = {
    ("sample_record_data", "final"): "037f1975afbab552dcc897b7968251c0c222a11e35e406b3715a108c0b7d0f06",
    ("sample_record_data", "draft"): "0e1a30721051419204c349a29b61b52ed166ea627caa87d86ef9a5198565b9f9",
    ("sample_remediated_data", "final"): "ec9b94fd0fc064bbcfaa706e534fcca7672393f07ea38d8dd0b9f5b20d4a3b60",
    ("sample_individual_plan_data", "final"): "394b09497fb8de0f3b23de7e8dc0d43cdaa8671963187484fa44e6a8afa7b404",
}


@pytest.mark.parametrize(("sample", "status"), sorted(FROZEN))
def test_the_digital_rendering_is_unchanged_by_the_paper_mode(sample: str, status: str) -> None:
    data = {**getattr(samples, sample)(), "status": status}
    pdf, _compiler = rendering.typst_revision(build_xml(data))
    assert hashlib.sha256(pdf).hexdigest() == FROZEN[(sample, status)]

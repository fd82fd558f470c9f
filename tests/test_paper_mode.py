"""Paper mode across the layers: a paper print is never taken for a digital record by the public
verifier (no record data, no signature), and reports can count paper schools apart
(``directory.paper.paper_school_years``)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from hocbaso.directory.models import SchoolYear, SchoolYearSetting
from hocbaso.directory.paper import paper_school_ids, paper_school_years
from hocbaso.directory.roles import Permission, schools_where
from hocbaso.records import paper
from hocbaso.testing import World
from tests.test_access_matrix import _trusted_root

pytestmark = pytest.mark.django_db


def test_a_paper_print_is_never_verified_as_a_record(world: World, client: Any, settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.HOCBASO_TRUSTED_ROOTS = str(_trusted_root(tmp_path))
    SchoolYearSetting.objects.create(school=world.school_a, school_year=world.year, paper_mode=True)
    pdf, _students = paper.class_pages(world.class_3a)
    one = paper.student_pages(world.students["an"], world.class_3a)
    for document in (pdf, one):
        answer = client.post("/api/v1/verify/file", {"document": SimpleUploadedFile("hocba.pdf", document)})
        assert answer.status_code == 200
        body = answer.json()
        assert (body["outcome"], body["reason"]) == ("invalid", "signature_missing"), body
        page = client.post("/verify", {"document": SimpleUploadedFile("hocba.pdf", document)})
        assert "Không hợp lệ" in page.content.decode()


def test_reports_count_paper_schools_apart(world: World) -> None:
    older = SchoolYear.objects.create(
        code="2024-2025",
        start_date=world.year.start_date.replace(year=2024),
        end_date=world.year.end_date.replace(year=2025),
        mid_term1_date=world.year.mid_term1_date.replace(year=2024),
        end_term1_date=world.year.end_term1_date.replace(year=2025),
        mid_term2_date=world.year.mid_term2_date.replace(year=2025),
        year_end_date=world.year.year_end_date.replace(year=2025),
        mid_term1_deadline=world.year.mid_term1_deadline.replace(year=2024),
        end_term1_deadline=world.year.end_term1_deadline.replace(year=2025),
        mid_term2_deadline=world.year.mid_term2_deadline.replace(year=2025),
        year_end_deadline=world.year.year_end_deadline.replace(year=2025),
    )
    SchoolYearSetting.objects.create(school=world.school_a, school_year=world.year, paper_mode=True)
    SchoolYearSetting.objects.create(school=world.school_b, school_year=world.year, paper_mode=False)
    SchoolYearSetting.objects.create(school=world.school_b, school_year=older, paper_mode=True)
    assert [(s.school.code, s.school_year.code) for s in paper_school_years()] == [
        ("A1", "2025-2026"),
        ("B1", "2024-2025"),
    ]
    assert paper_school_ids(world.year) == {world.school_a.pk}
    # within an officer's scope: commune 2's officer sees school B only
    scope = schools_where(world.users["officer2"], Permission.VIEW_SCHOOL)
    assert [s.school.code for s in paper_school_years(schools=scope)] == ["B1"]
    assert not paper_school_years(school_year=world.year, schools=scope).exists()

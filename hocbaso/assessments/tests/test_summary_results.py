"""Class summary totals equal the sum of the student rows; year results and remediation."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from hocbaso.assessments import actions
from hocbaso.assessments.catalogue import catalogue_for_class
from hocbaso.assessments.models import Award, StudentYear
from hocbaso.core.errors import DomainError


def fill(
    world, student_key: str, *, rating: str = "T", score: int = 9, point: str = "year_end", change: dict | None = None
) -> None:  # type: ignore[no-untyped-def]
    catalogue = catalogue_for_class(world.class_3a)
    student = world.students[student_key].pk
    writes = []
    for item in catalogue.items:
        if item.optional:
            continue
        value = rating if item.kind == "subject" else ("T" if rating == "T" else "Đ")
        writes.append(actions.CellWrite(student, item.kind, item.code, "rating", (change or {}).get(item.code, value)))
        if catalogue.has_test(item.code, point):
            writes.append(
                actions.CellWrite(
                    student, item.kind, item.code, "score", (change or {}).get(f"{item.code}:score", score)
                )
            )
    actions.save_cells(by=world.users["homeroom"], class_group=world.class_3a, point=point, writes=writes)


@pytest.fixture
def open_year(world):  # type: ignore[no-untyped-def]
    for point in ("year_end", "summer"):
        actions.set_window(
            by=world.users["principal"], school=world.school_a, school_year=world.year, point=point, open_=True
        )
    return world


def test_results_remediation_and_awards(open_year, login) -> None:
    world = open_year
    fill(world, "an", score=10)
    fill(world, "binh", rating="H", change={"math:score": 3})
    computed = {
        c.student_id: c.result
        for c in actions.compute_year_results(by=world.users["homeroom"], class_group=world.class_3a)
    }
    assert computed == {world.students["an"].pk: "htxs", world.students["binh"].pk: "cht"}
    assert Award.objects.get(student=world.students["an"]).title == "Học sinh Xuất sắc"

    binh = StudentYear.objects.get(student=world.students["binh"])
    with pytest.raises(DomainError) as caught:
        actions.decide_promotion(by=world.users["principal"], student_year=binh, decision="promoted")
    assert caught.value.code == "decision_not_needed"  # no summer re-assessment yet

    actions.save_cells(
        by=world.users["homeroom"],
        class_group=world.class_3a,
        point="summer",
        writes=[actions.CellWrite(world.students["binh"].pk, "subject", "math", "score", 4)],
    )
    actions.compute_year_results(by=world.users["homeroom"], class_group=world.class_3a)
    binh.refresh_from_db()
    assert (binh.first_result, binh.result, binh.remediation_done) == ("cht", "cht", True)
    with pytest.raises(DomainError):
        actions.decide_promotion(by=world.users["homeroom"], student_year=binh, decision="promoted")
    page = login("principal").post(
        reverse("assessments:results", args=[world.class_3a.pk]), {"decide": binh.pk, "decision": "promoted"}
    )
    assert page.status_code == 200
    binh.refresh_from_db()
    assert binh.decision == "promoted" and binh.decided_by == world.users["principal"] and binh.decided_at

    actions.save_cells(
        by=world.users["homeroom"],
        class_group=world.class_3a,
        point="summer",
        writes=[actions.CellWrite(world.students["binh"].pk, "subject", "math", "score", 6)],
    )
    actions.compute_year_results(by=world.users["homeroom"], class_group=world.class_3a)
    binh.refresh_from_db()
    assert (binh.first_result, binh.result) == ("cht", "ht")  # the first result is kept


def test_missing_cell_blocks_with_the_cell_named(open_year) -> None:
    fill(open_year, "an", change={"music": ""})
    outcome = actions.compute_year_results(by=open_year.users["homeroom"], class_group=open_year.class_3a)
    blocked = {o.student_id: o.missing for o in outcome}
    assert any("Âm nhạc" in m for m in blocked[open_year.students["an"].pk])
    assert not StudentYear.objects.filter(student=open_year.students["an"]).exists()


def test_summary_totals_equal_student_rows(open_year, login) -> None:
    fill(open_year, "an", score=10)
    fill(open_year, "binh", rating="H", score=6)
    client = login("homeroom")
    page = client.get(reverse("assessments:summary", args=[open_year.class_3a.pk, "year_end"]))
    assert page.status_code == 200
    export = client.get(reverse("assessments:summary", args=[open_year.class_3a.pk, "year_end"]) + "?format=xlsx")
    # cells are typed by their content (numbers, texts, dates); these rows hold numbers and texts
    rows: list[list[Any]] = CalamineWorkbook.from_filelike(io.BytesIO(export.content)).get_sheet_by_index(0).to_python()
    header = rows[3]
    students = rows[4:6]
    math = header.index("Toán")
    assert sorted(r[math] for r in students) == ["H", "T"]
    totals = {r[1][-1]: r for r in rows if isinstance(r[1], str) and r[1].startswith("Môn học — số học sinh mức")}
    assert totals["T"][math] + totals["H"][math] + totals["C"][math] == len(students)
    assert (totals["T"][math], totals["H"][math]) == (1, 1)
    bands = {r[1]: r for r in rows if isinstance(r[1], str) and r[1].startswith("Số bài điểm")}
    score_column = header.index("Điểm Toán")
    assert sum(bands[label][score_column] for label in bands) == len(students)
    assert bands["Số bài điểm 9-10"][score_column] == 1 and bands["Số bài điểm 5-6"][score_column] == 1

"""Refused writes: a precise Vietnamese message in the grid, a stable code in the API, and
nothing stored ("saved" is never shown for them)."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from hocbaso.assessments import actions
from hocbaso.assessments.models import AssessmentEntry, EntryChange
from hocbaso.directory.models import ClassGroup, Role
from hocbaso.testing import appoint, enrol, make_student


@pytest.fixture
def open_world(world):  # type: ignore[no-untyped-def]
    for point in ("mid1", "end1", "mid2", "year_end"):
        actions.set_window(
            by=world.users["principal"], school=world.school_a, school_year=world.year, point=point, open_=True
        )
    grade2 = ClassGroup.objects.create(school=world.school_a, school_year=world.year, grade=2, name="2A")
    world.students["em"] = make_student(world.school_a, "Đỗ Thị Em")
    enrol(world.students["em"], grade2)
    appoint(world.users["homeroom"], Role.HOMEROOM_TEACHER, class_group=grade2)
    world.class_2a = grade2
    return world


CASES = [
    # (persona, class attr, student key, point, kind, code, field, value, code, Vietnamese fragment)
    (
        "homeroom",
        "class_3a",
        "an",
        "end1",
        "subject",
        "math",
        "score",
        "8.5",
        "score_not_integer",
        "không có phần thập phân",
    ),
    ("homeroom", "class_3a", "an", "end1", "subject", "math", "score", "11", "score_out_of_range", "từ 0 đến 10"),
    ("homeroom", "class_3a", "an", "end1", "subject", "math", "score", "-1", "score_out_of_range", "từ 0 đến 10"),
    (
        "homeroom",
        "class_3a",
        "an",
        "end1",
        "subject",
        "science",
        "score",
        "9",
        "subject_not_in_grade",
        "không được đánh giá ở lớp 3",
    ),
    (
        "homeroom",
        "class_2a",
        "em",
        "mid1",
        "subject",
        "math",
        "score",
        "9",
        "score_cell_not_in_matrix",
        "không có bài kiểm tra định kì",
    ),
    ("homeroom", "class_3a", "an", "end1", "subject", "math", "rating", "X", "rating_invalid", "không hợp lệ"),
    (
        "teacher",
        "class_3b",
        "cuong",
        "end1",
        "subject",
        "math",
        "rating",
        "T",
        "not_your_subject",
        "Bạn không dạy môn Toán",
    ),
    # a class the teacher does not teach is out of their scope altogether: 404, nothing revealed
    (
        "teacher",
        "class_3a",
        "an",
        "end1",
        "subject",
        "foreign_language_1",
        "rating",
        "T",
        "not_found",
        "Không tìm thấy",
    ),
]


@pytest.mark.parametrize(
    ("persona", "klass", "student", "point", "kind", "code", "field", "value", "error", "vietnamese"), CASES
)
def test_refused_in_grid_and_api(
    open_world, login, persona, klass, student, point, kind, code, field, value, error, vietnamese
) -> None:  # type: ignore[no-untyped-def]
    class_group = getattr(open_world, klass)
    student_id = open_world.students[student].pk
    client = login(persona)

    page = client.post(
        reverse("assessments:cell", args=[class_group.pk, point]),
        {"student": student_id, "kind": kind, "code": code, "field": field, "value": value},
    )
    html = page.content.decode()
    assert page.status_code in (403, 404, 422)
    assert vietnamese in html
    assert "Đã lưu" not in html

    api = client.put(
        f"/api/v1/classes/{class_group.pk}/assessments/{point}",
        data=json.dumps(
            {"cells": [{"student_id": student_id, "kind": kind, "code": code, "field": field, "value": value}]}
        ),
        content_type="application/json",
    )
    body = api.json()
    codes = [e["code"] for e in body.get("errors", [])] or [body["code"]]
    assert api.status_code in (400, 403, 404)
    assert error in codes
    assert AssessmentEntry.objects.count() == 0
    assert EntryChange.objects.count() == 0


def test_closed_window_refuses_every_write(open_world, login) -> None:
    actions.set_window(
        by=open_world.users["principal"],
        school=open_world.school_a,
        school_year=open_world.year,
        point="end1",
        open_=False,
    )
    client = login("homeroom")
    page = client.post(
        reverse("assessments:cell", args=[open_world.class_3a.pk, "end1"]),
        {"student": open_world.students["an"].pk, "kind": "subject", "code": "math", "field": "rating", "value": "T"},
    )
    assert page.status_code == 409
    assert "đã khóa nhập liệu" in page.content.decode()
    api = client.put(
        f"/api/v1/classes/{open_world.class_3a.pk}/assessments/end1",
        data=json.dumps(
            {
                "cells": [
                    {
                        "student_id": open_world.students["an"].pk,
                        "kind": "subject",
                        "code": "math",
                        "field": "rating",
                        "value": "T",
                    }
                ]
            }
        ),
        content_type="application/json",
    )
    assert api.status_code == 409
    assert api.json()["code"] == "window_closed"
    assert AssessmentEntry.objects.count() == 0


def test_one_bad_cell_in_a_batch_saves_nothing(open_world, login) -> None:
    an, binh = open_world.students["an"].pk, open_world.students["binh"].pk
    cells = [
        {"student_id": an, "kind": "subject", "code": "math", "field": "rating", "value": "T"},
        {"student_id": binh, "kind": "subject", "code": "math", "field": "score", "value": 8.5},
    ]
    api = login("homeroom").put(
        f"/api/v1/classes/{open_world.class_3a.pk}/assessments/end1",
        data=json.dumps({"cells": cells}),
        content_type="application/json",
    )
    assert api.status_code == 400
    assert [e["field"] for e in api.json()["errors"]] == [f"{binh}:subject:math:score"]
    assert AssessmentEntry.objects.count() == 0


def test_saved_cells_record_history_and_retests(open_world, login) -> None:
    client = login("homeroom")
    url = reverse("assessments:cell", args=[open_world.class_3a.pk, "end1"])
    an = open_world.students["an"].pk
    for value in ("4", "7"):
        response = client.post(
            url, {"student": an, "kind": "subject", "code": "math", "field": "score", "value": value}
        )
        assert response.status_code == 200
        assert "Đã lưu" in response.content.decode()
    entry = AssessmentEntry.objects.get(student_id=an, item_code="math", point="end1")
    assert entry.score == 7
    assert [(c.old, c.new, c.channel) for c in entry.changes.all()] == [("", "4", "grid"), ("4", "7", "grid")]


def test_subject_teacher_writes_their_subject(open_world, login) -> None:
    client = login("teacher")
    response = client.post(
        reverse("assessments:cell", args=[open_world.class_3b.pk, "end1"]),
        {
            "student": open_world.students["cuong"].pk,
            "kind": "subject",
            "code": "foreign_language_1",
            "field": "score",
            "value": "9",
        },
    )
    assert response.status_code == 200
    assert AssessmentEntry.objects.get().score == 9


def test_api_reads_back(open_world, login) -> None:
    client = login("homeroom")
    an = open_world.students["an"].pk
    client.put(
        f"/api/v1/classes/{open_world.class_3a.pk}/assessments/end1",
        data=json.dumps(
            {"cells": [{"student_id": an, "kind": "competency", "code": "honesty", "field": "rating", "value": "đ"}]}
        ),
        content_type="application/json",
    )
    body = client.get(f"/api/v1/classes/{open_world.class_3a.pk}/assessments/end1").json()
    assert body["cells"] == [
        {"student_id": an, "kind": "competency", "code": "honesty", "rating": "Đ", "score": None, "comment": ""}
    ]
    assert login("principal_b").get(f"/api/v1/classes/{open_world.class_3a.pk}/assessments/end1").status_code == 404


def test_api_needs_authentication(open_world, client) -> None:  # type: ignore[no-untyped-def]
    assert client.get(f"/api/v1/classes/{open_world.class_3a.pk}/assessments/end1").status_code == 401


def test_student_history_page(open_world, login) -> None:
    client = login("homeroom")
    an = open_world.students["an"].pk
    for value in ("4", "7"):
        client.post(
            reverse("assessments:cell", args=[open_world.class_3a.pk, "end1"]),
            {"student": an, "kind": "subject", "code": "math", "field": "score", "value": value},
        )
    page = client.get(reverse("assessments:history", args=[an]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Toán" in html and "4 → 7" in html and "∅ → 4" in html
    assert login("principal_b").get(reverse("assessments:history", args=[an])).status_code == 404


def test_comment_bank_edited_by_teachers(open_world, login) -> None:
    from hocbaso.assessments.models import CommentBank

    url = reverse("assessments:comment_bank", args=[open_world.school_a.pk])
    client = login("teacher")
    assert client.post(url, {"item_code": "math", "text": "Tính toán nhanh, chính xác."}).status_code == 302
    comment = CommentBank.objects.get()
    assert comment.text == "Tính toán nhanh, chính xác."
    assert client.post(url, {"delete": comment.pk}).status_code == 302
    assert not CommentBank.objects.exists()
    assert login("principal_b").get(url).status_code == 404

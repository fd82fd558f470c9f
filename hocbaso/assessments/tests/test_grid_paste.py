"""A block pasted into the grid is saved cell by cell, refused cells named; one undo puts the
previous values back; a refused single cell keeps the stored value and its accessible name."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from hocbaso.assessments import actions
from hocbaso.assessments.models import AssessmentEntry, EntryChange


@pytest.fixture
def end1_open(world):  # type: ignore[no-untyped-def]
    actions.set_window(
        by=world.users["principal"], school=world.school_a, school_year=world.year, point="end1", open_=True
    )
    return world


def _post(client, class_group, body, point="end1"):  # type: ignore[no-untyped-def]
    return client.post(
        reverse("assessments:cells", args=[class_group.pk, point]), json.dumps(body), content_type="application/json"
    )


def _stored(student, code: str, field: str, point: str = "end1"):  # type: ignore[no-untyped-def]
    entry = AssessmentEntry.objects.filter(student=student, item_code=code, point=point).first()
    return getattr(entry, field) if entry else None


def _students(world):  # type: ignore[no-untyped-def]
    from hocbaso.core.collation import sort_students

    return sort_students([world.students["an"], world.students["binh"]])


def test_a_pasted_block_is_saved_cell_by_cell_and_refusals_are_named(end1_open, login) -> None:  # type: ignore[no-untyped-def]
    world = end1_open
    first, second = _students(world)
    client = login("homeroom")
    response = _post(
        client,
        world.class_3a,
        {
            "text": "t\t9\r\nH\t8.5\r\nC\t7\r\n",  # a third row below the last student
            "students": [first.pk, second.pk],
            "columns": ["subject:math:rating", "subject:math:score"],
        },
    )
    assert response.status_code == 200
    answer = response.json()
    assert {one["key"]: one["value"] for one in answer["saved"]} == {
        f"{first.pk}:subject:math:rating": "T",
        f"{first.pk}:subject:math:score": 9,
        f"{second.pk}:subject:math:rating": "H",
    }
    [refused] = answer["refused"]
    assert refused["key"] == f"{second.pk}:subject:math:score"
    assert refused["code"] == "score_not_integer" and refused["value"] == "8.5"
    assert "không có phần thập phân" in refused["message"]
    assert answer["outside"] == 2
    assert (_stored(first, "math", "rating"), _stored(first, "math", "score")) == ("T", 9)
    assert _stored(second, "math", "score") is None


def test_undo_puts_the_previous_values_back(end1_open, login) -> None:  # type: ignore[no-untyped-def]
    world = end1_open
    first, second = _students(world)
    client = login("homeroom")
    _post(client, world.class_3a, {"text": "H", "students": [first.pk], "columns": ["subject:math:rating"]})
    answer = _post(
        client,
        world.class_3a,
        {"text": "T\nT", "students": [first.pk, second.pk], "columns": ["subject:math:rating"]},
    ).json()
    befores = {one["key"]: one["before"] for one in answer["saved"]}
    assert befores == {f"{first.pk}:subject:math:rating": "H", f"{second.pk}:subject:math:rating": ""}
    undo = [
        {"student": key.split(":")[0], "kind": "subject", "code": "math", "field": "rating", "value": before}
        for key, before in befores.items()
    ]
    assert _post(client, world.class_3a, {"writes": undo}).status_code == 200
    assert (_stored(first, "math", "rating"), _stored(second, "math", "rating")) == ("H", "")
    # every step is in the cell's history, with who and the channel
    changes = EntryChange.objects.filter(entry__student=first, entry__item_code="math", field="rating")
    assert [(c.old, c.new, c.channel) for c in changes] == [("", "H", "grid"), ("H", "T", "grid"), ("T", "H", "grid")]


def test_a_paste_cannot_reach_beyond_the_writers_scope(end1_open, login) -> None:  # type: ignore[no-untyped-def]
    """A subject teacher pastes over another subject's column and a student of another class:
    each such cell is refused by name, the rest is saved."""
    world = end1_open
    cuong, an = world.students["cuong"], world.students["an"]
    client = login("teacher")  # Ngoại ngữ 1 in 3B
    answer = _post(
        client,
        world.class_3b,
        {
            "text": "T\tT\nT\tT",
            "students": [cuong.pk, an.pk],
            "columns": ["subject:foreign_language_1:rating", "subject:math:rating"],
        },
    ).json()
    assert [one["key"] for one in answer["saved"]] == [f"{cuong.pk}:subject:foreign_language_1:rating"]
    codes = {one["key"]: one["code"] for one in answer["refused"]}
    assert codes[f"{cuong.pk}:subject:math:rating"] == "not_your_subject"
    assert codes[f"{an.pk}:subject:foreign_language_1:rating"] == "student_not_in_class"
    assert _stored(cuong, "math", "rating") is None and _stored(an, "foreign_language_1", "rating") is None
    # another class altogether is not found at all
    other = _post(client, world.class_3a, {"text": "T", "students": [an.pk], "columns": ["subject:math:rating"]})
    assert other.status_code == 404


def test_a_closed_window_refuses_the_whole_paste(world, login) -> None:  # type: ignore[no-untyped-def]
    an = world.students["an"]
    response = _post(
        login("homeroom"), world.class_3a, {"text": "T", "students": [an.pk], "columns": ["subject:math:rating"]}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "window_closed"
    assert _stored(an, "math", "rating") is None


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"not json", 400, "invalid"),
        (b"[1, 2]", 400, "invalid"),
        (
            json.dumps({"writes": [{"student": "x", "kind": "subject", "code": "math", "field": "rating"}]}),
            400,
            "invalid",
        ),
        (json.dumps({"writes": ["T"]}), 400, "invalid"),
        (json.dumps({"text": "T\n" * 201, "students": [], "columns": []}), 422, "paste_too_large"),
    ],
)
def test_unreadable_batches_are_refused(end1_open, login, body, status, code) -> None:  # type: ignore[no-untyped-def]
    response = login("homeroom").post(
        reverse("assessments:cells", args=[end1_open.class_3a.pk, "end1"]), body, content_type="application/json"
    )
    assert response.status_code == status
    assert response.json()["code"] == code
    assert not AssessmentEntry.objects.exists()


def test_a_refused_cell_keeps_the_stored_value_and_its_name(end1_open, login) -> None:  # type: ignore[no-untyped-def]
    world = end1_open
    an = world.students["an"]
    client = login("homeroom")
    url = reverse("assessments:cell", args=[world.class_3a.pk, "end1"])
    fields = {"student": an.pk, "kind": "subject", "code": "vietnamese", "field": "score"}
    saved = client.post(url, {**fields, "value": "7"})
    assert saved.status_code == 200
    html = saved.content.decode()
    assert 'aria-label="Tiếng Việt — điểm kiểm tra định kì — Nguyễn Văn An"' in html
    assert 'data-saved="7"' in html and "vietnamese rating" not in html
    refused = client.post(url, {**fields, "value": "11"})
    assert refused.status_code == 422
    html = refused.content.decode()
    assert 'value="11"' in html  # what was typed, shown as refused
    assert 'data-saved="7"' in html  # the stored value, counted and restorable
    assert 'aria-invalid="true"' in html and "↺ 7" in html
    assert 'aria-label="Tiếng Việt — điểm kiểm tra định kì — Nguyễn Văn An"' in html
    assert _stored(an, "vietnamese", "score") == 7

"""Days absent, height, weight and the general comment: the rules (table-driven), the all-or-nothing
action with its audit, and the class page a homeroom teacher fills in."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from hocbaso.assessments import actions, year_details
from hocbaso.assessments.models import StudentYear
from hocbaso.audit.models import AuditEvent
from hocbaso.core.errors import InvalidInput, PermissionRefused, ValidationFailed


@pytest.mark.parametrize(
    ("parser", "typed", "stored"),
    [
        (year_details.parse_days_absent, "0", 0),
        (year_details.parse_days_absent, " 12 ", 12),
        (year_details.parse_days_absent, "", None),
        (year_details.parse_height, "128", 128),
        (year_details.parse_height, "", None),
        (year_details.parse_weight, "25,5", Decimal("25.5")),
        (year_details.parse_weight, "31", Decimal("31.0")),
        (year_details.parse_weight, "", None),
        (year_details.parse_comment, "  Em ngoan, chăm học.  ", "Em ngoan, chăm học."),
    ],
)
def test_accepted_values(parser, typed, stored) -> None:  # type: ignore[no-untyped-def]
    assert parser(typed) == stored


@pytest.mark.parametrize(
    ("parser", "typed", "code"),
    [
        (year_details.parse_days_absent, "1.5", "days_absent_invalid"),
        (year_details.parse_days_absent, "-1", "days_absent_invalid"),
        (year_details.parse_days_absent, "200", "days_absent_invalid"),
        (year_details.parse_days_absent, "ba", "days_absent_invalid"),
        (year_details.parse_height, "128.5", "height_invalid"),
        (year_details.parse_height, "20", "height_invalid"),
        (year_details.parse_height, "1280", "height_invalid"),
        (year_details.parse_weight, "25.55", "weight_invalid"),
        (year_details.parse_weight, "abc", "weight_invalid"),
        (year_details.parse_weight, "NaN", "weight_invalid"),
        (year_details.parse_weight, "500", "weight_invalid"),
        (year_details.parse_comment, "x" * 1001, "general_comment_too_long"),
    ],
)
def test_refused_values(parser, typed, code) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationFailed) as refused:
        parser(typed)
    assert refused.value.code == code


@pytest.mark.django_db
def test_one_wrong_value_saves_nothing_and_names_the_cell(world) -> None:  # type: ignore[no-untyped-def]
    an, binh = world.students["an"].pk, world.students["binh"].pk
    with pytest.raises(InvalidInput) as refused:
        actions.save_year_details(
            by=world.users["homeroom"],
            class_group=world.class_3a,
            rows={an: {"days_absent": "2", "height_cm": "130"}, binh: {"weight_kg": "25.55"}},
        )
    assert [(e.code, e.field) for e in refused.value.errors] == [("weight_invalid", f"{binh}:weight_kg")]
    assert not StudentYear.objects.filter(days_absent__isnull=False).exists()

    changed = actions.save_year_details(
        by=world.users["homeroom"],
        class_group=world.class_3a,
        rows={an: {"days_absent": "2", "height_cm": "130", "weight_kg": "27,4", "general_comment": "Chăm ngoan."}},
    )
    assert changed == 1
    year = StudentYear.objects.get(student_id=an)
    assert (year.days_absent, year.height_cm, year.weight_kg, year.general_comment) == (
        2,
        130,
        Decimal("27.4"),
        "Chăm ngoan.",
    )
    event = AuditEvent.objects.get(action="student_year.update")
    assert event.changes["days_absent"] == [None, "2"]
    again = actions.save_year_details(
        by=world.users["homeroom"], class_group=world.class_3a, rows={an: {"days_absent": "2"}}
    )
    assert again == 0  # nothing changed, nothing audited
    assert AuditEvent.objects.filter(action="student_year.update").count() == 1


@pytest.mark.django_db
def test_only_the_homeroom_teacher_or_principal_writes(world) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PermissionRefused):
        actions.save_year_details(
            by=world.users["teacher"], class_group=world.class_3a, rows={world.students["an"].pk: {"days_absent": "1"}}
        )
    outsider = world.students["an"].pk
    with pytest.raises(InvalidInput) as refused:
        actions.save_year_details(
            by=world.users["principal"], class_group=world.class_3b, rows={outsider: {"days_absent": "1"}}
        )
    assert refused.value.code == "student_not_in_class"


@pytest.mark.django_db
def test_the_class_page_saves_all_or_shows_each_refusal(world, login) -> None:  # type: ignore[no-untyped-def]
    an, binh = world.students["an"].pk, world.students["binh"].pk
    url = reverse("assessments:year_details", args=[world.class_3a.pk])
    client = login("homeroom")
    page = client.get(url).content.decode()
    assert f'name="{an}:days_absent"' in page and "Số ngày nghỉ" in page

    bad = client.post(url, {f"{an}:days_absent": "3", f"{binh}:days_absent": "1,5"})
    text = bad.content.decode()
    assert bad.status_code == 200 and "nothing was saved" not in text  # Vietnamese interface
    assert "không có giá trị nào được lưu" in text.lower() or "không lưu" in text.lower()
    assert f'data-field="{binh}:days_absent"' in text and 'value="1,5"' in text  # the typed value is kept
    assert not StudentYear.objects.filter(days_absent__isnull=False).exists()

    done = client.post(url, {f"{an}:days_absent": "3", f"{binh}:days_absent": "0"}, follow=True)
    assert "Đã lưu" in done.content.decode()
    assert dict(StudentYear.objects.values_list("student_id", "days_absent")) == {an: 3, binh: 0}
    assert login("stranger").get(url).status_code in (403, 404)

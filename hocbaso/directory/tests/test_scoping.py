"""Each persona sees exactly its scope; everything else is a 404."""

import pytest
from django.urls import reverse

from hocbaso.directory.permissions import visible_classes, visible_schools, visible_students


def codes(queryset) -> set[str]:  # type: ignore[no-untyped-def]
    return set(queryset.values_list("code", flat=True))


@pytest.mark.parametrize(
    ("persona", "schools"),
    [
        ("principal", {"A1"}),
        ("clerk", {"A1"}),
        ("homeroom", {"A1"}),
        ("principal_b", {"B1"}),
        ("officer", {"A1"}),  # commune 1 manages school A since 1/7/2025
        ("officer2", {"B1"}),
        ("district_officer", {"A1"}),  # legacy tree: the district managed school A until 30/6/2025
        ("province_officer", {"A1", "B1"}),
        ("stranger", set()),
        ("operator", {"A1", "B1"}),
    ],
)
def test_visible_schools(world, persona: str, schools: set[str]) -> None:
    assert codes(visible_schools(world.users[persona])) == schools


@pytest.mark.parametrize(
    ("persona", "students"),
    [
        ("principal", {"an", "binh", "cuong"}),
        ("homeroom", {"an", "binh"}),
        ("teacher", {"cuong"}),
        ("principal_b", {"dung"}),
        ("officer", set()),  # officers see schools and counts, never children's personal data
        ("province_officer", set()),
        ("stranger", set()),
    ],
)
def test_visible_students(world, persona: str, students: set[str]) -> None:
    expected = {world.students[key].pk for key in students}
    assert set(visible_students(world.users[persona]).values_list("pk", flat=True)) == expected


def test_homeroom_teacher_of_3a_gets_404_for_a_student_of_3b(world, login) -> None:
    client = login("homeroom")
    assert client.get(reverse("directory:student", args=[world.students["an"].pk])).status_code == 200
    assert client.get(reverse("directory:student", args=[world.students["cuong"].pk])).status_code == 404
    assert client.get(reverse("directory:class", args=[world.class_3b.pk])).status_code == 404


def test_officer_of_one_commune_cannot_list_anothers_schools(world, login) -> None:
    client = login("officer2")
    listing = client.get(reverse("directory:schools"))
    assert listing.status_code == 200
    assert world.school_b.name in listing.content.decode()
    assert world.school_a.name not in listing.content.decode()
    assert client.get(reverse("directory:school", args=[world.school_a.pk])).status_code == 404


def test_officer_sees_classes_but_no_student_names(world, login) -> None:
    client = login("officer")
    page = client.get(reverse("directory:class", args=[world.class_3a.pk]))
    assert page.status_code == 200
    assert world.students["an"].full_name not in page.content.decode()


def test_principal_of_another_school_gets_404(world, login) -> None:
    client = login("principal_b")
    assert client.get(reverse("directory:student", args=[world.students["an"].pk])).status_code == 404
    assert client.get(reverse("directory:student_create", args=[world.school_a.pk])).status_code == 404


def test_teacher_cannot_use_manager_pages(world, login) -> None:
    client = login("homeroom")
    assert client.get(reverse("directory:student_create", args=[world.school_a.pk])).status_code == 403
    assert client.get(reverse("directory:student_edit", args=[world.students["an"].pk])).status_code == 403


def test_ended_appointment_keeps_visibility_but_not_management(world) -> None:
    """A legacy district officer still sees the school's history; nobody manages with an ended role."""
    from hocbaso.directory.permissions import managed_school_ids

    assert codes(visible_schools(world.users["district_officer"])) == {"A1"}
    assert managed_school_ids(world.users["district_officer"]) == set()


def test_classes_of_teacher(world) -> None:
    names = set(visible_classes(world.users["teacher"]).values_list("pk", flat=True))
    assert names == {world.class_3b.pk}


def test_student_reads_are_audited(world, login) -> None:
    from hocbaso.audit.models import AuditEvent

    login("principal").get(reverse("directory:student", args=[world.students["an"].pk]))
    event = AuditEvent.objects.get(action="student.read")
    assert event.object_id == str(world.students["an"].pk)
    assert event.actor == world.users["principal"]
    assert event.school_id == world.school_a.pk

"""Principals read their school's audit events; nobody else does."""

from django.urls import reverse

from hocbaso.directory import actions as directory_actions


def test_principal_lists_school_events(world, login) -> None:
    directory_actions.update_student(
        by=world.users["clerk"], student=world.students["an"], data={"place_of_birth": "Tỉnh Quảng Ngãi"}
    )
    page = login("principal").get(reverse("directory:school_audit", args=[world.school_a.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Sửa thông tin học sinh" in html and "student.update" not in html  # the action in words
    assert "Nơi sinh" in html and "Tỉnh Quảng Ngãi" in html  # the field's name and the whole value
    assert login("clerk").get(reverse("directory:school_audit", args=[world.school_a.pk])).status_code == 403
    assert login("principal_b").get(reverse("directory:school_audit", args=[world.school_a.pk])).status_code == 404

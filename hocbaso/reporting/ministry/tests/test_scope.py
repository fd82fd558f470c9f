"""Who may send the province's batch: an officer of the province itself. A commune's or a
legacy district's officer, school staff, the operator and another province's Sở cannot, on the
pages, the API or the actions; and the pages show counts and codes, never a child's name."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from hocbaso.core.errors import PermissionRefused
from hocbaso.directory.models import AdministrativeUnit, Role, UnitKind
from hocbaso.reporting.ministry import actions, permissions
from hocbaso.reporting.ministry.models import Department, Submission, SubmissionState
from hocbaso.reporting.ministry.tests.conftest import PASSWORD, issue
from hocbaso.testing import World, appoint, make_user

OUTSIDERS = [
    "officer",
    "officer2",
    "district_officer",
    "principal",
    "vice",
    "clerk",
    "homeroom",
    "stranger",
    "operator",
]


@pytest.fixture
def other_province(world: World) -> tuple[Department, Any]:
    """Kon Tum's Sở (code 62) and its officer."""
    unit = AdministrativeUnit.objects.create(
        code="K", name="Tỉnh Kon Tum", kind=UnitKind.PROVINCE, valid_from=dt.date(1991, 8, 12)
    )
    officer = make_user("kontum_officer")
    appoint(officer, Role.UNIT_OFFICER, unit=unit)
    department = actions.configure_department(by=world.users["operator"], unit=unit, code="62", name="Sở GDĐT Kon Tum")
    return department, officer


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_nobody_but_the_provinces_officer_may_send_its_batch(world: World, department, persona: str) -> None:  # type: ignore[no-untyped-def]
    issue(world)
    with pytest.raises(PermissionRefused) as refused:
        actions.prepare(by=world.users[persona], department=department, school_year=world.year, authorisation=PASSWORD)
    assert refused.value.code == "ministry_not_allowed"
    assert permissions.departments_for(world.users[persona]) == []
    assert not Submission.objects.exists()


def test_another_provinces_department_cannot_send_ours(world: World, department, other_province) -> None:  # type: ignore[no-untyped-def]
    issue(world)
    theirs, officer = other_province
    assert permissions.departments_for(officer) == [theirs]
    assert permissions.departments_for(world.users["province_officer"]) == [department]
    with pytest.raises(PermissionRefused):
        actions.prepare(by=officer, department=department, school_year=world.year, authorisation=PASSWORD)
    with pytest.raises(PermissionRefused):  # nor register a seal for it
        actions.register_seal(by=officer, department=department, pkcs12=b"", password="", label="x")
    # and their own batch holds none of our schools' records
    assert actions.candidates(theirs, world.year).count() == 0
    assert actions.candidates(department, world.year).count() == 1


def test_an_ended_appointment_sends_nothing(world: World, department) -> None:  # type: ignore[no-untyped-def]
    former = make_user("former_province_officer")
    appoint(
        former, Role.UNIT_OFFICER, unit=world.province, valid_from=dt.date(2020, 1, 1), valid_to=dt.date(2025, 6, 30)
    )
    assert permissions.departments_for(former) == []


def test_only_the_operator_sets_a_department_up(world: World) -> None:
    for persona in ("province_officer", "principal"):
        with pytest.raises(PermissionRefused):
            actions.configure_department(by=world.users[persona], unit=world.province, code="51", name="Sở")
    with pytest.raises(Exception) as refused:
        actions.configure_department(by=world.users["operator"], unit=world.commune1, code="51", name="Sở")
    assert getattr(refused.value, "code", "") == "department_not_province"


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_the_pages_and_the_api_turn_outsiders_away(world: World, department, login, persona: str) -> None:  # type: ignore[no-untyped-def]
    client = login(persona)
    assert client.get("/reports/ministry/").status_code == 403
    assert client.get(f"/reports/ministry/{department.pk}/").status_code == 403
    assert client.post(f"/reports/ministry/{department.pk}/", {"authorisation": PASSWORD}).status_code == 403
    assert client.get("/api/v1/reports/ministry/departments").json() == []
    body = {"department_id": department.pk, "school_year": world.year.code, "authorisation": PASSWORD}
    answer = client.post("/api/v1/reports/ministry/submissions", json.dumps(body), content_type="application/json")
    assert answer.status_code == 404
    assert not Submission.objects.exists()


def test_the_officer_prepares_and_reads_the_answer_with_counts_and_codes_only(
    world: World, department, endpoint, login, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    bad = issue(world, change=lambda d: d["school"].update(department_code="5I"))
    issue(world, class_group=world.class_b_3a)
    names = [v.record.student.full_name for v in (bad,)] + ["Nguyễn Thị Thu Hằng", "Nguyễn Văn An"]
    client = login("province_officer")
    assert client.get("/reports/ministry/").url == f"/reports/ministry/{department.pk}/"
    page = client.get(f"/reports/ministry/{department.pk}/?year={world.year.code}").content.decode()
    assert "Số học bạ đã phát hành" in page or "Issued records" in page
    refused = client.post(f"/reports/ministry/{department.pk}/?year={world.year.code}", {"authorisation": "sai"})
    assert refused.status_code == 200
    assert "mật khẩu" in refused.content.decode()  # the certificate's refusal, in Vietnamese, on the field
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(f"/reports/ministry/{department.pk}/?year={world.year.code}", {"authorisation": PASSWORD})
    submission = Submission.objects.get()
    assert sent.url == f"/reports/ministry/submissions/{submission.pk}/"
    assert submission.state == SubmissionState.REJECTED
    shown = client.get(sent.url).content.decode()
    assert str(bad.record.public_id) in shown and "A1" in shown
    assert "Nothing of this batch was recorded" in shown or "Bộ không ghi nhận" in shown
    for name in names:
        assert name not in shown and name not in page
    detail = client.get(f"/api/v1/reports/ministry/submissions/{submission.pk}").json()
    assert detail["state"] == "rejected"
    assert {row["code"] for row in detail["refused_rows"]} == {"schema_invalid", "batch_rejected"}
    assert all(name not in json.dumps(detail, ensure_ascii=False) for name in names)


def test_the_api_prepares_and_lists_for_the_officer(
    world: World, department, endpoint, login, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    issue(world)
    client = login("province_officer")
    listed = client.get("/api/v1/reports/ministry/departments").json()
    assert listed == [
        {
            "id": department.pk,
            "code": "51",
            "name": department.name,
            "province": "Tỉnh Quảng Ngãi",
            "seal_registered": True,
        }
    ]
    shown = client.get(f"/api/v1/reports/ministry/departments/{department.pk}/preview?year={world.year.code}").json()
    assert (shown["issued"], shown["to_send"], shown["held"]) == (1, 1, 0)
    body = {"department_id": department.pk, "school_year": world.year.code, "authorisation": PASSWORD}
    with django_capture_on_commit_callbacks(execute=True):
        made = client.post("/api/v1/reports/ministry/submissions", json.dumps(body), content_type="application/json")
    assert made.status_code == 201, made.content
    again = client.post("/api/v1/reports/ministry/submissions", json.dumps(body), content_type="application/json")
    assert (again.status_code, again.json()["code"]) == (409, "nothing_to_send")
    assert [s["state"] for s in client.get("/api/v1/reports/ministry/submissions").json()] == ["accepted"]


def test_the_home_page_links_the_provinces_officer_only(world: World, department, login) -> None:  # type: ignore[no-untyped-def]
    assert "/reports/ministry/" in login("province_officer").get("/").content.decode()
    for persona in ("officer", "principal", "operator"):
        assert "/reports/ministry/" not in login(persona).get("/").content.decode()


def test_the_officer_registers_the_seal_on_its_page(world: World, department, login, pki) -> None:  # type: ignore[no-untyped-def]
    from django.core.files.uploadedfile import SimpleUploadedFile

    key, cert = pki.issue_organisation("Sở Giáo dục và Đào tạo tỉnh Quảng Ngãi", locality="Tỉnh Quảng Ngãi")
    upload = SimpleUploadedFile("so.p12", pki.export_pkcs12(key, cert, PASSWORD), "application/x-pkcs12")
    client = login("province_officer")
    wrong = client.post(
        f"/reports/ministry/{department.pk}/seal/", {"file": upload, "password": "sai", "label": "Dấu mới"}
    )
    assert wrong.status_code == 200 and "mật khẩu" in wrong.content.decode()
    upload.seek(0)
    done = client.post(
        f"/reports/ministry/{department.pk}/seal/", {"file": upload, "password": PASSWORD, "label": "Dấu mới"}
    )
    assert done.status_code == 302
    department.refresh_from_db()
    assert department.seal.label == "Dấu mới" and department.seal.staff == world.users["province_officer"].staff
    big = SimpleUploadedFile("big.p12", b"0" * (400 * 1024), "application/x-pkcs12")
    too_big = client.post(f"/reports/ministry/{department.pk}/seal/", {"file": big, "password": "x", "label": "x"})
    assert too_big.status_code == 413

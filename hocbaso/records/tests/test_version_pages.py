"""Version pages: scoped per persona (404 out of scope), audited reads, the PDF inline and as
download, the data as tables, a student's record with superseded versions marked, the booklet;
and no route edits a frozen version (model save refused for every content field; PUT/POST to
version URLs change nothing)."""

from __future__ import annotations

import datetime as dt
import subprocess

import pytest
from django.urls import reverse

from hocbaso.audit.models import AuditEvent
from hocbaso.core.errors import DomainError
from hocbaso.directory.models import Role
from hocbaso.records import actions, storage
from hocbaso.records.actions import assemble
from hocbaso.records.models import RecordVersion, Status
from hocbaso.testing import appoint, make_user


@pytest.fixture
def version_3a(complete_3a) -> RecordVersion:  # type: ignore[no-untyped-def]
    world = complete_3a
    return assemble(by=world.users["homeroom"], student=world.students["an"], class_group=world.class_3a).version


@pytest.fixture
def homeroom_3b(world):  # type: ignore[no-untyped-def]
    user = make_user("homeroom3b", school=world.school_a)
    appoint(user, Role.HOMEROOM_TEACHER, class_group=world.class_3b)
    return user


PERSONAS = [
    ("homeroom", 200),
    ("principal", 200),
    ("vice", 200),
    ("clerk", 200),
    ("operator", 200),
    ("homeroom3b", 404),
    ("principal_b", 404),
    ("teacher", 403),
    ("officer", 403),
    ("province_officer", 403),
    ("stranger", 403),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("persona", "expected"), PERSONAS)
def test_version_urls_per_persona(version_3a, homeroom_3b, world, login, persona, expected) -> None:
    user = homeroom_3b if persona == "homeroom3b" else world.users[persona]
    client = login(user)
    student = version_3a.record.student_id
    for url in [
        reverse("records:version", args=[version_3a.pk]),
        reverse("records:version_file", args=[version_3a.pk]),
        reverse("records:record", args=[student]),
        reverse("records:booklet", args=[student]),
    ]:
        assert client.get(url).status_code == expected, url
    reads = AuditEvent.objects.filter(action="record.read", actor=user).count()
    assert reads == (4 if expected == 200 else 0)


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(version_3a, client) -> None:
    response = client.get(reverse("records:version", args=[version_3a.pk]))
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.django_db
def test_version_page_shows_status_hashes_pdf_and_data(version_3a, login) -> None:
    page = login("homeroom").get(reverse("records:version", args=[version_3a.pk]))
    text = page.content.decode()
    for expected in [
        version_3a.issuance_code,
        version_3a.xml_sha256,
        version_3a.pdf_sha256,
        reverse("records:version_file", args=[version_3a.pk]),
        "Nguyễn Văn An",
        "Tiếng Việt",  # a subject row
        "Hoàn thành chương trình lớp 3",  # completion section
    ]:
        assert expected in text, expected
    event = AuditEvent.objects.filter(action="record.read").latest("pk")
    assert event.object_id == str(version_3a.pk) and event.actor == version_3a.assembled_by


@pytest.mark.django_db
def test_pdf_download_is_the_frozen_file_then_the_signed_one(version_3a, login) -> None:
    client = login("principal")
    response = client.get(reverse("records:version_file", args=[version_3a.pk]) + "?download=1")
    body = b"".join(response.streaming_content)
    assert body == storage.get(version_3a.pdf_name) and body.startswith(b"%PDF")
    assert response["Content-Disposition"].startswith("attachment")
    signed = body + b"\n% a signature would be appended here\n"
    name, digest = storage.put(signed, ".pdf")
    RecordVersion.objects.filter(pk=version_3a.pk).update(signed_pdf_name=name, signed_pdf_sha256=digest)
    response = client.get(reverse("records:version_file", args=[version_3a.pk]))
    assert b"".join(response.streaming_content) == signed
    assert response["Content-Disposition"].startswith("inline")


@pytest.mark.django_db
def test_no_route_edits_a_version(version_3a, login) -> None:
    before = RecordVersion.objects.filter(pk=version_3a.pk).values().get()
    client = login("principal")
    for url in [
        reverse("records:version", args=[version_3a.pk]),
        reverse("records:version_file", args=[version_3a.pk]),
    ]:
        for method in (client.post, client.put, client.patch, client.delete):
            response = method(url, {"issuance_code": "X", "status": "draft"}, content_type="application/json")
            assert response.status_code == 405, (url, method)
    api = client.put(f"/api/v1/records/versions/{version_3a.pk}", {"status": "draft"}, content_type="application/json")
    assert api.status_code in (401, 404, 405)
    assert RecordVersion.objects.filter(pk=version_3a.pk).values().get() == before


CONTENT_CHANGES = {
    "number": 7,
    "issuance_code": "CHANGED",
    "xml_name": "records/xx/other.xml",
    "xml_sha256": "0" * 64,
    "pdf_name": "records/xx/other.pdf",
    "pdf_sha256": "1" * 64,
    "previous_sha256": "2" * 64,
    "data": {"tampered": True},
    "assembled_at": dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
}


@pytest.mark.django_db
@pytest.mark.parametrize("field", [*sorted(CONTENT_CHANGES), "class_group", "school", "school_year", "supersedes"])
def test_model_refuses_editing_any_content_field(version_3a, world, field) -> None:
    version = RecordVersion.objects.get(pk=version_3a.pk)
    replacement = {
        "class_group": world.class_3b,
        "school": world.school_b,
        "school_year": None,
        "supersedes": version_3a,
    }
    if field == "school_year":
        from hocbaso.demo.directory_data import YEARS
        from hocbaso.directory.models import SchoolYear

        replacement["school_year"] = SchoolYear.objects.create(code="2024-2025", **YEARS["2024-2025"])
    setattr(version, field, CONTENT_CHANGES.get(field, replacement.get(field)))
    with pytest.raises(DomainError) as refused:
        version.save()
    assert refused.value.code == "version_frozen"
    assert RecordVersion.objects.filter(pk=version_3a.pk).values().get()["issuance_code"] == version_3a.issuance_code


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["issuance_code", "pdf_sha256", "data", "class_group", "class_group_id", "school"])
def test_model_refuses_content_field_named_in_update_fields(version_3a, world, field) -> None:
    """``update_fields`` naming a content field (by field name or attname) is still checked."""
    version = RecordVersion.objects.get(pk=version_3a.pk)
    name = field.removesuffix("_id")
    setattr(version, name, CONTENT_CHANGES.get(name, world.class_3b if name == "class_group" else world.school_b))
    with pytest.raises(DomainError) as refused:
        version.save(update_fields=[field, "status"])
    assert refused.value.code == "version_frozen"


@pytest.mark.django_db
def test_save_of_other_fields_never_writes_content(version_3a) -> None:
    """A save naming no content field (what signing does) writes only those fields, without reading
    the row back: a content field changed in memory stays as stored."""
    before = RecordVersion.objects.filter(pk=version_3a.pk).values().get()
    version = RecordVersion.objects.get(pk=version_3a.pk)
    version.issuance_code = "CHANGED"
    version.signed_pdf_name = "records/xx/signed.pdf"
    version.save(update_fields=["signed_pdf_name"])
    after = RecordVersion.objects.filter(pk=version_3a.pk).values().get()
    assert after == {**before, "signed_pdf_name": "records/xx/signed.pdf"}


@pytest.mark.django_db
def test_record_page_marks_superseded_versions_and_booklet_prints_current(version_3a, world, login, tmp_path) -> None:
    correction = actions.request_correction(by=world.users["homeroom"], version=version_3a, reason="Sai điểm Toán")
    approved = actions.approve_correction(by=world.users["principal"], request=correction)
    new = approved.new_version
    assert new is not None
    page = login("principal").get(reverse("records:record", args=[world.students["an"].pk])).content.decode()
    assert version_3a.issuance_code in page and new.issuance_code in page
    assert f"{Status.SUPERSEDED.label}" in page or "đã được thay thế" in page
    assert new.issuance_code in page.split(version_3a.issuance_code, 1)[1]  # "superseded by <new code>" follows

    response = login("principal").get(reverse("records:booklet", args=[world.students["an"].pk]))
    booklet = b"".join(response.streaming_content)
    assert response["Content-Type"] == "application/pdf"
    path = tmp_path / "booklet.pdf"
    path.write_bytes(booklet)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, timeout=60, check=True)
    printed = text.stdout.decode()
    assert new.issuance_code in printed and version_3a.issuance_code not in printed.replace(new.issuance_code, "")
    assert "bản sao" in printed.lower() or "in từ" in printed.lower() or "điện tử" in printed.lower()

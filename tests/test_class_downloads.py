"""A class's issued records in one zip (each child's signed PDF and XML) and as one print booklet:
for the class's record readers only, issued versions only (never one still waiting for
signatures), bounded, and audited as a read of each child's record."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest

from hocbaso.audit.models import AuditEvent
from hocbaso.records import storage, views
from hocbaso.records.models import RecordVersion, Status
from hocbaso.signing.tests.factories import make_frozen_version
from hocbaso.testing import World

pytestmark = pytest.mark.django_db


def _issued(world: World, key: str) -> RecordVersion:
    """A version carried through the status table to issued, its stored PDF and XML standing for the
    signed files (the download only reads them; signing is tested where it is done)."""
    version = make_frozen_version(world, student=world.students[key], class_group=world.class_3a)
    for status in (Status.SIGNED_HOMEROOM, Status.SIGNED_PRINCIPAL, Status.ISSUED):
        version.transition_to(status)
    version.signed_pdf_name, version.signed_pdf_sha256 = version.pdf_name, version.pdf_sha256
    version.signed_xml_name, version.signed_xml_sha256 = version.xml_name, version.xml_sha256
    version.save()
    return version


@pytest.fixture
def issued(world: World, settings: Any, tmp_path: Path) -> list[RecordVersion]:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.VAR_DIR = tmp_path
    waiting = make_frozen_version(world, class_group=world.class_3a)  # still waiting: never in the zip
    assert waiting.status == Status.FROZEN
    return [_issued(world, "binh"), _issued(world, "an")]


def test_the_homeroom_teacher_downloads_the_class_zip_and_each_read_is_audited(
    world: World, issued: list[RecordVersion], login: Any
) -> None:
    client = login("homeroom")
    page = client.get(f"/records/classes/{world.class_3a.pk}/").content.decode()
    assert "Lớp có 2 học bạ đã phát hành." in page and "issued.zip" in page and "print.pdf" in page

    response = client.get(f"/records/classes/{world.class_3a.pk}/issued.zip")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="hoc-ba-3a-2025-2026.zip"'
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    an, binh = issued[1], issued[0]
    assert archive.namelist() == [  # in the class list's Vietnamese order: An before Bình
        f"01-nguyen-van-an-{an.issuance_code}.pdf",
        f"01-nguyen-van-an-{an.issuance_code}.xml",
        f"02-tran-thi-binh-{binh.issuance_code}.pdf",
        f"02-tran-thi-binh-{binh.issuance_code}.xml",
    ]
    assert archive.read(f"01-nguyen-van-an-{an.issuance_code}.pdf") == storage.get(an.signed_pdf_name)
    events = AuditEvent.objects.filter(actor=world.users["homeroom"]).order_by("id")
    assert [(e.action, e.object_type) for e in events] == [
        ("record.download_class", "directory.classgroup"),
        ("record.read", "records.recordversion"),
        ("record.read", "records.recordversion"),
    ]
    assert events[0].changes == {"records": [None, 2]}
    assert {e.object_id for e in events[1:]} == {str(an.pk), str(binh.pk)}


def test_the_principal_prints_the_class_booklet(world: World, issued: list[RecordVersion], login: Any) -> None:
    response = login("principal").get(f"/records/classes/{world.class_3a.pk}/print.pdf")
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    assert content.startswith(b"%PDF-")
    assert response["Content-Disposition"] == 'inline; filename="in-hoc-ba-3a-2025-2026.pdf"'
    assert AuditEvent.objects.filter(action="record.print_class", actor=world.users["principal"]).count() == 1
    assert AuditEvent.objects.filter(action="record.read", actor=world.users["principal"]).count() == 2


@pytest.mark.parametrize(
    ("persona", "status"), [("teacher", 403), ("officer", 403), ("principal_b", 404), ("stranger", 403)]
)
def test_nobody_else_gets_the_class_files(
    world: World, issued: list[RecordVersion], login: Any, persona: str, status: int
) -> None:
    client = login(persona)
    for name in ("issued.zip", "print.pdf"):
        assert client.get(f"/records/classes/{world.class_3a.pk}/{name}").status_code == status
    assert not AuditEvent.objects.filter(action__in=["record.download_class", "record.print_class"]).exists()


def test_a_class_with_nothing_issued_is_404_and_too_many_is_refused_unread(
    world: World, issued: list[RecordVersion], login: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = login("principal")
    assert client.get(f"/records/classes/{world.class_3b.pk}/issued.zip").status_code == 404
    monkeypatch.setattr(views, "MAX_CLASS_RECORDS", 1)
    refused = client.get(f"/records/classes/{world.class_3a.pk}/issued.zip")
    assert refused.status_code == 413
    assert "tối đa 1 học bạ" in refused.content.decode()
    assert not AuditEvent.objects.filter(action="record.download_class").exists()

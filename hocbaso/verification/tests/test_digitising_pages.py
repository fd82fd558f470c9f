"""The digitising pages: upload with the scan, transcription with a refusal on its field, the
comparison refused to the transcriber and accepted from a colleague, every read audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from hocbaso.audit.models import AuditEvent
from hocbaso.records.digitising_models import BookState, DigitisedBook
from hocbaso.testing import World
from hocbaso.verification.tests.digitised import scan_image, transcription

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"


def _form(world: World, **change: Any) -> dict[str, Any]:
    return {
        "class_group": world.class_3a.pk,
        "student": world.students["an"].pk,
        "book_number": "125/2026",
        "original_pages": "7-8",
        "original_date": "25/05/2026",
        "printed_homeroom": "Nguyễn Thị Hoa",
        "printed_principal": "Trần Văn Bảy",
        "printed_principal_title": "Hiệu trưởng",
        "scan": [
            SimpleUploadedFile("p1.png", scan_image(), "image/png"),
            SimpleUploadedFile("p2.jpg", scan_image(kind="JPEG"), "image/jpeg"),
        ],
        **change,
    }


def _posted(values: dict[str, Any]) -> dict[str, Any]:
    """A transcription (the helper's values) as the form posts it."""
    out: dict[str, Any] = {"result": values["result"], "days_absent": values["days_absent"], "decision": ""}
    for code, typed in values["subjects"].items():
        out[f"subject_{code}"] = typed["rating"]
        if typed["score"] is not None:
            out[f"score_{code}"] = typed["score"]
    for code, typed in values["competencies"].items():
        out[f"competency_{code}"] = typed["rating"]
    return out


def test_upload_transcribe_and_compare_through_the_pages(world: World, login: Any) -> None:
    clerk = login("clerk")
    response = clerk.post(f"/records/schools/{world.school_a.pk}/digitising/scan/", _form(world))
    assert response.status_code == 302, response.content.decode()[:2000]
    book = DigitisedBook.objects.get()
    assert book.scan_pages == 2
    page = clerk.get(f"/records/digitising/{book.pk}/")
    assert page.status_code == 200 and "transcription-form" in page.content.decode()
    assert b"".join(clerk.get(f"/records/digitising/{book.pk}/scan.pdf").streaming_content).startswith(b"%PDF-")

    values = transcription(book.class_group, missing="math")
    refused = clerk.post(f"/records/digitising/{book.pk}/transcribe/", _posted(values))
    assert refused.status_code == 400 and "math" in refused.content.decode()
    done = clerk.post(f"/records/digitising/{book.pk}/transcribe/", _posted(transcription(book.class_group)))
    assert done.status_code == 302
    clerk.post(f"/records/digitising/{book.pk}/compare/")
    book.refresh_from_db()
    assert book.state == BookState.TRANSCRIBED  # the transcriber may not compare

    principal = login("principal")
    principal.post(f"/records/digitising/{book.pk}/compare/")
    book.refresh_from_db()
    assert book.state == BookState.FROZEN and book.version is not None
    reads = AuditEvent.objects.filter(action__in=["digitising.read", "digitising.read_scan"]).count()
    assert reads == 2


def test_a_bomb_upload_is_refused_on_the_field(world: World, login: Any) -> None:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    bomb = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 90_000, 90_000, 8, 0, 0, 0, 0))
        + chunk(b"IEND", b"")
    )
    clerk = login("clerk")
    response = clerk.post(
        f"/records/schools/{world.school_a.pk}/digitising/scan/",
        _form(world, scan=[SimpleUploadedFile("bomb.png", bomb, "image/png")]),
    )
    assert response.status_code == 400
    assert "triệu điểm ảnh" in response.content.decode()
    assert not DigitisedBook.objects.exists()

"""A photo of a printed page on the verify page: the paper seal is checked, else the verify link is
followed; a photo without a record QR, or not a photo at all, gets its reason."""

from __future__ import annotations

import io
import subprocess

import pytest
import segno
from django.core.files.uploadedfile import SimpleUploadedFile

from hocbaso.core.errors import ValidationFailed
from hocbaso.records.models import RecordVersion
from hocbaso.signing.tests.conftest import tool
from hocbaso.verification import photo
from hocbaso.verification.tests.helpers import signed_pdf

CODE = "HB-7K3M-Q9TD-2XWP-T"


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (["HB1:ABC", f"https://x/verify/{CODE}"], ("paper", "HB1:ABC")),
        ([f"https://x/verify/{CODE}", " HB1:ABC "], ("paper", "HB1:ABC")),
        ([f"https://x/verify/{CODE}"], ("code", CODE)),
        ([f"https://x/xac-minh/{CODE}/?src=qr"], ("code", CODE)),
        (["WIFI:S:truong;;", CODE.lower()], ("code", CODE)),
    ],
)
def test_what_a_photo_leads_to(texts, expected) -> None:  # type: ignore[no-untyped-def]
    assert photo.choose(texts) == expected


@pytest.mark.parametrize("texts", [[], ["https://example.org"], ["HB-7K3M-Q9TD-2XWP-X"]])
def test_a_photo_without_a_record_code(texts) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationFailed) as refused:
        photo.choose(texts)
    assert refused.value.code == "photo_no_code"


def test_what_is_not_a_photo_is_refused() -> None:
    with pytest.raises(ValidationFailed) as refused:
        photo.qr_texts(b"%PDF-1.7 not an image")
    assert refused.value.code == "photo_unreadable"


def test_a_generated_qr_image_is_read() -> None:
    out = io.BytesIO()
    segno.make(f"https://x/verify/{CODE}", error="m").save(out, kind="png", scale=6, border=4)
    assert photo.qr_texts(out.getvalue()) == [f"https://x/verify/{CODE}"]


def _photo_of_last_page(pdf: bytes) -> bytes:
    pages = subprocess.run([tool("pdfinfo"), "-"], input=pdf, capture_output=True, check=True).stdout
    last = next(line.split()[-1] for line in pages.decode().splitlines() if line.startswith("Pages:"))
    return subprocess.run(
        [tool("pdftoppm"), "-png", "-r", "300", "-f", last, "-l", last, "-"], input=pdf, capture_output=True, check=True
    ).stdout


@pytest.mark.django_db
def test_the_verify_page_checks_a_photo_of_the_printed_page(issued: RecordVersion, client) -> None:
    picture = _photo_of_last_page(signed_pdf(issued))
    response = client.post("/verify", {"photo": SimpleUploadedFile("anh.png", picture, content_type="image/png")})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-outcome="valid"' in page
    assert "Con dấu số trên bản in hợp lệ" in page

    blank = io.BytesIO()
    segno.make("https://example.org").save(blank, kind="png", scale=4)
    refused = client.post("/verify", {"photo": SimpleUploadedFile("anh.png", blank.getvalue())})
    assert refused.status_code == 400 and 'data-code="photo_no_code"' in refused.content.decode()
    junk = client.post("/verify", {"photo": SimpleUploadedFile("anh.jpg", b"not a picture")})
    assert 'data-code="photo_unreadable"' in junk.content.decode()

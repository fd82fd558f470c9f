"""Request bodies past their limit are refused with 413 before anything reads them."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, reverse

from hocbaso.api.api import api
from hocbaso.core import body_limits
from hocbaso.core.tests.bodies import MULTIPART, claim, unreadable_input
from hocbaso.verification import api as verification_api

if TYPE_CHECKING:
    pass

MiB = 1024 * 1024


def test_the_verify_page_refuses_a_document_past_10_mb_unread(client: Client) -> None:
    response = claim(client, "POST", reverse("verification:verify"), 10 * MiB + 65 * 1024, MULTIPART)
    assert response.status_code == 413
    html = response.content.decode()
    assert "Tệp lớn hơn 10 MB" in html


def test_the_verify_limit_follows_its_setting(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.HOCBASO_VERIFY_MAX_BYTES = MiB
    response = claim(client, "POST", reverse("verification:verify"), 2 * MiB, MULTIPART)
    assert response.status_code == 413
    assert "Tệp lớn hơn 1 MB" in response.content.decode()


def test_the_import_page_refuses_a_spreadsheet_past_5_mb_unread(world, login) -> None:  # type: ignore[no-untyped-def]
    client = login("homeroom")
    path = reverse("assessments:import", args=[world.class_3a.pk, "year_end"])
    response = claim(client, "POST", path, 6 * MiB, MULTIPART)
    assert response.status_code == 413
    assert "Tệp lớn hơn 5 MB" in response.content.decode()


def test_the_certificate_upload_refuses_past_its_limit(world, login) -> None:  # type: ignore[no-untyped-def]
    client = login("homeroom")
    response = claim(client, "POST", reverse("signing:register"), MiB, MULTIPART)
    assert response.status_code == 413


def test_the_api_answers_with_its_error_body(client: Client) -> None:
    response = claim(client, "POST", "/api/v1/verify/file", 11 * MiB, MULTIPART)
    assert response.status_code == 413
    body = json.loads(response.content)
    assert body["code"] == "request_too_large"
    assert body["field"] == "document"
    assert "10 MB" in body["message"]


def test_an_api_write_past_the_request_limit_is_refused(world, login) -> None:  # type: ignore[no-untyped-def]
    client = login("homeroom")
    path = f"/api/v1/classes/{world.class_3a.pk}/assessments/year_end"
    response = claim(client, "PUT", path, 3 * MiB, "application/json")
    assert response.status_code == 413
    assert json.loads(response.content) == {
        "code": "request_too_large",
        "message": "Yêu cầu lớn hơn 2560 KB, mức tối đa được chấp nhận.",
        "field": None,
    }


def test_a_form_without_an_upload_takes_at_most_the_request_limit(client: Client) -> None:
    response = claim(client, "POST", reverse("accounts:login"), 3 * MiB, "application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert "2560 KB" in response.content.decode()


@pytest.mark.parametrize("length", ["", "abc", "-5"])
def test_a_missing_or_malformed_length_reads_nothing(client: Client, length: str) -> None:
    response = client.generic(
        "POST",
        reverse("verification:verify"),
        b"",
        content_type=MULTIPART,
        CONTENT_LENGTH=length,
        **unreadable_input(),
    )
    assert response.status_code == 400  # an empty form: no code, no file


def test_uploads_within_their_limit_still_arrive(world, login) -> None:  # type: ignore[no-untyped-def]
    """A 4.5 MB file (over the 2.5 MB request default, under the import's 5 MB) reaches the view."""
    client = login("homeroom")
    path = reverse("assessments:import", args=[world.class_3a.pk, "year_end"])
    response = client.post(path, {"file": SimpleUploadedFile("lop.xlsx", b"PK\x03\x04" + b"0" * (4 * MiB + MiB // 2))})
    assert response.status_code == 200
    assert "Đây không phải tệp Excel .xlsx (lop.xlsx)." in response.content.decode()


def test_api_operations_declare_their_upload() -> None:
    [(pattern_view)] = [
        p.callback for p in api.urls[0] if isinstance(p, URLPattern) and p.name and "verify_file" in p.name
    ]
    limit, field, is_api = body_limits.declared_upload(pattern_view, "POST")
    assert (field, is_api) == ("document", True)
    assert callable(limit) and limit() == 10 * MiB
    assert verification_api.verify_file.max_upload_bytes is limit  # type: ignore[attr-defined]
    assert body_limits.declared_upload(pattern_view, "GET") == (None, None, True)


class CountingBody:
    """A request body that counts what is read of it (and is never parsed)."""

    def __init__(self, size: int):
        self.left = size
        self.read_bytes = 0

    def read(self, size: int = -1) -> bytes:
        n = self.left if size is None or size < 0 else min(size, self.left)
        self.left -= n
        self.read_bytes += n
        return b"0" * n

    readline = read


def test_behind_the_proxy_a_refused_body_is_read_off_and_dropped(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    """nginx has sent the whole body: the worker drains it, so closing the connection after the 413
    does not reset it (nginx would answer 502 in place of the app's answer)."""
    settings.BEHIND_PROXY = True
    length = 10 * MiB + 65 * 1024
    body = CountingBody(length)
    environ: dict[str, Any] = {"wsgi.input": body}
    response = client.generic(
        "POST", "/api/v1/verify/file", b"", content_type=MULTIPART, CONTENT_LENGTH=str(length), **environ
    )
    assert response.status_code == 413 and json.loads(response.content)["code"] == "request_too_large"
    assert body.read_bytes == length and body.left == 0


def test_a_refused_body_is_left_unread_without_the_proxy_or_past_the_discard_limit(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    response = claim(client, "POST", reverse("verification:verify"), 11 * MiB, MULTIPART)
    assert response.status_code == 413  # BEHIND_PROXY off: Unreadable was not touched
    settings.BEHIND_PROXY = True
    response = claim(client, "POST", reverse("verification:verify"), body_limits.DISCARD_LIMIT + 1, MULTIPART)
    assert response.status_code == 413

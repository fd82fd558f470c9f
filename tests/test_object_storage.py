"""Stored files in an S3-compatible object store (django-storages), against the S3 server the tests
run on loopback (moto's standalone server, tests/deploy/s3_server.py): content-addressed record files,
their hash checks, and downloads that the app streams from the store (never a bucket URL)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from hocbaso.records import storage
from hocbaso.signing.tests.factories import make_frozen_version
from tests.deploy.conftest import ROOT
from tests.deploy.s3_server import S3Server, s3_server


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    with s3_server(tmp_path_factory.mktemp("s3")) as server:
        yield server


@pytest.fixture
def on_s3(settings, s3: S3Server) -> S3Server:  # type: ignore[no-untyped-def]
    """``default_storage`` is the S3 server's bucket for this test (Django resets it on the change)."""
    settings.STORAGES = {**settings.STORAGES, "default": s3.storage_options()}
    return s3


def test_record_files_are_stored_in_the_bucket_under_their_hash_and_checked_when_read(on_s3: S3Server) -> None:
    content = b"%PDF-1.7\n" + os.urandom(64)
    name, digest = storage.put(content, ".pdf")

    assert name == f"records/{digest[:2]}/{digest}.pdf" and digest == hashlib.sha256(content).hexdigest()
    assert on_s3.objects()[name] == content
    assert storage.put(content, ".pdf") == (name, digest)  # the same bytes twice: one object
    assert storage.get(name, digest) == content
    assert list(storage.rehash(iter([(name, digest)]))) == []

    on_s3.client().put_object(Bucket=on_s3.bucket, Key=name, Body=b"damaged")
    with pytest.raises(storage.StoredFileDamaged):
        storage.get(name, digest)
    (mismatch,) = storage.rehash(iter([(name, digest)]))
    assert mismatch.actual == hashlib.sha256(b"damaged").hexdigest()
    on_s3.client().delete_object(Bucket=on_s3.bucket, Key=name)
    assert [m.actual for m in storage.rehash(iter([(name, digest)]))] == [""]


@pytest.mark.django_db
def test_a_record_download_is_streamed_from_the_store_by_the_app(on_s3: S3Server, world, login) -> None:
    version = make_frozen_version(world)  # its PDF and XML stored in the bucket
    client = login("homeroom")

    response = client.get(f"/records/versions/{version.pk}/document.pdf")

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    body = b"".join(response.streaming_content)
    assert body == on_s3.objects()[version.pdf_name]
    assert "Location" not in response and on_s3.endpoint not in str(response.headers)


def _storage_of(env: dict[str, str]) -> str:
    code = (
        "import django; django.setup(); from django.core.files.storage import storages; s = storages['default']; "
        "print(type(s).__name__, "
        "getattr(s, 'bucket_name', '-'), getattr(s, 'endpoint_url', '-'), getattr(s, 'access_key', '-'))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("HOCBASO_", "PYTEST_", "DATABASE_URL"))}
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", "HOCBASO_DEMO": "1", **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout.strip()


def test_the_store_is_chosen_by_the_environment_and_the_disk_stays_the_default(tmp_path: Path) -> None:
    assert _storage_of({"HOCBASO_VAR_DIR": str(tmp_path)}).startswith("FileSystemStorage")
    chosen = _storage_of(
        {
            "HOCBASO_VAR_DIR": str(tmp_path),
            "HOCBASO_S3_BUCKET": "hocbaso-records",
            "HOCBASO_S3_ENDPOINT_URL": "https://s3.example.vn",
            "HOCBASO_S3_ACCESS_KEY_ID": "AKIAEXAMPLE",
            "HOCBASO_S3_SECRET_ACCESS_KEY": "not-printed",
        }
    )
    assert chosen == "S3Storage hocbaso-records https://s3.example.vn AKIAEXAMPLE"

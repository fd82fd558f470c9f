"""Staff register their own certificate file; bad files and wrong passwords are refused clearly."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from hocbaso.signing.models import SigningCredential
from hocbaso.signing.pki import DemoPKI


@pytest.fixture
def demo_pki(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.VAR_DIR = tmp_path
    return DemoPKI.create(tmp_path / "pki")


def test_homeroom_registers_a_certificate(world, login, demo_pki) -> None:
    key, cert = demo_pki.issue_personal("Homeroom")
    p12 = demo_pki.export_pkcs12(key, cert, "mật-khẩu")
    client = login("homeroom")
    url = reverse("signing:register")
    wrong = client.post(url, {"file": SimpleUploadedFile("gv.p12", p12), "password": "sai"})
    assert "sai mật khẩu" in wrong.content.decode()
    assert not SigningCredential.objects.exists()
    junk = client.post(url, {"file": SimpleUploadedFile("gv.p12", b"not a certificate"), "password": "x"})
    assert "sai mật khẩu" in junk.content.decode()
    done = client.post(
        url, {"file": SimpleUploadedFile("gv.p12", p12), "password": "mật-khẩu", "label": "Chứng thư của tôi"}
    )
    assert done.status_code == 200
    credential = SigningCredential.objects.get()
    assert credential.staff == world.users["homeroom"].staff and not credential.for_organisation
    assert "mật-khẩu" not in str(credential.config)


def test_only_school_managers_register_a_seal(world, login, demo_pki) -> None:
    key, cert = demo_pki.issue_organisation("Trường Tiểu học A")
    p12 = demo_pki.export_pkcs12(key, cert, "pw")
    response = login("homeroom").post(
        reverse("signing:register"),
        {"file": SimpleUploadedFile("s.p12", p12), "password": "pw", "seal_school": world.school_a.pk},
    )
    assert response.status_code == 200
    assert SigningCredential.objects.filter(for_organisation=True).count() == 0  # the field is ignored: not a manager
    login("clerk").post(
        reverse("signing:register"),
        {"file": SimpleUploadedFile("s.p12", p12), "password": "pw", "seal_school": world.school_a.pk},
    )
    assert SigningCredential.objects.get(for_organisation=True).school == world.school_a

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


def test_a_phone_app_certificate_and_a_csc_credential_are_registered_from_the_page(
    world, login, demo_pki, settings
) -> None:
    from cryptography.hazmat.primitives import serialization

    from hocbaso.signing.testing.csc_server import CscTestServer

    _key, cert = demo_pki.issue_personal("Homeroom", key_type="rsa")
    client = login("homeroom")
    url = reverse("signing:register")
    junk = client.post(url, {"kind": "app", "file": SimpleUploadedFile("app.pem", b"junk")})
    assert "không phải là chứng thư số" in junk.content.decode()
    pem = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in [cert, *demo_pki.chain()])
    client.post(url, {"kind": "app", "file": SimpleUploadedFile("app.pem", pem), "label": "Ứng dụng"})
    assert SigningCredential.objects.get().kind == "remote_app"

    unset = client.post(url, {"kind": "csc", "service_url": "http://127.0.0.1:1", "credential_id": "x"})
    assert "HOCBASO_CSC_TOKEN" in unset.content.decode()
    settings.HOCBASO_CSC_TOKEN = "t"
    csc_key, csc_cert = demo_pki.issue_personal("Homeroom")
    with CscTestServer(token="t") as server:
        server.add("c-1", csc_key, csc_cert, demo_pki.chain(), pin="1")
        service_url = server.url
        client.post(url, {"kind": "csc", "service_url": service_url, "credential_id": "c-1"})
    csc = SigningCredential.objects.get(kind="csc")
    assert (csc.config["url"], csc.config["credential_id"]) == (service_url, "c-1")
    page = client.get(url).content.decode()
    assert "Dịch vụ ký số từ xa (CSC)" in page and "Ứng dụng" in page

"""Each signer backend yields a signature that validates (pyHanko and pdfsig): PKCS#12, PKCS#11, CSC, interrupted."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from hocbaso.core.errors import ValidationFailed
from hocbaso.signing import pades
from hocbaso.signing.backends import (
    CscSource,
    KeySource,
    Pkcs11Source,
    certificate_summary,
    expiring_soon,
    list_csc_credentials,
)
from hocbaso.signing.testing.csc_server import CscTestServer

from .conftest import SOFTHSM_MODULE, pdfsig


def _assert_valid(pdf: bytes, trust, nss_db, tmp_path, name: str) -> None:
    (report,) = pades.validate_pdf(pdf, trust)
    assert report.outcome == "valid", report
    assert report.signer_name == name
    (found,) = pdfsig(pdf, nss_db, tmp_path)
    assert found["Signature Validation"] == "Signature is Valid."
    assert found["Certificate Validation"] == "Certificate is Trusted."


@pytest.mark.parametrize("key_type", ["ec", "rsa"])
def test_pkcs12_loaded_once_signs_a_batch(key_type, pki, blank_pdf, services, trust, nss_db, tmp_path):
    key, cert = pki.issue_personal("Ngô Thị Tệp Khóa", key_type=key_type)
    source = KeySource.from_pkcs12(pki.export_pkcs12(key, cert, "mật-khẩu"), "mật-khẩu")
    assert source.chain and source.certificate == cert
    batch = [
        pades.sign_pdf(blank_pdf, field_name="homeroom", signer=source, certify=True, timestamper_url=services.tsa_url)
        for _ in range(2)
    ]
    for pdf in batch:
        _assert_valid(pdf, trust, nss_db, tmp_path, "Ngô Thị Tệp Khóa")


@pytest.mark.parametrize(("password", "code"), [("sai", "pkcs12_unreadable"), ("", "pkcs12_unreadable")])
def test_pkcs12_wrong_password_is_refused(pki, password, code):
    key, cert = pki.issue_personal("Ngô Thị Sai Mật Khẩu")
    with pytest.raises(ValidationFailed) as refused:
        KeySource.from_pkcs12(pki.export_pkcs12(key, cert, "đúng"), password)
    assert refused.value.code == code


@pytest.mark.parametrize("key_type", ["ec", "rsa"])
def test_pkcs11_token_on_softhsm(key_type, softhsm, pki, blank_pdf, services, trust, nss_db, tmp_path):
    label, _cert = softhsm[key_type]
    with Pkcs11Source(SOFTHSM_MODULE, label, "1234", "signer", chain=pki.chain()) as source:
        pdf = pades.sign_pdf(
            blank_pdf, field_name="homeroom", signer=source, certify=True, timestamper_url=services.tsa_url
        )
    _assert_valid(pdf, trust, nss_db, tmp_path, f"Phạm Thị Token {key_type.upper()}")


def test_pkcs11_wrong_pin_is_refused(softhsm, pki):
    label, _cert = softhsm["ec"]
    with pytest.raises(ValidationFailed) as refused, Pkcs11Source(SOFTHSM_MODULE, label, "9999", "signer"):
        pass
    assert refused.value.code == "pkcs11_unavailable"


@pytest.fixture(scope="module")
def csc(pki):
    server = CscTestServer(token="bearer-demo")
    for key_type in ("ec", "rsa"):
        key, cert = pki.issue_personal(f"Võ Minh Từ Xa {key_type.upper()}", key_type=key_type)
        server.add(f"cred-{key_type}", key, cert, pki.chain(), pin="2468")
    with server:
        yield server


@pytest.mark.parametrize("key_type", ["ec", "rsa"])
def test_csc_remote_signing(key_type, csc, blank_pdf, services, trust, nss_db, tmp_path):
    assert asyncio.run(list_csc_credentials(csc.url, "bearer-demo")) == ["cred-ec", "cred-rsa"]
    source = CscSource(csc.url, f"cred-{key_type}", token="bearer-demo", pin="2468")
    pdf = pades.sign_pdf(
        blank_pdf, field_name="homeroom", signer=source, certify=True, timestamper_url=services.tsa_url
    )
    _assert_valid(pdf, trust, nss_db, tmp_path, f"Võ Minh Từ Xa {key_type.upper()}")
    assert {"credentials/info", "credentials/authorize", "signatures/signHash"} <= set(csc.calls)


@pytest.mark.parametrize(("token", "pin"), [("wrong-token", "2468"), ("bearer-demo", "0000")])
def test_csc_refuses_bad_credentials(token, pin, csc, blank_pdf, services):
    source = CscSource(csc.url, "cred-ec", token=token, pin=pin)
    with pytest.raises(ValidationFailed):
        pades.sign_pdf(blank_pdf, field_name="homeroom", signer=source, certify=True, timestamper_url=services.tsa_url)


def _phone_signs(key, data: bytes) -> bytes:
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(data, ec.ECDSA(hashes.SHA256()))
    assert isinstance(key, rsa.RSAPrivateKey)
    return key.sign(data, padding.PKCS1v15(), hashes.SHA256())


@pytest.mark.parametrize("key_type", ["ec", "rsa"])
def test_interrupted_signing_survives_a_json_round_trip(key_type, pki, blank_pdf, services, trust, nss_db, tmp_path):
    key, cert = pki.issue_personal("Đặng Thị Điện Thoại", key_type=key_type)
    prepared = pades.prepare_pdf_signature(
        blank_pdf,
        field_name="homeroom",
        certificate=cert,
        chain=pki.chain(),
        certify=True,
        timestamper_url=services.tsa_url,
    )
    stored = prepared.to_json()  # what the workflow persists while the phone app decides
    restored = pades.PreparedSignature.from_json(stored)
    assert restored == prepared
    pdf = pades.finish_pdf_signature(restored, _phone_signs(key, restored.to_be_signed))
    _assert_valid(pdf, trust, nss_db, tmp_path, "Đặng Thị Điện Thoại")


def test_interrupted_signing_refuses_a_wrong_signature_value(pki, blank_pdf, services):
    _key, cert = pki.issue_personal("Đặng Thị Nhầm Khóa")
    other_key, _ = pki.issue_personal("Kẻ Mạo Danh")
    prepared = pades.prepare_pdf_signature(
        blank_pdf, field_name="homeroom", certificate=cert, chain=pki.chain(), timestamper_url=services.tsa_url
    )
    with pytest.raises(ValidationFailed) as refused:
        pades.finish_pdf_signature(prepared, _phone_signs(other_key, prepared.to_be_signed))
    assert refused.value.code == "signature_value_invalid"


def test_certificate_summary(homeroom):
    summary = certificate_summary(homeroom.certificate)
    assert summary["subject_name"] == "Trần Thị Mỹ Duyên"
    assert summary["title"] == "Giáo viên chủ nhiệm"
    assert summary["organisation"] == "Trường Tiểu học Kim Đồng"
    assert summary["serial"] == f"{homeroom.certificate.serial_number:X}"
    assert len(summary["fingerprint_sha256"]) == 64
    assert summary["not_after"] == homeroom.certificate.not_valid_after_utc


@pytest.mark.parametrize(
    ("days_left", "within", "listed"),
    [(-1, 30, True), (10, 30, True), (30, 30, True), (31, 30, False), (400, 30, False)],
)
def test_expiring_soon(pki, days_left, within, listed):
    now = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    _key, cert = pki.issue_personal(
        "Lý Thị Sắp Hết", not_before=now - dt.timedelta(days=365), not_after=now + dt.timedelta(days=days_left)
    )
    assert (cert in expiring_soon([cert], within, now=now)) is listed

"""The demo PKI: names, extensions, persistence, revocation; and the loopback TSA/CRL/OCSP services."""

from __future__ import annotations

import datetime as dt
import urllib.request

import pytest
from asn1crypto import tsp
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from hocbaso.core.errors import ValidationFailed
from hocbaso.signing.pki import ROOT_NAME, DemoPKI, export_pkcs12
from hocbaso.signing.testing.services import PKIServices


def _get(url: str, data: bytes | None = None, content_type: str = "") -> tuple[int, str, bytes]:
    request = urllib.request.Request(url, data=data, headers={"Content-Type": content_type} if content_type else {})  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback test server
        return response.status, response.headers["Content-Type"], response.read()


def test_root_says_demo_and_chain_is_ordered(pki):
    (root,) = pki.roots()
    assert root.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == ROOT_NAME
    assert "DEMO" in ROOT_NAME and "không có giá trị pháp lý" in ROOT_NAME
    assert pki.chain() == [pki.intermediate.cert, root]
    assert pki.export_roots_pem().count(b"BEGIN CERTIFICATE") == 1


def test_personal_certificate_profile(pki):
    key, cert = pki.issue_personal("Nguyễn Thị Thu Hằng", title="Phó Hiệu trưởng")
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "Nguyễn Thị Thu Hằng"
    assert cert.subject.get_attributes_for_oid(NameOID.TITLE)[0].value == "Phó Hiệu trưởng"
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature and usage.value.content_commitment
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    aia = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    assert any(d.access_location.value == f"{pki.base_url}/ocsp" for d in aia)
    assert cert.issuer == pki.issuing.cert.subject
    pki.issuing.cert.public_key().verify(cert.signature, cert.tbs_certificate_bytes, *_verify_args(cert))
    assert key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ) == (cert.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo))


def _verify_args(cert: x509.Certificate) -> tuple:
    from cryptography.hazmat.primitives.asymmetric import ec

    assert cert.signature_hash_algorithm is not None
    return (ec.ECDSA(cert.signature_hash_algorithm),)


def test_organisation_and_tsa_certificates(pki):
    _key, cert = pki.issue_organisation("Trường Tiểu học Lê Văn Tám")
    assert cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "Trường Tiểu học Lê Văn Tám"
    eku = pki.tsa_cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert eku.critical and list(eku.value) == [ExtendedKeyUsageOID.TIME_STAMPING]


def test_load_round_trip_keeps_revocations(pki, tmp_path):
    created = DemoPKI.create(tmp_path / "pki", intermediate=False, key_type="rsa")
    _key, cert = created.issue_personal("Phan Văn Lưu Trữ")
    created.revoke(cert, dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC))
    loaded = DemoPKI.load(tmp_path / "pki")
    assert loaded.intermediate is None and loaded.issuing.slug == "root"
    assert loaded.root.cert == created.root.cert
    assert loaded.revocations[cert.serial_number].when == dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    assert (tmp_path / "pki" / "root.key.pem").stat().st_mode & 0o077 == 0


def test_revoking_a_stranger_is_refused(pki, tmp_path):
    other = DemoPKI.create(tmp_path / "other")
    _key, cert = other.issue_personal("Người Ngoài")
    with pytest.raises(ValidationFailed) as refused:
        pki.revoke(cert)
    assert refused.value.code == "pki_unknown_certificate"


def test_pkcs12_contains_key_cert_and_chain(pki):
    from cryptography.hazmat.primitives.serialization import pkcs12

    key, cert = pki.issue_personal("Tạ Thị Gói")
    loaded = pkcs12.load_pkcs12(export_pkcs12(key, cert, "pw", chain=pki.chain()), b"pw")
    assert loaded.cert.certificate == cert
    assert [c.certificate for c in loaded.additional_certs] == pki.chain()


def test_tsa_answers_rfc3161(services, pki):
    digest = hashes.Hash(hashes.SHA256())
    digest.update(b"hoc ba")
    request = tsp.TimeStampReq(
        {
            "version": "v1",
            "message_imprint": {"hash_algorithm": {"algorithm": "sha256"}, "hashed_message": digest.finalize()},
            "nonce": 12345,
            "cert_req": True,
        }
    )
    status, content_type, body = _get(services.tsa_url, request.dump(), "application/timestamp-query")
    assert (status, content_type) == (200, "application/timestamp-reply")
    response = tsp.TimeStampResp.load(body)
    assert response["status"]["status"].native == "granted"
    info = response["time_stamp_token"]["content"]["encap_content_info"]["content"].parsed
    assert info["nonce"].native == 12345


def _ocsp_status(services: PKIServices, cert: x509.Certificate, issuer: x509.Certificate) -> ocsp.OCSPResponse:
    request = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, hashes.SHA256()).build()
    _status, content_type, body = _get(
        f"{services.url}/ocsp", request.public_bytes(serialization.Encoding.DER), "application/ocsp-request"
    )
    assert content_type == "application/ocsp-response"
    return ocsp.load_der_ocsp_response(body)


def test_ocsp_good_revoked_and_foreign_issuer(services, pki, tmp_path):
    _k, good = pki.issue_personal("Trạng Thái Tốt")
    _k, bad = pki.issue_personal("Trạng Thái Thu Hồi")
    pki.revoke(bad, reason=x509.ReasonFlags.superseded)
    stranger = DemoPKI.create(tmp_path / "x", intermediate=False)
    _k, unknown = stranger.issue_personal("Không Rõ")
    table = [
        (good, pki.issuing.cert, ocsp.OCSPCertStatus.GOOD),
        (bad, pki.issuing.cert, ocsp.OCSPCertStatus.REVOKED),
    ]
    for cert, issuer, expected in table:
        response = _ocsp_status(services, cert, issuer)
        assert response.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
        assert response.certificate_status == expected
        assert response.certificates[0] == pki.issuing.ocsp_cert
    assert _ocsp_status(services, bad, pki.issuing.cert).revocation_reason == x509.ReasonFlags.superseded
    foreign = _ocsp_status(services, unknown, stranger.root.cert)
    assert foreign.response_status == ocsp.OCSPResponseStatus.UNAUTHORIZED


def test_crl_and_ca_endpoints(services, pki):
    status, content_type, body = _get(f"{services.url}/crl/ca.crl")
    assert (status, content_type) == (200, "application/pkix-crl")
    assert x509.load_der_x509_crl(body).is_signature_valid(pki.intermediate.cert.public_key())
    _status, _type, body = _get(f"{services.url}/ca/root.cer")
    assert x509.load_der_x509_certificate(body) == pki.root.cert


def test_a_revocation_written_by_another_process_is_served(services, pki):
    _k, cert = pki.issue_personal("Thu Hồi Từ Lệnh")
    other_process_view = DemoPKI.load(pki.directory)
    other_process_view.revoke(cert)
    response = _ocsp_status(services, cert, pki.issuing.cert)
    assert response.certificate_status == ocsp.OCSPCertStatus.REVOKED

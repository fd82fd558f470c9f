"""XAdES-BES on the record XML: three signers in turn, each verified by signxml and by xmlsec1."""

from __future__ import annotations

import datetime as dt
import subprocess

import pytest

from hocbaso.core.errors import ValidationFailed
from hocbaso.signing import xades
from hocbaso.signing.pki import DemoPKI, cert_pem

from .conftest import tool

RECORD = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<HocBa xmlns="urn:hocbaso:hocba:1" phienBan="1">'
    '<HoSo Id="hoso"><HoTen>Nguyễn Thị Thu Hằng</HoTen><KetQua>Hoàn thành xuất sắc</KetQua></HoSo>'
    "</HocBa>"
).encode()
SIGNERS = [("homeroom", "Giáo viên chủ nhiệm"), ("principal", "Hiệu trưởng"), ("school", "Nhà trường")]


@pytest.fixture(scope="module")
def signed_xml(request, homeroom, principal, school) -> bytes:
    xml = RECORD
    for source, (_, role) in zip([homeroom, principal, school], SIGNERS, strict=True):
        xml = xades.sign_xml(xml, key=source.key, cert_chain=[source.certificate, *source.chain], role=role)
    return xml


def test_every_signature_verifies_with_signxml(signed_xml, pki):
    reports = xades.verify_xml(signed_xml, pki.roots())
    assert [r.outcome for r in reports] == ["valid"] * 3, reports
    assert [r.role for r in reports] == [role for _, role in SIGNERS]
    assert [r.signer_name for r in reports] == ["Trần Thị Mỹ Duyên", "Lê Quốc Khánh", "Trường Tiểu học Kim Đồng"]
    assert all(isinstance(r.signing_time, dt.datetime) for r in reports)


def _xmlsec_verify(xml: bytes, pki: DemoPKI, index: int, tmp_path) -> subprocess.CompletedProcess[str]:
    document = tmp_path / "record.xml"
    document.write_bytes(xml)
    (tmp_path / "root.pem").write_bytes(pki.export_roots_pem())
    (tmp_path / "ca.pem").write_bytes(cert_pem(pki.issuing.cert))
    selector = f"(//*[local-name()='Signature' and namespace-uri()='{xades.DS}'])[{index}]"
    return subprocess.run(
        [
            tool("xmlsec1"),
            "--verify",
            "--trusted-pem",
            str(tmp_path / "root.pem"),
            "--untrusted-pem",
            str(tmp_path / "ca.pem"),
            "--id-attr:Id",
            "urn:hocbaso:hocba:1:HoSo",
            "--id-attr:Id",
            f"{xades.XADES}:SignedProperties",
            "--node-xpath",
            selector,
            str(document),
        ],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("index", [1, 2, 3])
def test_xmlsec1_prints_ok_for_each_signature(signed_xml, pki, index, tmp_path):
    result = _xmlsec_verify(signed_xml, pki, index, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[0] == "OK"


def test_a_changed_value_breaks_every_signature_in_both_verifiers(signed_xml, pki, tmp_path):
    tampered = signed_xml.replace("Hoàn thành xuất sắc".encode(), "Hoàn thành tốt".encode())
    assert tampered != signed_xml
    assert [r.outcome for r in xades.verify_xml(tampered, pki.roots())] == ["invalid"] * 3
    for index in (1, 2, 3):
        result = _xmlsec_verify(tampered, pki, index, tmp_path)
        assert result.returncode != 0
        assert "FAIL" in result.stderr


def test_a_foreign_root_is_not_trusted(signed_xml, tmp_path):
    stranger = DemoPKI.create(tmp_path / "other")
    assert [r.outcome for r in xades.verify_xml(signed_xml, stranger.roots())] == ["indeterminate"] * 3


def test_expired_certificate_is_refused(pki):
    now = dt.datetime.now(tz=dt.UTC)
    key, cert = pki.issue_personal(
        "Hoàng Văn Hết Hạn", not_before=now - dt.timedelta(days=90), not_after=now - dt.timedelta(days=1)
    )
    with pytest.raises(ValidationFailed) as refused:
        xades.sign_xml(RECORD, key=key, cert_chain=[cert, *pki.chain()], role="Giáo viên chủ nhiệm")
    assert refused.value.code == "certificate_expired"


@pytest.mark.parametrize(
    ("xml", "code"),
    [
        (b"<HocBa><HoSo>no id</HoSo></HocBa>", "xml_no_signed_element"),
        (b'<HocBa><A Id="a"/><B Id="b"/></HocBa>', "xml_no_signed_element"),
        (b"<HocBa><unclosed></HocBa>", "xml_malformed"),
    ],
)
def test_unsignable_documents_are_refused(homeroom, xml, code):
    with pytest.raises(ValidationFailed) as refused:
        xades.sign_xml(xml, key=homeroom.key, cert_chain=[homeroom.certificate, *homeroom.chain], role="x")
    assert refused.value.code == code


def test_envelope_makes_any_document_signable(homeroom, pki):
    wrapped = xades.envelope(b"<BaoCao><Dong>1</Dong></BaoCao>")
    signed = xades.sign_xml(wrapped, key=homeroom.key, cert_chain=[homeroom.certificate, *homeroom.chain], role="GVCN")
    assert [r.outcome for r in xades.verify_xml(signed, pki.roots())] == ["valid"]


def test_a_duplicated_id_is_not_accepted_as_the_signed_data(signed_xml, pki):
    # a second element carrying the data's Id deeper in the tree must not let a verifier be fooled
    forged = signed_xml.replace(b"<HoTen>", b'<HoTen><X Id="hoso"/>', 1)
    assert all(r.outcome != "valid" for r in xades.verify_xml(forged, pki.roots()))

"""Paper copies: the seal QR over the essential fields fits a paper-scannable QR and verifies offline."""

from __future__ import annotations

import base45
import cbor2
import pytest
import segno

from hocbaso.signing.pki import DemoPKI
from hocbaso.verification import core, paper

FIELDS = paper.PaperFields(
    issuance_code="HB-7K3M-Q9TD-2XWP-T",
    student_name="Nguyễn Thị Thu Hằng",
    date_of_birth="2015-03-08",
    school_name="Trường Tiểu học Nguyễn Bỉnh Khiêm",
    school_year="2024-2025",
    result="htt",
    xml_sha256="ab" * 32,
)


@pytest.fixture(scope="module")
def seal(pki: DemoPKI):  # type: ignore[no-untyped-def]
    return pki.issue_organisation("Trường Tiểu học Nguyễn Bỉnh Khiêm")


def _trust(pki: DemoPKI) -> core.TrustStore:
    return core.TrustStore(roots=tuple(pki.roots()), intermediates=tuple(pki.chain()))


def test_seal_fits_a_version_10_m_qr_and_verifies(pki: DemoPKI, seal) -> None:  # type: ignore[no-untyped-def]
    key, cert = seal
    text = paper.make_seal(FIELDS, key=key, cert=cert)
    qr = segno.make(text, error="m", boost_error=False)
    assert qr.version <= 10 and qr.error == "M" and qr.mode == "alphanumeric"
    report = paper.verify_paper(text, trust=_trust(pki), seals=[cert])
    assert (report.outcome, report.reason) == ("valid", "all_checks_passed")
    assert report.document is not None
    assert (report.document.student_name, report.document.issuance_code) == (FIELDS.student_name, FIELDS.issuance_code)
    assert (report.document.date_of_birth, report.document.school_year) == ("2015-03-08", "2024-2025")


def test_altered_field_unknown_seal_and_garbage_are_refused(pki: DemoPKI, seal) -> None:  # type: ignore[no-untyped-def]
    key, cert = seal
    text = paper.make_seal(FIELDS, key=key, cert=cert)
    items = cbor2.loads(base45.b45decode(text.removeprefix(paper.PREFIX)))
    items[7] = "htxs"  # a better result than the one sealed
    forged = paper.PREFIX + base45.b45encode(cbor2.dumps(items)).decode()
    trust = _trust(pki)
    assert paper.verify_paper(forged, trust=trust, seals=[cert]).reason == "paper_signature_invalid"
    _other_key, other_cert = pki.issue_organisation("Trường Khác")
    assert paper.verify_paper(text, trust=trust, seals=[other_cert]).reason == "paper_seal_unknown"
    assert paper.verify_paper("https://example.vn/verify/x", trust=trust, seals=[cert]).reason == "paper_malformed"
    assert paper.verify_paper(paper.PREFIX + "%%%", trust=trust, seals=[cert]).reason == "paper_malformed"


def test_seal_from_an_untrusted_ca_cannot_be_vouched_for(pki: DemoPKI, seal, tmp_path) -> None:  # type: ignore[no-untyped-def]
    key, cert = seal
    text = paper.make_seal(FIELDS, key=key, cert=cert)
    stranger = DemoPKI.create(tmp_path / "stranger")
    report = paper.verify_paper(text, trust=core.TrustStore(roots=tuple(stranger.roots())), seals=[cert])
    assert report.outcome == "cannot_determine"


def test_rsa_seal_keys_are_refused(pki: DemoPKI) -> None:
    key, cert = pki.issue_organisation("Trường RSA", key_type="rsa")
    with pytest.raises(paper.PaperSealError):
        paper.make_seal(FIELDS, key=key, cert=cert)

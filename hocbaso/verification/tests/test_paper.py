"""Paper copies: the seal QR over the essential fields fits a paper-scannable QR, verifies only with a
seal bound to the printed school and year, and offline says what it proves and what it cannot."""

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
    school_code="51000101",
    completed_grade=True,
    completed_primary=False,
    sealed_on="2025-05-30",
)


@pytest.fixture(scope="module")
def seal(pki: DemoPKI):  # type: ignore[no-untyped-def]
    return pki.issue_organisation("Trường Tiểu học Nguyễn Bỉnh Khiêm")


def _trust(pki: DemoPKI) -> core.TrustStore:
    return core.TrustStore(roots=tuple(pki.roots()), intermediates=tuple(pki.chain()))


def _bound(cert, school: str = "51000101", years: tuple[int, int] = (2024, 2025)) -> list[core.SealBinding]:  # type: ignore[no-untyped-def]
    return [core.SealBinding(cert, school, *years)]


def _registry(text: str, *, status: str = "issued", digest: str | None = None) -> core.RegistryAnswers:
    items = cbor2.loads(base45.b45decode(text.removeprefix(paper.PREFIX)))
    return core.RegistryAnswers(
        found=True,
        issuance_code=FIELDS.issuance_code,
        status=status,
        superseded_by="HB-AAAA-BBBB-CCCC-D" if status == "superseded" else None,
        paper_digest=digest if digest is not None else paper.fields_digest(items[2:11]),
    )


def test_seal_fits_a_version_10_m_qr_and_offline_says_what_it_proves(pki: DemoPKI, seal) -> None:  # type: ignore[no-untyped-def]
    key, cert = seal
    text = paper.make_seal(FIELDS, key=key, cert=cert)
    qr = segno.make(text, error="m", boost_error=False)
    assert isinstance(qr.version, int) and qr.version <= 10 and qr.error == "M" and qr.mode == "alphanumeric"
    report = paper.verify_paper(text, trust=_trust(pki), seals=_bound(cert))
    # Offline the seal proves the school sealed these values on that day, not that they are current.
    assert (report.outcome, report.reason) == ("cannot_determine", "paper_offline")
    assert report.reason_params == {"day": "30/05/2025"}
    assert {c.code for c in report.checks if c.status == "passed"} >= {"paper_ok", "paper_school_ok", "signature_ok"}
    doc = report.document
    assert doc is not None
    assert (doc.student_name, doc.issuance_code, doc.school_code) == (
        FIELDS.student_name,
        FIELDS.issuance_code,
        "51000101",
    )
    assert (doc.date_of_birth, doc.school_year, doc.sealed_on) == ("2015-03-08", "2024-2025", "2025-05-30")
    assert (doc.result, doc.completion) == ("htt", "grade")
    assert core.facts_shown(doc) == [("Year result", "Completed well"), ("Completion", "Completed the grade")]


def test_with_the_registry_a_current_version_is_valid(pki: DemoPKI, seal) -> None:  # type: ignore[no-untyped-def]
    key, cert = seal
    text = paper.make_seal(FIELDS, key=key, cert=cert)
    report = paper.verify_paper(text, trust=_trust(pki), seals=_bound(cert), answers_for=lambda _c: _registry(text))
    assert (report.outcome, report.reason) == ("valid", "all_checks_passed"), report.checks
    superseded = paper.verify_paper(
        text, trust=_trust(pki), seals=_bound(cert), answers_for=lambda _c: _registry(text, status="superseded")
    )
    assert (superseded.outcome, superseded.reason) == ("invalid", "status_superseded")
    other_values = paper.verify_paper(
        text, trust=_trust(pki), seals=_bound(cert), answers_for=lambda _c: _registry(text, digest="00" * 32)
    )
    assert (other_values.outcome, other_values.reason) == ("invalid", "paper_fields_differ")


def test_seal_of_another_school_or_year_is_invalid(pki: DemoPKI, seal) -> None:  # type: ignore[no-untyped-def]
    key, cert = seal
    text = paper.make_seal(FIELDS, key=key, cert=cert)
    trust = _trust(pki)
    # The seal holder of school B prints a copy naming school A: B's seal is bound to B only.
    other_school = paper.verify_paper(text, trust=trust, seals=_bound(cert, school="51000999"))
    assert (other_school.outcome, other_school.reason) == ("invalid", "paper_seal_school")
    assert other_school.reason_params == {"school": "51000101"}
    out_of_years = paper.verify_paper(text, trust=trust, seals=_bound(cert, years=(2025, 2026)))
    assert (out_of_years.outcome, out_of_years.reason) == ("invalid", "paper_seal_year")


def test_altered_field_unknown_seal_old_format_and_garbage_are_refused(pki: DemoPKI, seal) -> None:  # type: ignore[no-untyped-def]
    key, cert = seal
    text = paper.make_seal(FIELDS, key=key, cert=cert)
    items = cbor2.loads(base45.b45decode(text.removeprefix(paper.PREFIX)))
    trust = _trust(pki)
    for index, better in ((8, "htxs"), (9, 3), (6, 51000999)):  # result, completion, school code
        forged_items = list(items)
        forged_items[index] = better
        forged = paper.PREFIX + base45.b45encode(cbor2.dumps(forged_items)).decode()
        assert paper.verify_paper(forged, trust=trust, seals=_bound(cert)).reason == "paper_signature_invalid"
    _other_key, other_cert = pki.issue_organisation("Trường Khác")
    assert paper.verify_paper(text, trust=trust, seals=_bound(other_cert)).reason == "paper_seal_unknown"
    old = paper.PREFIX + base45.b45encode(cbor2.dumps([1, *items[1:6], *items[7:9], items[10], items[12]])).decode()
    assert paper.verify_paper(old, trust=trust, seals=_bound(cert)).reason == "paper_format_old"
    assert (
        paper.verify_paper("https://example.vn/verify/x", trust=trust, seals=_bound(cert)).reason == "paper_malformed"
    )
    assert paper.verify_paper(paper.PREFIX + "%%%", trust=trust, seals=_bound(cert)).reason == "paper_malformed"


def test_seal_from_an_untrusted_ca_cannot_be_vouched_for(pki: DemoPKI, seal, tmp_path) -> None:  # type: ignore[no-untyped-def]
    key, cert = seal
    text = paper.make_seal(FIELDS, key=key, cert=cert)
    stranger = DemoPKI.create(tmp_path / "stranger")
    report = paper.verify_paper(text, trust=core.TrustStore(roots=tuple(stranger.roots())), seals=_bound(cert))
    assert report.outcome == "cannot_determine"


def test_rsa_seal_keys_are_refused(pki: DemoPKI) -> None:
    key, cert = pki.issue_organisation("Trường RSA", key_type="rsa")
    with pytest.raises(paper.PaperSealError):
        paper.make_seal(FIELDS, key=key, cert=cert)  # type: ignore[arg-type]  # an RSA key, on purpose

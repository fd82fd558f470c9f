"""PAdES on the record PDF: three signatures in order, tamper/revocation/expiry, B-LT/B-LTA, pdfsig agreement."""

from __future__ import annotations

import datetime as dt

import pytest

from hocbaso.core.errors import ValidationFailed
from hocbaso.signing import pades
from hocbaso.signing.backends import KeySource
from hocbaso.signing.pki import DemoPKI
from hocbaso.signing.testing.services import PKIServices

from .conftest import pdfsig


@pytest.fixture(scope="module")
def fully_signed(blank_pdf, services, homeroom, principal, school) -> bytes:
    pdf = pades.sign_pdf(
        blank_pdf,
        field_name="homeroom",
        signer=homeroom,
        certify=True,
        timestamper_url=services.tsa_url,
        reason="Giáo viên chủ nhiệm xác nhận",
    )
    pdf = pades.sign_pdf(pdf, field_name="principal", signer=principal, timestamper_url=services.tsa_url)
    return pades.sign_pdf(pdf, field_name="school", signer=school, timestamper_url=services.tsa_url)


def test_three_signatures_in_order_are_all_valid_with_docmdp(fully_signed, trust):
    reports = pades.validate_pdf(fully_signed, trust)
    assert [r.field_name for r in reports] == ["homeroom", "principal", "school"]
    assert [r.signer_name for r in reports] == ["Trần Thị Mỹ Duyên", "Lê Quốc Khánh", "Trường Tiểu học Kim Đồng"]
    for report in reports:
        assert report.outcome == "valid", report
        assert report.intact and report.valid and report.trusted and not report.revoked
        assert report.timestamp_ok is True and report.signing_time is not None
        assert report.docmdp_ok is True
    assert [r.certify for r in reports] == [True, False, False]
    assert reports[0].modification_level == "FORM_FILLING"
    assert reports[2].coverage == "ENTIRE_FILE"


def test_pdfsig_reports_every_signature_valid_and_trusted(fully_signed, nss_db, tmp_path):
    found = pdfsig(fully_signed, nss_db, tmp_path)
    assert [f["Signature Field Name"] for f in found] == ["homeroom", "principal", "school"]
    for entry in found:
        assert entry["Signature Validation"] == "Signature is Valid."
        assert entry["Certificate Validation"] == "Certificate is Trusted."
        assert entry["Signature Type"] == "ETSI.CAdES.detached"


def test_one_flipped_byte_is_detected_by_pyhanko_and_pdfsig(fully_signed, trust, nss_db, tmp_path):
    # flip one bit inside the document's /Title string, in the first (certified) revision
    title = fully_signed.index(b"/Title")
    position = title + fully_signed[title:].index(b"(") + 2
    tampered = bytearray(fully_signed)
    tampered[position] ^= 0x01
    reports = pades.validate_pdf(bytes(tampered), trust)
    assert reports and all(r.outcome != "valid" for r in reports)
    assert any("digest_mismatch" in r.reasons for r in reports)
    found = pdfsig(bytes(tampered), nss_db, tmp_path)
    assert found and all(f["Signature Validation"] != "Signature is Valid." for f in found)


def test_untrusted_root_is_indeterminate_not_valid(fully_signed, tmp_path):
    stranger = DemoPKI.create(tmp_path / "other")
    reports = pades.validate_pdf(fully_signed, pades.Trust.of(stranger.roots(), allow_fetching=False))
    assert [r.outcome for r in reports] == ["indeterminate"] * 3
    assert all(any(reason.startswith("untrusted") for reason in r.reasons) for r in reports)


def test_revoked_certificate_is_detected_over_ocsp(blank_pdf, pki, services, trust):
    key, cert = pki.issue_personal("Đỗ Văn Thu Hồi")
    signed = pades.sign_pdf(
        blank_pdf,
        field_name="homeroom",
        signer=KeySource(key, cert, pki.chain()),
        certify=True,
        timestamper_url=services.tsa_url,
    )
    assert pades.validate_pdf(signed, trust)[0].outcome == "valid"
    before = services.hits["ocsp"]
    pki.revoke(cert, dt.datetime.now(tz=dt.UTC) - dt.timedelta(minutes=1))
    report = pades.validate_pdf(signed, trust)[0]
    assert report.revoked is True
    assert report.outcome == "invalid"
    assert "revoked" in report.reasons
    assert services.hits["ocsp"] > before


def test_revocation_in_the_crl(pki):
    from cryptography import x509

    _key, cert = pki.issue_personal("Bùi Thị Danh Sách")
    pki.revoke(cert)
    crl = x509.load_der_x509_crl(pki.crl_der())
    assert crl.get_revoked_certificate_by_serial_number(cert.serial_number) is not None
    assert crl.is_signature_valid(pki.issuing.cert.public_key())


def test_expired_certificate_is_refused_at_signing(blank_pdf, pki, services):
    now = dt.datetime.now(tz=dt.UTC)
    key, cert = pki.issue_personal(
        "Hoàng Văn Hết Hạn", not_before=now - dt.timedelta(days=800), not_after=now - dt.timedelta(days=1)
    )
    with pytest.raises(ValidationFailed) as refused:
        pades.sign_pdf(
            blank_pdf,
            field_name="homeroom",
            signer=KeySource(key, cert, pki.chain()),
            certify=True,
            timestamper_url=services.tsa_url,
        )
    assert refused.value.code == "certificate_expired"


@pytest.mark.parametrize(
    ("field", "tsa", "code"),
    [
        ("hieu-truong", True, "signature_field_missing"),
        ("homeroom", False, "timestamp_required"),
    ],
)
def test_refusals(blank_pdf, homeroom, services, field, tsa, code):
    with pytest.raises(ValidationFailed) as refused:
        pades.sign_pdf(
            blank_pdf,
            field_name=field,
            signer=homeroom,
            certify=True,
            timestamper_url=services.tsa_url if tsa else None,
        )
    assert refused.value.code == code


def test_a_signed_field_is_not_signed_again(fully_signed, homeroom, services):
    with pytest.raises(ValidationFailed) as refused:
        pades.sign_pdf(fully_signed, field_name="principal", signer=homeroom, timestamper_url=services.tsa_url)
    assert refused.value.code == "signature_field_signed"


def test_ltv_then_archive_timestamp_validates_offline_and_renews(fully_signed, pki, trust, services):
    lta = pades.make_ltv(fully_signed, trust, timestamper_url=services.tsa_url)
    offline = pades.Trust.of(pki.roots(), allow_fetching=False)  # hard-fail: only the DSS may answer
    reports = pades.validate_pdf(lta, offline)
    assert [r.kind for r in reports] == ["signature"] * 3 + ["document_timestamp"]
    assert [r.outcome for r in reports] == ["valid"] * 4, reports
    renewed = pades.renew_archive_timestamp(lta, trust, timestamper_url=services.tsa_url)
    reports = pades.validate_pdf(renewed, offline)
    assert [r.kind for r in reports][-2:] == ["document_timestamp", "document_timestamp"]
    assert all(r.outcome == "valid" for r in reports), reports


def test_renewal_needs_an_archive_timestamp(fully_signed, trust, services):
    with pytest.raises(ValidationFailed) as refused:
        pades.renew_archive_timestamp(fully_signed, trust, timestamper_url=services.tsa_url)
    assert refused.value.code == "no_archive_timestamp"


def test_without_fetching_or_dss_revocation_cannot_be_determined(fully_signed, pki):
    reports = pades.validate_pdf(fully_signed, pades.Trust.of(pki.roots(), allow_fetching=False))
    assert all(r.outcome == "indeterminate" for r in reports)


def test_unreadable_input_is_invalid(trust):
    reports = pades.validate_pdf(b"%PDF-1.7\nnot really", trust)
    assert len(reports) == 1 and reports[0].outcome == "invalid"


def test_services_stop_and_free_the_port(pki):
    running = PKIServices(pki).start()
    url = running.url
    running.stop()
    import urllib.error
    import urllib.request

    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"{url}/crl/root.crl", timeout=2)  # noqa: S310 - loopback URL built above


# --- revocation data reused within a batch ------------------------------------------------------------


def _signed_by(blank_pdf, services, first: KeySource, principal, school) -> bytes:
    pdf = pades.sign_pdf(blank_pdf, field_name="homeroom", signer=first, certify=True, timestamper_url=services.tsa_url)
    pdf = pades.sign_pdf(pdf, field_name="principal", signer=principal, timestamper_url=services.tsa_url)
    return pades.sign_pdf(pdf, field_name="school", signer=school, timestamper_url=services.tsa_url)


def _fetches(services: PKIServices) -> int:
    return services.hits["ocsp"] + services.hits["crl"]


def _dss_ocsp_serials(pdf: bytes) -> set[int]:
    from io import BytesIO

    from asn1crypto import ocsp
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import DocumentSecurityStore

    dss = DocumentSecurityStore.read_dss(PdfFileReader(BytesIO(pdf)))
    serials = set()
    for ref in dss.ocsps:
        response = ocsp.OCSPResponse.load(ref.get_object().data)
        for single in response["response_bytes"]["response"].parsed["tbs_response_data"]["responses"]:
            serials.add(single["cert_id"]["serial_number"].native)
    return serials


def test_a_batch_fetches_revocation_data_once_per_certificate(
    blank_pdf, pki, services, trust, homeroom, principal, school
):
    first = _signed_by(blank_pdf, services, homeroom, principal, school)
    second = _signed_by(blank_pdf, services, homeroom, principal, school)
    batch = trust.for_batch()
    assert batch.revocation_cache is not None and batch.for_batch() is batch

    before = _fetches(services)
    lta_first = pades.make_ltv(first, batch, timestamper_url=services.tsa_url)
    fetched_first = _fetches(services) - before
    assert fetched_first > 0
    assert batch.revocation_cache.fetches == fetched_first

    before = _fetches(services)
    lta_second = pades.make_ltv(second, batch, timestamper_url=services.tsa_url)
    assert _fetches(services) == before  # every certificate's status came from the batch cache
    assert batch.revocation_cache.reused > 0

    offline = pades.Trust.of(pki.roots(), allow_fetching=False)  # hard-fail: only the DSS may answer
    for lta in (lta_first, lta_second):
        reports = pades.validate_pdf(lta, offline)
        assert [r.outcome for r in reports] == ["valid"] * 4, reports

    # without a cache, every document fetches again
    before = _fetches(services)
    pades.make_ltv(second, trust, timestamper_url=services.tsa_url)
    assert _fetches(services) - before >= fetched_first


def test_cached_data_is_only_embedded_in_documents_with_that_certificate(
    blank_pdf, pki, services, trust, homeroom, principal, school
):
    key, cert = pki.issue_personal("Phạm Thị Lớp Bên", title="Giáo viên chủ nhiệm")
    other_teacher = KeySource(key, cert, pki.chain())
    batch = trust.for_batch()
    pades.make_ltv(_signed_by(blank_pdf, services, homeroom, principal, school), batch, archive=False)
    lta = pades.make_ltv(_signed_by(blank_pdf, services, other_teacher, principal, school), batch, archive=False)
    serials = _dss_ocsp_serials(lta)
    assert cert.serial_number in serials
    assert homeroom.certificate.serial_number not in serials


def test_a_revoked_certificate_is_refused_with_a_batch_cache(blank_pdf, pki, services, trust, principal, school):
    key, cert = pki.issue_personal("Vũ Văn Bị Thu Hồi")
    signed = _signed_by(blank_pdf, services, KeySource(key, cert, pki.chain()), principal, school)
    short = pades.Trust.of(pki.roots(), revocation_cache=pades.RevocationCache(max_age=dt.timedelta(0)))
    pades.make_ltv(signed, short, archive=False)  # holds a "good" answer for every certificate here
    pki.revoke(cert, dt.datetime.now(tz=dt.UTC) - dt.timedelta(minutes=1))

    # a new batch asks the responder and sees the revocation
    with pytest.raises(ValidationFailed) as refused:
        pades.make_ltv(signed, trust.for_batch(), timestamper_url=services.tsa_url)
    assert refused.value.code == "ltv_incomplete"

    # answers older than the cache's max_age are asked again, not reused
    before = services.hits["ocsp"]
    with pytest.raises(ValidationFailed) as refused:
        pades.make_ltv(signed, short, archive=False)
    assert refused.value.code == "ltv_incomplete"
    assert services.hits["ocsp"] > before


def test_the_signature_size_is_estimated_once_per_signer_and_tsa(blank_pdf, services, trust, homeroom):
    signer = homeroom.signer()  # one signer object per batch, as the workflow opens it

    def sign() -> tuple[bytes, int]:
        before = services.hits["tsa"]
        pdf = pades.sign_pdf(
            blank_pdf, field_name="homeroom", signer=signer, certify=True, timestamper_url=services.tsa_url
        )
        return pdf, services.hits["tsa"] - before

    _first, requests_first = sign()
    second, requests_second = sign()
    assert requests_first == 2  # the dry run's timestamp, then the signature's
    assert requests_second == 1
    assert pades.validate_pdf(second, trust)[0].outcome == "valid"


def test_pdfsig_accepts_the_b_lta_file(fully_signed, trust, services, nss_db, tmp_path):
    lta = pades.make_ltv(fully_signed, trust.for_batch(), timestamper_url=services.tsa_url)
    found = pdfsig(lta, nss_db, tmp_path)
    signatures = [f for f in found if f.get("Signature Type") == "ETSI.CAdES.detached"]
    assert [f["Signature Field Name"] for f in signatures] == ["homeroom", "principal", "school"]
    for entry in signatures:
        assert entry["Signature Validation"] == "Signature is Valid."
        assert entry["Certificate Validation"] == "Certificate is Trusted."
    assert len(found) == 4  # and the document timestamp


def test_ltv_paths_are_pyhankos_each_certificate_validated_once_per_file(fully_signed, trust):
    """``make_ltv`` collects per signature what pyHanko's ``collect_validation_info`` does (the
    signer's path, then its timestamp's TSA path), validating the TSA met in all three once."""
    import asyncio
    from io import BytesIO

    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation.dss import collect_validation_info

    signatures = list(PdfFileReader(BytesIO(fully_signed)).embedded_regular_signatures)

    def chains(paths):
        return [[cert.dump() for cert in path] for path in paths]

    async def theirs_for(sig):
        context = trust.context()
        try:
            return await collect_validation_info(sig, context)
        finally:
            await context.aclose()

    async def both():
        context = trust.context()
        try:
            ours = await pades._collect_paths(signatures, context)
        finally:
            await context.aclose()
        return ours, [await theirs_for(sig) for sig in signatures]

    ours, theirs = asyncio.run(both())
    assert [chains(paths) for paths in ours] == [chains(paths) for paths in theirs]
    assert [len(paths) for paths in ours] == [2, 2, 2]  # signer, then the signature timestamp's TSA
    assert ours[0][1] is ours[1][1] is ours[2][1]  # one TSA certificate, validated once
    assert len({id(paths[0]) for paths in ours}) == 3  # three signers, each its own path

"""Forged and damaged inputs, each with its expected outcome and reason (real PKI, real TSA/OCSP on
loopback, real rendering), through the core with the registry's answers."""

from __future__ import annotations

import datetime as dt
from io import BytesIO
from typing import Any

import pytest
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers

from hocbaso.directory.models import Appointment
from hocbaso.records import storage
from hocbaso.records.models import RecordVersion, Status
from hocbaso.signing import pades
from hocbaso.signing.pki import DemoPKI
from hocbaso.signing.services import PKIServices
from hocbaso.testing import World
from hocbaso.verification import core, registry
from hocbaso.verification.tests.helpers import issue, signed_pdf, signed_xml, tampered

pytestmark = pytest.mark.django_db


def _codes(report: core.Report, status: str) -> set[str]:
    return {c.code for c in report.checks if c.status == status}


def test_issued_record_is_valid_as_pdf_and_as_xml(issued: RecordVersion) -> None:
    for document in (signed_pdf(issued), signed_xml(issued)):
        report = registry.verify_document(document)
        assert (report.outcome, report.reason) == ("valid", "all_checks_passed"), report.checks
        assert {c.status for c in report.checks} == {"passed"}
        assert report.status == "issued"
        assert [s.role for s in report.signatures] == ["homeroom", "principal", "school"]
        assert report.document and report.document.issuance_code == issued.issuance_code


def test_offline_without_registry_never_says_valid(issued: RecordVersion) -> None:
    trust = registry.trust_store()
    report = core.verify(signed_pdf(issued), trust=trust, registry=None, tree_head=None)
    assert (report.outcome, report.reason) == ("cannot_determine", "registry_unavailable")
    assert "signature_ok" in _codes(report, "passed") and not _codes(report, "failed")


def test_byte_flipped_in_the_signed_range_is_invalid(issued: RecordVersion) -> None:
    report = registry.verify_document(tampered(signed_pdf(issued)))
    assert report.outcome == "invalid"
    assert "signature_digest_mismatch" in _codes(report, "failed")


def test_embedded_xml_altered_and_reembedded_is_invalid(issued: RecordVersion) -> None:
    pdf = signed_pdf(issued)
    original = pdf[pdf.index(b"<FullName>") : pdf.index(b"</FullName>")] if b"<FullName>" in pdf else None
    assert original is None  # the attachment is compressed: re-embed through an incremental update
    from pyhanko.pdf_utils import embed, generic

    xml = storage.get(issued.xml_name, issued.xml_sha256).replace(b"<Result>", b"<Result>", 1)
    forged_xml = xml.replace(b"<DaysAbsent>", b"<DaysAbsent>1", 1)
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    spec = embed.FileSpec(
        file_spec_string="hocba.xml",
        file_name="hocba.xml",
        embedded_data=embed.EmbeddedFileObject.from_file_data(writer, data=forged_xml, mime_type="application/xml"),
        f_related_files=None,
    )
    embed.embed_file(writer, spec)
    out = BytesIO()
    writer.write(out)
    report = registry.verify_document(out.getvalue())
    assert report.outcome == "invalid"
    failed = _codes(report, "failed")
    assert failed & {"modified_after_signing", "signature_disallowed_modification", "hash_mismatch"}
    assert isinstance(generic.NameObject("/x"), generic.NameObject)


def test_page_added_after_the_last_signature_is_invalid(issued: RecordVersion) -> None:
    from pyhanko.pdf_utils import generic

    pdf = signed_pdf(issued)
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    page = generic.DictionaryObject(
        {
            generic.NameObject("/Type"): generic.NameObject("/Page"),
            generic.NameObject("/MediaBox"): generic.ArrayObject([generic.NumberObject(v) for v in (0, 0, 595, 842)]),
        }
    )
    writer.insert_page(page)
    out = BytesIO()
    writer.write(out)
    report = registry.verify_document(out.getvalue())
    assert report.outcome == "invalid"
    assert _codes(report, "failed") & {"modified_after_signing", "signature_disallowed_modification"}


def test_annotation_changing_visible_text_is_invalid(issued: RecordVersion) -> None:
    from pyhanko.pdf_utils import generic

    pdf = signed_pdf(issued)
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    page_ref, _ = writer.find_page_for_modification(0)
    annotation = generic.DictionaryObject(
        {
            generic.NameObject("/Type"): generic.NameObject("/Annot"),
            generic.NameObject("/Subtype"): generic.NameObject("/FreeText"),
            generic.NameObject("/Rect"): generic.ArrayObject([generic.NumberObject(v) for v in (100, 600, 300, 630)]),
            generic.NameObject("/Contents"): generic.TextStringObject("Hoàn thành xuất sắc"),
            generic.NameObject("/DA"): generic.TextStringObject("/Helv 12 Tf 0 g"),
        }
    )
    page = page_ref.get_object()
    annots = page.get("/Annots", generic.ArrayObject())
    annots = generic.ArrayObject(list(annots.get_object()) if annots else [])
    annots.append(writer.add_object(annotation))
    page[generic.NameObject("/Annots")] = annots
    writer.update_container(page)
    out = BytesIO()
    writer.write(out)
    report = registry.verify_document(out.getvalue())
    assert report.outcome == "invalid"
    assert _codes(report, "failed") & {"modified_after_signing", "signature_disallowed_modification"}


def test_stripped_signature_is_invalid(world: World, pki: DemoPKI, signing_env: dict[str, Any]) -> None:
    version = issue(world, pki, signing_env)
    principal_stage = version.signature_events.get(role="principal")
    stripped = storage.get(storage.name_for(principal_stage.pdf_sha256_after, ".pdf"))
    report = registry.verify_document(stripped)
    assert (report.outcome, report.reason) == ("invalid", "signature_missing")
    assert report.reason_params == {"roles": "school"}
    assert "hash_mismatch" in _codes(report, "failed")


def test_signature_by_an_unknown_ca(world: World, pki: DemoPKI, signing_env, tmp_path_factory, services) -> None:
    """Signed by a look-alike CA: offline it cannot be trusted; online the registry knows other signers."""
    stranger_ca = DemoPKI.create(tmp_path_factory.mktemp("stranger"), base_url=None)
    key, cert = stranger_ca.issue_personal("Người Lạ")
    version = issue(world, pki, signing_env)
    xml = storage.get(version.xml_name, version.xml_sha256)
    from hocbaso.records.rendering import render_pdf

    forged = render_pdf(xml, draft=False)
    tsa = signing_env["tsa_url"]
    for role in ("homeroom", "principal", "school"):
        forged = pades.sign_pdf(
            forged,
            field_name=role,
            signer=signers.SimpleSigner(
                signing_cert=pades.to_asn1(cert),
                signing_key=_asn1_key(key),
                cert_registry=pades.SimpleCertificateStore.from_certs([pades.to_asn1(c) for c in stranger_ca.chain()]),
            ),
            certify=role == "homeroom",
            timestamper_url=tsa,
        )
    offline = core.verify(forged, trust=registry.trust_store(), registry=None, tree_head=None)
    assert (offline.outcome, offline.reason) == ("cannot_determine", "signature_untrusted")
    online = registry.verify_document(forged)
    assert online.outcome == "invalid"
    assert {"hash_mismatch", "signer_unexpected"} <= _codes(online, "failed")


def _asn1_key(key: Any) -> Any:
    from asn1crypto import keys
    from cryptography.hazmat.primitives import serialization

    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return keys.PrivateKeyInfo.load(der)


def _sign_without_checks(pdf: bytes, role: str, key: Any, cert: Any, pki: DemoPKI, tsa: str | None) -> bytes:
    """Sign with pyHanko directly (no project-side refusals), with or without a timestamp."""
    from pyhanko.sign import fields, timestamps

    meta = signers.PdfSignatureMetadata(field_name=role, md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES)
    signer = signers.SimpleSigner(
        signing_cert=pades.to_asn1(cert),
        signing_key=_asn1_key(key),
        cert_registry=pades.SimpleCertificateStore.from_certs([pades.to_asn1(c) for c in pki.chain()]),
    )
    stamper = timestamps.HTTPTimeStamper(tsa) if tsa else None
    out = signers.PdfSigner(meta, signer=signer, timestamper=stamper).sign_pdf(
        IncrementalPdfFileWriter(BytesIO(pdf), strict=False), existing_fields_only=True
    )
    return out.getvalue()


def test_expired_certificate_without_a_timestamp_is_invalid(
    world: World, pki: DemoPKI, signing_env: dict[str, Any]
) -> None:
    now = dt.datetime.now(tz=dt.UTC)
    key, cert = pki.issue_personal(
        "Giáo Viên Hết Hạn", not_before=now - dt.timedelta(days=400), not_after=now - dt.timedelta(days=1)
    )
    version = issue(world, pki, signing_env)
    xml = storage.get(version.xml_name, version.xml_sha256)
    from hocbaso.records.rendering import render_pdf

    forged = _sign_without_checks(render_pdf(xml, draft=False), "homeroom", key, cert, pki, None)
    report = core.verify(forged, trust=registry.trust_store(), registry=None, tree_head=None)
    assert report.outcome == "invalid"
    assert "signature_no_timestamp" in _codes(report, "failed")


def test_certificate_revoked_before_signing_is_invalid(
    world: World, pki: DemoPKI, signing_env: dict[str, Any], services: PKIServices
) -> None:
    key, cert = pki.issue_personal("Giáo Viên Bị Thu Hồi")
    pki.revoke(cert, when=dt.datetime.now(tz=dt.UTC) - dt.timedelta(hours=1))
    version = issue(world, pki, signing_env)
    xml = storage.get(version.xml_name, version.xml_sha256)
    from hocbaso.records.rendering import render_pdf

    forged = _sign_without_checks(render_pdf(xml, draft=False), "homeroom", key, cert, pki, signing_env["tsa_url"])
    report = core.verify(forged, trust=registry.trust_store(), registry=None, tree_head=None)
    assert report.outcome == "invalid"
    assert "signature_revoked" in _codes(report, "failed")


def test_signer_without_the_role_on_that_date_is_invalid(issued: RecordVersion, world: World) -> None:
    # The registry learns that the homeroom appointment only began after the signing date.
    later = dt.date.today() + dt.timedelta(days=30)
    Appointment.objects.filter(staff=world.users["homeroom"].staff, class_group=issued.class_group).update(
        valid_from=later, valid_to=None
    )
    report = registry.verify_document(signed_pdf(issued))
    assert (report.outcome, report.reason) == ("invalid", "signer_not_appointed")
    assert report.reason_params["day"] == dt.datetime.now(tz=core.VIETNAM).strftime("%d/%m/%Y")


def test_superseded_version_is_invalid_and_names_its_successor(issued: RecordVersion, world: World) -> None:
    from hocbaso.signing.tests.factories import make_frozen_version

    issued.transition_to(Status.SUPERSEDED)
    issued.save(update_fields=["status", "status_changed_at"])
    successor = make_frozen_version(world, student=issued.record.student)
    RecordVersion.objects.filter(pk=successor.pk).update(supersedes=issued)
    report = registry.verify_document(signed_pdf(issued))
    assert (report.outcome, report.reason) == ("invalid", "status_superseded")
    assert report.superseded_by == successor.issuance_code
    assert report.reason_params == {"by": successor.issuance_code}


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        (b"", "empty_file"),
        (b"GIF89a not a record", "not_a_record_file"),
        (b"%PDF-1.7\n garbage without structure", "pdf_unreadable"),
        (b"<?xml version='1.0'?><Record/>", "xml_invalid"),
    ],
)
def test_damaged_files_are_invalid(document: bytes, reason: str, settings) -> None:
    settings.HOCBASO_TRUSTED_ROOTS = ""
    trust = core.TrustStore(roots=())
    report = core.verify(document, trust=trust, registry=None, tree_head=None)
    assert (report.outcome, report.reason) == ("invalid", reason)


def test_tampered_tree_head_is_invalid(issued: RecordVersion) -> None:
    trust = registry.trust_store()
    head = registry.signed_tree_head(covering_code=issued.issuance_code)
    assert head is not None
    answers = registry.answers_for(issued.issuance_code, tree_size=head.size)
    forged = core.SignedTreeHead(head.size, bytes(32), head.timestamp_ms, head.signature)
    report = core.verify(signed_pdf(issued), trust=trust, registry=answers, tree_head=forged)
    assert (report.outcome, report.reason) == ("invalid", "tree_head_signature_invalid")

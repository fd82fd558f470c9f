"""Forged and damaged inputs, each with its expected outcome and reason (real PKI, real TSA/OCSP on
loopback, real rendering), through the core with the registry's answers."""

from __future__ import annotations

import datetime as dt
import json
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from django.test import Client
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers

from hocbaso.core import clock
from hocbaso.directory.models import Appointment
from hocbaso.records import storage
from hocbaso.records.models import RecordVersion, Status
from hocbaso.signing import pades
from hocbaso.signing.pki import DemoPKI
from hocbaso.signing.testing.services import PKIServices
from hocbaso.signing.tests.factories import register_credential
from hocbaso.testing import World
from hocbaso.verification import core, registry
from hocbaso.verification.tests.helpers import (
    Seen,
    api_sees,
    command_sees,
    issue,
    page_sees,
    printed_seal,
    save,
    signed_pdf,
    signed_xml,
    tampered,
)

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
    later = clock.today() + dt.timedelta(days=30)
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


# --- issue 11: each case through the page, the API and the command ----------------------------------


def _bundle(client: Client, tmp_path: Path) -> str:
    return save(tmp_path, "bundle.json", client.get("/verify/trust-bundle.json").content)


def _packet(client: Client, code: str, *, since: int | None = None) -> dict[str, Any]:
    query = f"?since={since}" if since else ""
    response = client.get(f"/api/v1/verify/packet/{code}{query}")
    assert response.status_code == 200, response.content
    return response.json()


def test_paper_seal_made_with_another_schools_seal_is_invalid(
    issued: RecordVersion, world: World, pki: DemoPKI, tmp_path: Path
) -> None:
    """School B's seal holder prints school A's pupil: B's seal is bound to B, so the copy is refused."""
    from hocbaso.records.xml import parse_xml
    from hocbaso.signing import paper_seal

    _credential, seal_b = register_credential(pki, world.users["principal_b"], organisation_of=world.school_b)
    data = parse_xml(storage.get(issued.xml_name, issued.xml_sha256))
    fields = paper_seal.fields_of(
        data, issuance_code=issued.issuance_code, xml_sha256=issued.xml_sha256, sealed_on=clock.today().isoformat()
    )
    assert isinstance(seal_b.key, ec.EllipticCurvePrivateKey)
    forged = paper_seal.make_seal(fields, key=seal_b.key, cert=seal_b.certificate)
    client = Client()
    page = page_sees(client, paper=forged)
    assert (page.outcome, page.reason) == ("invalid", "paper_seal_school")
    assert (
        page.reason_text
        == f"Con dấu số thuộc một trường khác, không phải trường {world.school_a.code} ghi trên bản in."
    )
    assert ("Kết quả giáo dục", "Hoàn thành xuất sắc") in page.facts  # what the copy claims, next to the verdict
    assert api_sees(client, paper=forged) == page
    command, status = command_sees(["--paper", forged, "--trust", _bundle(client, tmp_path)], client)
    assert (command, status) == (page, 1)
    offline, _status = command_sees(["--paper", forged, "--trust", _bundle(client, tmp_path), "--offline"], client)
    assert (offline.outcome, offline.reason) == ("invalid", "paper_seal_school")


def test_paper_seal_of_a_superseded_record_is_invalid_online_and_undetermined_offline(
    issued: RecordVersion, world: World, tmp_path: Path
) -> None:
    from hocbaso.signing.tests.factories import make_frozen_version

    seal = printed_seal(signed_pdf(issued))
    client = Client()
    bundle = _bundle(client, tmp_path)
    current = page_sees(client, paper=seal)
    assert (current.outcome, current.reason) == ("valid", "all_checks_passed")
    assert api_sees(client, paper=seal) == current
    assert command_sees(["--paper", seal, "--trust", bundle], client) == (current, 0)

    issued.transition_to(Status.SUPERSEDED)
    issued.save(update_fields=["status", "status_changed_at"])
    successor = make_frozen_version(world, student=issued.record.student)
    RecordVersion.objects.filter(pk=successor.pk).update(supersedes=issued)
    page = page_sees(client, paper=seal)
    assert (page.outcome, page.reason) == ("invalid", "status_superseded")
    assert page.reason_text == f"Đã được thay thế bằng bản {successor.issuance_code}."
    assert api_sees(client, paper=seal) == page
    assert command_sees(["--paper", seal, "--trust", bundle], client) == (page, 1)
    packet = save(tmp_path, "packet.json", json.dumps(_packet(client, issued.issuance_code)))
    assert command_sees(["--paper", seal, "--trust", bundle, "--packet", packet], client) == (page, 1)
    # Offline the seal proves only that the school sealed these values that day; status needs a lookup.
    offline, status = command_sees(["--paper", seal, "--trust", bundle, "--offline"], client)
    assert (offline.outcome, offline.reason, status) == ("cannot_determine", "paper_offline", 2)
    assert offline.reason_text.startswith("Nhà trường đã đóng dấu số các thông tin này vào ngày ")
    assert offline.facts == page.facts


def _forged_record(version: RecordVersion, pki: DemoPKI, tsa: str) -> bytes:
    """The genuine XML re-rendered and signed by three keys that chain to the trusted roots but are
    not the registered signers (the forger holds a genuine certificate of their own)."""
    from hocbaso.records.rendering import render_pdf
    from hocbaso.signing.backends import KeySource

    forged = render_pdf(storage.get(version.xml_name, version.xml_sha256), draft=False)
    for role in ("homeroom", "principal", "school"):
        key, cert = pki.issue_personal(f"Kẻ Giả Mạo {role}")
        source = KeySource(key, cert, pki.chain())
        forged = pades.sign_pdf(forged, field_name=role, signer=source, certify=role == "homeroom", timestamper_url=tsa)
    return forged


def test_edited_registry_file_is_refused(
    issued: RecordVersion, pki: DemoPKI, signing_env: dict[str, Any], tmp_path: Path
) -> None:
    """The forger re-renders the record, signs it with a trusted key of their own and edits the
    registry file to list its hash and their certificates: the packet's signature breaks."""
    forged = _forged_record(issued, pki, signing_env["tsa_url"])
    client = Client()
    page = page_sees(client, document=forged)
    assert (page.outcome, page.reason) == ("invalid", "hash_mismatch")
    assert api_sees(client, document=forged) == page
    bundle, file = _bundle(client, tmp_path), save(tmp_path, "forged.pdf", forged)
    assert command_sees([file, "--trust", bundle], client) == (page, 1)
    genuine = _packet(client, issued.issuance_code)
    assert command_sees(
        [file, "--trust", bundle, "--packet", save(tmp_path, "p.json", json.dumps(genuine))], client
    ) == (page, 1)

    findings = core.examine(forged, trust=registry.trust_store())
    assert findings.facts is not None
    edited = json.loads(json.dumps(genuine))
    edited["answers"]["pdf_sha256s"].append(findings.facts.sha256)
    for signer, signature in zip(edited["answers"]["signers"], findings.signatures, strict=True):
        signer["fingerprint"] = signature.fingerprint
    command, status = command_sees(
        [file, "--trust", bundle, "--packet", save(tmp_path, "e.json", json.dumps(edited))], client
    )
    assert (command.outcome, command.reason, status) == ("invalid", "registry_signature_invalid", 1)
    assert command.reason_text == (
        "Chữ ký trên câu trả lời của cơ sở dữ liệu phát hành không đúng: đã bị sửa hoặc không do hệ thống cấp."
    )
    # Even a correctly signed answer listing the hash would not do: the ledger entry's own hash must be the file's.
    from hocbaso.ledger import keys

    answers = core.RegistryAnswers.from_json(edited["answers"])
    head = core.SignedTreeHead.from_json(edited["tree_head"])
    resigned = core.sign_packet(answers, head, sign=keys.sign, issued_at=edited["issued_at"])
    report = core.verify_with(
        forged, trust=registry.trust_store(), evidence=core.open_packet(resigned, registry.trust_store())
    )
    assert ("ledger", "ledger_entry_mismatch") in {(c.name, c.code) for c in report.checks if c.status == "failed"}


def test_unsigned_or_wrongly_signed_registry_file_is_refused(issued: RecordVersion, tmp_path: Path) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    client = Client()
    pdf = signed_pdf(issued)
    page = page_sees(client, document=pdf)
    assert (page.outcome, page.reason) == ("valid", "all_checks_passed")
    assert api_sees(client, document=pdf) == page
    bundle, file = _bundle(client, tmp_path), save(tmp_path, "hocba.pdf", pdf)
    genuine = _packet(client, issued.issuance_code)
    assert command_sees(
        [file, "--trust", bundle, "--packet", save(tmp_path, "g.json", json.dumps(genuine))], client
    ) == (page, 0)
    unsigned = {k: v for k, v in genuine.items() if k != "signature"}
    bare_answers = genuine["answers"]  # what the former /registry/<code> served: answers, no signature
    other_key = Ed25519PrivateKey.generate()
    answers = core.RegistryAnswers.from_json(genuine["answers"])
    head = core.SignedTreeHead.from_json(genuine["tree_head"])
    foreign = core.sign_packet(answers, head, sign=other_key.sign, issued_at=genuine["issued_at"])
    for name, packet, reason in (
        ("unsigned.json", unsigned, "registry_unsigned"),
        ("bare.json", bare_answers, "registry_unsigned"),
        ("foreign.json", foreign, "registry_signature_invalid"),
    ):
        seen, status = command_sees(
            [file, "--trust", bundle, "--packet", save(tmp_path, name, json.dumps(packet))], client
        )
        assert (seen.outcome, seen.reason, status) == ("invalid", reason, 1), name
        assert seen.facts == page.facts


def test_older_and_newer_tree_heads(
    issued: RecordVersion, world: World, pki: DemoPKI, signing_env: dict[str, Any], tmp_path: Path
) -> None:
    """A tree head the verifier holds, older or newer than the packet's, is linked to it by a
    consistency proof; a head of a rewritten log is refused."""
    from hocbaso.ledger import keys, merkle

    client = Client()
    pdf = signed_pdf(issued)
    bundle, file = _bundle(client, tmp_path), save(tmp_path, "hocba.pdf", pdf)
    older = client.get("/verify/tree-head.json").json()
    old_packet = save(tmp_path, "old-packet.json", json.dumps(_packet(client, issued.issuance_code)))
    issue(world, pki, signing_env)  # the log grows; a newer head is published
    newer = client.get(f"/verify/tree-head.json?since={older['tree_size']}").json()
    assert newer["tree_size"] > older["tree_size"] and newer["consistency"]
    page = page_sees(client, document=pdf)
    assert (page.outcome, page.reason) == ("valid", "all_checks_passed")
    assert api_sees(client, document=pdf) == page

    def command(*argv: str) -> tuple[Seen, int]:
        return command_sees([file, "--trust", bundle, *argv], client)

    # A newer head than the packet's, with the consistency proof from the head file.
    assert command("--packet", old_packet, "--tree-head", save(tmp_path, "newer.json", json.dumps(newer))) == (page, 0)
    # An older head: online the packet is asked for with ?since=, offline a packet made with it.
    held_older = save(tmp_path, "older.json", json.dumps(older))
    assert command("--tree-head", held_older) == (page, 0)
    new_packet = save(
        tmp_path, "new-packet.json", json.dumps(_packet(client, issued.issuance_code, since=older["tree_size"]))
    )
    assert command("--packet", new_packet, "--tree-head", held_older) == (page, 0)
    # Without a proof between the two heads the command cannot vouch for the log.
    bare_newer = save(tmp_path, "bare.json", json.dumps({k: v for k, v in newer.items() if k != "consistency"}))
    seen, status = command("--packet", old_packet, "--tree-head", bare_newer)
    assert (seen.outcome, seen.reason, status) == ("cannot_determine", "consistency_proof_missing", 2)
    # A head of a rewritten log, signed with the log key (a split view): the proof fails.
    size, timestamp = newer["tree_size"], newer["timestamp"]
    fork = {**newer, "root_hash": "11" * 32}
    fork["signature"] = keys.sign(
        merkle.tree_head_signing_input(size, bytes.fromhex(fork["root_hash"]), timestamp)
    ).hex()
    seen, status = command("--packet", old_packet, "--tree-head", save(tmp_path, "fork.json", json.dumps(fork)))
    assert (seen.outcome, seen.reason, status) == ("invalid", "tree_heads_inconsistent", 1)
    tampered_head = save(tmp_path, "tampered.json", json.dumps({**newer, "root_hash": "22" * 32}))
    seen, _status = command("--packet", old_packet, "--tree-head", tampered_head)
    assert (seen.outcome, seen.reason) == ("invalid", "tree_head_signature_invalid")


def test_signature_order_and_certification_are_checked_offline(
    issued: RecordVersion, pki: DemoPKI, signing_env: dict[str, Any]
) -> None:
    from hocbaso.records.rendering import render_pdf

    trust = registry.trust_store()
    genuine = core.verify(signed_pdf(issued), trust=trust, registry=None, tree_head=None)
    assert {"signatures_in_order", "certification_ok"} <= _codes(genuine, "passed")
    xml = storage.get(issued.xml_name, issued.xml_sha256)
    reversed_order = render_pdf(xml, draft=False)
    uncertified = render_pdf(xml, draft=False)
    key, cert = pki.issue_personal("Người Ký Ngược")
    tsa = signing_env["tsa_url"]
    for role in ("school", "principal", "homeroom"):
        reversed_order = _sign_without_checks(reversed_order, role, key, cert, pki, tsa)
    for role in ("homeroom", "principal", "school"):
        uncertified = _sign_without_checks(uncertified, role, key, cert, pki, tsa)
    report = core.verify(reversed_order, trust=trust, registry=None, tree_head=None)
    assert report.outcome == "invalid" and "signatures_out_of_order" in _codes(report, "failed")
    report = core.verify(uncertified, trust=trust, registry=None, tree_head=None)
    assert report.outcome == "invalid" and "certification_missing" in _codes(report, "failed")
    assert "signatures_in_order" in _codes(report, "passed")


def test_a_pdf_with_far_more_objects_than_a_record_is_refused_unexamined(issued: RecordVersion) -> None:
    """Bounded work: an incremental update of thousands of objects (within the size limit) would
    cost minutes and hundreds of megabytes of difference analysis; it is refused first."""
    from pyhanko.pdf_utils import generic

    writer = IncrementalPdfFileWriter(BytesIO(signed_pdf(issued)), strict=False)
    refs = generic.ArrayObject(writer.add_object(generic.NumberObject(i)) for i in range(core.MAX_PDF_OBJECTS))
    writer.root[generic.NameObject("/Filler")] = writer.add_object(refs)
    writer.update_root()
    out = BytesIO()
    writer.write(out)
    report = core.verify(out.getvalue(), trust=registry.trust_store(), registry=None, tree_head=None)
    assert (report.outcome, report.reason) == ("invalid", "pdf_too_complex")
    assert int(report.reason_params["objects"]) > core.MAX_PDF_OBJECTS

"""Transfer bundles: export, verified import with a signed receipt, the receipt closing the
sending side — and every way a forged, damaged or hostile bundle is refused with nothing written."""

from __future__ import annotations

import hashlib
import io
import zipfile
from typing import Any

import pytest
from django.utils import translation

from hocbaso.audit.models import AuditEvent
from hocbaso.core.errors import DomainError
from hocbaso.directory.models import Enrolment, PriorSchooling, Student
from hocbaso.records import storage
from hocbaso.signing.pki import DemoPKI
from hocbaso.signing.tests.factories import PASSWORD
from hocbaso.testing import World
from hocbaso.transfers import actions, asic, documents
from hocbaso.transfers.models import ReceivedBundle, ReceivedRecord, Transfer, TransferState
from hocbaso.transfers.tests.conftest import ELSEWHERE
from hocbaso.transfers.trust import trust_for_import


def entries(raw: bytes) -> list[tuple[str, bytes, int]]:
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        return [(i.filename, archive.read(i), i.compress_type) for i in archive.infolist()]


def rezip(items: list[tuple[str, bytes, int]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content, method in items:
            archive.writestr(zipfile.ZipInfo(name), content, compress_type=method)
    return out.getvalue()


def import_into_b(world: World, credentials: dict[str, Any], raw: bytes) -> tuple[ReceivedBundle, bytes]:
    return actions.import_bundle(
        by=world.users["principal_b"],
        raw=raw,
        school=world.school_b,
        credential=credentials["seal_b"],
        authorisation=PASSWORD,
        to_class=world.class_b_3a,
    )


def test_the_bundle_is_an_asic_e_container_listing_every_file(sent) -> None:  # type: ignore[no-untyped-def]
    transfer, raw = sent
    items = entries(raw)
    assert items[0] == ("mimetype", b"application/vnd.etsi.asic-e+zip", zipfile.ZIP_STORED)
    names = [name for name, _c, _m in items]
    assert names[1:3] == ["META-INF/manifest.xml", "META-INF/signatures.xml"]
    manifest = items[1][1].decode()
    for name, content, _method in items[3:]:
        assert f'Path="{name}"' in manifest and hashlib.sha256(content).hexdigest() in manifest
    assert {"bundle.json", "decision/transfer-decision.xml", "records/2025-2026/record.pdf"} <= set(names)
    assert transfer.state == TransferState.SENT and transfer.bundle_sha256 == hashlib.sha256(raw).hexdigest()


def test_import_creates_the_student_history_and_records_and_signs_a_receipt(world: World, sent, credentials) -> None:  # type: ignore[no-untyped-def]
    transfer, raw = sent
    received, receipt = import_into_b(world, credentials, raw)
    student = received.student
    assert student.school == world.school_b and student.full_name == "Nguyễn Thị Thu Hằng"
    assert Enrolment.objects.get(student=student).class_group == world.class_b_3a
    assert PriorSchooling.objects.filter(student=student).count() >= 2
    files = {n: c for n, c, _m in entries(raw)}
    for record in ReceivedRecord.objects.filter(bundle=received):
        assert storage.get(record.pdf_name, record.pdf_sha256) == files[f"records/{record.school_year}/record.pdf"]
        assert storage.get(record.xml_name, record.xml_sha256) == files[f"records/{record.school_year}/record.xml"]
    report = documents.verify(receipt, trust_for_import(), kind="TransferReceipt")
    assert report.outcome == "valid", report.checks
    assert documents.parse(receipt, kind="TransferReceipt")["BundleSha256"] == transfer.bundle_sha256
    assert AuditEvent.objects.filter(action="transfer.import", school_id=world.school_b.pk).exists()
    # the sending side closes with the receipt
    closed = actions.import_receipt(by=world.users["clerk"], transfer=transfer, raw=receipt)
    assert closed.state == TransferState.ACCEPTED
    assert not Enrolment.objects.filter(student=transfer.student, end_date__isnull=True).exists()


def test_a_receipt_for_another_bundle_is_refused(world: World, sent, credentials) -> None:  # type: ignore[no-untyped-def]
    transfer, raw = sent
    _received, receipt = import_into_b(world, credentials, raw)
    Transfer.objects.filter(pk=transfer.pk).update(bundle_sha256="0" * 64)
    with pytest.raises(DomainError) as caught:
        actions.import_receipt(by=world.users["clerk"], transfer=transfer, raw=receipt)
    assert caught.value.code == "receipt_mismatch"
    assert Transfer.objects.get(pk=transfer.pk).state == TransferState.SENT


def refused(world: World, credentials: dict[str, Any], raw: bytes, code: str) -> None:
    counts = (Student.objects.count(), ReceivedBundle.objects.count(), AuditEvent.objects.count())
    with translation.override("vi"), pytest.raises(DomainError) as caught:
        import_into_b(world, credentials, raw)
    assert caught.value.code == code, (caught.value.code, getattr(caught.value, "detail", ""))
    with translation.override("vi"):
        assert not str(caught.value.message).isascii()
    assert (Student.objects.count(), ReceivedBundle.objects.count(), AuditEvent.objects.count()) == counts


def _replace(raw: bytes, name: str, content: bytes) -> bytes:
    return rezip([(n, content if n == name else c, m) for n, c, m in entries(raw)])


def test_a_changed_record_is_a_hash_mismatch(world: World, sent, credentials) -> None:  # type: ignore[no-untyped-def]
    _t, raw = sent
    pdf = {n: c for n, c, _m in entries(raw)}["records/2025-2026/record.pdf"]
    refused(
        world, credentials, _replace(raw, "records/2025-2026/record.pdf", pdf + b"\n%forged\n"), "bundle_hash_mismatch"
    )


def test_a_manifest_rewritten_for_a_forgery_breaks_the_seal(world: World, sent, credentials) -> None:  # type: ignore[no-untyped-def]
    _t, raw = sent
    files = {n: c for n, c, _m in entries(raw) if n not in ("mimetype", asic.MANIFEST, asic.SIGNATURES)}
    files["bundle.json"] = files["bundle.json"].replace(ELSEWHERE.encode(), "Trường khác".encode())
    forged = _replace(_replace(raw, "bundle.json", files["bundle.json"]), asic.MANIFEST, asic.manifest_xml(files))
    refused(world, credentials, forged, "bundle_signature_invalid")


def test_a_damaged_signature_value(world: World, sent, credentials) -> None:  # type: ignore[no-untyped-def]
    _t, raw = sent
    signatures = {n: c for n, c, _m in entries(raw)}[asic.SIGNATURES]
    start = signatures.index(b"<ds:SignatureValue>") + len(b"<ds:SignatureValue>")
    damaged = signatures[:start] + (b"A" if signatures[start : start + 1] != b"A" else b"B") + signatures[start + 1 :]
    refused(world, credentials, _replace(raw, asic.SIGNATURES, damaged), "bundle_signature_invalid")


def test_a_file_not_in_the_manifest(world: World, sent, credentials) -> None:  # type: ignore[no-untyped-def]
    _t, raw = sent
    refused(
        world,
        credentials,
        rezip([*entries(raw), ("records/extra.pdf", b"%PDF-1.7", zipfile.ZIP_DEFLATED)]),
        "bundle_file_not_in_manifest",
    )


@pytest.mark.parametrize(
    "name", ["../../etc/passwd", "/etc/passwd", "records/../../x.pdf", "C:/x.pdf", "records\\x.pdf"]
)
def test_a_path_escaping_the_bundle(world: World, sent, credentials, name: str) -> None:  # type: ignore[no-untyped-def]
    _t, raw = sent
    refused(world, credentials, rezip([*entries(raw), (name, b"x", zipfile.ZIP_STORED)]), "bundle_unsafe_path")


def test_a_zip_bomb(world: World, sent, credentials) -> None:  # type: ignore[no-untyped-def]
    _t, raw = sent
    refused(
        world,
        credentials,
        rezip([*entries(raw), ("records/bomb.xml", b"\0" * (8 << 20), zipfile.ZIP_DEFLATED)]),
        "bundle_zip_bomb",
    )


def test_too_many_entries(world: World, sent, credentials) -> None:  # type: ignore[no-untyped-def]
    _t, raw = sent
    extra = [(f"records/x{i}.txt", b"x", zipfile.ZIP_STORED) for i in range(asic.MAX_ENTRIES)]
    refused(world, credentials, rezip([*entries(raw), *extra]), "bundle_too_many_entries")


def test_a_bundle_over_its_size_limit(world: World, sent, credentials, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _t, raw = sent
    monkeypatch.setattr(asic, "MAX_BUNDLE_BYTES", len(raw) - 1)
    refused(world, credentials, raw, "bundle_too_large")


def test_not_a_bundle(world: World, credentials) -> None:  # type: ignore[no-untyped-def]
    refused(world, credentials, b"%PDF-1.7 not a zip", "bundle_unreadable")
    refused(world, credentials, rezip([("mimetype", b"application/zip", zipfile.ZIP_STORED)]), "bundle_not_asic")


def test_a_bundle_sealed_under_an_unknown_authority(world: World, sent, credentials, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _t, raw = sent
    stranger = DemoPKI.create(tmp_path / "other-pki", base_url="http://127.0.0.1:9")
    key, cert = stranger.issue_organisation("Trường Tiểu học Giả Mạo")
    files = {n: c for n, c, _m in entries(raw) if n not in ("mimetype", asic.MANIFEST, asic.SIGNATURES)}
    resealed = asic.pack(files, key=key, cert_chain=[cert, *stranger.chain()], role="Xác nhận của nhà trường")
    refused(world, credentials, resealed, "bundle_unknown_issuer")


def test_the_same_bundle_twice(world: World, sent, credentials) -> None:  # type: ignore[no-untyped-def]
    _t, raw = sent
    import_into_b(world, credentials, raw)
    refused(world, credentials, raw, "bundle_already_imported")


def the_child_already_at_school_b(world: World) -> Student:
    """The transferred child (same personal ID) already a pupil of school B."""
    return Student.objects.create(
        school=world.school_b,
        full_name="Nguyễn T. Hằng",
        gender=2,
        date_of_birth="2014-09-12",
        personal_id="051314012345",
    )


def test_a_child_who_already_exists_here(world: World, sent, credentials) -> None:  # type: ignore[no-untyped-def]
    _t, raw = sent
    the_child_already_at_school_b(world)
    refused(world, credentials, raw, "bundle_duplicate_student")


def test_only_the_receiving_principal_imports(world: World, sent, credentials) -> None:  # type: ignore[no-untyped-def]
    _t, raw = sent
    with pytest.raises(DomainError) as caught:
        actions.import_bundle(
            by=world.users["principal"],
            raw=raw,
            school=world.school_b,
            credential=credentials["seal_b"],
            authorisation=PASSWORD,
        )
    assert caught.value.code == "not_receiving_principal"

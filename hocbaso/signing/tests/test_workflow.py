"""The signing order, who may sign on which date, certificate checks, and a fully issued record
checked by pyHanko, poppler's pdfsig and xmlsec1 (real PKI, real TSA/OCSP on loopback)."""

from __future__ import annotations

import datetime as dt
import subprocess
import uuid
from pathlib import Path

import pytest

from hocbaso.audit.models import AuditEvent
from hocbaso.directory.models import Appointment, Role
from hocbaso.records import storage
from hocbaso.records.models import RecordVersion, Status
from hocbaso.records.xml import NAMESPACE
from hocbaso.signing import batches, issuance, pades, pending, refusals, xades
from hocbaso.signing.models import ItemOutcome, SignatureEvent, SignatureRole
from hocbaso.signing.pki import DemoPKI, cert_pem
from hocbaso.signing.tests import factories
from hocbaso.signing.tests.conftest import pdfsig, tool
from hocbaso.signing.tests.factories import (
    make_frozen_version,
    register_credential,
)
from hocbaso.testing import World

pytestmark = pytest.mark.django_db
signing_env = factories.signing_env  # the fixture, shared


def _sign(world: World, user: str, role: str, versions, source, env, credential=None):
    return batches.sign_batch(
        by=world.users[user],
        version_ids=[v.pk for v in versions],
        role=role,
        signer_source=source,
        idempotency_key=uuid.uuid4().hex,
        timestamper_url=env["tsa_url"],
        trust=env["trust"],
        credential=credential,
    )


def _item(batch):
    return batch.items.get()


def test_homeroom_signs_first_and_the_status_moves(world: World, pki: DemoPKI, signing_env) -> None:
    version = make_frozen_version(world)
    _credential, source = register_credential(pki, world.users["homeroom"])
    batch = _sign(world, "homeroom", SignatureRole.HOMEROOM, [version], source, signing_env)

    version.refresh_from_db()
    assert _item(batch).outcome == ItemOutcome.OK
    assert version.status == Status.SIGNED_HOMEROOM
    event = SignatureEvent.objects.get(version=version)
    assert (event.role, event.title, event.signer.user) == ("homeroom", "Giáo viên chủ nhiệm", world.users["homeroom"])
    assert event.pdf_sha256_after == version.signed_pdf_sha256
    pdf = storage.get(version.signed_pdf_name, version.signed_pdf_sha256)
    reports = pades.validate_pdf(pdf, signing_env["trust"])
    assert [(r.field_name, r.outcome) for r in reports] == [("homeroom", "valid")]
    assert AuditEvent.objects.filter(action="record.sign", object_id=str(version.pk)).count() == 1


@pytest.mark.parametrize(
    ("status_before", "role", "user"),
    [
        (Status.FROZEN, SignatureRole.PRINCIPAL, "principal"),
        (Status.FROZEN, SignatureRole.SCHOOL, "clerk"),
    ],
)
def test_out_of_order_signature_is_refused(world: World, pki: DemoPKI, signing_env, status_before, role, user) -> None:
    version = make_frozen_version(world)
    organisation = world.school_a if role == SignatureRole.SCHOOL else None
    credential, source = register_credential(pki, world.users[user], organisation_of=organisation)
    batch = _sign(world, user, role, [version], source, signing_env, credential)

    item = _item(batch)
    assert (item.outcome, item.code) == (ItemOutcome.FAILED, "signing_out_of_order")
    stored = RecordVersion.objects.get(pk=version.pk)
    assert stored.status == status_before
    assert stored.signed_pdf_name == ""
    assert not SignatureEvent.objects.exists()


def test_signer_without_the_role_on_the_signing_date_is_refused(world: World, pki: DemoPKI, signing_env) -> None:
    version = make_frozen_version(world)
    # The homeroom appointment of 3A ended yesterday: the teacher may no longer sign for 3A.
    Appointment.objects.filter(staff=world.users["homeroom"].staff).update(
        valid_to=dt.date.today() - dt.timedelta(days=1)
    )
    credential, source = register_credential(pki, world.users["homeroom"])
    batch = _sign(world, "homeroom", SignatureRole.HOMEROOM, [version], source, signing_env, credential)

    item = _item(batch)
    assert (item.outcome, item.code) == (ItemOutcome.FAILED, "signer_not_appointed")
    assert RecordVersion.objects.get(pk=version.pk).status == Status.FROZEN


def test_homeroom_teacher_of_another_class_is_refused(world: World, pki: DemoPKI, signing_env) -> None:
    version = make_frozen_version(world, class_group=world.class_3b)
    _credential, source = register_credential(pki, world.users["homeroom"])
    batch = _sign(world, "homeroom", SignatureRole.HOMEROOM, [version], source, signing_env)
    assert _item(batch).code == "signer_not_appointed"


@pytest.mark.parametrize("problem", ["revoked", "expired"])
def test_revoked_and_expired_certificates_are_refused_at_signing(
    world: World, pki: DemoPKI, signing_env, problem: str
) -> None:
    version = make_frozen_version(world)
    now = dt.datetime.now(tz=dt.UTC)
    if problem == "expired":
        credential, source = register_credential(
            pki, world.users["homeroom"], not_before=now - dt.timedelta(days=400), not_after=now - dt.timedelta(days=1)
        )
    else:
        credential, source = register_credential(pki, world.users["homeroom"])
        pki.revoke(source.certificate)
    with pytest.raises(refusals.CredentialRefused) as refused:
        _sign(world, "homeroom", SignatureRole.HOMEROOM, [version], source, signing_env, credential)

    assert refused.value.code == f"certificate_{problem}"
    stored = RecordVersion.objects.get(pk=version.pk)
    assert (stored.status, stored.signed_pdf_name) == (Status.FROZEN, "")
    assert not SignatureEvent.objects.exists()


def test_someone_elses_credential_is_refused(world: World, pki: DemoPKI, signing_env) -> None:
    version = make_frozen_version(world)
    credential, source = register_credential(pki, world.users["principal"])
    with pytest.raises(refusals.CredentialRefused) as refused:
        _sign(world, "homeroom", SignatureRole.HOMEROOM, [version], source, signing_env, credential)
    assert refused.value.code == "credential_not_yours"


def test_vice_principal_signs_for_the_principal(world: World, pki: DemoPKI, signing_env) -> None:
    version = make_frozen_version(world)
    _c, homeroom = register_credential(pki, world.users["homeroom"])
    _c, vice = register_credential(pki, world.users["vice"])
    _sign(world, "homeroom", SignatureRole.HOMEROOM, [version], homeroom, signing_env)
    batch = _sign(world, "vice", SignatureRole.PRINCIPAL, [version], vice, signing_env)

    assert _item(batch).outcome == ItemOutcome.OK
    event = SignatureEvent.objects.get(version=version, role=SignatureRole.PRINCIPAL)
    assert event.title == "KT. Hiệu trưởng"
    assert event.appointment.role == Role.VICE_PRINCIPAL


def test_pending_for_lists_what_waits_for_each_signer(world: World, pki: DemoPKI, signing_env) -> None:
    in_3a = make_frozen_version(world)
    in_3b = make_frozen_version(world, class_group=world.class_3b)
    other_school = make_frozen_version(world, class_group=world.class_b_3a)

    def waiting(user: str) -> dict[str, list[int]]:
        found: dict[str, list[int]] = {}
        for group in pending.pending_for(world.users[user]):
            found.setdefault(group.role, []).extend(v.pk for v in group.versions)
        return found

    assert waiting("homeroom") == {"homeroom": [in_3a.pk]}
    assert waiting("principal") == {}
    assert waiting("principal_b") == {}
    assert waiting("stranger") == {}
    _c, source = register_credential(pki, world.users["homeroom"])
    _sign(world, "homeroom", SignatureRole.HOMEROOM, [in_3a], source, signing_env)
    assert waiting("homeroom") == {}
    assert waiting("principal") == {"principal": [in_3a.pk]}
    assert waiting("clerk") == {}
    assert {in_3b.pk, other_school.pk}.isdisjoint(waiting("principal").get("principal", []))


def test_fully_issued_record_is_accepted_by_pyhanko_pdfsig_and_xmlsec(
    world: World, pki: DemoPKI, signing_env, nss_db: str, tmp_path: Path
) -> None:
    version = make_frozen_version(world, realistic=True)
    issued: list[int] = []
    issuance.ISSUED_CALLBACKS.append(lambda v, by: issued.append(v.pk))
    try:
        _c, homeroom = register_credential(pki, world.users["homeroom"])
        _c, principal = register_credential(pki, world.users["principal"], key_type="rsa")
        _c, seal = register_credential(pki, world.users["clerk"], organisation_of=world.school_a)
        for user, role, source in [
            ("homeroom", SignatureRole.HOMEROOM, homeroom),
            ("principal", SignatureRole.PRINCIPAL, principal),
            ("clerk", SignatureRole.SCHOOL, seal),
        ]:
            batch = _sign(world, user, role, [version], source, signing_env)
            assert _item(batch).outcome == ItemOutcome.OK, _item(batch).message
    finally:
        issuance.ISSUED_CALLBACKS.clear()

    version.refresh_from_db()
    assert version.status == Status.ISSUED
    assert issued == [version.pk]
    assert list(SignatureEvent.objects.filter(version=version).values_list("role", flat=True)) == [
        "homeroom",
        "principal",
        "school",
    ]
    pdf = storage.get(version.signed_pdf_name, version.signed_pdf_sha256)
    xml = storage.get(version.signed_xml_name, version.signed_xml_sha256)

    reports = pades.validate_pdf(pdf, signing_env["trust"])
    assert [(r.field_name, r.kind, r.outcome) for r in reports[:3]] == [
        ("homeroom", "signature", "valid"),
        ("principal", "signature", "valid"),
        ("school", "signature", "valid"),
    ]
    assert reports[3].kind == "document_timestamp" and reports[3].outcome == "valid"  # B-LTA

    signed = pdfsig(pdf, nss_db, tmp_path)
    assert [s.get("Signature Validation") for s in signed[:3]] == ["Signature is Valid."] * 3
    assert [s.get("Certificate Validation") for s in signed[:3]] == ["Certificate is Trusted."] * 3

    assert [r.outcome for r in xades.verify_xml(xml, pki.roots())] == ["valid"] * 3
    (tmp_path / "record.xml").write_bytes(xml)
    (tmp_path / "root.pem").write_bytes(pki.export_roots_pem())
    (tmp_path / "ca.pem").write_bytes(cert_pem(pki.chain()[0]))
    for index in (1, 2, 3):
        result = subprocess.run(
            [
                tool("xmlsec1"),
                "--verify",
                "--trusted-pem",
                str(tmp_path / "root.pem"),
                "--untrusted-pem",
                str(tmp_path / "ca.pem"),
                "--id-attr:Id",
                f"{NAMESPACE}:Content",
                "--id-attr:Id",
                "http://uri.etsi.org/01903/v1.3.2#:SignedProperties",
                "--node-xpath",
                f"(//*[local-name()='Signature'])[{index}]",
                str(tmp_path / "record.xml"),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert "OK" in result.stderr

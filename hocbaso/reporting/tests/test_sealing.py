"""Periodic reports sealed with the unit's seal: who registers and applies the seal (an officer of
that very unit only), the sealed PDF (pdfsig and pyHanko accept it), the detached XAdES seal of the
.xlsx, the download page naming who sealed it, and what an insider would try: another unit's
officer sealing or downloading, a forged or self-made certificate, a wrong password, a changed file."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from hocbaso.audit.models import AuditEvent
from hocbaso.core.errors import PermissionRefused, ValidationFailed
from hocbaso.directory.models import SchoolYear
from hocbaso.reporting import actions, sealing
from hocbaso.reporting import files as report_files
from hocbaso.reporting.models import PendingAuthorisation, ReportRun
from hocbaso.reporting.tests.data import Data, build
from hocbaso.reporting.tests.sealed_files import check_sealed_run, seal_from_page
from hocbaso.signing import actions as signing_actions
from hocbaso.signing import seals
from hocbaso.signing.models import SigningCredential
from hocbaso.signing.pki import DemoPKI
from hocbaso.signing.tests.conftest import nss_db, pki, services, trust  # noqa: F401
from hocbaso.signing.tests.factories import PASSWORD, signing_env  # noqa: F401
from hocbaso.testing import World

pytestmark = pytest.mark.django_db

COMMUNE_SEAL = "Ủy ban nhân dân Xã Bình Sơn"


@pytest.fixture
def data(world: World, signing_env: dict[str, Any]) -> Data:  # noqa: F811
    return build(world)


def _p12(pki: DemoPKI, name: str = COMMUNE_SEAL) -> bytes:  # noqa: F811
    key, cert = pki.issue_organisation(name, locality="Tỉnh Quảng Ngãi")
    return pki.export_pkcs12(key, cert, PASSWORD)


def _self_made(pki: DemoPKI) -> bytes:  # noqa: F811
    """A PKCS#12 whose certificate claims the commune's name but was made by the insider himself."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, COMMUNE_SEAL)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    return pki.export_pkcs12(key, cert, PASSWORD)


def _register(data: Data, pki: DemoPKI, persona: str = "officer") -> SigningCredential:  # noqa: F811
    return signing_actions.register_unit_seal(
        by=data.world.users[persona], unit=data.world.commune1, pkcs12=_p12(pki), password=PASSWORD, label="Con dấu"
    )


def _year() -> SchoolYear:
    return SchoolYear.objects.get(code="2025-2026")


def test_the_units_officer_registers_its_seal_on_the_page(data: Data, pki: DemoPKI, login) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    w = data.world
    client = login("officer")
    url = reverse("reporting:unit_seal", args=[w.commune1.pk])
    assert client.get(url).status_code == 200
    upload = SimpleUploadedFile("con-dau.p12", _p12(pki), content_type="application/x-pkcs12")
    answer = client.post(url, {"file": upload, "password": PASSWORD, "label": "Con dấu xã"})
    assert answer.status_code == 302
    seal = seals.current(w.commune1)
    assert seal is not None and seal.for_organisation and seal.unit == w.commune1 and seal.school is None
    assert seal.staff.user == w.users["officer"]
    event = AuditEvent.objects.get(action="signing.credential_register", object_id=str(seal.pk))
    assert event.changes["unit"] == w.commune1.code
    # a second registration retires the first, audited
    newer = _register(data, pki)
    seal.refresh_from_db()
    assert not seal.active and seals.current(w.commune1) == newer
    assert AuditEvent.objects.filter(action="signing.unit_seal_retired", object_id=str(seal.pk)).exists()


@pytest.mark.parametrize("persona", ["province_officer", "officer2", "district_officer", "principal", "operator"])
def test_no_one_but_the_units_own_officer_registers_its_seal(data: Data, pki: DemoPKI, login, persona: str) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    w = data.world
    with pytest.raises(PermissionRefused) as refused:
        _register(data, pki, persona)
    assert refused.value.code == "unit_seal_not_allowed"
    client = login(persona)
    upload = SimpleUploadedFile("con-dau.p12", _p12(pki), content_type="application/x-pkcs12")
    answer = client.post(
        reverse("reporting:unit_seal", args=[w.commune1.pk]), {"file": upload, "password": PASSWORD, "label": "x"}
    )
    assert answer.status_code in (403, 404)
    assert not SigningCredential.objects.filter(unit=w.commune1).exists()


def test_a_forged_or_unopenable_seal_is_refused(data: Data, pki: DemoPKI) -> None:  # noqa: F811
    w = data.world
    officer = w.users["officer"]
    with pytest.raises(ValidationFailed) as forged:
        signing_actions.register_unit_seal(
            by=officer, unit=w.commune1, pkcs12=_self_made(pki), password=PASSWORD, label="Giả"
        )
    assert forged.value.code == "certificate_untrusted"
    with pytest.raises(ValidationFailed) as wrong:
        signing_actions.register_unit_seal(by=officer, unit=w.commune1, pkcs12=_p12(pki), password="sai", label="x")
    assert wrong.value.code == "credential_unreadable"
    with pytest.raises(ValidationFailed) as garbage:
        signing_actions.register_unit_seal(by=officer, unit=w.commune1, pkcs12=b"not a p12", password="x", label="x")
    assert garbage.value.code == "credential_unreadable"
    assert not SigningCredential.objects.filter(unit=w.commune1).exists()


def test_a_sealed_roll_up_passes_pdfsig_and_the_verifier(  # type: ignore[no-untyped-def]
    data: Data,
    pki: DemoPKI,  # noqa: F811
    trust,  # noqa: F811
    nss_db: str,  # noqa: F811
    tmp_path: Path,
    login,
    django_capture_on_commit_callbacks,
) -> None:
    w = data.world
    seal = _register(data, pki)
    client = login("officer")
    run, _page = seal_from_page(
        client=client,
        capture=django_capture_on_commit_callbacks,
        page=reverse("reporting:unit", args=[w.commune1.pk]),
        generate=reverse("reporting:unit_generate", args=[w.commune1.pk]),
        seal=seal,
        sealed_by=w.users["officer"],
    )
    shown = client.get(reverse("reporting:run", args=[run.pk])).content.decode()
    assert COMMUNE_SEAL in shown and seal.fingerprint in shown
    assert reverse("reporting:run_file", args=[run.pk, "seal"]) in shown
    _, xlsx, seal_xml = check_sealed_run(
        client=client,
        run=run,
        seal=seal,
        signer=COMMUNE_SEAL,
        pki=pki,
        trust=trust,
        nss_db=nss_db,
        tmp_path=tmp_path,
    )
    assert re.search(rb"<FileSha256>[0-9a-f]{64}</FileSha256>", seal_xml)
    assert AuditEvent.objects.filter(action="report.sealed", object_id=str(run.pk)).exists()
    unsealed = report_files.read(*_unsealed(data, client, django_capture_on_commit_callbacks))
    assert sealing.verify(unsealed, xlsx, seal_xml, trust).reasons[0] == "pdf_not_sealed"
    # another commune's officer cannot download the sealed files
    other = login("officer2", on=client.__class__())
    for kind in ("pdf", "xlsx", "seal"):
        assert other.get(reverse("reporting:run_file", args=[run.pk, kind])).status_code == 404


def _unsealed(data: Data, client: Any, capture: Any) -> tuple[str, str]:
    with capture(execute=True):
        client.post(
            reverse("reporting:unit_generate", args=[data.world.commune1.pk]), {"year": "2025-2026", "point": "mid1"}
        )
    run = ReportRun.objects.filter(seal_credential__isnull=True).get()
    assert run.seal_name == "" and run.sealed_at is None
    return run.pdf_name, run.pdf_sha256


@pytest.mark.parametrize("persona", ["province_officer", "officer2", "operator"])
def test_another_units_officer_cannot_apply_the_seal(data: Data, pki: DemoPKI, persona: str) -> None:  # noqa: F811
    w = data.world
    _register(data, pki)
    with pytest.raises(PermissionRefused) as refused:
        actions.start_report(by=w.users[persona], school_year=_year(), unit=w.commune1, seal_authorisation=PASSWORD)
    assert refused.value.code in ("unit_seal_not_allowed", "not_allowed")
    assert not ReportRun.objects.exists() and not PendingAuthorisation.objects.exists()


def test_a_wrong_password_or_no_seal_queues_nothing(data: Data, pki: DemoPKI) -> None:  # noqa: F811
    w = data.world
    officer = w.users["officer"]
    with pytest.raises(ValidationFailed) as missing:
        actions.start_report(by=officer, school_year=_year(), unit=w.commune1, seal_authorisation=PASSWORD)
    assert missing.value.code == "unit_seal_missing"
    _register(data, pki)
    with pytest.raises(ValidationFailed) as wrong:
        actions.start_report(by=officer, school_year=_year(), unit=w.commune1, seal_authorisation="sai")
    assert wrong.value.code == "pkcs12_unreadable"
    assert not ReportRun.objects.exists() and not PendingAuthorisation.objects.exists()

"""Batches signed through a remote signing service (CSC) and through a phone app that answers later
(interrupted signing with the prepared state in the database), end to end through the batches."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from hocbaso.core.errors import DomainError
from hocbaso.records import storage
from hocbaso.records.models import RecordVersion, Status
from hocbaso.signing import actions, pades, remote, xades
from hocbaso.signing.models import (
    CredentialKind,
    ItemOutcome,
    RemoteApproval,
    SignatureEvent,
    SignatureRole,
    SigningBatch,
)
from hocbaso.signing.pki import DemoPKI
from hocbaso.signing.testing.csc_server import CscTestServer
from hocbaso.signing.tests import factories
from hocbaso.signing.tests.factories import make_class_versions
from hocbaso.testing import World

pytestmark = pytest.mark.django_db
signing_env = factories.signing_env  # the fixture, shared


def _assert_signed(version: RecordVersion, trust: pades.Trust, pki: DemoPKI, name: str) -> None:
    version.refresh_from_db()
    assert version.status == Status.SIGNED_HOMEROOM
    (report,) = pades.validate_pdf(storage.get(version.signed_pdf_name, version.signed_pdf_sha256), trust)
    assert (report.outcome, report.signer_name) == ("valid", name)
    (xml_report,) = xades.verify_xml(storage.get(version.signed_xml_name, version.signed_xml_sha256), pki.roots())
    assert (xml_report.outcome, xml_report.signer_name) == ("valid", name)


# --- CSC ---------------------------------------------------------------------------------------------


@pytest.fixture
def csc_for_homeroom(world: World, pki: DemoPKI, settings: Any) -> Iterator[CscTestServer]:
    key, cert = pki.issue_personal(world.users["homeroom"].staff.full_name, key_type="rsa")
    server = CscTestServer(token="bearer-school")
    server.add("gvcn-1", key, cert, pki.chain(), pin="2468")
    settings.HOCBASO_CSC_TOKEN = "bearer-school"
    with server:
        yield server


def test_a_class_is_signed_through_a_remote_signing_service(
    world: World, pki: DemoPKI, signing_env, csc_for_homeroom, django_capture_on_commit_callbacks
) -> None:
    homeroom = world.users["homeroom"]
    with pytest.raises(DomainError) as unknown:
        actions.register_csc_credential(
            by=homeroom, staff=homeroom.staff, service_url=csc_for_homeroom.url, credential_id="nope", label=""
        )
    assert unknown.value.code == "csc_unavailable"
    credential = actions.register_csc_credential(
        by=homeroom, staff=homeroom.staff, service_url=csc_for_homeroom.url, credential_id="gvcn-1", label="Ký số từ xa"
    )
    assert (credential.kind, credential.config["credential_id"]) == (CredentialKind.CSC, "gvcn-1")
    assert "PIN" not in str(credential.config) and "2468" not in str(credential.config)
    versions = make_class_versions(world, 3)
    ids = [v.pk for v in versions]

    with pytest.raises(DomainError) as wrong_pin:
        actions.submit_batch(
            by=homeroom,
            version_ids=ids,
            role="homeroom",
            credential=credential,
            idempotency_key="csc-1",
            authorisation="0000",
        )
    assert wrong_pin.value.code == "csc_pin_refused"
    assert not SigningBatch.objects.exists()

    calls_before = len(csc_for_homeroom.calls)
    with django_capture_on_commit_callbacks(execute=True):
        batch = actions.submit_batch(
            by=homeroom,
            version_ids=ids,
            role="homeroom",
            credential=credential,
            idempotency_key="csc-1",
            authorisation="2468",
        )
    batch.refresh_from_db()
    assert (batch.state, batch.done) == (SigningBatch.State.FINISHED, 3)
    assert list(batch.items.values_list("outcome", flat=True)) == [ItemOutcome.OK] * 3
    for version in versions:
        _assert_signed(version, signing_env["trust"], pki, homeroom.staff.full_name)
    assert csc_for_homeroom.calls.count("signatures/signHash") >= 6  # PDF and XML for each record
    # PIN check, certificate check, then one session for the whole batch (not one per document)
    assert csc_for_homeroom.calls[calls_before:].count("credentials/info") == 3


# --- a phone app, answering later ----------------------------------------------------------------------


def _app_signs(key: Any, data: bytes) -> bytes:
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(data, ec.ECDSA(hashes.SHA256()))
    assert isinstance(key, rsa.RSAPrivateKey)
    return key.sign(data, padding.PKCS1v15(), hashes.SHA256())


def _app_batch(world: World, pki: DemoPKI, capture: Any, count: int, *, key_type: str = "ec") -> tuple[Any, Any, list]:
    """The homeroom teacher registers a phone-app certificate and submits ``count`` records: (key, batch, versions)."""
    homeroom = world.users["homeroom"]
    key, cert = pki.issue_personal(homeroom.staff.full_name, key_type=key_type)  # type: ignore[arg-type]
    pem = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in [cert, *pki.chain()])
    credential = actions.register_app_certificate(
        by=homeroom, staff=homeroom.staff, certificate_file=pem, label="VNPT SmartCA"
    )
    versions = make_class_versions(world, count)
    with capture(execute=True):
        batch = actions.submit_batch(
            by=homeroom,
            version_ids=[v.pk for v in versions],
            role=SignatureRole.HOMEROOM,
            credential=credential,
            idempotency_key=f"app-{credential.pk}",
            authorisation="",
        )
    batch.refresh_from_db()
    return key, batch, versions


@pytest.mark.parametrize("key_type", ["ec", "rsa"])
def test_a_phone_app_batch_waits_survives_a_restart_and_finishes_with_the_apps_answers(
    key_type, world: World, pki: DemoPKI, signing_env, django_capture_on_commit_callbacks
) -> None:
    homeroom = world.users["homeroom"]
    with pytest.raises(DomainError) as garbage:
        actions.register_app_certificate(by=homeroom, staff=homeroom.staff, certificate_file=b"not a cert", label="")
    assert garbage.value.code == "certificate_unreadable"
    key, batch, _versions = _app_batch(world, pki, django_capture_on_commit_callbacks, 3, key_type=key_type)
    assert batch.state == SigningBatch.State.AWAITING
    assert list(batch.items.values_list("outcome", flat=True)) == [ItemOutcome.AWAITING] * 3
    assert RecordVersion.objects.filter(status=Status.FROZEN).count() == 3  # nothing signed yet
    # Preparing again (a task re-run after a restart) prepares nothing twice.
    remote.prepare_batch(batch.pk)
    assert RemoteApproval.objects.count() == 3

    # What the app sees comes from the database only: the state survives a restart.
    first, second, third = remote.waiting_for(homeroom)
    with pytest.raises(DomainError) as forged:
        remote.answer(
            by=homeroom,
            approval_id=first.pk,
            pdf_signature=_app_signs(key, b"something else"),
            xml_signature=_app_signs(key, bytes(first.xml_to_be_signed)),
        )
    assert forged.value.code == "signature_value_invalid"
    first.refresh_from_db()
    assert first.state == RemoteApproval.State.WAITING  # a wrong answer loses nothing

    with pytest.raises(DomainError) as not_theirs:
        remote.answer(by=world.users["principal"], approval_id=first.pk, pdf_signature=b"", xml_signature=b"")
    assert not_theirs.value.code == "approval_not_found"

    for approval in (first, second):
        answered = remote.answer(
            by=homeroom,
            approval_id=approval.pk,
            pdf_signature=_app_signs(key, bytes(approval.pdf_to_be_signed)),
            xml_signature=_app_signs(key, bytes(approval.xml_to_be_signed)),
        )
        assert answered.state == RemoteApproval.State.SIGNED
        _assert_signed(approval.version, signing_env["trust"], pki, homeroom.staff.full_name)
    again = remote.answer(by=homeroom, approval_id=first.pk, pdf_signature=b"", xml_signature=b"")  # a double tap
    assert again.state == RemoteApproval.State.SIGNED
    assert SignatureEvent.objects.filter(version=first.version).count() == 1

    remote.refuse(by=homeroom, approval_id=third.pk)
    batch.refresh_from_db()
    assert batch.state == SigningBatch.State.FINISHED
    assert list(batch.items.order_by("position").values_list("outcome", "code")) == [
        (ItemOutcome.OK, ""),
        (ItemOutcome.OK, ""),
        (ItemOutcome.FAILED, "refused_in_app"),
    ]
    assert RecordVersion.objects.get(pk=third.version_id).status == Status.FROZEN


def test_the_phone_app_answers_through_the_api(
    world: World, pki: DemoPKI, signing_env, client, django_capture_on_commit_callbacks
) -> None:
    import base64

    from hocbaso.accounts.actions import create_token

    homeroom = world.users["homeroom"]
    key, _batch, (version,) = _app_batch(world, pki, django_capture_on_commit_callbacks, 1)
    _token, secret = create_token(by=None, user=homeroom, name="điện thoại")
    _other, stranger = create_token(by=None, user=world.users["principal"], name="khác")
    mine: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}

    assert client.get("/api/v1/signing/approvals").status_code == 401
    assert client.get("/api/v1/signing/approvals", HTTP_AUTHORIZATION=f"Bearer {stranger}").json() == []
    (listed,) = client.get("/api/v1/signing/approvals", **mine).json()
    assert (listed["issuance_code"], listed["role"], listed["state"]) == (version.issuance_code, "homeroom", "waiting")
    url = f"/api/v1/signing/approvals/{listed['id']}"

    def signed(field: str) -> str:
        return base64.b64encode(_app_signs(key, base64.b64decode(listed[field]))).decode()

    body = {"pdf_signature": signed("pdf_to_be_signed"), "xml_signature": signed("xml_to_be_signed")}
    refused = client.post(url, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {stranger}")
    assert (refused.status_code, refused.json()["code"]) == (404, "approval_not_found")
    bad = client.post(url, {**body, "pdf_signature": "%%%"}, content_type="application/json", **mine)
    assert (bad.status_code, bad.json()["code"]) == (400, "not_base64")
    swapped = {"pdf_signature": body["xml_signature"], "xml_signature": body["pdf_signature"]}
    wrong = client.post(url, swapped, content_type="application/json", **mine)
    assert (wrong.status_code, wrong.json()["code"]) == (400, "signature_value_invalid")
    done = client.post(url, body, content_type="application/json", **mine)
    assert (done.status_code, done.json()["state"]) == (200, "signed")
    _assert_signed(version, signing_env["trust"], pki, homeroom.staff.full_name)
    assert client.get("/api/v1/signing/approvals", **mine).json() == []


def test_approvals_nobody_answers_expire_and_the_batch_finishes(
    world: World, pki: DemoPKI, signing_env, django_capture_on_commit_callbacks
) -> None:
    import datetime as dt

    from django.core.management import call_command

    homeroom = world.users["homeroom"]
    _key, batch, _versions = _app_batch(world, pki, django_capture_on_commit_callbacks, 2)
    assert remote.expire_stale() == 0  # nothing is due yet
    RemoteApproval.objects.update(expires_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    call_command("signing", "expire-approvals")
    batch.refresh_from_db()
    assert batch.state == SigningBatch.State.FINISHED
    assert set(batch.items.values_list("outcome", "code")) == {(ItemOutcome.FAILED, "approval_expired")}
    assert not remote.waiting_for(homeroom).exists()
    assert RecordVersion.objects.filter(status=Status.FROZEN).count() == 2


def test_a_signer_connects_an_app_with_a_key_shown_once_and_revokes_it(world: World, login) -> None:
    from django.test import Client
    from django.urls import reverse

    app = Client()  # the phone: no session, only the key
    url = reverse("signing:app")
    page = login("homeroom")
    created = page.post(url).content.decode()
    secret = created.split('<code id="app-secret">')[1].split("</code>")[0]
    assert secret.startswith("hbs_") and "<svg" in created
    assert secret not in page.get(url).content.decode()  # shown once
    mine: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    assert app.get("/api/v1/signing/approvals", **mine).status_code == 200

    from hocbaso.accounts.models import ApiToken

    token = ApiToken.objects.get(user=world.users["homeroom"])
    other = login("principal", on=Client())
    assert other.post(url, {"revoke": token.pk}).status_code == 404  # not theirs
    page.post(url, {"revoke": token.pk})
    assert app.get("/api/v1/signing/approvals", **mine).status_code == 401


def _signature_dictionary(version: RecordVersion) -> dict[str, Any]:
    from io import BytesIO

    from pyhanko.pdf_utils.reader import PdfFileReader

    version.refresh_from_db()
    reader = PdfFileReader(BytesIO(storage.get(version.signed_pdf_name, version.signed_pdf_sha256)))
    (signature,) = reader.embedded_signatures
    shown = signature.sig_object
    return {
        "field": signature.field_name,
        "reason": str(shown.get("/Reason")),
        "location": str(shown.get("/Location")),
        "filter": str(shown.get("/Filter")),
        "subfilter": str(shown.get("/SubFilter")),
        "certification": signature.docmdp_level,
    }


def test_a_phone_app_signature_carries_the_same_metadata_as_a_key_in_hand(
    world: World, pki: DemoPKI, signing_env, django_capture_on_commit_callbacks
) -> None:
    """Every means builds its PAdES dictionary with ``pades.signature_metadata`` from the same texts
    (``batches.pdf_signature_texts``): the title as reason, the school as location, certification."""
    key, _batch, (by_app,) = _app_batch(world, pki, django_capture_on_commit_callbacks, 1)
    (approval,) = remote.waiting_for(world.users["homeroom"])
    remote.answer(
        by=world.users["homeroom"],
        approval_id=approval.pk,
        pdf_signature=_app_signs(key, bytes(approval.pdf_to_be_signed)),
        xml_signature=_app_signs(key, bytes(approval.xml_to_be_signed)),
    )
    by_key = factories.make_frozen_version(world)
    _credential, source = factories.register_credential(pki, world.users["homeroom"])
    actions.sign_batch(
        by=world.users["homeroom"],
        version_ids=[by_key.pk],
        role=SignatureRole.HOMEROOM,
        signer_source=source,
        idempotency_key="key-in-hand",
    )

    app, in_hand = _signature_dictionary(by_app), _signature_dictionary(by_key)
    assert app == in_hand
    assert (app["field"], app["reason"], app["location"]) == ("homeroom", "Giáo viên chủ nhiệm", by_app.school.name)
    assert app["certification"] is not None  # the homeroom teacher's signature certifies

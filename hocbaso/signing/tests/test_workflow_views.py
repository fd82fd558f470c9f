"""The signing pages: "waiting for my signature", sign all with one password, batch results,
audited PDF reads scoped to the signer, certificates expiring soon."""

from __future__ import annotations

import datetime as dt

import pytest

from hocbaso.audit.models import AuditEvent
from hocbaso.records.models import Status
from hocbaso.signing.models import SignatureEvent, SigningBatch
from hocbaso.signing.pki import DemoPKI
from hocbaso.signing.tests import factories
from hocbaso.signing.tests.factories import PASSWORD, make_class_versions, make_frozen_version, register_credential
from hocbaso.testing import World

pytestmark = [pytest.mark.django_db]
signing_env = factories.signing_env


def test_pending_page_lists_the_class_and_signs_all_with_one_password(
    world: World, pki: DemoPKI, signing_env, login, django_capture_on_commit_callbacks
) -> None:
    versions = make_class_versions(world, 3)
    credential, _source = register_credential(pki, world.users["homeroom"])
    client = login("homeroom")

    page = client.get("/signing/pending/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "3A" in body
    assert all(v.issuance_code in body for v in versions)
    key = page.context["sections"][0]["form"].initial["idempotency_key"]

    form = {
        "role": "homeroom",
        "idempotency_key": key,
        "versions": [v.pk for v in versions],
        "credential": credential.pk,
        "authorisation": PASSWORD,
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/signing/pending/", form)
    batch = SigningBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/signing/batches/{batch.pk}/"
    assert SignatureEvent.objects.count() == 3

    again = client.post("/signing/pending/", form)  # a double submission: nothing waits any more
    assert again.status_code == 200
    assert SigningBatch.objects.count() == 1
    assert SignatureEvent.objects.count() == 3

    result = client.get(f"/signing/batches/{batch.pk}/")
    assert result.status_code == 200
    assert result.content.decode().count("outcome-ok") == 3


def test_wrong_password_is_a_form_error_and_nothing_is_signed(world: World, pki: DemoPKI, signing_env, login) -> None:
    version = make_frozen_version(world)
    credential, _source = register_credential(pki, world.users["homeroom"])
    response = login("homeroom").post(
        "/signing/pending/",
        {
            "role": "homeroom",
            "idempotency_key": "k1",
            "versions": [version.pk],
            "credential": credential.pk,
            "authorisation": "wrong",
        },
    )
    assert response.status_code == 200
    assert response.context["sections"][0]["form"].errors
    version.refresh_from_db()
    assert version.status == Status.FROZEN
    assert not SigningBatch.objects.exists()


def test_a_version_not_waiting_for_me_cannot_be_submitted(world: World, pki: DemoPKI, signing_env, login) -> None:
    other_class = make_frozen_version(world, class_group=world.class_3b)
    make_frozen_version(world)
    credential, _source = register_credential(pki, world.users["homeroom"])
    response = login("homeroom").post(
        "/signing/pending/",
        {
            "role": "homeroom",
            "idempotency_key": "k2",
            "versions": [other_class.pk],
            "credential": credential.pk,
            "authorisation": PASSWORD,
        },
    )
    assert response.status_code == 200
    assert not SigningBatch.objects.exists()


@pytest.mark.parametrize(
    ("persona", "status"),
    [("homeroom", 200), ("principal", 200), ("principal_b", 404), ("officer", 404), ("stranger", 404)],
)
def test_pdf_download_is_scoped_and_audited(world: World, signing_env, login, persona: str, status: int) -> None:
    version = make_frozen_version(world)
    response = login(persona).get(f"/records/versions/{version.pk}/pdf/")
    assert response.status_code == status
    reads = AuditEvent.objects.filter(action="record.read", object_id=str(version.pk))
    if status == 200:
        assert b"".join(response.streaming_content).startswith(b"%PDF")
        assert reads.count() == 1
    else:
        assert reads.count() == 0


def test_signing_pages_need_a_signing_role(world: World, login) -> None:
    assert login("teacher").get("/signing/pending/").status_code == 403
    assert login("homeroom").get("/signing/certificates/expiring/").status_code == 403


def test_expiring_certificates_page_for_the_principal(world: World, pki: DemoPKI, signing_env, login) -> None:
    now = dt.datetime.now(tz=dt.UTC)
    soon, _s = register_credential(pki, world.users["clerk"], not_after=now + dt.timedelta(days=20))
    later, _s = register_credential(pki, world.users["vice"])
    seal, _s = register_credential(
        pki, world.users["clerk"], organisation_of=world.school_a, not_after=now + dt.timedelta(days=59)
    )
    elsewhere, _s = register_credential(pki, world.users["principal_b"], not_after=now + dt.timedelta(days=5))

    response = login("principal").get("/signing/certificates/expiring/")
    assert response.status_code == 200
    assert [c.pk for c in response.context["credentials"]] == [soon.pk, seal.pk]
    assert later.pk not in [c.pk for c in response.context["credentials"]]
    assert elsewhere.pk not in [c.pk for c in response.context["credentials"]]

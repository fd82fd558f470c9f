"""Certificate passwords and PINs cannot be tried freely: counted per signer and per credential,
locked out, audited; the right password during a lockout is refused and nothing is signed."""

from __future__ import annotations

import pytest

from hocbaso.accounts.throttle import LockedOut
from hocbaso.audit.models import AuditEvent
from hocbaso.records.models import Status
from hocbaso.signing import actions
from hocbaso.signing.pki import DemoPKI
from hocbaso.signing.refusals import CredentialRefused
from hocbaso.signing.tests import factories
from hocbaso.signing.tests.factories import PASSWORD, make_frozen_version, register_credential
from hocbaso.testing import World

pytestmark = [pytest.mark.django_db]
signing_env = factories.signing_env


def submit(user, version, credential, secret: str, key: str):  # type: ignore[no-untyped-def]
    return actions.submit_batch(
        by=user,
        version_ids=[version.pk],
        role="homeroom",
        credential=credential,
        idempotency_key=key,
        authorisation=secret,
    )


def test_five_wrong_passwords_lock_the_signer_and_the_right_one_is_then_refused(
    world: World, pki: DemoPKI, signing_env
) -> None:
    version = make_frozen_version(world)
    credential, _source = register_credential(pki, world.users["homeroom"])
    homeroom = world.users["homeroom"]
    for attempt in range(5):
        with pytest.raises(CredentialRefused) as refused:
            submit(homeroom, version, credential, f"guess-{attempt}", f"k{attempt}")
        assert refused.value.code == "pkcs12_unreadable"
    with pytest.raises(LockedOut) as locked:
        submit(homeroom, version, credential, PASSWORD, "k-right")
    assert locked.value.code == "locked_out"
    assert locked.value.status == 429
    assert "Thử lại sau 15 phút" in str(locked.value.message)
    version.refresh_from_db()
    assert version.status == Status.FROZEN
    assert AuditEvent.objects.filter(action="certificate.wrong_secret", object_id=str(credential.pk)).count() == 5
    assert AuditEvent.objects.filter(action="certificate.locked").count() == 2  # the signer and the credential
    assert all(PASSWORD not in str(e.changes) for e in AuditEvent.objects.all())


def test_a_seal_tried_by_two_people_is_locked_for_both(world: World, pki: DemoPKI, signing_env) -> None:
    seal, _source = register_credential(pki, world.users["principal"], organisation_of=world.school_a)
    version = make_frozen_version(world)
    for attempt, persona in enumerate(["principal", "clerk", "principal", "clerk", "principal"]):
        with pytest.raises(CredentialRefused):
            actions.submit_batch(
                by=world.users[persona],
                version_ids=[version.pk],
                role="school",
                credential=seal,
                idempotency_key=f"s{attempt}",
                authorisation=f"guess-{attempt}",
            )
    with pytest.raises(LockedOut) as locked:
        actions.submit_batch(
            by=world.users["clerk"],
            version_ids=[version.pk],
            role="school",
            credential=seal,
            idempotency_key="s-right",
            authorisation=PASSWORD,
        )
    assert "chứng thư số này" in str(locked.value.message)


def test_the_signing_page_shows_the_lockout_on_the_password_field(
    world: World, pki: DemoPKI, signing_env, login
) -> None:
    version = make_frozen_version(world)
    credential, _source = register_credential(pki, world.users["homeroom"])
    client = login("homeroom")
    form = {"role": "homeroom", "versions": [version.pk], "credential": credential.pk}
    for attempt in range(5):
        client.post("/signing/pending/", {**form, "idempotency_key": f"p{attempt}", "authorisation": "wrong"})
    response = client.post("/signing/pending/", {**form, "idempotency_key": "p-right", "authorisation": PASSWORD})
    assert response.status_code == 200
    assert "Tài khoản tạm khóa do nhập sai nhiều lần" in response.content.decode()
    version.refresh_from_db()
    assert version.status == Status.FROZEN


def test_a_right_password_clears_the_signers_count(world: World, pki: DemoPKI, signing_env) -> None:
    homeroom = world.users["homeroom"]
    credential, _source = register_credential(pki, homeroom)
    first = make_frozen_version(world)
    for attempt in range(4):
        with pytest.raises(CredentialRefused):
            submit(homeroom, first, credential, "wrong", f"c{attempt}")
    submit(homeroom, first, credential, PASSWORD, "c-right")
    second = make_frozen_version(world)
    for attempt in range(4):  # counted again from zero: four more typos do not lock
        with pytest.raises(CredentialRefused):
            submit(homeroom, second, credential, "wrong", f"c-again{attempt}")
    submit(homeroom, second, credential, PASSWORD, "c-right-again")

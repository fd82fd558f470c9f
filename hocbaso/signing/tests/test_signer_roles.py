"""The role at the signing date: only appointments recorded before the signature count, on signing
and on verifying; a self-made backdated appointment never signs; one person, one personal role."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from hocbaso.core import clock
from hocbaso.core.errors import DomainError
from hocbaso.directory import actions as directory
from hocbaso.directory.models import Role
from hocbaso.records.models import Status
from hocbaso.signing import batches, order, pending, refusals
from hocbaso.signing.models import ItemOutcome, SignatureEvent, SignatureRole
from hocbaso.signing.pki import DemoPKI
from hocbaso.signing.tests import factories
from hocbaso.signing.tests.factories import make_frozen_version, register_credential
from hocbaso.testing import World, appoint

pytestmark = pytest.mark.django_db
signing_env = factories.signing_env  # the fixture, shared


def _sign(world: World, user: str, role: str, versions, source, env, credential=None):  # type: ignore[no-untyped-def]
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


def test_clerk_who_tried_to_appoint_themselves_vice_principal_cannot_sign_as_principal(
    world: World, pki: DemoPKI, signing_env
) -> None:
    """The defect: a clerk appointed themselves vice-principal from 2019 and signed "KT. Hiệu trưởng"."""
    clerk = world.users["clerk"]
    with pytest.raises(DomainError):
        directory.appoint(
            by=clerk, staff=clerk.staff, role=Role.VICE_PRINCIPAL, school=world.school_a, valid_from=dt.date(2019, 1, 1)
        )
    version = make_frozen_version(world)
    version.status = Status.SIGNED_HOMEROOM
    version.save(update_fields=["status"])
    credential, source = register_credential(pki, clerk)
    batch = _sign(world, "clerk", SignatureRole.PRINCIPAL, [version], source, signing_env, credential)
    item = batch.items.get()
    assert (item.outcome, item.code) == (ItemOutcome.FAILED, "signer_not_appointed")
    assert not SignatureEvent.objects.filter(version=version).exists()


def test_an_appointment_recorded_after_the_moment_does_not_entitle(world: World) -> None:
    """Even one written straight into the database with an early start: recorded later, proves nothing then."""
    version = make_frozen_version(world)
    moment = clock.now()
    clerk = world.users["clerk"]
    appoint(
        clerk,
        Role.VICE_PRINCIPAL,
        school=world.school_a,
        valid_from=dt.date(2019, 1, 1),
        recorded_at=moment + dt.timedelta(seconds=5),
    )
    with pytest.raises(refusals.SignerNotAppointed):
        order.appointment_for(clerk.staff, version, SignatureRole.PRINCIPAL, on=clock.today(), at=moment)
    _appointment, title = order.appointment_for(
        clerk.staff, version, SignatureRole.PRINCIPAL, on=clock.today(), at=moment + dt.timedelta(seconds=6)
    )
    assert title == "KT. Hiệu trưởng"


def test_one_person_does_not_sign_a_version_in_two_roles(world: World, pki: DemoPKI, signing_env) -> None:
    """The principal, also homeroom teacher of 3A, signs 3A's record as homeroom; not as principal too."""
    appoint(world.users["principal"], Role.HOMEROOM_TEACHER, class_group=world.class_3a)
    version = make_frozen_version(world)
    credential, source = register_credential(pki, world.users["principal"])
    first = _sign(world, "principal", SignatureRole.HOMEROOM, [version], source, signing_env, credential)
    assert first.items.get().outcome == ItemOutcome.OK
    assert pending.pending_for(world.users["principal"]) == []  # not offered for the second role
    second = _sign(world, "principal", SignatureRole.PRINCIPAL, [version], source, signing_env, credential)
    item = second.items.get()
    assert (item.outcome, item.code) == (ItemOutcome.FAILED, "signer_two_roles")
    version.refresh_from_db()
    assert version.status == Status.SIGNED_HOMEROOM
    # the vice-principal signs it instead
    vice_credential, vice_source = register_credential(pki, world.users["vice"])
    third = _sign(world, "vice", SignatureRole.PRINCIPAL, [version], vice_source, signing_env, vice_credential)
    assert third.items.get().outcome == ItemOutcome.OK

"""A school-year kept on paper and the copies digitised from its paper books: the year's own record
is never signed digitally, but the seal certifies the digitised copies (that is what they are for),
and the seal's waiting list offers them while it offers no digital record of that year."""

from __future__ import annotations

from typing import Any

import pytest

from hocbaso.core.errors import DomainError
from hocbaso.records.models import Origin, Status
from hocbaso.signing import actions, batches, pending
from hocbaso.signing.models import SignatureRole
from hocbaso.signing.pki import DemoPKI
from hocbaso.signing.tests.factories import make_frozen_version, register_credential
from hocbaso.testing import World
from hocbaso.verification import registry
from hocbaso.verification.tests.digitised import certify, digitise

pytestmark = pytest.mark.django_db


def _paper(world: World) -> None:
    actions.set_paper_mode(
        by=world.users["officer"], school=world.school_a, school_year=world.year, paper_mode=True, reason="Giấy"
    )


def test_the_seal_certifies_a_digitised_copy_of_a_paper_year(world: World, pki: DemoPKI, signing_env: Any) -> None:
    registry._trust_cache.clear()
    version = digitise(world)
    _paper(world)
    register_credential(pki, world.users["clerk"], organisation_of=world.school_a)
    waiting = pending.pending_for(world.users["clerk"])
    # offered to the seal although the year is on paper
    assert [v.pk for group in waiting for v in group.versions] == [version.pk]
    item = certify(world, pki, signing_env, version)
    assert item.outcome == "ok", item.message
    version.refresh_from_db()
    assert (version.origin, version.status) == (Origin.DIGITISED, Status.ISSUED)
    assert registry.verify_code(version.issuance_code).outcome == "valid"


def test_a_digital_record_of_the_paper_year_is_still_refused_to_the_seal(
    world: World, pki: DemoPKI, signing_env: Any
) -> None:
    digital = make_frozen_version(world, student=world.students["binh"])
    _paper(world)
    _credential, seal = register_credential(pki, world.users["clerk"], organisation_of=world.school_a)
    assert pending.pending_for(world.users["clerk"]) == []
    with pytest.raises(DomainError) as refused:
        batches.sign_batch(
            by=world.users["clerk"],
            version_ids=[digital.pk],
            role=SignatureRole.SCHOOL,
            signer_source=seal,
            idempotency_key="paper-seal",
        )
    assert refused.value.code == "paper_year_signing"

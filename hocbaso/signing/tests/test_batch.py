"""Batches: a class of 35 in one go, a failing record in the middle, idempotency, interruption and
resumption, and the web path (authorisation checked, sealed for the task, wiped at the end)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from hocbaso.core.errors import Conflict, DomainError
from hocbaso.records import storage
from hocbaso.records.models import RecordVersion, Status
from hocbaso.signing import actions, authorisations, batches, pades, refusals
from hocbaso.signing.models import BatchSecret, ItemOutcome, SignatureEvent, SignatureRole, SigningBatch
from hocbaso.signing.pki import DemoPKI
from hocbaso.signing.tests import factories
from hocbaso.signing.tests.factories import (
    PASSWORD,
    blank_pdf_without_fields,
    make_class_versions,
    register_credential,
)
from hocbaso.testing import World

pytestmark = pytest.mark.django_db
signing_env = factories.signing_env  # the fixture, shared


class Interrupted(BaseException):
    """Stands in for the worker being killed: not an Exception, so nothing in the batch catches it."""


def _snapshot(version: RecordVersion) -> dict[str, object]:
    return dict(RecordVersion.objects.filter(pk=version.pk).values().get())


def test_a_class_of_35_is_signed_in_one_batch_and_a_failing_record_stays_untouched(
    world: World, pki: DemoPKI, signing_env
) -> None:
    versions = make_class_versions(world, 35)
    broken = versions[17]
    # The 18th record's PDF has no signature fields: signing it fails inside pyHanko's caller.
    name, digest = storage.put(blank_pdf_without_fields(), ".pdf")
    RecordVersion.objects.filter(pk=broken.pk).update(pdf_name=name, pdf_sha256=digest)
    before = _snapshot(broken)
    credential, source = register_credential(pki, world.users["homeroom"])

    batch = batches.sign_batch(
        by=world.users["homeroom"],
        version_ids=[v.pk for v in versions],
        role=SignatureRole.HOMEROOM,
        signer_source=source,
        idempotency_key=uuid.uuid4().hex,
        trust=signing_env["trust"],
    )

    assert batch.state == SigningBatch.State.FINISHED
    assert (batch.total, batch.done) == (35, 35)
    outcomes = list(batch.items.order_by("position").values_list("outcome", "code"))
    assert outcomes[17] == (ItemOutcome.FAILED, "signature_field_missing")
    assert outcomes[:17] + outcomes[18:] == [(ItemOutcome.OK, "")] * 34
    assert _snapshot(broken) == before
    assert not SignatureEvent.objects.filter(version=broken).exists()
    signed = RecordVersion.objects.filter(status=Status.SIGNED_HOMEROOM)
    assert signed.count() == 34
    assert SignatureEvent.objects.filter(role="homeroom", credential=credential).count() == 34
    sample = signed.first()
    assert sample is not None
    assert [r.outcome for r in pades.validate_pdf(storage.get(sample.signed_pdf_name), signing_env["trust"])] == [
        "valid"
    ]


def test_the_same_idempotency_key_twice_signs_nothing_twice(world: World, pki: DemoPKI, signing_env) -> None:
    versions = make_class_versions(world, 3)
    _c, source = register_credential(pki, world.users["homeroom"])
    arguments: dict[str, Any] = dict(
        by=world.users["homeroom"],
        version_ids=[v.pk for v in versions],
        role=SignatureRole.HOMEROOM,
        signer_source=source,
        idempotency_key="double-click-1",
        trust=signing_env["trust"],
    )
    first = batches.sign_batch(**arguments)
    hashes = dict(RecordVersion.objects.values_list("pk", "signed_pdf_sha256"))
    second = batches.sign_batch(**arguments)

    assert second.pk == first.pk
    assert SigningBatch.objects.count() == 1
    assert SignatureEvent.objects.count() == 3
    assert dict(RecordVersion.objects.values_list("pk", "signed_pdf_sha256")) == hashes

    with pytest.raises(Conflict) as reused:
        batches.sign_batch(**{**arguments, "version_ids": [versions[0].pk]})
    assert reused.value.code == "idempotency_key_reused"


def test_a_new_batch_over_signed_records_skips_them(world: World, pki: DemoPKI, signing_env) -> None:
    versions = make_class_versions(world, 2)
    _c, source = register_credential(pki, world.users["homeroom"])
    common: dict[str, Any] = dict(by=world.users["homeroom"], role=SignatureRole.HOMEROOM, signer_source=source)
    batches.sign_batch(**common, version_ids=[versions[0].pk], idempotency_key="a", trust=signing_env["trust"])
    batch = batches.sign_batch(
        **common, version_ids=[v.pk for v in versions], idempotency_key="b", trust=signing_env["trust"]
    )
    assert list(batch.items.values_list("outcome", flat=True)) == [ItemOutcome.SKIPPED, ItemOutcome.OK]
    assert SignatureEvent.objects.count() == 2


def test_an_interrupted_batch_leaves_no_half_signed_record_and_resumes(world: World, pki: DemoPKI, signing_env) -> None:
    versions = make_class_versions(world, 8)
    _c, source = register_credential(pki, world.users["homeroom"])
    finished: list[int] = []

    def die_after_three(item) -> None:
        finished.append(item.pk)
        if len(finished) == 3:
            raise Interrupted

    with pytest.raises(Interrupted):
        batches.sign_batch(
            by=world.users["homeroom"],
            version_ids=[v.pk for v in versions],
            role=SignatureRole.HOMEROOM,
            signer_source=source,
            idempotency_key="interrupted",
            trust=signing_env["trust"],
            after_item=die_after_three,
        )
    batch = SigningBatch.objects.get()
    assert batch.state == SigningBatch.State.RUNNING
    assert batch.done == 3
    # Every record is either fully signed (status, files, event) or exactly as it was.
    for version in RecordVersion.objects.all():
        has_event = SignatureEvent.objects.filter(version=version).exists()
        assert (version.status == Status.SIGNED_HOMEROOM) == has_event == bool(version.signed_pdf_name)
    assert SignatureEvent.objects.count() == 3

    resumed = batches.resume_batch(batch.pk, source=source, trust=signing_env["trust"])

    assert resumed.state == SigningBatch.State.FINISHED
    assert (resumed.done, SignatureEvent.objects.count()) == (8, 8)
    assert set(resumed.items.values_list("outcome", flat=True)) == {ItemOutcome.OK}


def test_submitted_batch_runs_as_a_task_with_the_sealed_authorisation(
    world: World, pki: DemoPKI, signing_env, django_capture_on_commit_callbacks
) -> None:
    versions = make_class_versions(world, 2)
    credential, _source = register_credential(pki, world.users["homeroom"])

    with pytest.raises(DomainError) as wrong:
        actions.submit_batch(
            by=world.users["homeroom"],
            version_ids=[v.pk for v in versions],
            role=SignatureRole.HOMEROOM,
            credential=credential,
            idempotency_key="web-1",
            authorisation="wrong password",
        )
    assert wrong.value.code == "pkcs12_unreadable"
    assert not SigningBatch.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        batch = actions.submit_batch(
            by=world.users["homeroom"],
            version_ids=[v.pk for v in versions],
            role=SignatureRole.HOMEROOM,
            credential=credential,
            idempotency_key="web-1",
            authorisation=PASSWORD,
        )
    batch.refresh_from_db()
    assert batch.state == SigningBatch.State.FINISHED  # the immediate task backend ran it
    assert not BatchSecret.objects.exists()  # deleted when the batch ended
    assert SignatureEvent.objects.count() == 2


def test_sealed_authorisation_round_trip_and_expiry(settings) -> None:
    token = authorisations.seal("1234")
    assert "1234" not in token
    assert authorisations.unseal(token) == "1234"
    with pytest.raises(refusals.AuthorisationRequired):
        authorisations.unseal("")
    settings.SECRET_KEY = "another-deployment-key-0123456789-abcdefghijklmnop"
    with pytest.raises(refusals.AuthorisationRequired) as expired:
        authorisations.unseal(token)
    assert expired.value.code == "authorisation_expired"


def test_a_batch_in_two_shards_is_signed_by_two_workers_and_finishes_with_the_last(
    world: World, pki: DemoPKI, signing_env
) -> None:
    versions = make_class_versions(world, 5)
    credential, source = register_credential(pki, world.users["homeroom"])
    batch, _created = batches.create_batch(
        by=world.users["homeroom"],
        version_ids=[v.pk for v in versions],
        role=SignatureRole.HOMEROOM,
        credential=credential,
        idempotency_key="two-shards",
        authorisation=PASSWORD,
        shards=2,
    )
    assert batch.shards == 2
    first = batches.resume_batch(batch.pk, shard=0, shards=2, trust=signing_env["trust"])
    assert first.state == SigningBatch.State.RUNNING  # the other shard's items still wait
    assert list(first.items.order_by("position").values_list("outcome", flat=True)) == [
        ItemOutcome.OK,
        ItemOutcome.PENDING,
        ItemOutcome.OK,
        ItemOutcome.PENDING,
        ItemOutcome.OK,
    ]
    assert BatchSecret.objects.filter(batch=batch).exists()  # still needed by the second worker
    second = batches.resume_batch(batch.pk, shard=1, shards=2, source=source, trust=signing_env["trust"])
    assert (second.state, second.done) == (SigningBatch.State.FINISHED, 5)
    assert not BatchSecret.objects.exists()
    assert SignatureEvent.objects.filter(role="homeroom").count() == 5


def test_a_refused_shard_keeps_its_reason_when_the_sibling_task_runs(world: World, pki: DemoPKI, signing_env) -> None:
    from hocbaso.signing.tasks import sign_batch_task

    versions = make_class_versions(world, 2)
    credential, _source = register_credential(pki, world.users["homeroom"])
    batch, _created = batches.create_batch(
        by=world.users["homeroom"],
        version_ids=[v.pk for v in versions],
        role=SignatureRole.HOMEROOM,
        credential=credential,
        idempotency_key="refused-shard",
        authorisation="not the password",
        shards=2,
    )
    assert sign_batch_task.call(batch.pk, 0) == "failed"
    assert sign_batch_task.call(batch.pk, 1) == "failed"
    batch.refresh_from_db()
    assert (batch.state, batch.error_code) == (SigningBatch.State.FAILED, "pkcs12_unreadable")
    assert not SignatureEvent.objects.exists()

"""Batches whose worker died: the sweeper resumes or stops them, the signer continues them ("Tiếp tục"),
nothing is ever signed twice, and the sealed password/PIN is deleted when the batch ends or expires.

A killed worker is simulated by an exception that is not an ``Exception`` raised after some items
(nothing in the batch catches it, so the batch stays ``running`` with its secret, as after a
``kill -9``); its heartbeat is then moved back past the sweeper's threshold.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import F

from hocbaso.audit.models import AuditEvent
from hocbaso.core.errors import PermissionRefused
from hocbaso.signing import actions, authorisations, recovery, refusals
from hocbaso.signing import batches as signing_batches
from hocbaso.signing.models import BatchSecret, ItemOutcome, SignatureEvent, SignatureRole, SigningBatch
from hocbaso.signing.pki import DemoPKI
from hocbaso.signing.tasks import sign_batch_task, sweep_batches_task
from hocbaso.signing.tests import factories
from hocbaso.signing.tests.factories import PASSWORD, make_class_versions, register_credential
from hocbaso.testing import World

pytestmark = pytest.mark.django_db
signing_env = factories.signing_env

TOTAL = 6
KILLED_AFTER = 2


class Killed(BaseException):
    """The worker process dying: not an ``Exception``, so nothing in the batch catches it."""


def killed_batch(world: World, pki: DemoPKI, trust: Any, *, after: int = KILLED_AFTER) -> SigningBatch:
    """A batch submitted with the password (sealed for the worker) whose worker died after ``after`` items."""
    versions = make_class_versions(world, TOTAL)
    credential, _source = register_credential(pki, world.users["homeroom"])
    batch, _created = signing_batches.create_batch(
        by=world.users["homeroom"],
        version_ids=[v.pk for v in versions],
        role=SignatureRole.HOMEROOM,
        credential=credential,
        idempotency_key="killed",
        authorisation=PASSWORD,
    )
    finished: list[int] = []

    def die(item: Any) -> None:
        finished.append(item.pk)
        if len(finished) == after:
            raise Killed

    with pytest.raises(Killed):
        signing_batches.resume_batch(batch.pk, trust=trust, after_item=die)
    batch.refresh_from_db()
    assert (batch.state, batch.done) == (SigningBatch.State.RUNNING, after)
    assert BatchSecret.objects.filter(batch=batch).exists()
    return batch


def silence(batch: SigningBatch) -> None:
    """Time passes without a heartbeat: the worker is gone."""
    SigningBatch.objects.filter(pk=batch.pk).update(heartbeat_at=F("heartbeat_at") - dt.timedelta(hours=1))


def signatures() -> dict[int, tuple[Any, ...]]:
    return {
        e.pk: (e.version_id, e.signed_at, e.pdf_sha256_after)
        for e in SignatureEvent.objects.filter(role=SignatureRole.HOMEROOM)
    }


def finished_cleanly(batch: SigningBatch, before: dict[int, tuple[Any, ...]]) -> None:
    """Every item signed once, the signatures made before the crash untouched, the secret gone."""
    batch.refresh_from_db()
    assert (batch.state, batch.done) == (SigningBatch.State.FINISHED, TOTAL)
    assert set(batch.items.values_list("outcome", flat=True)) == {ItemOutcome.OK}
    after = signatures()
    assert len(after) == TOTAL
    assert {pk: after[pk] for pk in before} == before
    assert not BatchSecret.objects.exists()


def test_the_sweeper_resumes_a_killed_batch_and_signs_only_the_rest(
    world: World, pki: DemoPKI, signing_env, django_capture_on_commit_callbacks, capsys
) -> None:
    batch = killed_batch(world, pki, signing_env["trust"])
    before = signatures()
    assert len(before) == KILLED_AFTER
    silence(batch)

    with django_capture_on_commit_callbacks(execute=True):
        call_command("signing", "sweep-batches")

    assert "1 batches resumed, 0 stopped" in capsys.readouterr().out
    finished_cleanly(batch, before)
    assert AuditEvent.objects.filter(action="signing.batch_resume", object_id=str(batch.pk)).count() == 1


def test_a_batch_whose_worker_is_alive_is_left_alone(world: World, pki: DemoPKI, signing_env) -> None:
    batch = killed_batch(world, pki, signing_env["trust"])  # its heartbeat is fresh
    assert actions.sweep_batches() == recovery.SweepSummary(resumed=0, failed=0, secrets_deleted=0)
    batch.refresh_from_db()
    assert batch.state == SigningBatch.State.RUNNING
    assert BatchSecret.objects.filter(batch=batch).exists()


def test_without_its_secret_a_lost_batch_stops_and_the_signer_continues_with_the_password(
    world: World, pki: DemoPKI, signing_env, login, django_capture_on_commit_callbacks
) -> None:
    batch = killed_batch(world, pki, signing_env["trust"])
    before = signatures()
    BatchSecret.objects.filter(batch=batch).update(expires_at=F("expires_at") - dt.timedelta(hours=2))
    silence(batch)

    assert actions.sweep_batches() == recovery.SweepSummary(resumed=0, failed=1, secrets_deleted=0)
    batch.refresh_from_db()
    assert (batch.state, batch.error_code) == (SigningBatch.State.FAILED, "worker_lost")
    assert not BatchSecret.objects.exists()  # the expired secret went with the stopped batch

    client = login("homeroom")
    page = client.get(f"/signing/batches/{batch.pk}/")
    assert page.context["can_continue"] and page.context["needs_authorisation"]
    assert 'type="password"' in page.content.decode()
    url = f"/signing/batches/{batch.pk}/continue/"

    missing = client.post(url, {"authorisation": ""})
    assert missing.context["continue_form"].errors["authorisation"]
    wrong = client.post(url, {"authorisation": "not the password"})
    assert wrong.context["continue_form"].errors["authorisation"]
    batch.refresh_from_db()
    assert (batch.state, batch.resumes) == (SigningBatch.State.FAILED, 0)
    assert signatures() == before

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"authorisation": PASSWORD})
    assert response.status_code == 302
    finished_cleanly(batch, before)
    assert not client.get(f"/signing/batches/{batch.pk}/").context["can_continue"]


def test_continuing_twice_queues_the_batch_once_and_signs_nothing_twice(
    world: World, pki: DemoPKI, signing_env, django_capture_on_commit_callbacks
) -> None:
    batch = killed_batch(world, pki, signing_env["trust"])
    before = signatures()
    silence(batch)
    stale_copy = SigningBatch.objects.select_related("credential", "signer").get(pk=batch.pk)
    homeroom = world.users["homeroom"]

    with django_capture_on_commit_callbacks() as first:
        workflow_batch = actions.continue_batch(by=homeroom, batch_id=batch.pk)  # the sealed secret is still there
    with django_capture_on_commit_callbacks() as second:
        again = actions.continue_batch(by=homeroom, batch_id=batch.pk, authorisation=PASSWORD)
    # a sweeper that read the batch before the first resumption loses the compare-and-set
    assert recovery._requeue(stale_copy, by=None, channel="task", reason="worker_lost") is False

    assert (workflow_batch.state, workflow_batch.resumes) == (SigningBatch.State.QUEUED, 1)
    assert (again.state, again.resumes) == (SigningBatch.State.QUEUED, 1)
    assert (len(first), len(second)) == (1, 0)
    assert AuditEvent.objects.filter(action="signing.batch_resume").count() == 1
    for callback in first:
        callback()
    assert sign_batch_task.call(batch.pk, 0) == SigningBatch.State.FINISHED  # a duplicate task: nothing to do
    finished_cleanly(batch, before)


def test_two_workers_on_the_same_items_never_sign_or_count_one_twice(world: World, pki: DemoPKI, signing_env) -> None:
    """A worker thought dead was only slow: it goes on with the items it listed while the resumed one signs them."""
    batch = killed_batch(world, pki, signing_env["trust"])
    before = signatures()
    nested: list[bool] = []

    def second_worker_runs_first(item: Any) -> None:
        if not nested:
            nested.append(True)
            signing_batches.resume_batch(batch.pk, trust=signing_env["trust"])  # signs every remaining item

    signing_batches.resume_batch(batch.pk, trust=signing_env["trust"], after_item=second_worker_runs_first)

    finished_cleanly(batch, before)
    assert batch.done == TOTAL  # not counted twice


def test_a_batch_that_keeps_killing_its_worker_is_stopped_after_three_automatic_resumes(
    world: World, pki: DemoPKI, signing_env
) -> None:
    batch = killed_batch(world, pki, signing_env["trust"])
    SigningBatch.objects.filter(pk=batch.pk).update(resumes=recovery.MAX_AUTOMATIC_RESUMES)
    silence(batch)
    assert actions.sweep_batches().failed == 1
    batch.refresh_from_db()
    assert (batch.state, batch.error_code) == (SigningBatch.State.FAILED, "worker_lost")
    assert not BatchSecret.objects.exists()


def test_the_secret_row_is_deleted_when_a_batch_fails_and_when_it_expires(
    world: World, pki: DemoPKI, signing_env
) -> None:
    versions = make_class_versions(world, 2)
    credential, _source = register_credential(pki, world.users["homeroom"])
    common: dict[str, Any] = dict(by=world.users["homeroom"], role=SignatureRole.HOMEROOM, credential=credential)
    refused, _c = signing_batches.create_batch(
        **common, version_ids=[versions[0].pk], idempotency_key="refused", authorisation="not the password"
    )
    assert sign_batch_task.call(refused.pk, 0) == "failed"
    assert not BatchSecret.objects.filter(batch=refused).exists()

    waiting, _c = signing_batches.create_batch(
        **common, version_ids=[versions[1].pk], idempotency_key="waiting", authorisation=PASSWORD
    )
    BatchSecret.objects.filter(batch=waiting).update(expires_at=F("expires_at") - dt.timedelta(hours=2))
    assert sweep_batches_task.call() == {"resumed": 0, "failed": 0, "secrets_deleted": 1}
    assert not BatchSecret.objects.exists()
    with pytest.raises(refusals.AuthorisationRequired):
        authorisations.secret_of(waiting.pk)


def test_an_expired_secret_read_by_a_worker_is_deleted(world: World, pki: DemoPKI, signing_env) -> None:
    versions = make_class_versions(world, 1)
    credential, _source = register_credential(pki, world.users["homeroom"])
    batch, _c = signing_batches.create_batch(
        by=world.users["homeroom"],
        version_ids=[versions[0].pk],
        role=SignatureRole.HOMEROOM,
        credential=credential,
        idempotency_key="late",
        authorisation=PASSWORD,
    )
    BatchSecret.objects.filter(batch=batch).update(expires_at=F("expires_at") - dt.timedelta(hours=2))
    assert sign_batch_task.call(batch.pk, 0) == "failed"
    batch.refresh_from_db()
    assert batch.error_code == "authorisation_expired"
    assert not BatchSecret.objects.exists()


def test_a_stranger_cannot_continue_someone_elses_batch(world: World, pki: DemoPKI, signing_env, login) -> None:
    batch = killed_batch(world, pki, signing_env["trust"])
    silence(batch)
    url = f"/signing/batches/{batch.pk}/continue/"

    assert login("principal").post(url, {"authorisation": PASSWORD}).status_code == 404
    assert login("principal").get(f"/signing/batches/{batch.pk}/").status_code == 404
    operator = login("operator")
    assert not operator.get(f"/signing/batches/{batch.pk}/").context["can_continue"]
    assert operator.post(url, {"authorisation": PASSWORD}).status_code == 403
    with pytest.raises(PermissionRefused) as refused:
        actions.continue_batch(by=world.users["vice"], batch_id=batch.pk, authorisation=PASSWORD)
    assert refused.value.code == "batch_not_yours"

    batch.refresh_from_db()
    assert (batch.state, batch.resumes, batch.done) == (SigningBatch.State.RUNNING, 0, KILLED_AFTER)


def test_a_queued_batch_waits_for_a_worker_until_its_secret_is_gone(world: World, pki: DemoPKI, signing_env) -> None:
    """Queued behind other batches is not lost; queued with no secret left (a lost task) is stopped."""
    versions = make_class_versions(world, 1)
    credential, _source = register_credential(pki, world.users["homeroom"])
    batch, _c = signing_batches.create_batch(
        by=world.users["homeroom"],
        version_ids=[versions[0].pk],
        role=SignatureRole.HOMEROOM,
        credential=credential,
        idempotency_key="queued",
        authorisation=PASSWORD,
    )
    silence(batch)
    assert actions.sweep_batches() == recovery.SweepSummary(resumed=0, failed=0, secrets_deleted=0)
    batch.refresh_from_db()
    assert (batch.state, batch.resumes) == (SigningBatch.State.QUEUED, 0)

    BatchSecret.objects.filter(batch=batch).update(expires_at=F("expires_at") - dt.timedelta(hours=2))
    assert actions.sweep_batches() == recovery.SweepSummary(resumed=0, failed=1, secrets_deleted=0)
    batch.refresh_from_db()
    assert (batch.state, batch.error_code) == (SigningBatch.State.FAILED, "worker_lost")
    assert not BatchSecret.objects.exists()

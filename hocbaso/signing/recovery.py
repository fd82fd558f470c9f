"""Batches whose worker died: found by their heartbeat, resumed or failed; the signer's "Tiếp tục".

A worker moves ``SigningBatch.heartbeat_at`` when it starts and after every item. A ``running``
batch whose heartbeat is older than :data:`STALE_AFTER` has lost its worker (killed process); a
``queued`` one only once its sealed authorisation is gone too (a long queue in front of busy
workers is not a lost worker, but without its secret no worker could run it).
:func:`sweep` (``hocbaso signing sweep-batches`` or ``tasks.sweep_batches_task``, every few
minutes) then

- puts it back in the queue when its sealed authorisation is still there and it was not resumed
  automatically :data:`MAX_AUTOMATIC_RESUMES` times already (a document that kills its worker
  must not loop forever), or
- fails it (``worker_lost``) and deletes its secret: the signer presses "Tiếp tục" on the batch
  page and enters the password/PIN again (:func:`continue_batch`).

Either way only pending items are signed again: items already signed stay signed (their
``SignatureEvent`` is unique per version and role, and an item is finished once), so a double
resumption — two clicks, the sweeper and a click, two sweepers — signs nothing twice. Putting a
batch back in the queue is a compare-and-set on its state and heartbeat: only one wins.

Sealed authorisations are *deleted* (``BatchSecret`` rows) when their batch ends and once they
expire; the sweep deletes any that remain.

This module never imports the tasks: the caller passes ``enqueue`` (the actions' ``_enqueue_shards``, which
queues the batch's shards on commit); the write verbs ``signing.actions.continue_batch`` and
``sweep_batches`` do.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hocbaso.audit import actions as audit
from hocbaso.audit.models import Channel
from hocbaso.core import clock
from hocbaso.core.errors import NotFound, PermissionRefused
from hocbaso.signing import batches
from hocbaso.signing.authorisations import drop_secret, has_secret, store_secret
from hocbaso.signing.batch_states import move_batch
from hocbaso.signing.models import BatchSecret, CredentialKind, ItemOutcome, SigningBatch
from hocbaso.signing.refusals import AuthorisationRequired, CredentialRefused

STALE_AFTER = dt.timedelta(minutes=10)
MAX_AUTOMATIC_RESUMES = 3
LIVE_STATES = (SigningBatch.State.QUEUED, SigningBatch.State.RUNNING)
# Queues a batch's shards once the transaction commits (the actions' ``_enqueue_shards``).
Enqueue = Callable[[SigningBatch], None]


class BatchNotResumable(CredentialRefused):
    code = "batch_not_resumable"


def is_lost(batch: SigningBatch, *, now: dt.datetime | None = None, stale_after: dt.timedelta = STALE_AFTER) -> bool:
    """No worker has shown signs of life for ``stale_after``: running, or queued without its secret."""
    if batch.state not in LIVE_STATES:
        return False
    last = batch.heartbeat_at or batch.created_at
    if last >= (now or clock.now()) - stale_after:
        return False
    return batch.state == SigningBatch.State.RUNNING or not has_secret(batch.pk)


def can_continue(batch: SigningBatch) -> bool:
    """Whether "Tiếp tục" applies: items wait, and the batch stopped (failed) or lost its worker.

    Phone-app batches wait for the app instead (and ``expire-approvals`` closes them)."""
    if batch.credential.kind == CredentialKind.REMOTE_APP:
        return False
    if batch.state != SigningBatch.State.FAILED and not is_lost(batch):
        return False
    return batch.items.filter(outcome=ItemOutcome.PENDING).exists()


def _requeue(batch: SigningBatch, *, by: Any, channel: str, reason: str, enqueue: Enqueue | None = None) -> bool:
    """Put ``batch`` back in the queue if nobody changed it since it was read, then ``enqueue`` it.

    Returns False (nothing written) when another resumption or a worker got there first.
    """
    claimed = move_batch(
        batch.pk,
        SigningBatch.State.QUEUED,
        where={"state": batch.state, "heartbeat_at": batch.heartbeat_at},
        heartbeat_at=clock.now(),
        resumes=batch.resumes + 1,
        error="",
        error_code="",
        finished_at=None,
    )
    if not claimed:
        return False
    pending = batch.items.filter(outcome=ItemOutcome.PENDING).count()
    audit.record(
        by=by,
        action="signing.batch_resume",
        obj=batch,
        school_id=batch.credential.school_id or batch.signer.school_id,
        changes={"state": [batch.state, SigningBatch.State.QUEUED], "pending": pending, "reason": reason},
        channel=channel,
    )
    if enqueue is not None:
        enqueue(batch)
    return True


def _batch_of(by: Any, batch_id: int) -> SigningBatch:
    batch = SigningBatch.objects.select_related("credential", "signer").filter(pk=batch_id).first()
    if batch is None:
        raise NotFound(_("No such signing batch."), code="batch_not_found")
    if batch.created_by_id != getattr(by, "pk", None):
        raise PermissionRefused(
            _("Only the person who started this signing batch can continue it."), code="batch_not_yours"
        )
    return batch


def continue_batch(
    *, by: Any, batch_id: int, enqueue: Enqueue, authorisation: str = "", channel: str = Channel.WEB
) -> SigningBatch:
    """The signer's "Tiếp tục": sign the pending items of a batch that stopped or lost its worker.

    Only the person who submitted the batch may (``batch_not_yours``). With ``authorisation`` the
    key is opened and the certificate checked now (a wrong password is a form error) and the
    authorisation is sealed again for the worker; without it, the sealed one must still be there
    (``authorisation_required`` otherwise). A batch that is finished, still running, or was just
    resumed by someone else is returned unchanged: nothing is queued twice.
    """
    batch = _batch_of(by, batch_id)
    if not can_continue(batch):
        if batch.credential.kind == CredentialKind.REMOTE_APP:
            raise BatchNotResumable(_("This batch waits for the signing app; approve the records there."))
        return batch
    if authorisation:
        batches.check_authorisation(batch.credential, authorisation, by=by)
    elif not has_secret(batch.pk):
        raise AuthorisationRequired(_("Enter the password or PIN again to continue signing."), field="authorisation")
    with transaction.atomic():
        if _requeue(batch, by=by, channel=channel, reason="signer", enqueue=enqueue) and authorisation:
            store_secret(batch, authorisation)
    batch.refresh_from_db()
    return batch


@dataclass(frozen=True)
class SweepSummary:
    resumed: int
    failed: int
    secrets_deleted: int


def sweep(
    *, enqueue: Enqueue, by: Any = None, stale_after: dt.timedelta = STALE_AFTER, channel: str = Channel.TASK
) -> SweepSummary:
    """Resume (and ``enqueue``) or fail every batch that lost its worker; delete expired and leftover secrets."""
    now = clock.now()
    limit = now - stale_after
    stale = (
        SigningBatch.objects.filter(state__in=LIVE_STATES)
        .filter(Q(heartbeat_at__lt=limit) | Q(heartbeat_at__isnull=True, created_at__lt=limit))
        .exclude(credential__kind=CredentialKind.REMOTE_APP)
        .select_related("credential", "signer")
    )
    resumed = failed = 0
    for batch in stale:
        if not is_lost(batch, now=now, stale_after=stale_after):
            continue  # queued behind other batches, with its secret: a worker will take it
        with transaction.atomic():
            if batch.resumes < MAX_AUTOMATIC_RESUMES and has_secret(batch.pk):
                resumed += _requeue(batch, by=by, channel=channel, reason="worker_lost", enqueue=enqueue)
                continue
            if not move_batch(
                batch.pk,
                SigningBatch.State.FAILED,
                where={"state": batch.state, "heartbeat_at": batch.heartbeat_at},
                error_code="worker_lost",
                error=str(_("The signing stopped unexpectedly. Press “Continue” to sign the remaining records.")),
                finished_at=now,
            ):
                continue
            drop_secret(batch.pk)
            audit.record(
                by=by,
                action="signing.batch_lost",
                obj=batch,
                school_id=batch.credential.school_id or batch.signer.school_id,
                changes={"state": [batch.state, SigningBatch.State.FAILED], "done": batch.done, "total": batch.total},
                channel=channel,
            )
            failed += 1
    ended = Q(batch__state__in=[SigningBatch.State.FINISHED, SigningBatch.State.FAILED])
    deleted, _by_model = BatchSecret.objects.filter(Q(expires_at__lte=now) | ended).delete()
    return SweepSummary(resumed, failed, deleted)

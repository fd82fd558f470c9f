"""Background signing: a batch runs as a ``django.tasks`` task (in-process by default, a db_worker at scale).

The task only carries the batch id. The key is opened in the worker with the authorisation sealed
at submission (``authorisations``); each version is committed on its own, so a killed worker
leaves no half-signed record and running the task again (or ``batches.resume_batch``) continues;
``sweep_batches_task`` finds batches whose worker died (``recovery``).

Every task runs a verb of :mod:`hocbaso.signing.actions` (the write door); imports run ``tasks`` →
``actions`` → the job modules, never back (import-linter contracts): the actions queue a task by its
dotted path on commit, and hand the job modules the function that does it.
"""

from __future__ import annotations

import logging

from django_tasks import task

from hocbaso.core.errors import DomainError
from hocbaso.signing import actions
from hocbaso.signing.models import CredentialKind, SigningBatch

logger = logging.getLogger(__name__)


@task()
def sign_batch_task(batch_id: int, shard: int = 0) -> str:
    """Run (or continue) shard ``shard`` of batch ``batch_id`` (see ``SigningBatch.shards``); returns
    the batch's state afterwards. Refusals are stored on the batch."""
    try:
        kind, shards, state = SigningBatch.objects.values_list("credential__kind", "shards", "state").get(pk=batch_id)
        if kind == CredentialKind.REMOTE_APP:
            return str(actions.prepare_app_batch(batch_id).state)
        if shards > 1 and state == SigningBatch.State.FAILED:  # a sibling shard stopped it; keep its reason
            return str(state)
        return str(actions.resume_batch(batch_id, shard=shard, shards=shards).state)
    except DomainError as exc:
        logger.warning("signing batch %s stopped: %s", batch_id, exc.code)
        actions.mark_failed(batch_id, exc)
        return "failed"


@task()
def renew_archives_task(within_days: int = 365) -> dict[str, int]:
    """Scheduled maintenance (enqueue it weekly from cron or a systemd timer): keep every issued
    record's archive timestamp (B-LTA) renewed before the last one expires."""
    summary = actions.renew_archives(within_days=within_days)
    for code, reason in summary.failed:
        logger.warning("archive renewal of %s failed: %s", code, reason)
    return {"checked": summary.checked, "renewed": summary.renewed, "failed": len(summary.failed)}


@task()
def expire_remote_approvals_task() -> int:
    """Scheduled maintenance (daily): close phone-app approvals nobody answered in time."""

    return actions.expire_approvals()


@task()
def sweep_batches_task() -> dict[str, int]:
    """Scheduled maintenance (every few minutes): resume or fail batches whose worker died, and
    delete sealed authorisations that expired or whose batch ended."""
    summary = actions.sweep_batches()
    return {"resumed": summary.resumed, "failed": summary.failed, "secrets_deleted": summary.secrets_deleted}
